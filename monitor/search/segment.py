"""Words for the search index and for queries: jieba's segmentation, one tokenizer of its own.

Scoring adds the configured topic and department words to jieba's shared dictionary
(scoring/scorer.py), and only in the processes that score. Search must cut a text the same
way wherever it is cut (the crawler that stores a mention, the console that reads a query,
the migration that fills the index), so it keeps a private jieba.Tokenizer on the stock
dictionary and switches off the HMM guesser for unknown words: the cut then depends on the
dictionary alone. A name jieba does not know (云川) falls apart into single characters on
both sides, and the query still finds it: every term is also checked as a substring.

Documents are cut with `cut_for_search`, which adds the dictionary words inside longer
words (乱收费 → 收费, 乱收费), so a two-character query finds them inside longer words.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

_WORD = re.compile(r"\w", re.UNICODE)
_lock = threading.Lock()
_tokenizer: Any = None


def _jieba() -> Any:
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tk = jieba.Tokenizer()
                tk.initialize()
                _tokenizer = tk
    return _tokenizer


def _words(pieces: Iterator[str]) -> list[str]:
    """Lower-cased pieces that hold a letter or digit (punctuation and spaces dropped)."""
    return [p.lower() for p in (piece.strip() for piece in pieces) if p and _WORD.search(p)]


def document_words(text: str) -> list[str]:
    """The index words of a title or text, in order (a word inside a longer one included)."""
    if not text:
        return []
    return _words(_jieba().cut_for_search(text, HMM=False))


def query_words(term: str) -> list[str]:
    """The words a document must hold to contain `term` (its plain cut, no sub-words)."""
    return list(dict.fromkeys(_words(_jieba().cut(term, HMM=False))))

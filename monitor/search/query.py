"""The user's query: words, "quoted phrases" and -exclusions, each with its index words.

    景区 收费            both words, anywhere in the title or the text
    "停车 乱收费"         the phrase as written (spaces and punctuation kept)
    积水 -演练           积水, and not 演练 (a phrase can be excluded too: -"应急演练")

Chinese quotes (“…”, 「…」) work as "…". Every term matches as a substring of the
title or the text (letters case-insensitive); the index only narrows the candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.errors import YuqingError
from monitor.search.segment import query_words

MAX_LENGTH = 200
MAX_TERMS = 8
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "＂": '"'})
_PART = re.compile(r'(-?)"([^"]*)"?|(\S+)')


class QueryError(YuqingError):
    """A query that cannot be searched; the message (Chinese) says why."""


@dataclass(frozen=True)
class Term:
    text: str  # as matched: lower-cased, inner whitespace as typed
    words: tuple[str, ...]  # index words a document holding it must have
    phrase: bool


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]
    excluded: tuple[Term, ...]

    @property
    def marked(self) -> list[str]:
        """The texts to highlight in a hit."""
        return [t.text for t in self.terms]


def parse(raw: str) -> Query:
    text = (raw or "").translate(_QUOTES).replace("\u3000", " ").strip()
    if not text:
        raise QueryError("请输入要搜索的词。")
    if len(text) > MAX_LENGTH:
        raise QueryError(f"搜索词过长：最多 {MAX_LENGTH} 个字符。")
    terms: list[Term] = []
    excluded: list[Term] = []
    for m in _PART.finditer(text):
        negate, phrase, word = m.group(1) == "-", m.group(2), m.group(3)
        if word is not None and word.startswith("-") and len(word) > 1:
            negate, word = True, word[1:]
        body = (phrase if phrase is not None else word or "").strip().lower()
        words = tuple(query_words(body))
        if not words:
            continue  # punctuation alone, an empty "" or a lone "-"
        (excluded if negate else terms).append(Term(body, words, phrase is not None))
    if len(terms) + len(excluded) > MAX_TERMS:
        raise QueryError(f"搜索词过多：最多 {MAX_TERMS} 个词或短语。")
    if not terms:
        if excluded:
            raise QueryError("只有排除词：请至少给出一个要查找的词。")
        raise QueryError("搜索词中没有可查找的文字（标点和符号不参与搜索）。")
    return Query(tuple(dict.fromkeys(terms)), tuple(dict.fromkeys(excluded)))

"""The mention search index: SQLite FTS5 or a PostgreSQL tsvector with GIN, same words.

Both hold, for every mention, the jieba words of its title and of its text
(search/segment.py), and tags of what never changes and is often filtered by: its kind,
its source and the Beijing day it appeared (xkweibo, xs12, xd20261115), so that a filter
narrows in the index rather than row by row. SQLite: the FTS5 table `mention_fts` (rowid
= mention id; columns `title`, `body`, `tags` as space-separated words; unicode61 splits
on the spaces). PostgreSQL: the table `mention_search` (mention id, a tsvector of the same
words and tags) with a GIN index; the tsvector is written as a literal, so PostgreSQL's
own parser and dictionaries never see the text (a 'simple' parse would keep a Chinese
sentence whole). pg_trgm was measured against it (bench/search.py --trigram): a
two-character word yields no trigram, so a trigram index cannot narrow such a query.

Kept current in the transaction that stores a mention: `keep_current` after every ORM
flush (pipeline/store.store, intake.record, any edit of a title, a text or a publication
time) and `stored` by the batch insert of pipeline/store.store_batch. A deleted mention
leaves the index with it (a trigger on SQLite, ON DELETE CASCADE on PostgreSQL). The
migration 0010 creates the index and fills it with `backfill`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.orm import Session

from monitor.clock import beijing
from monitor.search.segment import document_words
from monitor.storage.models import Mention

FTS = "mention_fts"
PG_TABLE = "mention_search"
BATCH = 2000
_indexed: weakref.WeakSet[Engine] = weakref.WeakSet()
Segment = Callable[[str], list[str]]
Words = tuple[list[str], list[str]]  # of the title, of the text


@dataclass(frozen=True)
class Entry:
    """What the index holds of one mention."""

    id: int
    title: list[str]
    body: list[str]
    tags: list[str]


def kind_tag(kind: str) -> str:
    return f"xk{kind}".lower()


def source_tag(source_id: int) -> str:
    return f"xs{source_id}"


def day_tag(day: Any) -> str:
    """The tag of a Beijing date (or of the Beijing day of an aware datetime)."""
    return f"xd{(beijing(day) if isinstance(day, datetime) else day):%Y%m%d}"


def cut(title: str | None, body: str | None, segment: Segment = document_words) -> Words:
    """The words of a title and a text: CPU work, done before the database is held where
    the caller can (pipeline/store.store_batch)."""
    return segment(title or ""), segment(body or "")


def entry(mention_id: int, words: Words, kind: str, source_id: int, seen: datetime) -> Entry:
    """A mention's entry; `seen`: its publication time, else its fetch time."""
    tags = [kind_tag(kind), source_tag(source_id), day_tag(seen)]
    return Entry(mention_id, words[0], words[1], tags)


def entry_of(m: Mention) -> Entry:
    seen = m.published_at or m.fetched_at
    return entry(m.id, cut(m.title, m.text), m.kind, m.source_id, seen)


def create(conn: Connection) -> None:
    """The index's tables, for the migration (empty; `backfill` fills them)."""
    if conn.dialect.name == "sqlite":
        conn.execute(
            text(f"CREATE VIRTUAL TABLE {FTS} USING fts5(title, body, tags, tokenize='unicode61')")
        )
        conn.execute(
            text(
                f"CREATE TRIGGER mentions_search_forget AFTER DELETE ON mentions "
                f"BEGIN DELETE FROM {FTS} WHERE rowid = old.id; END"
            )
        )
    else:
        conn.execute(
            text(
                f"CREATE TABLE {PG_TABLE} (mention_id INTEGER PRIMARY KEY "
                "REFERENCES mentions (id) ON DELETE CASCADE, doc TSVECTOR NOT NULL)"
            )
        )
        conn.execute(text(f"CREATE INDEX ix_{PG_TABLE}_doc ON {PG_TABLE} USING gin (doc)"))


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.execute(text("DROP TRIGGER IF EXISTS mentions_search_forget"))
        conn.execute(text(f"DROP TABLE IF EXISTS {FTS}"))
    else:
        conn.execute(text(f"DROP TABLE IF EXISTS {PG_TABLE}"))


def write(conn: Connection, entries: Sequence[Entry]) -> int:
    """(Re)index these mentions; returns how many."""
    if not entries:
        return 0
    if conn.dialect.name == "sqlite":
        conn.execute(text(f"DELETE FROM {FTS} WHERE rowid = :id"), [{"id": e.id} for e in entries])
        conn.execute(
            text(f"INSERT INTO {FTS} (rowid, title, body, tags) VALUES (:id, :t, :b, :g)"),
            [
                {"id": e.id, "t": " ".join(e.title), "b": " ".join(e.body), "g": " ".join(e.tags)}
                for e in entries
            ],
        )
    else:
        conn.execute(
            text(
                f"INSERT INTO {PG_TABLE} (mention_id, doc) VALUES (:id, CAST(:doc AS tsvector)) "
                "ON CONFLICT (mention_id) DO UPDATE SET doc = excluded.doc"
            ),
            [{"id": e.id, "doc": tsvector([*e.title, *e.body, *e.tags])} for e in entries],
        )
    return len(entries)


def forget(conn: Connection, ids: Sequence[int]) -> None:
    if not ids:
        return
    table, key = (FTS, "rowid") if conn.dialect.name == "sqlite" else (PG_TABLE, "mention_id")
    conn.execute(text(f"DELETE FROM {table} WHERE {key} = :id"), [{"id": i} for i in ids])


def backfill(
    conn: Connection,
    segment: Segment = document_words,
    batch: int = BATCH,
    say: Callable[[int], Any] | None = None,
) -> int:
    """Index every mention not indexed yet, in id order, `batch` at a time; returns how many."""
    table, key = (FTS, "rowid") if conn.dialect.name == "sqlite" else (PG_TABLE, "mention_id")
    columns = (Mention.id, Mention.title, Mention.text, Mention.kind, Mention.source_id)
    seen = (Mention.published_at, Mention.fetched_at)
    missing = text(f"NOT EXISTS (SELECT 1 FROM {table} s WHERE s.{key} = mentions.id)")
    last, done = 0, 0
    while True:
        query = select(*columns, *seen).where(Mention.id > last, missing)
        rows = conn.execute(query.order_by(Mention.id).limit(batch)).all()
        if not rows:
            return done
        last = rows[-1][0]
        done += write(
            conn, [entry(i, cut(t, b, segment), k, src, p or f) for i, t, b, k, src, p, f in rows]
        )
        if say is not None:
            say(done)


def stored(conn: Connection, entries: Sequence[Entry]) -> None:
    """Index mentions just inserted (pipeline/store.store_batch, words cut beforehand), if
    the schema has the index (one not yet migrated to 0010, in the migrations' own tests,
    has not)."""
    if _has_index(conn):
        write(conn, entries)


def keep_current(session: Session, _flush_context: Any) -> None:
    """After a flush: index the new mentions and those whose title, text or publication
    time changed, forget the deleted ones (same transaction as the change)."""
    changed = [
        m
        for m in (*session.new, *session.dirty)
        if isinstance(m, Mention) and (m in session.new or _edited(m))
    ]
    gone = [m.id for m in session.deleted if isinstance(m, Mention) and m.id is not None]
    if not changed and not gone:
        return
    conn = session.connection()
    if not _has_index(conn):
        return  # a schema from before migration 0010 (the migrations' own tests)
    write(conn, [entry_of(m) for m in changed])
    forget(conn, gone)


def _edited(m: Mention) -> bool:
    state = inspect(m)
    return any(
        state.attrs[a].history.has_changes() for a in ("title", "text", "published_at", "kind")
    )


def _has_index(conn: Connection) -> bool:
    """Whether the schema has the index; remembered once seen (an older schema is asked
    again at each flush: it may be upgraded while the engine lives)."""
    if conn.engine in _indexed:
        return True
    if inspect(conn).has_table(FTS if conn.dialect.name == "sqlite" else PG_TABLE):
        _indexed.add(conn.engine)
        return True
    return False


def _quote(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector(words: Iterable[str]) -> str:
    """The tsvector literal of a mention's words and tags (no positions: the words are the
    filter, the substring check and the ranking read the text itself)."""
    return " ".join(_quote(w) for w in dict.fromkeys(words))


def tsquery(words: Iterable[str], any_of: Sequence[Sequence[str]] = ()) -> str:
    """A tsquery literal: every word, and one tag of each group."""
    parts = [_quote(w) for w in dict.fromkeys(words)]
    parts += ["(" + " | ".join(_quote(t) for t in group) + ")" for group in any_of]
    return " & ".join(parts)


def _fts_string(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_query(words: Iterable[str], any_of: Sequence[Sequence[str]] = ()) -> str:
    """An FTS5 MATCH expression: every word in the title or the text, and one tag of each
    group in the tags."""
    found = " AND ".join(_fts_string(w) for w in dict.fromkeys(words))
    parts = [f"{{title body}} : ({found})"]
    parts += ["tags : (" + " OR ".join(_fts_string(t) for t in group) + ")" for group in any_of]
    return " AND ".join(parts)

"""Normalise a collected item: canonical URL, clean text, publish time in UTC."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from monitor.clock import as_utc
from monitor.pipeline.datetimes import nfkc, parse_published

# Query parameters that track the reader, not select the content.
_TRACKING = re.compile(
    r"^(utm_\w+|spm|from|source|share_\w+|isappinstalled|wfr|scene|clicktime|timestamp|"
    r"vd_source|fbclid|gclid|_t|ref|refer)$",
    re.IGNORECASE,
)
# A regex, not str.translate: translate looks every character of a Chinese text up in a
# dict, about twenty times slower than scanning for these few.
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff\u00ad]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_SLASHES = re.compile(r"/{2,}")
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class ReadComment:
    """One comment read under a post or an article, as stored (storage/comments.py)."""

    key: str  # the site's id of the comment
    author: str | None  # as the site shows it
    published_at: datetime | None
    text: str
    likes: int


@dataclass(frozen=True)
class Normalised:
    source: str
    kind: str
    url: str
    canonical_url: str
    title: str
    text: str
    content_hash: str
    published_at: datetime | None
    fetched_at: datetime
    author: str | None = None
    site: str | None = None
    reposts: int = 0
    comments: int = 0
    likes: int = 0
    reposted_from: str | None = None
    reply_status: str | None = None
    raw: bytes | None = None
    final_url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # the comments read with it (None: none were read this time, so the stored ones stand)
    hot_comments: tuple[ReadComment, ...] | None = None


def canonical_url(url: str) -> str:
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    # Mobile and desktop editions of one article are one article: m./wap./3g./www. are
    # dropped (m.weibo.cn is Weibo's API host, not an edition).
    for prefix in ("www.", "m.", "wap.", "3g."):
        if host.startswith(prefix) and host.count(".") >= 2 and host != "m.weibo.cn":
            host = host[len(prefix) :]
            break
    query = sorted((k, v) for k, v in parse_qsl(parts.query) if not _TRACKING.match(k))
    path = parts.path or "/"
    if "//" in path:
        path = _SLASHES.sub("/", path)
    return urlunsplit(
        (
            "https" if parts.scheme in ("http", "https") else parts.scheme,
            host,
            path,
            urlencode(query),
            "",
        )
    )


def clean_text(text: str | None) -> str:
    if not text:
        return ""
    text = _ZERO_WIDTH.sub("", nfkc(text))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def content_hash(title: str, text: str) -> str:
    """Same words, same hash: whitespace and punctuation do not make a new story."""
    core = _NOT_WORD.sub("", f"{title}{text}")
    return hashlib.sha256(core.encode("utf-8")).hexdigest()


def _count(value: Any) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0


def normalise(item: Mapping[str, Any]) -> Normalised:
    fetched_at = as_utc(item["fetched_at"])
    published = item.get("published")
    if isinstance(published, datetime):
        published_at: datetime | None = as_utc(published)
    elif item.get("published_raw"):
        published_at = parse_published(str(item["published_raw"]), fetched_at)
    else:
        published_at = None
    if published_at and published_at > fetched_at:
        published_at = fetched_at  # a page cannot be published after we fetched it
    title = clean_text(item.get("title"))
    text = clean_text(item.get("text"))
    if not title:
        title = text[:40] + ("…" if len(text) > 40 else "")
    url = str(item["url"])
    return Normalised(
        source=str(item["source"]),
        kind=str(item["kind"]),
        url=url,
        canonical_url=canonical_url(url),
        title=title,
        text=text,
        content_hash=content_hash(title, text),
        published_at=published_at,
        fetched_at=fetched_at,
        author=clean_text(item.get("author")) or None,
        site=clean_text(item.get("site")) or None,
        reposts=_count(item.get("reposts")),
        comments=_count(item.get("comments")),
        likes=_count(item.get("likes")),
        reposted_from=canonical_url(item["reposted_from"]) if item.get("reposted_from") else None,
        reply_status=clean_text(item.get("reply_status")) or None,
        raw=item.get("raw"),
        final_url=item.get("final_url") or url,
        extra=_extra(item, fetched_at),
        hot_comments=_comments(item.get("hot_comments"), fetched_at),
    )


KEY_CHARS = 64  # mention_comments.key


def _comments(listed: Any, fetched_at: datetime) -> tuple[ReadComment, ...] | None:
    """The comments a spider read, cleaned: each once (by the site's id), none empty, times
    in UTC and never after the fetch. A comment without an id is keyed by its text."""
    if listed is None:
        return None
    out: dict[str, ReadComment] = {}
    for c in listed if isinstance(listed, list | tuple) else ():
        if not isinstance(c, Mapping):
            continue
        text = clean_text(c.get("text"))
        if not text:
            continue
        key = str(c.get("id") or "").strip()
        if not key:
            key = "t:" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
        key = key[:KEY_CHARS]
        if key in out:
            continue
        shown = c.get("published_raw")
        at = parse_published(str(shown), fetched_at) if shown else None
        author = clean_text(c.get("author")) or None
        out[key] = ReadComment(
            key=key,
            author=author[:200] if author else None,
            published_at=min(at, fetched_at) if at else None,
            text=text,
            likes=_count(c.get("likes")),
        )
    return tuple(out.values())


def _extra(item: Mapping[str, Any], fetched_at: datetime) -> dict[str, Any]:
    extra = dict(item.get("extra") or {})
    if item.get("reply_text"):
        extra["reply_text"] = clean_text(item["reply_text"])  # the official answer (答复)
    if isinstance(extra.get("posts"), list):
        extra["posts"] = [_post(p, fetched_at) for p in extra["posts"] if isinstance(p, dict)]
    return extra


def _post(post: Mapping[str, Any], fetched_at: datetime) -> dict[str, Any]:
    """One post of a thread: its time as UTC ISO 8601 (`at`), the text shown kept only
    when it names no time we can read."""
    shown = clean_text(post.get("time")) or None
    at = parse_published(shown, fetched_at) if shown else None
    out: dict[str, Any] = {
        "author": clean_text(post.get("author")) or None,
        "at": at.isoformat() if at else None,
        "text": clean_text(post.get("text")),
        "official": bool(post.get("official")),
    }
    if shown and at is None:
        out["time"] = shown
    return out

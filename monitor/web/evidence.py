"""Preserved evidence (存证) in the console: the raw copy as fetched, with its SHA-256, size,
final URL and fetch time, readable after the post itself is deleted.

The bytes are hostile input and are never served as HTML: the page shows them as escaped
text, and the raw route answers text/plain under nosniff and a sandboxing CSP.
"""

from __future__ import annotations

import gzip
import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.storage.models import Evidence, Mention
from monitor.web.api import ApiError, load_event
from monitor.web.auth import ALL_ROLES, Principal, require
from monitor.web.render import render

router = APIRouter()
Reader = Annotated[Principal, Depends(require(*ALL_ROLES))]
# Shown on the page at most this much; the raw route gives all of it.
PAGE_CHARS = 200_000


def _load(s: Session, user: Principal, event_id: int, mention_id: int) -> tuple[Mention, Evidence]:
    load_event(s, user, event_id)
    mention = s.get(Mention, mention_id)
    if mention is None or mention.event_id != event_id:
        raise ApiError(404, f"信息 {mention_id} 不在事件 {event_id} 中。")
    ev = s.scalar(select(Evidence).where(Evidence.mention_id == mention_id))
    if ev is None:
        raise ApiError(404, f"信息 {mention_id} 没有存证（或已超过保存期限被清理）。")
    return mention, ev


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


@router.get("/events/{event_id}/mentions/{mention_id}/evidence")
def evidence_page(request: Request, user: Reader, event_id: int, mention_id: int) -> Response:
    with request.app.state.db.session() as s:
        mention, ev = _load(s, user, event_id, mention_id)
        raw = gzip.decompress(ev.body_gz)
        item: dict[str, Any] = {
            "event_id": event_id,
            "mention_id": mention_id,
            "title": mention.title,
            "url": mention.url,
            "final_url": ev.final_url,
            "fetched_at": ev.fetched_at,
            "sha256": ev.sha256,
            "size": ev.size,
            "intact": hashlib.sha256(raw).hexdigest() == ev.sha256,
            "text": _decode(raw[: PAGE_CHARS * 4])[:PAGE_CHARS],
            "truncated": len(raw) > PAGE_CHARS,
        }
    return render(request, "web/case/evidence_page.html.j2", title="存证", item=item)


@router.get("/events/{event_id}/mentions/{mention_id}/evidence.txt")
def evidence_raw(request: Request, user: Reader, event_id: int, mention_id: int) -> Response:
    with request.app.state.db.session() as s:
        _mention, ev = _load(s, user, event_id, mention_id)
        raw, digest = gzip.decompress(ev.body_gz), ev.sha256
    response = Response(
        raw,
        media_type="text/plain; charset=utf-8",
        headers={
            "X-Evidence-SHA256": digest,
            "Content-Disposition": f'inline; filename="evidence-{mention_id}.txt"',
        },
    )
    response.headers["X-Report-Csp"] = "1"  # the middleware gives it REPORT_CSP (sandbox)
    return response

"""Mention search in the console: the /search page and GET /api/search, same parameters.

Every role may search; a handler finds only the mentions of its department's events
(web/scope.py). A manual item's reporter is never shown: it is not on the mention at all.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from monitor.reports.common import KIND_NAMES
from monitor.search.filters import ORDERS, PARAMS, SENTIMENTS, Filters, from_params
from monitor.search.find import COUNT_CAP, Results, search
from monitor.search.query import QueryError
from monitor.storage.models import Source
from monitor.views import to_json
from monitor.web.auth import ALL_ROLES, Principal, require
from monitor.web.render import render
from monitor.web.scope import visible

router = APIRouter()
Searcher = Annotated[Principal, Depends(require(*ALL_ROLES))]


def _params(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


def _run(request: Request, user: Principal, f: Filters) -> Results:
    state = request.app.state
    negative_at = state.config.settings.scoring.sentiment.negative_at
    with state.db.session() as s:
        return search(s, f, negative_at, visible(user))


@router.get("/api/search", summary="信息全文检索：按来源、类型、倾向、话题、时间筛选，命中处高亮")
def api_search(request: Request, user: Searcher) -> JSONResponse:
    """Mentions whose title or text holds the query (q), with the page's filters."""
    try:
        f = from_params(_params(request))
        found = _run(request, user, f)
    except QueryError as e:
        return JSONResponse({"error": str(e)}, status_code=400)
    body: dict[str, Any] = {
        "total": found.total,
        "more_than": COUNT_CAP if found.capped else None,
        "ranked_only": found.ranked_only,
        "page": found.page,
        "per_page": found.per_page,
        "items": found.hits,
    }
    if not found.hits:
        body["message"] = _nothing(found)
    return JSONResponse(to_json(body))


def _nothing(found: Results) -> str:
    if found.total:
        return f"没有找到：第 {found.page} 页之后没有更多结果（共 {found.total} 条）。"
    return "没有找到符合条件的信息。可以换个词、去掉引号或放宽筛选条件再试。"


@router.get("/search")
def search_page(request: Request, user: Searcher) -> Response:
    params = _params(request)
    state = request.app.state
    with state.db.session() as s:
        sources = list(s.execute(select(Source.name, Source.title).order_by(Source.title)))
    ctx: dict[str, Any] = {
        "title": "信息搜索",
        "form": {k: params.get(k, "") for k in PARAMS},
        "sources": sources,
        "kinds": KIND_NAMES,
        "sentiments": SENTIMENTS,
        "orders": ORDERS,
        "topics": [t.name for t in state.config.settings.topics.topics],
        "found": None,
        "error": None,
    }
    if not (params.get("q") or "").strip():
        return render(request, "web/search.html.j2", **ctx)
    try:
        found = _run(request, user, from_params(params))
    except QueryError as e:
        return render(request, "web/search.html.j2", status_code=400, **ctx | {"error": str(e)})
    ctx["found"] = found
    ctx["nothing"] = None if found.hits else _nothing(found)
    ctx["cap"] = COUNT_CAP
    ctx["page_url"] = lambda page: _page_url(params, page)
    return render(request, "web/search.html.j2", **ctx)


def _page_url(params: dict[str, str], page: int) -> str:
    kept = {k: v for k, v in params.items() if v and k != "page"}
    return "/search?" + urlencode({**kept, "page": page})

"""Source health in the console: the /sources page and GET /api/sources, problems first.

The rows come from monitor.collection.health.source_rows, the function `yuqing sources` prints.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from monitor.collection.health import FAILING, SILENT, source_rows
from monitor.views import to_json
from monitor.web.auth import Principal, require
from monitor.web.render import render

router = APIRouter()

# Who watches collection: the duty officers who are alerted when a source fails, the office
# that coordinates, and leaders who need to know when monitoring has gone blind somewhere.
VIEWERS = ("duty_officer", "office", "leader")
Viewer = Annotated[Principal, Depends(require(*VIEWERS))]


def _rows(request: Request) -> list[dict[str, Any]]:
    state = request.app.state
    with state.db.session() as s:
        return source_rows(s, state.config.settings, state.now())


@router.get("/api/sources", summary="信息源健康状况")
def api_sources(request: Request, user: Viewer) -> JSONResponse:
    """Each source's health, problems first; times ISO 8601 in Beijing time."""
    return JSONResponse({"items": to_json(_rows(request))})


@router.get("/sources")
def sources_page(request: Request, user: Viewer) -> Response:
    rows = _rows(request)
    problems = sum(1 for r in rows if r["status"] in (FAILING, SILENT))
    return render(
        request,
        "web/sources.html.j2",
        title="信息源健康",
        sources=rows,
        problems=problems,
    )

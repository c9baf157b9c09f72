"""Source health in the console: the /sources page and GET /api/sources, problems first.

Health itself is judged by monitor.health.all_health, the function `yuqing sources` uses;
this module only adds the configured sources that have no record yet and orders the rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from monitor.config.models import Settings
from monitor.health import FAILING, NEVER, OK, SILENT, all_health
from monitor.views import to_json
from monitor.web.auth import Principal, require
from monitor.web.render import render

router = APIRouter()

# Who watches collection: the duty officers who are alerted when a source fails, the office
# that coordinates, and leaders who need to know when monitoring has gone blind somewhere.
VIEWERS = ("duty_officer", "office", "leader")
Viewer = Annotated[Principal, Depends(require(*VIEWERS))]
ORDER = {FAILING: 0, SILENT: 1, NEVER: 2, OK: 3}


def source_rows(session: Session, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """Every configured source and every source on record, problems first."""
    configured = {s.name: s for s in settings.sources.sources}
    health = {h.source: h for h in all_health(session, settings.service.crawl, now)}
    names = [*configured, *(n for n in health if n not in configured)]
    rows = []
    for name in names:
        h, cfg = health.get(name), configured.get(name)
        rows.append(
            {
                "name": name,
                "title": cfg.title if cfg else (h.title if h else name),
                "kind": cfg.kind if cfg else (h.kind if h else "manual"),
                "enabled": bool(cfg and cfg.enabled),
                "status": h.status if h else NEVER,
                "reason": h.reason if h else "尚未采集过",
                "last_success_at": h.last_success_at if h else None,
                "last_error": h.last_error if h else None,
                "last_error_at": h.last_error_at if h else None,
                "runs": h.runs if h else 0,
                "failed_runs": h.failed_runs if h else 0,
                "error_rate": round(h.error_rate, 3) if h else 0.0,
                "items_24h": h.items_24h if h else 0,
                "items_total": h.items_total if h else 0,
            }
        )
    # stable: within one state, the order of config/sources.yaml
    return sorted(rows, key=lambda r: ORDER.get(r["status"], len(ORDER)))


def _rows(request: Request) -> list[dict[str, Any]]:
    state = request.app.state
    with state.db.session() as s:
        return source_rows(s, state.config.settings, state.now())


@router.get("/api/sources")
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

"""Reports kept: claimed, stored with their files in the database, written to disk, queued.

Scheduled reports (the daily digest, the monthly assessment) are claimed before they are
built: the `reports` row with the period's key is inserted and committed first, so a second
service process on the same database sees the key taken and leaves it. A claim whose process
died while building (kill -9) is taken over after STALE_BUILD. Files and the delivery alerts
are written in one transaction with the row marked ready, so a report is delivered exactly
when it is whole, and only once (the outbox's keys).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from monitor.config.loader import AppConfig
from monitor.reports.document import Document
from monitor.reports.formats import FORMATS, render
from monitor.storage.db import Database
from monitor.storage.reports import Report, ReportFile

log = logging.getLogger(__name__)
STALE_BUILD = timedelta(minutes=30)  # no report takes this long to build: its maker died


@dataclass
class Made:
    report_id: int
    paths: list[Path]
    problems: list[str]
    summary: str


def claim(db: Database, kind: str, key: str, created_by: str, now: datetime) -> int | None:
    """Take `key` for building; None when it is made already or being made elsewhere."""
    with db.session() as s:
        row = s.scalar(select(Report).where(Report.key == key))
        if row is not None:
            stale = row.status == "building" and row.created_at < now - STALE_BUILD
            if row.status == "failed" or stale:
                row.status, row.created_at, row.error = "building", now, None
                return row.id
            return None
    try:
        with db.session() as s:
            row = Report(
                kind=kind,
                key=key,
                title="",
                period="",
                created_by=created_by,
                created_at=now,
                status="building",
            )
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:  # another process inserted it between our look and our insert
        return None


def _write(out_dir: Path, filename: str, content: bytes) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / filename
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    tmp.replace(path)  # a reader never sees half a report
    return path


def save(
    db: Database,
    app: AppConfig,
    doc: Document,
    key: str,
    formats: list[str],
    created_by: str,
    now: datetime,
    event_id: int | None = None,
    report_id: int | None = None,
    deliver: bool = False,
) -> Made:
    """Render `doc` in `formats`, keep it under `key` (replacing an earlier make of the same
    key, or filling the claimed row `report_id`), write the files to the output folder, and
    with `deliver` queue it for the channels in the same transaction."""
    rendered = render(doc, formats)
    with db.session() as s:
        row = s.get(Report, report_id) if report_id else None
        row = row or s.scalar(select(Report).where(Report.key == key))
        if row is None:
            row = Report(kind=doc.kind, key=key, created_by=created_by, created_at=now)
            s.add(row)
        row.title = f"{doc.title}（{doc.subtitle}）"
        row.period = doc.period
        row.summary = doc.summary
        row.event_id = event_id
        row.created_by = created_by
        row.status, row.error, row.finished_at = "ready", None, now
        row.files.clear()
        s.flush()
        for fmt, content in rendered.files.items():
            media, ext, _ = FORMATS[fmt]
            row.files.append(
                ReportFile(
                    format=fmt,
                    filename=doc.stem + ext,
                    media_type=media,
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    content=content,
                )
            )
        s.flush()
        if deliver:
            from monitor.notify.outbox import enqueue_report

            enqueue_report(s, app.settings, row, now)
        made_id = row.id
    out_dir = app.path(app.settings.service.digest.output_dir)
    paths = [_write(out_dir, doc.stem + FORMATS[f][1], c) for f, c in rendered.files.items()]
    return Made(made_id, paths, rendered.problems, doc.summary)


def fail(db: Database, report_id: int, error: str, now: datetime) -> None:
    with db.session() as s:
        row = s.get(Report, report_id)
        if row is not None:
            row.status, row.error, row.finished_at = "failed", error, now


def make(
    db: Database,
    app: AppConfig,
    build: Callable[[Session], Document],
    key: str,
    formats: list[str],
    created_by: str,
    now: datetime,
    event_id: int | None = None,
    deliver: bool = False,
) -> Made:
    """Build with a read session, then save: what the CLI and the console do."""
    with db.session() as s:
        doc = build(s)
    return save(db, app, doc, key, formats, created_by, now, event_id, deliver=deliver)


def scheduled(
    db: Database,
    app: AppConfig,
    kind: str,
    build: Callable[[Session], Document],
    key: str,
    now: datetime,
) -> Made | None:
    """A scheduled report: claimed, built, saved and queued for delivery; None when another
    run (this process earlier, or another process) has it. A failure is recorded on the
    row (and logged) so the next start makes it again."""
    report_id = claim(db, kind, key, "system", now)
    if report_id is None:
        return None
    try:
        with db.session() as s:
            doc = build(s)
        return save(
            db,
            app,
            doc,
            key,
            app.settings.service.digest.formats,
            "system",
            now,
            report_id=report_id,
            deliver=True,
        )
    except Exception as e:
        fail(db, report_id, f"{type(e).__name__}: {e}", now)
        raise

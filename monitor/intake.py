"""Manual intake (来信来电): phone calls, letters and mailbox items entered by staff.

The item becomes a mention like any crawled one (scored, grouped, routed, timed from its
receipt). Who reported it is confidential (举报人保密, DOMAIN.md): the identity goes to the
`reporters` table only, never into the mention's title, text, author or extra, so nothing
that reads mentions (analysis, alerts, digests, console lists, logs) can show it. Only
READERS may read it, through `reporter_for`, and every read is written to the audit log.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.errors import YuqingError
from monitor.pipeline.dedup import fingerprint
from monitor.pipeline.normalise import clean_text, content_hash
from monitor.pipeline.store import evidence
from monitor.storage.collection import Reporter
from monitor.storage.models import AuditLog, Department, Event, Mention, Source

CHANNELS = {"phone": "来电", "letter": "来信", "mailbox": "信箱", "visit": "来访"}
# Roles that may read a reporter's identity (the admin role may do everything).
READERS = ("confidentiality", "leader")


class IntakeError(YuqingError):
    """A manual item that cannot be recorded as given; the message says what to fix."""


@dataclass(frozen=True)
class IntakeRecord:
    channel: str  # phone | letter | mailbox | visit
    title: str
    text: str
    received_at: datetime  # aware; the statutory clocks start here
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_employer: str | None = None
    reporter_address: str | None = None
    department: str | None = None  # the lead department's code, when the clerk knows it
    confidentiality_requested: bool = False  # the reporter asked not to be made known

    def has_reporter(self) -> bool:
        return any(
            (self.reporter_name, self.reporter_phone, self.reporter_employer, self.reporter_address)
        )


def _source(session: Session, channel: str) -> Source:
    name = f"manual-{channel}"
    src = session.scalar(select(Source).where(Source.name == name))
    if src is None:
        src = Source(name=name, kind="manual", title=f"人工登记·{CHANNELS[channel]}", tier="local")
        session.add(src)
        session.flush()
    return src


def record(session: Session, item: IntakeRecord, entered_by: str, now: datetime) -> Mention:
    """Store the item as a mention and its reporter apart; returns the new mention."""
    if item.channel not in CHANNELS:
        known = "、".join(f"{k}（{v}）" for k, v in CHANNELS.items())
        raise IntakeError(f"渠道 {item.channel!r} 无效；可用：{known}")
    title, text = clean_text(item.title), clean_text(item.text)
    if not title and not text:
        raise IntakeError("请填写标题或内容。")
    if item.received_at.tzinfo is None:
        raise IntakeError("收到时间须带时区（北京时间）。")
    if item.received_at > now:
        raise IntakeError("收到时间不能晚于现在。")
    if item.department and not session.scalar(
        select(Department.id).where(Department.code == item.department)
    ):
        raise IntakeError(f"责任处室 {item.department!r} 不存在；请从部门列表中选择或留空。")
    src = _source(session, item.channel)
    extra: dict[str, object] = {"channel": item.channel, "entered_by": entered_by}
    if item.department:
        extra["department"] = item.department
    if item.has_reporter() and item.confidentiality_requested:
        extra["confidentiality_requested"] = True  # a flag only; the identity stays apart
    ref = uuid.uuid4().hex
    url = f"manual://{item.channel}/{ref}"
    mention = Mention(
        source_id=src.id,
        kind="manual",
        url=url,
        canonical_url=url,
        content_hash=content_hash(title, text),
        title=title or text[:40],
        text=text,
        author=None,  # never the reporter: mentions are read widely
        site=src.title,
        published_at=item.received_at,
        fetched_at=now,
        extra=extra,
    )
    session.add(mention)
    session.flush()
    fingerprint(session, mention)
    # The evidence of a manual item is what was entered about the matter, without identity.
    raw = json.dumps(
        {
            "channel": item.channel,
            "title": title,
            "text": text,
            "received_at": item.received_at.isoformat(),
            "entered_by": entered_by,
        },
        ensure_ascii=False,
    ).encode("utf-8")
    session.add(evidence(mention.id, url, now, raw))
    if item.has_reporter():
        session.add(
            Reporter(
                mention_id=mention.id,
                name=item.reporter_name,
                phone=item.reporter_phone,
                employer=item.reporter_employer,
                address=item.reporter_address,
                entered_by=entered_by,
                entered_at=now,
            )
        )
    src.items_total += 1
    _audit(session, entered_by, "intake", mention.id, now, {"channel": item.channel})
    return mention


def assign_named_department(session: Session, event: Event, mention: Mention) -> None:
    """A new case opened by a manual item goes to the department the clerk named, if any;
    the routing rules' reasons stay on record next to the clerk's choice."""
    code = (mention.extra or {}).get("department") if mention.kind == "manual" else None
    dept = session.scalar(select(Department).where(Department.code == code)) if code else None
    if dept is None or dept.id == event.department_id:
        return
    event.department_id, event.department = dept.id, dept
    event.co_departments = [c for c in event.co_departments or [] if c != dept.code]
    event.routing_reasons = [*(event.routing_reasons or []), f"人工登记时指定由{dept.name}主办"]


def may_read_reporter(role: str) -> bool:
    return role == "admin" or role in READERS


def reporter_for(
    session: Session, mention_id: int, actor: str, role: str, now: datetime
) -> dict[str, str | None] | None:
    """The reporter of a manual item for an authorised role (audited); None if none kept."""
    if not may_read_reporter(role):
        raise PermissionError("无权查看举报人信息：仅限保密员和领导。")
    reporter = session.scalar(select(Reporter).where(Reporter.mention_id == mention_id))
    _audit(session, actor, "read_reporter", mention_id, now, {"found": reporter is not None})
    if reporter is None:
        return None
    return {
        "name": reporter.name,
        "phone": reporter.phone,
        "employer": reporter.employer,
        "address": reporter.address,
        "entered_by": reporter.entered_by,
        "entered_at": reporter.entered_at.isoformat(),
    }


def _audit(
    session: Session, actor: str, action: str, mention_id: int, now: datetime, detail: dict
) -> None:
    session.add(
        AuditLog(
            at=now,
            actor=actor,
            action=action,
            object_type="mention",
            object_id=str(mention_id),
            detail=detail,
        )
    )

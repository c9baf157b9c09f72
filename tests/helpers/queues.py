"""Workflow rows on top of the console seed (tests/helpers/console.py) for the role queues
and the commitments ledger: drafts at each review level, judgments, commitments, and
console forms posted with whatever hidden fields (the CSRF token) the page carries.

Events of the console seed: late (culture-tourism, II, overdue), co (market-regulation, I,
due in 30 min, culture-tourism co-department, escalating), other (emergency, III, +10 h).
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from types import SimpleNamespace

from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from monitor.storage.db import Database
from monitor.storage.workflow import Commitment, Draft, Judgment, ReviewStep
from tests.helpers.console import NOW
from workflow.review import text_hash

DRAFT_XSS = "<script>window.__xss = 'draft'</script>"


def _draft(
    s: Session,
    event_id: int,
    text: str,
    levels: tuple[str, ...],
    kind: str = "release",
    revision: int = 1,
    **kw: object,
) -> Draft:
    d = Draft(
        event_id=event_id,
        kind=kind,
        text=text,
        text_hash=text_hash(text),
        revision=revision,
        created_by="handler",
        created_at=NOW - timedelta(hours=3),
        updated_at=NOW - timedelta(hours=2),
        **kw,
    )
    for i, level in enumerate(levels):
        d.steps.append(
            ReviewStep(
                level=level,
                approved=True,
                text_hash=d.text_hash,
                revision=revision,
                note="主动公开" if level == "drafter" else None,
                publisher="office" if level == "leader" else None,
                actor=level,
                at=NOW - timedelta(hours=2, minutes=-i),
            )
        )
    s.add(d)
    s.flush()
    return d


def seed_workflow(db: Database, ns: SimpleNamespace) -> SimpleNamespace:
    """Drafts: at_review (level 2 waits, on late), at_leader (on other), fresh (no step, on
    co), edited (approved at revision 1, now revision 2: back at level 1), published ones.
    Judgments: one waiting (on other), one approved (on late). Commitments: overdue (late),
    soon (co), later (other), kept (late, fulfilled)."""
    with db.session() as s:
        at_review = _draft(s, ns.late, "关于景区收费的情况通报" + DRAFT_XSS, ("drafter",))
        at_leader = _draft(s, ns.other, "城区内涝处置进展", ("drafter", "confidentiality"))
        fresh = _draft(s, ns.co, "门票价格说明", (), kind="reply")
        edited = _draft(s, ns.other, "内涝改稿", ("drafter",), revision=2)
        edited.steps[0].revision = 1  # the approval saw revision 1 only
        made = _draft(
            s,
            ns.late,
            "已承诺三日内公布调查结果",
            ("drafter", "confidentiality", "leader"),
            published_at=NOW - timedelta(days=3),
            published_by="office",
        )
        result = _draft(
            s,
            ns.late,
            "调查结果如下",
            ("drafter", "confidentiality", "leader"),
            published_at=NOW - timedelta(hours=1),
            published_by="office",
        )
        other_made = _draft(
            s,
            ns.other,
            "已承诺一周内公布排水方案",
            ("drafter", "confidentiality", "leader"),
            published_at=NOW - timedelta(days=1),
            published_by="office",
        )
        co_made = _draft(
            s,
            ns.co,
            "已承诺今日公布价格依据",
            ("drafter", "confidentiality", "leader"),
            published_at=NOW - timedelta(hours=5),
            published_by="office",
        )
        waiting = Judgment(
            event_id=ns.other,
            nature="城区积水，群众关切",
            disposal_class="unaware",
            grade="III",
            proposal="发布权威信息，说明排水进展",
            status="draft",
            drafted_by="duty_officer",
            drafted_at=NOW - timedelta(minutes=40),
        )
        approved = Judgment(
            event_id=ns.late,
            nature="景区收费",
            disposal_class="difficulty",
            grade="II",
            proposal="说明收费依据",
            status="approved",
            drafted_by="handler",
            drafted_at=NOW - timedelta(days=4),
        )
        s.add_all([waiting, approved])

        def commit(event_id: int, draft: Draft, text: str, due: timedelta, **kw: object):  # noqa: ANN202
            c = Commitment(
                event_id=event_id,
                draft_id=draft.id,
                text=text,
                due_at=NOW + due,
                created_by="handler",
                created_at=NOW - timedelta(days=3),
                **kw,
            )
            s.add(c)
            return c

        overdue = commit(ns.late, made, "三日内公布调查结果<b>加粗</b>", timedelta(hours=-2))
        later = commit(ns.other, other_made, "一周内公布排水方案", timedelta(days=6))
        soon = commit(ns.co, co_made, "今日公布门票价格依据", timedelta(hours=3))
        kept = commit(
            ns.late,
            made,
            "公布收费标准",
            timedelta(days=-5),
            fulfilled_at=NOW - timedelta(days=6),
            fulfilment_draft_id=result.id,
        )
        s.flush()
        return SimpleNamespace(
            at_review=at_review.id,
            at_leader=at_leader.id,
            fresh=fresh.id,
            edited=edited.id,
            made=made.id,
            result=result.id,
            judgment=waiting.id,
            approved_judgment=approved.id,
            overdue=overdue.id,
            later=later.id,
            soon=soon.id,
            kept=kept.id,
        )


HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>', re.S)
ATTR = re.compile(r'(name|value)="([^"]*)"')


def post_form(client: TestClient, page: str, action: str, data: dict[str, str], **kw: object):  # noqa: ANN201
    """POST `data` to the form with `action` on `page`, with the form's hidden fields (the
    CSRF token once it is required) as the page gives them."""
    html = client.get(page, headers=kw.get("headers")).text  # type: ignore[arg-type]
    start = html.find(f'action="{action}"')
    assert start != -1, f"no form posting to {action} on {page}"
    form = html[start : html.find("</form>", start)]
    hidden = {}
    for tag in HIDDEN.findall(form):
        attrs = dict(ATTR.findall(tag))
        if "name" in attrs:
            hidden[attrs["name"]] = unescape(attrs.get("value", ""))
    return client.post(action, data={**hidden, **data}, follow_redirects=False, **kw)

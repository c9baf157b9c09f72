"""On the event page, a manual item (来信来电) links to its reporter's audited page for the
roles that may open it, and for no one else; showing the link reads nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from monitor.storage.models import AuditLog, Mention, Source
from tests.helpers.console import NOW, bearer, web  # noqa: F401  (fixture)


def test_the_reporter_link_is_offered_to_keepers_only(web) -> None:  # noqa: ANN001, F811
    with web.db.session() as s:
        src = Source(name="manual-phone", kind="manual", title="人工登记·来电", tier="local")
        s.add(src)
        s.flush()
        m = Mention(
            source_id=src.id,
            kind="manual",
            url="manual://call/1",
            canonical_url="manual://call/1",
            content_hash="call-1",
            title="来电反映景区收费",
            text="景区停车乱收费",
            fetched_at=NOW,
            event_id=web.late,
        )
        s.add(m)
        s.flush()
        mention_id = m.id
    link = f'href="/intake/{mention_id}/reporter"'
    for role, shown in [
        ("leader", True),
        ("confidentiality", True),
        ("duty_officer", False),
        ("handler", False),
        ("office", False),
    ]:
        page = web.client.get(f"/events/{web.late}", headers=bearer(web, role))
        assert page.status_code == 200, role
        assert (link in page.text) is shown, role
    with web.db.session() as s:
        reads = s.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "read_reporter")
        )
    assert reads == 0  # only opening the page itself is a read

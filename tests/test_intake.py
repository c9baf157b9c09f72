"""Manual intake (来信来电) through the API and the CLI; the reporter stays confidential."""

import gzip
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.accounts.users import ROLES, create_user
from monitor.cases import sync_departments
from monitor.cases.deadlines import DeadlineBook
from monitor.config import load_config
from monitor.pipeline.analyse import analyse_pending
from monitor.scoring.scorer import Scorer
from monitor.storage.models import Alert, AuditLog, Evidence, Mention
from monitor.web import create_app
from tests.helpers.cli import prepare
from tests.helpers.configs import CONFIG

APP = load_config(CONFIG, environ={})
NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)  # 12:00 Beijing
NAME, PHONE, ADDRESS = "王秀英", "13912345678", "临江区春华路 18 号"
CALL = {
    "channel": "phone",
    "title": "反映青峰山景区观光车乱收费",
    "text": "来电反映青峰山景区观光车单程收费八十元，比公示价格高出一倍，且不开发票，要求查处。",
    "received_at": "2026-11-21T09:30:00+08:00",
    "reporter_name": NAME,
    "reporter_phone": PHONE,
    "reporter_address": ADDRESS,
}


@pytest.fixture
def web(database):
    with database.session() as s:
        sync_departments(s, APP.settings)
        tokens = {
            role: create_user(
                s, role, role, role, None if role != "handler" else "culture-tourism", NOW
            )[1]
            for role in ROLES
        }
    client = TestClient(create_app(APP, database, now=lambda: NOW))
    return client, tokens, database


def auth(tokens, role):
    return {"Authorization": f"Bearer {tokens[role]}"}


def test_only_duty_officers_and_office_enter_items(web):
    client, tokens, _ = web
    assert client.post("/api/intake", json=CALL).status_code == 401
    for role in ROLES:
        r = client.post("/api/intake", json=CALL, headers=auth(tokens, role))
        if role in ("duty_officer", "office", "admin"):
            assert r.status_code == 201, r.text
            assert r.json()["reporter_kept"] is True
            assert NAME not in r.text and PHONE not in r.text
        else:
            assert r.status_code == 403 and "无权访问" in r.json()["error"]


def test_reporter_never_reaches_mentions_alerts_or_evidence(web):
    client, tokens, db = web
    r = client.post("/api/intake", json=CALL, headers=auth(tokens, "duty_officer"))
    mention_id = r.json()["mention_id"]
    analyse_pending(db, APP, Scorer(APP.settings), DeadlineBook(APP.settings), NOW)
    with db.session() as s:
        m = s.get(Mention, mention_id)
        assert m.kind == "manual" and m.author is None
        assert m.published_at == datetime(2026, 11, 21, 1, 30, tzinfo=UTC)
        shown = f"{m.title}{m.text}{m.extra}{m.site}"
        ev = s.scalar(select(Evidence).where(Evidence.mention_id == mention_id))
        shown += gzip.decompress(ev.body_gz).decode()
        shown += "".join(str(a.payload) for a in s.scalars(select(Alert)))
        shown += "".join(str(a.detail) for a in s.scalars(select(AuditLog)))
    for secret in (NAME, PHONE, ADDRESS):
        assert secret not in shown
    mentions = client.get("/api/mentions", headers=auth(tokens, "duty_officer")).text
    assert NAME not in mentions and PHONE not in mentions


def test_only_confidentiality_officers_and_leaders_read_the_reporter(web):
    client, tokens, db = web
    r = client.post("/api/intake", json=CALL, headers=auth(tokens, "office"))
    url = f"/api/intake/{r.json()['mention_id']}/reporter"
    for role in ROLES:
        r = client.get(url, headers=auth(tokens, role))
        if role in ("confidentiality", "leader", "admin"):
            assert r.status_code == 200 and r.json()["name"] == NAME
            assert r.headers["cache-control"] == "no-store"
        else:
            assert r.status_code == 403, role
            assert NAME not in r.text
    with db.session() as s:
        reads = s.scalars(select(AuditLog).where(AuditLog.action == "read_reporter")).all()
        assert sorted(a.actor for a in reads) == ["admin", "confidentiality", "leader"]


def test_intake_mistakes_are_explained(web):
    client, tokens, _ = web
    h = auth(tokens, "duty_officer")
    r = client.post("/api/intake", json={**CALL, "channel": "fax"}, headers=h)
    assert r.status_code == 400 and "phone（来电）" in r.json()["error"]
    r = client.post("/api/intake", json={**CALL, "received_at": "2026-11-21T09:30"}, headers=h)
    assert r.status_code == 400 and "时区" in r.json()["error"]
    r = client.post("/api/intake", json={"channel": "phone"}, headers=h)
    assert r.status_code == 400 and "渠道可用" in r.json()["error"]
    r = client.get("/api/intake/999/reporter", headers=auth(tokens, "leader"))
    assert r.status_code == 404 and "没有登记举报人" in r.json()["error"]


def test_cli_intake_then_sources_lists_the_manual_channel(tmp_path):
    setup = prepare(tmp_path)
    setup.ok("init")
    done = setup.ok(
        "intake",
        "--channel",
        "letter",
        "--text",
        CALL["text"],
        "--by",
        "duty1",
        "--reporter-name",
        NAME,
        "--received",
        "2026-11-21 09:30",
    )
    assert "已登记：信息 #" in done.stdout and "（来信）" in done.stdout
    assert "仅保密员和领导可查看" in done.stdout and NAME not in done.stdout
    listed = setup.ok("sources").stdout
    assert "manual-letter  人工登记·来信（manual）" in listed
    bad = setup.run(
        "intake", "--channel", "letter", "--text", "x", "--by", "d", "--received", "21/11/2026"
    )
    assert bad.returncode == 2 and "YYYY-MM-DD HH:MM" in bad.stderr
    assert "Traceback" not in bad.stderr

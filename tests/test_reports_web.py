"""报告 in the console: who may list, open, download and make reports; a handler's own
department's part of an assessment; the 专报 button; downloads and the reports' own CSP."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from monitor.accounts.users import ROLES, create_user
from monitor.reports.assessment import build_assessment
from monitor.reports.periods import parse_period
from monitor.reports.store import make
from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from monitor.storage.reports import Report
from monitor.web import create_app
from tests.helpers.console import APP
from tests.helpers.report_cases import AFTER_MONTH, SCRIPT, seed_cases

READERS = {"office", "leader", "duty_officer", "admin"}
ROUTE_PATHS = {
    "/api/reports",
    "/reports",
    "/reports/{report_id}",
    "/reports/{report_id}/files/{fmt}",
    "/reports/{report_id}/department",
    "/reports/daily",
    "/events/{event_id}/report",
    "/api/reports/daily",
    "/api/events/{event_id}/report",
}


def app_config(tmp_path):  # noqa: ANN001, ANN201
    svc = APP.settings.service
    digest = svc.digest.model_copy(update={"output_dir": str(tmp_path / "reports")})
    settings = APP.settings.model_copy(
        update={"service": svc.model_copy(update={"digest": digest})}
    )
    return dataclasses.replace(APP, settings=settings)


@pytest.fixture
def site(tmp_path) -> SimpleNamespace:  # noqa: ANN001
    db = Database(f"sqlite:///{tmp_path}/r.db")
    upgrade(db)
    cases = seed_cases(db)
    app = app_config(tmp_path)
    tokens = {}
    with db.session() as s:
        for role in ROLES:
            code = "culture-tourism" if role == "handler" else None
            _, tokens[role] = create_user(s, role, f"测试{ROLES[role]}", role, code, AFTER_MONTH)
    assessment = make(
        db,
        app,
        lambda s: build_assessment(s, app, parse_period("2026-11"), AFTER_MONTH),
        "assessment:2026-11",
        ["html", "md", "docx"],
        "system",
        AFTER_MONTH,
    )
    client = TestClient(create_app(app, db, now=lambda: AFTER_MONTH))
    yield SimpleNamespace(
        db=db,
        app=app,
        cases=cases,
        tokens=tokens,
        client=client,
        assessment=assessment.report_id,
        tmp=tmp_path,
    )
    db.dispose()


def auth(site: SimpleNamespace, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[role]}"}


def test_who_may_list_open_and_download(site) -> None:  # noqa: ANN001
    rid = site.assessment
    for role in ROLES:
        listing = site.client.get("/api/reports", headers=auth(site, role))
        page = site.client.get(f"/reports/{rid}", headers=auth(site, role))
        word = site.client.get(f"/reports/{rid}/files/docx", headers=auth(site, role))
        if role in READERS:
            assert listing.status_code == 200 and listing.json()["items"][0]["formats"] == [
                "html",
                "md",
                "docx",
            ]
            assert page.status_code == 200 and "舆情回应考核通报" in page.text
            assert word.status_code == 200 and word.content[:2] == b"PK"
        elif role == "handler":
            assert listing.status_code == 200 and listing.json()["items"][0]["formats"] == []
            assert page.status_code == 403 and word.status_code == 403
        else:
            assert listing.status_code == 403 and "无权访问" in listing.json()["error"]
            assert page.status_code == 403 and word.status_code == 403
    r = site.client.get("/api/reports")
    assert r.status_code == 401


def test_a_download_is_named_in_chinese_and_a_stored_page_runs_nothing(site) -> None:  # noqa: ANN001
    h = auth(site, "office")
    word = site.client.get(f"/reports/{site.assessment}/files/docx", headers=h)
    assert word.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = word.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "舆情回应考核-2026-11.docx"
    page = site.client.get(f"/reports/{site.assessment}", headers=h)
    csp = page.headers["content-security-policy"]
    assert "sandbox" in csp and "script" not in csp and "x-report-csp" not in page.headers
    # the console's own pages: the console's policy (its one script is its own file)
    console = site.client.get("/reports", headers=h).headers["content-security-policy"]
    assert console.startswith("default-src 'none'; script-src 'self';")
    assert "unsafe-inline" not in console and "sandbox" not in console
    assert site.client.get(f"/reports/{site.assessment}/files/exe", headers=h).status_code == 404
    assert site.client.get("/reports/999/files/docx", headers=h).status_code == 404


def test_a_handler_sees_its_own_departments_part_only(site) -> None:  # noqa: ANN001
    r = site.client.get(f"/reports/{site.assessment}/department", headers=auth(site, "handler"))
    assert r.status_code == 200
    assert "市文化和旅游局" in r.text and "市应急管理局" not in r.text
    page = site.client.get("/reports", headers=auth(site, "handler")).text
    assert "本部门情况" in page and "/files/docx" not in page
    # another department is not for a handler to choose
    r = site.client.get(
        f"/reports/{site.assessment}/department?code=emergency", headers=auth(site, "handler")
    )
    assert "市应急管理局" not in r.text
    office = site.client.get(
        f"/reports/{site.assessment}/department?code=emergency", headers=auth(site, "office")
    )
    assert office.status_code == 200 and "市应急管理局" in office.text


def test_the_digest_and_a_special_report_are_made_from_the_console(site) -> None:  # noqa: ANN001
    h = auth(site, "duty_officer")
    r = site.client.post("/reports/daily", headers=h, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/reports#r")
    r = site.client.post(f"/events/{site.cases.e1}/report", headers=h, follow_redirects=False)
    assert r.status_code == 303
    with site.db.session() as s:
        rows = {x.kind: x for x in s.scalars(select(Report))}
        # 10:00 on 12-02: the period running now is the digest dated 12-03
        assert rows["daily"].key == "daily:2026-12-03:manual"
        assert rows["special"].event_id == site.cases.e1
        assert {f.format for f in rows["special"].files} == {"html", "docx", "md"}
    assert (site.tmp / "reports" / "舆情日报-2026-12-03.docx").exists()
    listing = site.client.get("/reports", headers=h).text
    assert "舆情专报" in listing and "青峰山景区停车场乱收费" in listing
    event_page = site.client.get(f"/events/{site.cases.e1}", headers=h).text
    assert "生成舆情专报" in event_page
    handler_page = site.client.get(f"/events/{site.cases.e1}", headers=auth(site, "handler")).text
    assert "生成舆情专报" not in handler_page
    for role in ("handler", "confidentiality"):
        r = site.client.post(f"/events/{site.cases.e1}/report", headers=auth(site, role))
        assert r.status_code == 403
    assert site.client.post("/events/999/report", headers=h).status_code == 404


def test_scripts_make_the_same_reports_through_the_json_api(site) -> None:  # noqa: ANN001
    h = auth(site, "leader")
    r = site.client.post("/api/reports/daily", headers=h)
    assert r.status_code == 201
    made = r.json()
    assert made["message"] == "已生成12月3日舆情日报（截至目前）。"
    assert made["url"].endswith(f"/reports/{made['id']}")
    r = site.client.post(f"/api/events/{site.cases.e1}/report", headers=h)
    assert (
        r.status_code == 201 and r.json()["message"] == f"已生成事件 #{site.cases.e1} 的舆情专报。"
    )
    listed = {
        x["id"]: x["kind"] for x in site.client.get("/api/reports", headers=h).json()["items"]
    }
    assert listed[made["id"]] == "daily" and listed[r.json()["id"]] == "special"
    for role in ("handler", "confidentiality"):
        refused = site.client.post("/api/reports/daily", headers=auth(site, role))
        assert refused.status_code == 403 and "无权访问" in refused.json()["error"]
    missing = site.client.post("/api/events/999/report", headers=h)
    assert missing.status_code == 404 and "不存在" in missing.json()["error"]
    assert site.client.post("/api/reports/daily").status_code == 401


def test_scraped_text_in_a_report_title_is_escaped_in_the_list(site) -> None:  # noqa: ANN001
    with site.db.session() as s:
        s.add(
            Report(
                kind="special",
                key="special:x",
                title=f"舆情专报（{SCRIPT}）",
                period="p",
                summary=SCRIPT,
                status="ready",
                created_by="cli",
                created_at=AFTER_MONTH,
            )
        )
    page = site.client.get("/reports", headers=auth(site, "office")).text
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_a_cross_site_form_cannot_make_reports(site) -> None:  # noqa: ANN001
    login = site.client.get(f"/login?token={site.tokens['office']}", follow_redirects=False)
    assert login.status_code == 303
    r = site.client.post(
        "/reports/daily", headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    assert r.status_code == 403 and "跨站提交被拒绝" in r.text

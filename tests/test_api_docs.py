"""The JSON API described: /openapi.json for tools, /docs for people, both behind a login."""

from __future__ import annotations

from monitor.accounts.roles import ROLES
from monitor.web.openapi import api_routes, route_roles
from tests.helpers.console import bearer, web  # noqa: F401  (fixture)

ROUTE_PATHS = {"/openapi.json", "/docs"}


def test_the_spec_needs_a_login(web) -> None:  # noqa: ANN001, F811
    assert web.client.get("/openapi.json").status_code == 401
    page = web.client.get("/docs", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_every_api_route_is_described_with_its_roles_and_a_chinese_summary(web) -> None:  # noqa: ANN001, F811
    spec = web.client.get("/openapi.json", headers=bearer(web, "handler")).json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    described = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    routes = api_routes(web.client.app)
    assert len(routes) >= 20
    for r in routes:
        for method in r.methods:
            key = (method.lower(), r.path)
            assert key in described, f"{method} {r.path} is not in /openapi.json"
            op = spec["paths"][r.path][method.lower()]
            summary = op.get("summary", "")
            assert summary and any("\u4e00" <= ch <= "\u9fff" for ch in summary), (key, summary)
            assert op.get("x-roles", []) == route_roles(r), key
            if r.path != "/healthz":
                assert op["security"] == [{"bearer": []}]
                assert op["responses"]["403"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }
            assert "422" not in op["responses"]  # validation failures answer 400 in Chinese
    # the console's pages are not part of the API
    assert not any(p.startswith(("/events", "/login", "/reports")) for p in spec["paths"])


def test_bodies_the_handlers_read_themselves_are_documented(web) -> None:  # noqa: ANN001, F811
    spec = web.client.get("/openapi.json", headers=bearer(web, "office")).json()
    op = spec["paths"]["/api/drafts/{draft_id}/review"]["post"]
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    assert set(schema["required"]) == {"level", "approve"}
    assert {"level", "approve", "note", "publisher"} <= set(schema["properties"])
    assert op["x-roles"] == ["duty_officer", "handler", "confidentiality", "leader", "office"]
    transition = spec["paths"]["/api/events/{event_id}/transition"]["post"]
    assert transition["requestBody"]["content"]["application/json"]["schema"]["required"] == [
        "to",
        "reason",
    ]
    label = spec["paths"]["/api/mentions/{mention_id}/sentiment"]["post"]["requestBody"]
    assert label["content"]["application/json"]["schema"]["properties"]["label"]["enum"] == [
        "negative",
        "non_negative",
        "irrelevant",
    ]


def test_the_reference_page_lists_each_operation_with_who_may_call_it(web) -> None:  # noqa: ANN001, F811
    page = web.client.get("/docs", headers=bearer(web, "duty_officer"))
    assert page.status_code == 200
    html = page.text
    assert "<h1>接口文档</h1>" in html
    assert "<code>/api/drafts/{draft_id}/redactions</code>" in html
    assert "保密审查：删去稿件中的一段并说明理由（留痕）" in html
    assert f"可调用角色：{ROLES['confidentiality']}（及管理员）" in html
    # the body table of the intake form's API
    assert "<code>reporter_phone</code>" in html
    assert "<script" not in html  # the console's CSP allows no script: the page needs none
    assert page.headers["content-security-policy"].startswith("default-src 'none'")

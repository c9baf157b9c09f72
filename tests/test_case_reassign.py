"""改派 on the event page: the form offered only to the roles the service lets re-assign, the
departments listed by their Chinese names without the current lead, the new lead and the
reason shown on the page and in the audit trail, refusals shown on the page with what was
typed kept and nothing changed, the CSRF token and the role checked by the endpoint."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from monitor.storage.db import Database
from monitor.storage.routing import RoutingCorrection
from monitor.web import create_app
from tests.helpers.case import APP, T0, seed_case
from tests.helpers.forms import actions, find, post_anyway, signed_in, submit

REASON = "景区经营属文旅局职责<script>alert('r')</script>"
ESCAPED = "景区经营属文旅局职责&lt;script&gt;alert(&#39;r&#39;)&lt;/script&gt;"
CSRF_REFUSED = "页面已过期或表单来源无法验证（缺少或错误的 CSRF 令牌）"


@pytest.fixture
def case(database: Database) -> SimpleNamespace:
    seeded = seed_case(database)
    app = create_app(APP, database, now=lambda: T0)
    clients = {who: signed_in(app, database, uid, T0) for who, uid in seeded.users.items()}
    ev = f"/events/{seeded.event}"
    return SimpleNamespace(db=database, ev=ev, action=f"{ev}/reassign", clients=clients)


def page(case: SimpleNamespace, who: str) -> str:
    r = case.clients[who].get(case.ev)
    assert r.status_code == 200, r.text
    return r.text


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def lead(html: str) -> str:
    """The 责任处室 in the event's facts, as the page shows it."""
    found = re.search(r"<th>责任处室</th><td>([^<]*)</td>", html)
    assert found, "no 责任处室 on the page"
    return found.group(1)


def section(html: str, id_: str) -> str:
    start = html.index(f'id="{id_}"')
    return html[start : html.index("</section>", start)]


def options(html: str, action: str) -> dict[str, str]:
    form = html[html.index(f'action="{action}"') :]
    form = form[: form.index("</form>")]
    return dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', form))


def corrections(case: SimpleNamespace) -> int:
    with case.db.session() as s:
        return s.scalar(select(func.count()).select_from(RoutingCorrection)) or 0


def test_the_form_is_offered_only_to_roles_that_may_reassign(case) -> None:
    for who in ("duty_officer", "office", "leader", "admin"):
        html = page(case, who)
        assert case.action in actions(html), who
        assert "改派理由" in html and ">改派</button>" in html
    for who in ("handler", "confidentiality"):
        html = page(case, who)
        assert case.action not in actions(html), who
        assert "改派理由" not in html and ">改派</button>" not in html
    r = case.clients["stranger"].get(case.ev)  # a handler of another department
    assert r.status_code == 403 and case.action not in r.text

    html = page(case, "office")
    assert lead(html) == "市应急管理局"
    listed = options(html, case.action)
    assert listed["culture-tourism"] == "市文化和旅游局" and listed["office"] == "市政府办公室"
    assert "emergency" not in listed  # the current lead is not offered
    assert "csrf_token" in find(html, case.action)["hidden"]


def test_reassigning_shows_the_new_lead_and_records_the_reason(case) -> None:
    r = submit(
        case.clients["office"],
        case.ev,
        case.action,
        {"department": "culture-tourism", "reason": REASON},
    )
    assert r.status_code == 200 and r.url.path == case.ev
    html = r.text
    assert "已改派：由市应急管理局改为市文化和旅游局主办。" in html
    assert lead(html) == "市文化和旅游局"
    assert f"office改派：由市应急管理局改为市文化和旅游局主办（{ESCAPED}）" in html
    audit = text_of(section(html, "audit"))
    assert re.search(r"测试办公室\s*改派\s*事件\s*由市应急管理局改为市文化和旅游局主办：", audit)
    assert ESCAPED in section(html, "audit")
    assert "<script>alert(" not in html
    listed = options(html, case.action)
    assert "culture-tourism" not in listed and listed["emergency"] == "市应急管理局"
    assert corrections(case) == 1
    # Whom it concerns changes too: the new department's handler now has the case.
    assert case.clients["stranger"].get(case.ev).status_code == 200


def test_an_empty_reason_or_unknown_department_is_refused_on_the_page(case) -> None:
    office = case.clients["office"]
    r = submit(office, case.ev, case.action, {"department": "culture-tourism", "reason": "  "})
    assert r.status_code == 409
    refusal = section(r.text, "reassign")
    assert '<div class="error" role="alert">改派须写明理由。</div>' in refusal
    assert '<option value="culture-tourism" selected>' in refusal  # the choice kept

    r = submit(office, case.ev, case.action, {"department": "nowhere", "reason": REASON})
    assert r.status_code == 400
    refusal = section(r.text, "reassign")
    assert "请从列表中选择改派后的主办部门。" in refusal
    assert f">{ESCAPED}</textarea>" in refusal  # the reason kept, escaped
    assert "<script>alert(" not in r.text

    # A hand-made post naming the current lead: the service's sentence.
    r = post_anyway(office, case.ev, case.action, {"department": "emergency", "reason": "重复"})
    assert r.status_code == 409 and "事件已由市应急管理局主办。" in r.text

    html = page(case, "office")
    assert lead(html) == "市应急管理局"
    assert "改派" not in text_of(section(html, "audit"))
    assert corrections(case) == 0


def test_the_endpoint_checks_the_csrf_token_and_the_role(case) -> None:
    data = {"department": "culture-tourism", "reason": "归文旅"}
    office = case.clients["office"]
    for body in (data, {**data, "csrf_token": "forged"}):
        r = office.post(case.action, data=body, follow_redirects=False)
        assert r.status_code == 403 and CSRF_REFUSED in r.text
    for who in ("handler", "confidentiality"):  # the form is hidden from them, and refused
        r = post_anyway(case.clients[who], case.ev, case.action, data)
        assert r.status_code == 403 and "无权访问" in r.text and "此操作仅限" in r.text, who
    r = post_anyway(case.clients["stranger"], "/", case.action, data)
    assert r.status_code == 403 and "无权访问" in r.text
    assert lead(page(case, "office")) == "市应急管理局"
    assert corrections(case) == 0

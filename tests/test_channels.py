"""Each channel against a fake of its real API on loopback: formats, signatures, errors."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from monitor.config.channels import EmailChannel as EmailConfig
from monitor.config.types import Secret
from monitor.notify.dingtalk import DingTalkChannel
from monitor.notify.email import EmailChannel
from monitor.notify.markdown import cap_utf8, md_escape
from monitor.notify.wecom import WeComChannel
from tests.helpers.configs import free_port
from tests.helpers.fake_robots import fake_dingtalk, fake_wecom

NOW = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
HOSTILE = "青峰山景区[点我](http://evil.example)乱收费 <script>x</script> **刷屏**"


def payload(**kw) -> dict:  # noqa: ANN003
    base = {
        "event_id": 7,
        "title": HOSTILE,
        "grade": "III",
        "grade_label": "较大（III级）",
        "kind": "new_event",
        "kind_label": "新舆情事件",
        "reasons": "负面倾向 0.93；政府形象（乱收费）",
        "department": "市文化和旅游局",
        "owner": None,
        "first_source": "新浪微博 @游客",
        "discovered_at": "2026-11-21 10:00",
        "mention_count": 4,
        "deadlines": [
            {
                "clock": "response-48h",
                "title": "回应社会关切",
                "due_at": (NOW + timedelta(hours=48)).isoformat(),
            }
        ],
        "url": "http://127.0.0.1:8000/events/7",
    }
    return base | kw


def test_markdown_escape_defuses_links_and_markup() -> None:
    out = md_escape(HOSTILE)
    assert "](" not in out.replace("\\](", "") and "<script>" not in out
    assert "\\[点我\\]" in out and "\\*\\*刷屏\\*\\*" in out


def test_cap_utf8_cuts_on_a_character_boundary() -> None:
    text = "乱" * 2000  # 6000 bytes
    capped = cap_utf8(text, 4096)
    assert len(capped.encode("utf-8")) <= 4096 and capped.endswith("详见控制台）")


def test_dingtalk_signed_markdown_is_accepted() -> None:
    with fake_dingtalk(secret="SECabc") as srv:
        ch = DingTalkChannel("ding", Secret(srv.url, "W"), Secret("SECabc", "S"))
        assert ch.send(payload(), NOW).ok
        body = srv.requests[0].json()
        assert body["msgtype"] == "markdown"
        text = body["markdown"]["text"]
        assert "较大（III级）" in text and "回应社会关切" in text
        # the scraped link is inert text; only our own link is a link
        assert "\\[点我\\]\\(http://evil\\.example\\)" in text
        assert "[点我](http://evil.example)" not in text
        assert "(http://127.0.0.1:8000/events/7)" in text


def test_dingtalk_wrong_secret_is_a_config_error_not_retried() -> None:
    with fake_dingtalk(secret="SECabc") as srv:
        ch = DingTalkChannel("ding", Secret(srv.url, "W"), Secret("SECwrong", "S"))
        result = ch.send(payload(), NOW)
    assert not result.ok and not result.retry
    assert "310000" in (result.error or "") and "SEC" not in (result.error or "")
    assert "access_token" not in (result.error or "")


def test_dingtalk_rate_limit_is_retried_later() -> None:
    with fake_dingtalk(secret="S", per_minute=2) as srv:
        ch = DingTalkChannel("ding", Secret(srv.url, "W"), Secret("S", "S"))
        assert ch.send(payload(), NOW).ok and ch.send(payload(), NOW).ok
        third = ch.send(payload(), NOW)
    assert not third.ok and third.retry and third.retry_after == 60.0


def test_dingtalk_down_is_retried() -> None:
    ch = DingTalkChannel(
        "ding", Secret("http://127.0.0.1:9/robot/send?access_token=x", "W"), None, timeout=2
    )
    result = ch.send(payload(), NOW)
    assert not result.ok and result.retry and "access_token" not in (result.error or "")


def test_wecom_markdown_is_capped_at_4096_bytes() -> None:
    with fake_wecom() as srv:
        ch = WeComChannel("wx", Secret(srv.url, "W"))
        assert ch.send(payload(reasons="乱收费；" * 1500), NOW).ok
        content = srv.requests[0].json()["markdown"]["content"]
        assert len(content.encode("utf-8")) <= 4096 and "已截断" in content


def test_wecom_invalid_key_is_not_retried() -> None:
    with fake_wecom(key="right") as srv:
        ch = WeComChannel("wx", Secret(srv.url.replace("key=right", "key=wrong"), "W"))
        result = ch.send(payload(), NOW)
    assert not result.ok and not result.retry and "93000" in (result.error or "")
    assert "wrong" not in (result.error or "")


class Inbox:
    def __init__(self, reply: str | None = None) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.reply = reply

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
        if self.reply:
            return self.reply
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


@pytest.fixture
def smtp():  # noqa: ANN201
    def start(reply: str | None = None) -> tuple[Inbox, int]:
        inbox = Inbox(reply)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        started.append(controller)
        return inbox, port

    started: list[Controller] = []
    yield start
    for c in started:
        c.stop()


def mailer(port: int) -> EmailChannel:
    cfg = EmailConfig(
        name="mail",
        type="email",
        host="127.0.0.1",
        port=port,
        security="none",
        sender="yuqing@example.gov.cn",
        to=["duty@example.gov.cn"],
        timeout=5,
    )
    return EmailChannel(cfg, None, None)


def test_email_has_html_and_plain_text_with_scraped_text_escaped(smtp) -> None:  # noqa: ANN001
    inbox, port = smtp()
    assert mailer(port).send(payload(), NOW).ok
    msg = inbox.messages[0]
    assert "较大（III级）" in msg["Subject"]
    plain = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "研判依据：负面倾向 0.93" in plain and "回应社会关切" in plain
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_email_permanent_refusal_is_not_retried_temporary_is(smtp) -> None:  # noqa: ANN001
    _, port = smtp("554 Transaction failed")
    permanent = mailer(port).send(payload(), NOW)
    assert not permanent.ok and not permanent.retry and "554" in (permanent.error or "")
    _, port = smtp("451 Try again later")
    temporary = mailer(port).send(payload(), NOW)
    assert not temporary.ok and temporary.retry


def test_email_server_down_is_retried() -> None:
    result = mailer(9).send(payload(), NOW)
    assert not result.ok and result.retry

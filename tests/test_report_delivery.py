"""A finished report goes out through the alert outbox: routed, attached, once across crashes."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import docx
import pytest
from sqlalchemy import delete, select

from monitor.config import load_config
from monitor.config.channels import ChannelsConfig
from monitor.config.channels import EmailChannel as EmailConfig
from monitor.config.models import Settings
from monitor.config.types import Secret
from monitor.notify.base import Channel, SendResult
from monitor.notify.console import ConsoleChannel
from monitor.notify.dingtalk import DingTalkChannel
from monitor.notify.dispatcher import deliver_due
from monitor.notify.email import EmailChannel
from monitor.notify.outbox import enqueue_report
from monitor.notify.slack import SlackChannel
from monitor.notify.webhook import WebhookChannel
from monitor.notify.wecom import WeComChannel
from monitor.storage.db import Database
from monitor.storage.models import Alert
from monitor.storage.reports import Report, ReportFile
from tests.helpers.configs import CONFIG
from tests.helpers.fake_http import fake_http
from tests.helpers.fake_robots import fake_dingtalk, fake_wecom
from tests.helpers.fake_slack import RATELIMITED, SERVICE_UNAVAILABLE, fake_slack
from tests.helpers.fake_smtp import fake_smtp

NOW = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)  # 08:30 Beijing, the digest's hour
BASE = load_config(CONFIG, environ={}).settings
PUBLIC = BASE.service.web.public_url.rstrip("/")
TITLE = "云川市舆情日报（2026年11月21日）"
SUMMARY = "昨日监测到相关信息 128 条，其中负面 17 条；新增较大事件 1 起（青峰山景区乱收费）。"
DOCX_NAME = "云川市舆情日报-2026-11-21.docx"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PAGE = (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>舆情日报</title>'
    '</head><body><h1 id="report">云川市舆情日报</h1><p>一、总体情况</p></body></html>'
)


class Killed(BaseException):
    """kill -9: the process stops right here, before the dispatcher records anything."""


class DiesAfterSending:
    """A channel whose process dies just after the receiver took the message."""

    def __init__(self, inner: Channel) -> None:
        self.inner, self.name, self.idempotent = inner, inner.name, inner.idempotent

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        assert self.inner.send(payload, now).ok
        raise Killed

    def delivered(self, *args: Any, **kw: Any) -> bool | None:
        return self.inner.delivered(*args, **kw)


def word_file(text: str) -> bytes:
    doc = docx.Document()
    doc.add_heading(text, level=1)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def settings(*routes: dict[str, Any]) -> Settings:
    channels = ChannelsConfig.model_validate(
        {
            "channels": [
                {"name": n, "type": "console"}
                for n in ("console", "mail", "slack", "ding", "wx", "hook", "culture", "admins")
            ],
            "routes": list(routes),
        }
    )
    return BASE.model_copy(update={"channels": channels})


def make_report(
    db: Database, title: str = TITLE, summary: str = SUMMARY, key: str = "daily:2026-11-21"
) -> int:
    files = {
        "html": ("舆情日报-2026-11-21.html", "text/html", PAGE.encode()),
        "docx": (DOCX_NAME, DOCX_TYPE, word_file(title)),
        "md": ("舆情日报-2026-11-21.md", "text/markdown", f"# {title}\n\n{summary}\n".encode()),
    }
    with db.session() as s:
        report = Report(
            kind="daily",
            key=key,
            title=title,
            period="2026-11-20 08:00 至 2026-11-21 08:00",
            summary=summary,
            status="ready",
            created_by="system",
            created_at=NOW,
            finished_at=NOW,
        )
        for fmt, (name, media, content) in files.items():
            report.files.append(
                ReportFile(
                    format=fmt,
                    filename=name,
                    media_type=media,
                    size=len(content),
                    sha256="0" * 64,
                    content=content,
                )
            )
        s.add(report)
        s.flush()
        return report.id


def queue(db: Database, report_id: int, *channels: str) -> None:
    routes = [{"channel": c} for c in channels]
    with db.session() as s:
        enqueue_report(s, settings(*routes), s.get_one(Report, report_id), NOW)


def alerts(db: Database) -> list[Alert]:
    with db.session() as s:
        return list(s.scalars(select(Alert).order_by(Alert.id)))


def test_a_report_is_queued_once_per_routed_channel_for_its_audience(database: Database) -> None:
    rid = make_report(database)
    routes = (
        {"channel": "console", "min_grade": "III"},  # grade only: takes notices and reports
        {"channel": "mail"},
        {"channel": "culture", "departments": ["culture-tourism"]},  # an event filter: not
        {"channel": "admins", "roles": ["admin"]},  # not the report's audience
    )
    with database.session() as s:
        report = s.get_one(Report, rid)
        queued = enqueue_report(s, settings(*routes), report, NOW)
        assert [a.channel for a in queued] == ["console", "mail"]
        assert enqueue_report(s, settings(*routes), report, NOW + timedelta(hours=1)) == []
    rows = alerts(database)
    assert [(a.key, a.kind, a.status) for a in rows] == [
        (f"report:{rid}:console", "digest", "pending"),
        (f"report:{rid}:mail", "digest", "pending"),
    ]
    assert rows[0].audience == ["office", "leader", "duty_officer"]
    p = rows[0].payload
    assert p["report"] and p["notice"] and p["kind_label"] == "舆情报告"
    assert (p["grade_label"], p["report_id"], p["report_kind"]) == ("舆情日报", rid, "daily")
    assert (p["title"], p["summary"], p["detail"]) == (TITLE, SUMMARY, SUMMARY)
    assert p["url"] == f"{PUBLIC}/reports/{rid}"
    assert p["files"]["docx"] == DOCX_NAME and set(p["files"]) == {"html", "docx", "md"}


def test_a_route_that_names_digest_takes_reports_alone(database: Database) -> None:
    rid = make_report(database)
    named = settings({"channel": "console"}, {"channel": "mail", "kinds": ["digest"]})
    with database.session() as s:
        queued = enqueue_report(s, named, s.get_one(Report, rid), NOW)
        assert [a.channel for a in queued] == ["mail"]


def test_a_report_still_building_is_not_queued(database: Database) -> None:
    rid = make_report(database)
    with database.session() as s:
        report = s.get_one(Report, rid)
        report.status = "building"
        with pytest.raises(ValueError, match="not ready"):
            enqueue_report(s, settings({"channel": "mail"}), report, NOW)


def mailer(port: int) -> EmailChannel:
    cfg = EmailConfig(
        name="mail",
        type="email",
        host="127.0.0.1",
        port=port,
        security="none",
        sender="yuqing@example.gov.cn",
        to=["office@example.gov.cn"],
        timeout=5,
    )
    return EmailChannel(cfg, None, None)


def test_email_is_the_report_page_with_its_word_file_attached(database: Database) -> None:
    rid = make_report(database)
    queue(database, rid, "mail")
    with fake_smtp() as (inbox, port):
        assert deliver_due(database, {"mail": mailer(port)}, NOW).sent == 1
    (msg,) = inbox.messages
    assert msg["Subject"] == f"【舆情日报】{TITLE}"
    assert '<h1 id="report">云川市舆情日报</h1>' in msg.get_body(("html",)).get_content()
    plain = msg.get_body(("plain",)).get_content()
    assert SUMMARY in plain and f"{PUBLIC}/reports/{rid}" in plain
    (word,) = list(msg.iter_attachments())
    assert word.get_content_type() == DOCX_TYPE
    assert word.get_filename() == DOCX_NAME  # decoded back from its RFC 2231 parameter
    assert b"filename*" in inbox.raw[0] and DOCX_NAME.encode() not in inbox.raw[0]
    assert word.get_content() == _bytes(database, rid, "docx")
    assert word.get_content().startswith(b"PK")
    assert "attachments" not in alerts(database)[0].payload  # the bytes never enter the outbox


def _bytes(db: Database, rid: int, fmt: str) -> bytes:
    with db.session() as s:
        q = select(ReportFile.content).where(ReportFile.report_id == rid, ReportFile.format == fmt)
        return bytes(s.scalar(q) or b"")


def test_an_email_resent_after_a_crash_says_it_may_be_a_duplicate(database: Database) -> None:
    rid = make_report(database)
    queue(database, rid, "mail")
    with fake_smtp() as (inbox, port):
        with pytest.raises(Killed):
            deliver_due(database, {"mail": DiesAfterSending(mailer(port))}, NOW)
        assert [a.status for a in alerts(database)] == ["sending"]
        later = NOW + timedelta(minutes=20)
        assert deliver_due(database, {"mail": mailer(port)}, later).sent == 1
    first, again = inbox.messages
    assert first["Subject"] == f"【舆情日报】{TITLE}"
    assert again["Subject"] == f"【舆情日报】{TITLE}（补发，可能重复）"
    assert "可能与已收到的消息重复" in again.get_body(("html",)).get_content()
    # 20 minutes late, and said of the report, not of an alert
    plain = again.get_body(("plain",)).get_content()
    assert "延迟送达：本报告生成于" in plain and "预警" not in plain
    assert [a.status for a in alerts(database)] == ["sent"]


def slack_channel(base_url: str, channel: str = "#yuqing-duty") -> SlackChannel:
    return SlackChannel("slack", Secret("xoxb-test", "T"), channel, base_url)


def test_slack_gets_the_word_file_with_a_summary_in_the_named_channel(
    database: Database,
) -> None:
    first, second = make_report(database), make_report(database, "舆情日报（次日）", key="d2")
    queue(database, first, "slack")
    queue(database, second, "slack")
    with fake_slack() as slack:
        assert deliver_due(database, {"slack": slack_channel(slack.base_url)}, NOW).sent == 2
        shared = slack.shared()
        assert slack.calls.count("conversations.list") == 1  # #yuqing-duty looked up once
    assert [f.name for f in shared] == [DOCX_NAME, DOCX_NAME]
    assert shared[0].content == _bytes(database, first, "docx")
    assert shared[0].channel == "C0DUTY" and shared[0].title == TITLE
    comment = shared[0].initial_comment or ""
    assert TITLE in comment and f"{PUBLIC}/reports/{first}" in comment and "128 条" in comment


def test_a_slack_channel_name_that_does_not_exist_fails_saying_to_give_its_id(
    database: Database,
) -> None:
    queue(database, make_report(database), "slack")
    with fake_slack() as slack:
        deliver_due(database, {"slack": slack_channel(slack.base_url, "#nowhere")}, NOW)
    (row,) = alerts(database)
    assert row.status == "failed" and "频道 ID" in (row.last_error or "")


@pytest.mark.parametrize(
    ("method", "answer", "error"),
    [
        ("files.getUploadURLExternal", SERVICE_UNAVAILABLE, "Slack 返回错误：service_unavailable"),
        ("files.completeUploadExternal", RATELIMITED, "Slack 返回错误：ratelimited"),
        ("upload", SERVICE_UNAVAILABLE, "上传文件到 Slack 失败"),
    ],
)
def test_a_slack_outage_leaves_the_report_retrying_then_it_arrives_once(
    database: Database, method: str, answer: Any, error: str
) -> None:
    queue(database, make_report(database), "slack")
    with fake_slack() as slack:
        slack.fail = {method: [answer]}
        channels = {"slack": slack_channel(slack.base_url, "C0DUTY")}
        assert deliver_due(database, channels, NOW).retrying == 1
        (row,) = alerts(database)
        assert row.status == "pending" and (row.last_error or "").startswith(error)
        if answer is RATELIMITED:  # Slack's Retry-After is honoured
            assert row.next_attempt_at == NOW + timedelta(seconds=30)
        assert slack.shared() == []
        assert deliver_due(database, channels, NOW + timedelta(minutes=1)).sent == 1
        assert deliver_due(database, channels, NOW + timedelta(minutes=2)).sent == 0
        assert [f.name for f in slack.shared()] == [DOCX_NAME]
    assert [(a.status, a.last_error) for a in alerts(database)] == [("sent", None)]


def test_a_crash_after_the_upload_is_found_in_slack_and_not_uploaded_again(
    database: Database,
) -> None:
    queue(database, make_report(database), "slack")
    with fake_slack() as slack:
        with pytest.raises(Killed):
            deliver_due(database, {"slack": DiesAfterSending(slack_channel(slack.base_url))}, NOW)
        assert [a.status for a in alerts(database)] == ["sending"]
        restarted = {"slack": slack_channel(slack.base_url)}  # a new process
        report = deliver_due(database, restarted, NOW + timedelta(minutes=20))
        assert (report.reconciled, report.sent) == (1, 1)
        assert slack.calls.count("files.getUploadURLExternal") == 1
        assert len(slack.shared()) == 1
    assert [a.status for a in alerts(database)] == ["sent"]


def test_a_crash_before_the_upload_is_sent_once_without_a_warning(database: Database) -> None:
    queue(database, make_report(database), "slack")
    with database.session() as s:  # died 20 minutes ago, before Slack got anything
        row = s.scalars(select(Alert)).one()
        row.status, row.next_attempt_at = "sending", NOW - timedelta(minutes=20)
    with fake_slack() as slack:
        slack.share("另一份报告.docx", "C0DUTY", f"{NOW.timestamp():.6f}")  # not ours
        report = deliver_due(database, {"slack": slack_channel(slack.base_url)}, NOW)
        assert (report.reconciled, report.sent) == (0, 1)
        ours = [f for f in slack.shared() if f.name == DOCX_NAME]
    assert len(ours) == 1 and "可能" not in (ours[0].initial_comment or "")


HOSTILE_TITLE = "青峰山景区<script>alert(1)</script>专报"
HOSTILE_SUMMARY = "网民称[详情](javascript:alert(1))，**刷屏**"


def test_robots_get_escaped_markdown_with_the_console_link(database: Database) -> None:
    rid = make_report(database, HOSTILE_TITLE, HOSTILE_SUMMARY)
    queue(database, rid, "ding", "wx")
    with fake_dingtalk(secret="SEC") as ding, fake_wecom() as wx:
        channels = {
            "ding": DingTalkChannel("ding", Secret(ding.url, "W"), Secret("SEC", "S")),
            "wx": WeComChannel("wx", Secret(wx.url, "W")),
        }
        assert deliver_due(database, channels, NOW).sent == 2
        texts = [
            ding.requests[0].json()["markdown"]["text"],
            wx.requests[0].json()["markdown"]["content"],
        ]
    for text in texts:
        assert "<script>" not in text and "&lt;script&gt;" in text
        assert "](javascript:" not in text and "\\[详情\\]\\(javascript:alert\\(1\\)\\)" in text
        assert f"[在控制台查看]({PUBLIC}/reports/{rid})" in text
        assert "Word" in text and "2026\\-11\\-20 08:00" in text


def test_a_long_summary_is_cut_to_the_wecom_cap_keeping_the_link(database: Database) -> None:
    rid = make_report(database, summary="乱收费问题持续发酵。" * 600)  # ~18 KB
    queue(database, rid, "wx")
    with fake_wecom() as wx:
        assert deliver_due(database, {"wx": WeComChannel("wx", Secret(wx.url, "W"))}, NOW).sent
        content = wx.requests[0].json()["markdown"]["content"]
    assert len(content.encode("utf-8")) <= 4096 and "已截断" in content
    assert content.endswith(f"[在控制台查看]({PUBLIC}/reports/{rid})")


def test_a_webhook_gets_download_links_not_bytes(database: Database) -> None:
    rid = make_report(database)
    queue(database, rid, "hook")
    with fake_http([(200, {}, {"ok": True})]) as srv:
        hook = {"hook": WebhookChannel("hook", Secret(srv.url, "HOOK"))}
        assert deliver_due(database, hook, NOW).sent == 1
        (req,) = srv.requests
    body = req.json()
    assert req.headers["Idempotency-Key"] == f"report:{rid}:hook"
    assert body["report_id"] == rid and body["title"] == TITLE
    docx_file = next(a for a in body["attachments"] if a["format"] == "docx")
    assert docx_file["download"] == f"{PUBLIC}/reports/{rid}/files/docx"
    assert docx_file["filename"] == DOCX_NAME and "content" not in docx_file


def test_the_console_prints_one_line(database: Database) -> None:
    rid = make_report(database)
    queue(database, rid, "console")
    out = io.StringIO()
    assert deliver_due(database, {"console": ConsoleChannel("console", out)}, NOW).sent == 1
    assert out.getvalue() == f"【舆情日报】{TITLE}：{SUMMARY}（{PUBLIC}/reports/{rid}）\n"


@pytest.mark.parametrize("gone", ["files", "report"])
def test_a_report_whose_files_are_gone_fails_for_good(database: Database, gone: str) -> None:
    rid = make_report(database)
    queue(database, rid, "console")
    with database.session() as s:
        if gone == "files":
            s.execute(delete(ReportFile).where(ReportFile.report_id == rid))
        else:
            s.delete(s.get_one(Report, rid))
    out = io.StringIO()
    report = deliver_due(database, {"console": ConsoleChannel("console", out)}, NOW)
    assert (report.failed, report.retrying, out.getvalue()) == (1, 0, "")
    (row,) = alerts(database)
    assert row.status == "failed"
    want = "的文件已被删除，无法发送" if gone == "files" else f"报告 #{rid} 已被删除，无法发送"
    assert want in (row.last_error or "")

"""Email over SMTP: an HTML alert with a plain-text alternative, from the templates; a report
as its own HTML page with a short plain-text alternative and its Word (and PDF) attached."""

from __future__ import annotations

import html as htmllib
import re
import smtplib
import ssl
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from monitor.config.channels import EmailChannel as EmailConfig
from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.render import deadline_lines, render_text
from monitor.notify.reports import attachment, head, is_report, notes, plain_text
from monitor.templating import html_env


class EmailChannel:
    description = "电子邮件（SMTP，HTML 正文附纯文本）"

    idempotent = False

    def delivered(
        self, key: str, since: datetime, payload: dict[str, Any] | None = None
    ) -> bool | None:
        return None  # the receiver offers no way to look a message up

    def __init__(
        self,
        cfg: EmailConfig,
        username: Secret | None,
        password: Secret | None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.name = cfg.name
        self.cfg = cfg
        self._username = username
        self._password = password
        self._tls = tls_context or ssl.create_default_context()

    def _envelope(self, subject: str) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.cfg.sender
        msg["To"] = ", ".join(self.cfg.to)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="yuqing.local")
        return msg

    def _alert_html(self, payload: dict[str, Any], now: datetime) -> str:
        return (
            html_env()
            .get_template("alerts/alert.html.j2")
            .render(a=payload, deadlines=deadline_lines(payload, now))
        )

    def message(self, payload: dict[str, Any], now: datetime) -> EmailMessage:
        if is_report(payload):
            return self.report_message(payload, now)
        msg = self._envelope(
            f"【{payload['kind_label']}】{payload['grade_label']} {payload['title']}"
        )
        msg.set_content(render_text(payload, now))
        msg.add_alternative(self._alert_html(payload, now), subtype="html")
        return msg

    def report_message(self, payload: dict[str, Any], now: datetime) -> EmailMessage:
        """The report's own HTML file is the body (a self-contained page); the Word and PDF
        files are attached, their Chinese names encoded as RFC 2231 parameters."""
        subject = head(payload)
        if payload.get("duplicate_label"):
            subject += "（补发，可能重复）"
        msg = self._envelope(subject)
        msg.set_content(plain_text(payload))
        page = attachment(payload, "html")
        body = (
            page["content"].decode("utf-8", errors="replace")
            if page
            else self._alert_html(payload, now)
        )
        msg.add_alternative(_with_notes(body, notes(payload)), subtype="html")
        for fmt in ("docx", "pdf"):
            file = attachment(payload, fmt)
            if file is None:
                continue
            # as stored (monitor/reports/formats.py), less parameters such as charset
            maintype, subtype = file["media_type"].split(";")[0].strip().split("/", 1)
            msg.add_attachment(
                file["content"],
                maintype=maintype,
                subtype=subtype,
                # only in Content-Disposition (RFC 2231): with a non-ASCII `name` on it too,
                # Python's header folding mangles the long Word media type into RFC 2047 words
                filename=file["filename"],
            )
        return msg

    def _connect(self) -> smtplib.SMTP:
        c = self.cfg
        if c.security == "ssl":
            return smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self._tls)
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        if c.security == "starttls":
            smtp.starttls(context=self._tls)
        return smtp

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        msg = self.message(payload, now)
        try:
            with self._connect() as smtp:
                if self._username and self._password:
                    smtp.login(self._username.get(), self._password.get())
                refused = smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError:
            return SendResult(False, retry=False, error="邮件服务器拒绝登录（检查用户名和密码）")
        except smtplib.SMTPRecipientsRefused:
            return SendResult(False, retry=False, error="邮件服务器拒收全部收件人")
        except smtplib.SMTPResponseException as e:
            # 4xx is temporary by the SMTP standard (RFC 5321 §4.2.1); 5xx is permanent
            return SendResult(
                False, retry=400 <= e.smtp_code < 500, error=f"邮件服务器返回 {e.smtp_code}"
            )
        except (TimeoutError, smtplib.SMTPException, OSError) as e:
            return SendResult(False, retry=True, error=f"连接邮件服务器失败（{type(e).__name__}）")
        if refused:
            return SendResult(
                False, retry=False, error=f"部分收件人被拒收：{'、'.join(sorted(refused))}"
            )
        return SendResult.sent()


def _with_notes(page: str, lines: list[str]) -> str:
    """The delivery notes (late, possibly a duplicate) as a banner at the top of the page."""
    if not lines:
        return page
    banner = "".join(
        f'<p style="background:#fff3cd;padding:6px 10px;margin:0 0 8px;">{htmllib.escape(n)}</p>'
        for n in lines
    )
    found = re.search(r"<body[^>]*>", page, re.IGNORECASE)
    at = found.end() if found else 0
    return page[:at] + banner + page[at:]

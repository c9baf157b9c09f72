"""Email over SMTP: an HTML alert with a plain-text alternative, from the templates."""

from __future__ import annotations

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
from monitor.templating import html_env


class EmailChannel:
    description = "电子邮件（SMTP，HTML 正文附纯文本）"

    idempotent = False

    def delivered(self, key: str, since: datetime) -> bool | None:
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

    def message(self, payload: dict[str, Any], now: datetime) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = f"【{payload['kind_label']}】{payload['grade_label']} {payload['title']}"
        msg["From"] = self.cfg.sender
        msg["To"] = ", ".join(self.cfg.to)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="yuqing.local")
        msg.set_content(render_text(payload, now))
        html = (
            html_env()
            .get_template("alerts/alert.html.j2")
            .render(a=payload, deadlines=deadline_lines(payload, now))
        )
        msg.add_alternative(html, subtype="html")
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

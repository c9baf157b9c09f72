"""Build the configured channels: the written-out list of channel types."""

from __future__ import annotations

from monitor.config import channels as cfg
from monitor.config.loader import AppConfig
from monitor.notify.base import Channel
from monitor.notify.console import ConsoleChannel
from monitor.notify.dingtalk import DingTalkChannel
from monitor.notify.email import EmailChannel
from monitor.notify.slack import SlackChannel
from monitor.notify.webhook import WebhookChannel
from monitor.notify.wecom import WeComChannel


def build_channels(app: AppConfig) -> dict[str, Channel]:
    out: dict[str, Channel] = {}
    for c in app.settings.channels.channels:
        secret = app.secrets.get
        if isinstance(c, cfg.ConsoleChannel):
            out[c.name] = ConsoleChannel(c.name)
        elif isinstance(c, cfg.SlackChannel):
            out[c.name] = SlackChannel(
                c.name,
                app.secret(c.token_env),
                c.channel,
                c.base_url,
                c.timeout,
                interactive=c.signing_secret_env is not None,
            )
        elif isinstance(c, cfg.DingTalkChannel):
            signing = secret(c.secret_env) if c.secret_env else None
            out[c.name] = DingTalkChannel(c.name, app.secret(c.webhook_env), signing, c.timeout)
        elif isinstance(c, cfg.WeComChannel):
            out[c.name] = WeComChannel(c.name, app.secret(c.webhook_env), c.timeout)
        elif isinstance(c, cfg.EmailChannel):
            user = secret(c.username_env) if c.username_env else None
            password = secret(c.password_env) if c.password_env else None
            out[c.name] = EmailChannel(c, user, password)
        elif isinstance(c, cfg.WebhookChannel):
            out[c.name] = WebhookChannel(c.name, app.secret(c.url_env), c.timeout)
    return out

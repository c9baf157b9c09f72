"""Build the configured channels: the written-out list of channel types."""

from __future__ import annotations

from monitor.config.loader import AppConfig
from monitor.config.models import ConsoleChannel as ConsoleCfg
from monitor.config.models import SlackChannel as SlackCfg
from monitor.config.models import WebhookChannel as WebhookCfg
from monitor.notify.base import Channel
from monitor.notify.console import ConsoleChannel
from monitor.notify.slack import SlackChannel
from monitor.notify.webhook import WebhookChannel


def build_channels(app: AppConfig) -> dict[str, Channel]:
    out: dict[str, Channel] = {}
    for c in app.settings.channels.channels:
        if isinstance(c, ConsoleCfg):
            out[c.name] = ConsoleChannel(c.name)
        elif isinstance(c, SlackCfg):
            out[c.name] = SlackChannel(c.name, app.secret(c.token_env), c.channel, c.base_url)
        elif isinstance(c, WebhookCfg):
            out[c.name] = WebhookChannel(c.name, app.secret(c.url_env))
    return out

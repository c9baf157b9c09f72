"""Slack through slack-sdk's chat.postMessage: Block Kit with grade, reasons and deadlines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.render import deadline_lines, render_text, slack_escape

METADATA_TYPE = "yuqing_alert"
ACK_ACTION = "yuqing_ack"  # the 确认 button's action_id; its value is the event id
BROADCAST = ("grade_up", "deadline_breach")
# Slack errors that a later attempt can cure; everything else is a configuration problem.
_RETRYABLE = {
    "ratelimited",
    "service_unavailable",
    "request_timeout",
    "fatal_error",
    "internal_error",
}


class SlackChannel:
    description = "通过 Slack 机器人（chat.postMessage）发送预警"

    def __init__(
        self,
        name: str,
        token: Secret,
        channel: str,
        base_url: str,
        timeout: float = 10,
        interactive: bool = False,
    ) -> None:
        self.name = name
        self.channel = channel
        # a signing secret is configured: Slack's clicks can be verified, so offer the button
        self.interactive = interactive
        self._client = WebClient(token=token.get(), base_url=base_url, timeout=int(timeout))

    def blocks(self, payload: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
        e = slack_escape
        if payload.get("notice"):
            text = f"*【{e(payload['kind_label'])}】<{payload['url']}|{e(payload['title'])}>*"
            return [
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": f"{text}\n{e(payload['detail'])}"},
                }
            ]
        link = f"<{payload['url']}|{e(payload['title'])}>"
        head = f"*[{e(payload['grade_label'])}] {e(payload['kind_label'])}*\n{link}"
        fields = [
            f"*研判依据*：{e(payload['reasons'])}",
            f"*责任部门*：{e(payload['department'])}",
            f"*首发*：{e(payload['first_source'])}（{payload['discovered_at']} 发现）",
        ]
        fields += [f"*时限*：{e(x)}" for x in deadline_lines(payload, now)]
        if payload.get("escalation"):
            fields.insert(0, f"*升级*：{e(payload['escalation'])}")
        for note in ("late_label", "duplicate_label"):
            if payload.get(note):
                fields.append(f"_{e(payload[note])}_")
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": head}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(fields)}},
        ]
        if self.interactive and payload.get("kind") == "escalation":
            blocks.append(ack_actions(int(payload["event_id"])))
        return blocks

    idempotent = False

    def delivered(self, key: str, since: datetime) -> bool | None:
        """Look for our key in the channel's recent messages (message metadata). Needs the
        channel's ID (C…) in config and the history scope; otherwise we cannot tell."""
        try:
            resp = self._client.conversations_history(
                channel=self.channel,
                oldest=f"{since.timestamp():.6f}",
                include_all_metadata=True,
                limit=200,
            )
        except (SlackApiError, OSError):
            return None
        for message in resp.get("messages", []):
            meta = message.get("metadata") or {}
            if meta.get("event_type") == METADATA_TYPE and (
                (meta.get("event_payload") or {}).get("key") == key
            ):
                return True
        return False

    def send(self, payload: dict[str, Any], now: datetime) -> SendResult:
        key = payload.get("alert_key")
        meta = {"event_type": METADATA_TYPE, "event_payload": {"key": key}} if key else None
        thread = payload.get("thread_ts")
        try:
            resp = self._client.chat_postMessage(
                channel=self.channel,
                text=render_text(payload, now, escape=slack_escape),
                blocks=self.blocks(payload, now),
                metadata=meta,
                # later updates of an event go into its thread; the serious ones are also
                # shown in the channel so nobody misses them
                thread_ts=thread,
                reply_broadcast=bool(thread) and payload.get("kind") in BROADCAST,
            )
        except SlackApiError as e:
            code = str(e.response.get("error", "unknown_error"))
            retry_after = e.response.headers.get("Retry-After") if e.response.headers else None
            return SendResult(
                False,
                retry=code in _RETRYABLE or e.response.status_code >= 500,
                error=f"Slack 返回错误：{code}",
                retry_after=float(retry_after) if retry_after else None,
            )
        except OSError as e:
            return SendResult(False, retry=True, error=f"连接 Slack 失败：{type(e).__name__}")
        return SendResult.sent(receipt=str(resp.get("ts") or "") or None)


def ack_actions(event_id: int) -> dict[str, Any]:
    """The Block Kit `actions` block with the 确认 button (handled by web/slack_actions.py)."""
    return {
        "type": "actions",
        "block_id": f"yuqing_ack_{event_id}",
        "elements": [
            {
                "type": "button",
                "action_id": ACK_ACTION,
                "text": {"type": "plain_text", "text": "确认"},
                "style": "primary",
                "value": str(event_id),
            }
        ],
    }

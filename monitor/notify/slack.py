"""Slack through slack-sdk's chat.postMessage: Block Kit with grade, reasons and deadlines; a
report as its Word file, uploaded with files.upload v2 and shared with a short summary."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from monitor.config.types import Secret
from monitor.notify.base import SendResult
from monitor.notify.render import deadline_lines, render_text, slack_escape
from monitor.notify.reports import UPLOAD_ORDER, attachment, is_report, slack_comment, upload_name

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
# A conversation ID (public C…, private G…, direct D…) rather than a #name.
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]+$")
_NEEDS_ID = (
    "上传报告文件需要频道 ID。请把机器人邀请进该频道并授予 channels:read（私有频道还需 "
    "groups:read）权限，或在 channels.yaml 的 channel 中直接填写频道 ID（C 开头）"
)


class UnknownChannel(Exception):
    """The configured `#name` could not be turned into a conversation ID (for people)."""


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
        self._channel_id = channel if _CHANNEL_ID.match(channel) else None

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

    def delivered(
        self, key: str, since: datetime, payload: dict[str, Any] | None = None
    ) -> bool | None:
        """Look for our key in the channel's recent messages (message metadata). Needs the
        channel's ID (C…) in config and the history scope; otherwise we cannot tell."""
        if payload is not None and is_report(payload):
            return self._report_delivered(payload, since)
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
        if is_report(payload):
            return self.send_report(payload)
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
            return api_error(e)
        except OSError as e:
            return SendResult(False, retry=True, error=f"连接 Slack 失败：{type(e).__name__}")
        return SendResult.sent(receipt=str(resp.get("ts") or "") or None)

    def send_report(self, payload: dict[str, Any]) -> SendResult:
        """files.getUploadURLExternal → POST the bytes → files.completeUploadExternal, which
        shares the file in the channel with the summary as its message. The receipt is the
        file's ID (a share has no message ts until Slack posts it, asynchronously)."""
        file = next((a for f in UPLOAD_ORDER if (a := attachment(payload, f))), None)
        if file is None:
            return SendResult(False, retry=False, error="报告没有可上传到 Slack 的文件")
        try:
            channel_id = self.channel_id()
            resp = self._client.files_upload_v2(
                channel=channel_id,
                content=file["content"],
                filename=file["filename"],
                title=payload["title"],
                initial_comment=slack_comment(payload),
            )
        except SlackApiError as e:
            return api_error(e)
        except UnknownChannel as e:
            return SendResult(False, retry=False, error=str(e))
        except (SlackClientError, OSError) as e:  # the upload POST itself failed
            return SendResult(False, retry=True, error=f"上传文件到 Slack 失败：{type(e).__name__}")
        shared = resp.get("file") or {}
        return SendResult.sent(receipt=str(shared.get("id") or "") or None)

    def channel_id(self) -> str:
        """files.completeUploadExternal takes only a conversation ID: a configured `#name` is
        looked up once with conversations.list (needs the channels:read scope, groups:read
        for a private channel). Raises UnknownChannel when it cannot be found, SlackApiError
        when Slack cannot answer now."""
        if self._channel_id is not None:
            return self._channel_id
        name, cursor = self.channel.lstrip("#"), None
        while True:
            try:
                resp = self._client.conversations_list(
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=200,
                    cursor=cursor,
                )
            except SlackApiError as e:
                if api_error(e).retry:
                    raise
                code = e.response.get("error", "unknown_error")
                raise UnknownChannel(
                    f"查不到 Slack 频道 {self.channel} 的 ID（conversations.list 返回 {code}）："
                    + _NEEDS_ID
                ) from e
            for c in resp.get("channels") or []:
                if c.get("name") == name:
                    self._channel_id = str(c["id"])
                    return self._channel_id
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                raise UnknownChannel(f"找不到 Slack 频道 {self.channel}：" + _NEEDS_ID)

    def _report_delivered(self, payload: dict[str, Any], since: datetime) -> bool | None:
        """Was the report's file shared here since the interrupted send began? Uploads carry
        no message metadata, so the file's name is the mark: it is made from the report's
        kind and period (one report row per key), and the outbox queues a report once per
        channel, so a file of that name shared in this channel since then is this send.
        Slack shares an upload a moment after completeUploadExternal answers: a restart
        within seconds of the crash may not see it yet and upload again (a duplicate, never
        a loss). An upload never completed was never shared, and is rightly sent again."""
        name = upload_name(payload)
        if name is None:
            return None
        try:
            resp = self._client.conversations_history(
                channel=self.channel_id(), oldest=f"{since.timestamp():.6f}", limit=200
            )
        except (SlackClientError, UnknownChannel, OSError):
            return None
        messages: list[dict[str, Any]] = resp.get("messages") or []
        return any(f.get("name") == name for m in messages for f in m.get("files") or [])


def api_error(e: SlackApiError) -> SendResult:
    """A Slack Web API error: the retryable set and 5xx later, anything else is permanent."""
    code = str(e.response.get("error", "unknown_error"))
    retry_after = e.response.headers.get("Retry-After") if e.response.headers else None
    return SendResult(
        False,
        retry=code in _RETRYABLE or e.response.status_code >= 500,
        error=f"Slack 返回错误：{code}",
        retry_after=float(retry_after) if retry_after else None,
    )


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

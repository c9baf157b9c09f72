"""Slack interactivity: the 确认 button on escalation messages acknowledges the escalation.

Slack posts each click to `POST /slack/interactions` as `payload=<JSON>` (form-encoded).
The request is Slack's only if it carries Slack's signature: `v0=` + HMAC-SHA256 over
`v0:{X-Slack-Request-Timestamp}:{raw body}` with the app's signing secret, compared in
constant time, with a timestamp at most five minutes from now (replay protection; an exact
request already seen is refused too, by every web worker and after a restart: the seen
requests are in the database, see monitor/storage/slack.py). Anything else gets 401 and
changes nothing. Without a signing secret in any Slack channel's config there is no button
and this answers 404.

A verified click is acted on as the yuqing user linked to the clicking Slack user
(`yuqing user add … --slack-id U…` / `yuqing user slack NAME U…`), under the same rule as
`POST /api/events/{id}/acknowledge`: the role may acknowledge and, for a handler, the event
is its department's. Slack is answered through the click's `response_url`, as Slack
documents for `block_actions`: the original message is replaced by one that says who
acknowledged it and when; a problem (unknown user, role, event, already acknowledged) is
told to the clicking user alone in an ephemeral message. The signing secret is never
logged, and neither is the `response_url` (anyone holding it can post to the channel).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from slack_sdk.webhook import WebhookClient
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from monitor.accounts.users import user_for_slack
from monitor.cases.actors import require_role
from monitor.clock import fmt_beijing
from monitor.config import channels as cfg
from monitor.config.loader import AppConfig
from monitor.config.types import Secret
from monitor.errors import Forbidden
from monitor.notify import escalation
from monitor.notify.render import slack_escape
from monitor.notify.slack import ACK_ACTION
from monitor.storage import slack as seen
from monitor.storage.db import Database
from monitor.storage.models import Department, Event, User
from monitor.web.auth import Principal
from monitor.web.scope import can_see

log = logging.getLogger(__name__)
router = APIRouter()

MAX_AGE = 5 * 60  # seconds: Slack's documented window for a request's timestamp
MAX_BODY = 256 * 1024  # a click carries its message's blocks; far below this
RESPOND_TIMEOUT = 5  # seconds for the post to response_url
# slack-sdk logs request URLs at DEBUG; a response_url must not reach a log file
_sdk_log = logging.getLogger(__name__ + ".sdk")
_sdk_log.setLevel(logging.WARNING)


def signing_secrets(app_config: AppConfig) -> list[Secret]:
    """The signing secrets of the Slack channels that configure one (usually one app)."""
    out: list[Secret] = []
    for c in app_config.settings.channels.channels:
        if isinstance(c, cfg.SlackChannel) and c.signing_secret_env:
            secret = app_config.secret(c.signing_secret_env)
            if all(secret.get() != s.get() for s in out):
                out.append(secret)
    return out


def slack_signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def refusal(
    secrets: list[Secret], timestamp: str | None, signature: str | None, body: bytes, now: float
) -> str | None:
    """None when Slack signed this request within MAX_AGE of `now`; otherwise why not."""
    if not timestamp or not (timestamp.isascii() and timestamp.isdigit()):
        return "缺少或无效的 X-Slack-Request-Timestamp"
    if abs(now - int(timestamp)) > MAX_AGE:
        return "请求时间戳与当前时间相差超过 5 分钟（过期或重放的请求）"
    if not signature:
        return "缺少 X-Slack-Signature"
    # every secret is tried, so the time taken says nothing about which one came close
    matches = [
        hmac.compare_digest(slack_signature(s.get(), timestamp, body), signature) for s in secrets
    ]
    return None if any(matches) else "签名不符"


@dataclass(frozen=True)
class Click:
    slack_user: str
    value: str
    response_url: str
    message: dict[str, Any]


@dataclass(frozen=True)
class Answer:
    text: str
    replace_original: bool = False  # False: an ephemeral note to the clicking user
    blocks: list[dict[str, Any]] | None = None


def replayed(db: Database, timestamp: str, signature: str, now: datetime) -> str | None:
    """For a verified request: None the first time any worker sees it, else why refused."""
    # guarded until its timestamp leaves the window, not five minutes after it came: a
    # request stamped ahead of our clock is acceptable for longer than that
    until = datetime.fromtimestamp(int(timestamp) + MAX_AGE, UTC)
    if seen.first_time(db, signature, until, now):
        return None
    return "同一请求已处理过（重放）"


def parse_click(body: bytes) -> Click | None:
    """Our button's click in Slack's `block_actions` payload; None for anything else."""
    raw = parse_qs(body.decode("utf-8", "replace")).get("payload", [""])[0]
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(payload, dict) or payload.get("type") != "block_actions":
        return None
    actions = [a for a in payload.get("actions") or [] if isinstance(a, dict)]
    action = next((a for a in actions if a.get("action_id") == ACK_ACTION), None)
    who = payload.get("user")
    user = who.get("id") if isinstance(who, dict) else None
    url = payload.get("response_url")
    if action is None or not user or not url:
        return None
    return Click(str(user), str(action.get("value", "")), str(url), payload.get("message") or {})


@router.post("/slack/interactions")
async def slack_interactions(request: Request) -> Response:
    app_config: AppConfig = request.app.state.config
    secrets = signing_secrets(app_config)
    if not secrets:
        raise StarletteHTTPException(404)  # interactivity is off: there is no button
    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "请求体过大。"}, status_code=413)
    now: datetime = request.app.state.now()
    headers = request.headers
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    why = refusal(secrets, timestamp, signature, body, now.timestamp())
    if why is None and timestamp and signature:  # both there: refusal() checked them
        why = await run_in_threadpool(replayed, request.app.state.db, timestamp, signature, now)
    if why is not None:
        log.warning("Slack interaction refused: %s", why)
        return JSONResponse({"error": f"Slack 请求校验失败：{why}。"}, status_code=401)
    click = parse_click(body)
    if click is None:
        return Response(status_code=200)  # not our button: nothing to do
    answer = await run_in_threadpool(handle_click, request.app.state.db, click, now)
    return Response(status_code=200, background=BackgroundTask(respond, click.response_url, answer))


def handle_click(db: Database, click: Click, now: datetime) -> Answer:
    """Acknowledge as the linked user, or say to the clicking user why not."""
    with db.session() as s:
        user = user_for_slack(s, click.slack_user)
        if user is None:
            return Answer(
                f"您的 Slack 账号（{click.slack_user}）尚未关联 yuqing 用户，无法确认。"
                f"请管理员运行 `yuqing user slack 用户名 {click.slack_user}` 关联后再点。"
            )
        try:
            require_role(user, escalation.ACKNOWLEDGERS, "确认升级通知")
        except Forbidden as e:
            return Answer(str(e))
        known = click.value.isdigit() and len(click.value) < 10
        event = s.get(Event, int(click.value)) if known else None
        if event is None:
            return Answer(f"事件 {click.value!r} 不存在，无法确认。")
        if not can_see(_principal(s, user), event):
            return Answer("无权确认：该事件不由您所在的处室负责或会商。")
        esc = escalation.current(s, event.id)
        if esc is None:
            return Answer(f"事件 #{event.id} 没有进行中的升级，无需确认。")
        if esc.acknowledged_at is not None:
            return Answer(
                f"事件 #{event.id} 的升级已由 {esc.acknowledged_by} 于 "
                f"{fmt_beijing(esc.acknowledged_at)} 确认，无需重复确认。"
            )
        esc = escalation.acknowledge(
            s, event.id, user, now, via={"via": "slack", "slack_user": click.slack_user}
        )
        # "xiaowang 于" but "值班员小王（xiaowang）于": no space after a full-width bracket
        same = user.display_name == user.name
        who = f"{user.name} " if same else f"{user.display_name}（{user.name}）"
        done = (
            f"✅ 已由 {who}于 {fmt_beijing(esc.acknowledged_at)} 确认（北京时间），不再重复提醒。"
        )
        return _replaced(click.message, done)


def _principal(s: Session, user: User) -> Principal:
    dept = s.get(Department, user.department_id) if user.department_id else None
    return Principal(
        id=user.id,
        name=user.name,
        display_name=user.display_name,
        role=user.role,
        department_id=user.department_id,
        department_code=dept.code if dept else None,
        department_name=dept.name if dept else None,
        via="slack",
    )


def _replaced(message: dict[str, Any], done: str) -> Answer:
    """The original message without its button, saying who acknowledged it and when."""
    kept = [
        b
        for b in message.get("blocks") or []
        if not (b.get("type") == "actions" and str(b.get("block_id", "")).startswith(ACK_ACTION))
    ]
    note = {"type": "context", "elements": [{"type": "mrkdwn", "text": slack_escape(done)}]}
    text = f"{message.get('text') or ''}\n{done}".strip()
    return Answer(text, replace_original=True, blocks=[*kept, note])


def respond(response_url: str, answer: Answer) -> None:
    """Post the answer to the click's response_url (after Slack has had its 200)."""
    extra: dict[str, Any] = (
        {"replace_original": True}
        if answer.replace_original
        else {"replace_original": False, "response_type": "ephemeral"}
    )
    try:
        resp = WebhookClient(response_url, timeout=RESPOND_TIMEOUT, logger=_sdk_log).send(
            text=answer.text, blocks=answer.blocks, **extra
        )
    except OSError as e:
        log.warning("Slack response_url could not be reached: %s", type(e).__name__)
        return
    if resp.status_code != 200:
        log.warning("Slack response_url answered %s: %s", resp.status_code, resp.body[:200])

"""A fake Slack Web API on loopback: chat.postMessage (with message metadata) and
conversations.history, answering in Slack's JSON as slack-sdk expects; plus the
interactivity side: the `response_url` Slack hands out with a click (answers `ok` as
text, as hooks.slack.com does), and `click()`, the signed request Slack sends when
someone presses a button."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from slack_sdk.signature import SignatureVerifier


@dataclass
class FakeSlack:
    base_url: str = ""
    token: str = "xoxb-test"
    messages: list[dict[str, Any]] = field(default_factory=list)
    hold_seconds: dict[int, float] = field(default_factory=dict)  # n-th message -> delay
    lock: threading.Lock = field(default_factory=threading.Lock)
    responses: list[dict[str, Any]] = field(default_factory=list)  # posts to response_url
    response_url: str = ""

    def click(
        self,
        signing_secret: str,
        user_id: str,
        value: str,
        at: int,
        message: dict[str, Any] | None = None,
        action_id: str = "yuqing_ack",
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of Slack's `block_actions` request for a button click at
        Unix time `at` on `message` (default: the last message posted), signed by
        slack-sdk's own SignatureVerifier."""
        message = message if message is not None else self.messages[-1]
        payload = {
            "type": "block_actions",
            "user": {"id": user_id, "username": user_id.lower(), "team_id": "T0001"},
            "team": {"id": "T0001", "domain": "yunchuan"},
            "channel": {"id": "C0001", "name": "yuqing"},
            "container": {"type": "message", "message_ts": message.get("ts")},
            "message": {k: message[k] for k in ("ts", "text", "blocks") if k in message},
            "response_url": self.response_url,
            "trigger_id": "1.2.3",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": f"{action_id}_{value}",
                    "value": value,
                    "action_ts": f"{at}.000100",
                }
            ],
        }
        body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)}).encode()
        signature = SignatureVerifier(signing_secret).generate_signature(
            timestamp=str(at), body=body
        )
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(at),
            "X-Slack-Signature": signature or "",
        }
        return body, headers

    def alert_keys(self) -> list[str]:
        return [
            ((m.get("metadata") or {}).get("event_payload") or {}).get("key") for m in self.messages
        ]


@contextmanager
def fake_slack(token: str = "xoxb-test") -> Iterator[FakeSlack]:
    state = FakeSlack(token=token)

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, body: dict[str, Any], status: int = 200) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            # the client may have died waiting (the kill -9 test): Slack kept the message
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(raw)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._reply({"ok": False, "error": "invalid_auth"})
                return False
            return True

        def do_POST(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path.startswith("/actions/"):  # a response_url: the URL is the credential
                self._respond_to_action()
                return
            if not self._authorised():
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if path.endswith("/chat.postMessage"):
                args = json.loads(raw or b"{}")
                with state.lock:
                    ts = f"{time.time():.6f}"
                    state.messages.append(args | {"ts": ts})
                    n = len(state.messages)
                time.sleep(state.hold_seconds.get(n, 0))  # accepted, answer delayed
                self._reply({"ok": True, "channel": args.get("channel"), "ts": ts})
            elif path.endswith("/conversations.history"):
                self._history(parse_qs(raw.decode()))
            else:
                self._reply({"ok": False, "error": "unknown_method"}, 404)

        def _respond_to_action(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            ok = self.path == urlsplit(state.response_url).path
            if ok:
                with state.lock:
                    state.responses.append(json.loads(raw or b"{}"))
            body = b"ok" if ok else b"invalid_token"
            self.send_response(200 if ok else 404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802
            if not self._authorised():
                return
            if urlsplit(self.path).path.endswith("/conversations.history"):
                self._history(parse_qs(urlsplit(self.path).query))
            else:
                self._reply({"ok": False, "error": "unknown_method"}, 404)

        def _history(self, q: dict[str, list[str]]) -> None:
            oldest = float((q.get("oldest") or ["0"])[0])
            with state.lock:
                found = [m for m in state.messages if float(m["ts"]) >= oldest]
            with_meta = (q.get("include_all_metadata") or ["false"])[0] in ("true", "1")
            msgs = [
                {"ts": m["ts"], "text": m.get("text")}
                | ({"metadata": m["metadata"]} if with_meta and m.get("metadata") else {})
                for m in reversed(found)
            ]
            self._reply({"ok": True, "messages": msgs, "has_more": False})

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/api/"
    state.response_url = f"http://127.0.0.1:{server.server_address[1]}/actions/T0001/42/rEsPoNsE"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

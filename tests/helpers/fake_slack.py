"""A fake Slack Web API on loopback: chat.postMessage (with message metadata) and
conversations.history, answering in Slack's JSON as slack-sdk expects."""

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
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeSlack:
    base_url: str = ""
    token: str = "xoxb-test"
    messages: list[dict[str, Any]] = field(default_factory=list)
    hold_seconds: dict[int, float] = field(default_factory=dict)  # n-th message -> delay
    lock: threading.Lock = field(default_factory=threading.Lock)

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
            if not self._authorised():
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            path = urlsplit(self.path).path
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

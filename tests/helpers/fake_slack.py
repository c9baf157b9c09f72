"""A fake Slack Web API on loopback: chat.postMessage (with message metadata) and
conversations.history, answering in Slack's JSON as slack-sdk expects; plus the
interactivity side: the `response_url` Slack hands out with a click (answers `ok` as
text, as hooks.slack.com does), and `click()`, the signed request Slack sends when
someone presses a button.

File uploads as slack-sdk's files_upload_v2 makes them: files.getUploadURLExternal (an
upload_url pointing back here and a file_id), the POST of the bytes to that URL, and
files.completeUploadExternal, which records the file and shares it in the channel as a
message carrying `files` (seen by conversations.history); conversations.list answers the
workspace's `channels`. `fail` scripts outages: per method, answers given (once each)
before the real one."""

from __future__ import annotations

import contextlib
import itertools
import json
import re
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
class UploadedFile:
    id: str
    name: str
    length: int
    content: bytes | None = None  # None until the bytes are POSTed to the upload URL
    title: str | None = None
    channel: str | None = None  # set by files.completeUploadExternal
    initial_comment: str | None = None
    ts: str | None = None  # the message that shared it


# An answer scripted for one call: (HTTP status, JSON body, headers).
Failure = tuple[int, dict[str, Any], dict[str, str]]
SERVICE_UNAVAILABLE: Failure = (503, {"ok": False, "error": "service_unavailable"}, {})
RATELIMITED: Failure = (429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "30"})


@dataclass
class FakeSlack:
    base_url: str = ""
    token: str = "xoxb-test"
    messages: list[dict[str, Any]] = field(default_factory=list)
    hold_seconds: dict[int, float] = field(default_factory=dict)  # n-th message -> delay
    lock: threading.Lock = field(default_factory=threading.Lock)
    responses: list[dict[str, Any]] = field(default_factory=list)  # posts to response_url
    response_url: str = ""
    # the workspace's channels, name -> ID, for conversations.list
    channels: dict[str, str] = field(
        default_factory=lambda: {"general": "C0GENERAL", "yuqing-duty": "C0DUTY"}
    )
    files: dict[str, UploadedFile] = field(default_factory=dict)  # by file ID
    # method ("files.getUploadURLExternal", "upload", "chat.postMessage", …) -> answers
    # given once each, in order, before the method works again
    fail: dict[str, list[Failure]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)  # every API method called, in order
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def shared(self) -> list[UploadedFile]:
        """The files shared in a channel (upload completed), in order."""
        return [f for f in self.files.values() if f.channel is not None]

    def share(self, name: str, channel: str, ts: str, content: bytes = b"") -> None:
        """A file already shared (as if uploaded earlier), e.g. before a crash."""
        f = UploadedFile(f"F{next(self._ids):08d}", name, len(content), content, name, channel)
        f.ts = ts
        self.files[f.id] = f
        self.messages.append(_share_message(f))

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


def _share_message(f: UploadedFile) -> dict[str, Any]:
    return {
        "ts": f.ts,
        "channel": f.channel,
        "text": f.initial_comment or "",
        "files": [{"id": f.id, "name": f.name, "title": f.title, "size": f.length}],
    }


_CONVERSATION_ID = re.compile(r"^[CGD][A-Z0-9]+$")


@contextmanager
def fake_slack(token: str = "xoxb-test") -> Iterator[FakeSlack]:
    state = FakeSlack(token=token)

    class Handler(BaseHTTPRequestHandler):
        def _reply(
            self, body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
        ) -> None:
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(raw)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            # the client may have died waiting (the kill -9 test): Slack kept the message
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(raw)

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") != f"Bearer {state.token}":
                self._reply({"ok": False, "error": "invalid_auth"})
                return False
            return True

        def _failing(self, method: str) -> bool:
            """Answer a scripted failure for `method`, if one is left."""
            with state.lock:
                state.calls.append(method)
                queue = state.fail.get(method) or []
                failure = queue.pop(0) if queue else None
            if failure is None:
                return False
            status, body, headers = failure
            self._reply(body, status, headers)
            return True

        def do_POST(self) -> None:  # noqa: N802
            path = urlsplit(self.path).path
            if path.startswith("/actions/"):  # a response_url: the URL is the credential
                self._respond_to_action()
                return
            if path.startswith("/upload/"):  # an upload_url: the URL is the credential
                self._upload(path.rsplit("/", 1)[-1])
                return
            if not self._authorised():
                return
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            method = path.rsplit("/", 1)[-1]
            if self._failing(method):
                return
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
            if method == "files.getUploadURLExternal":
                self._upload_url(query | form)
            elif method == "files.completeUploadExternal":
                self._complete(query | form)
            elif method == "conversations.list":
                self._list(query | form)
            elif path.endswith("/chat.postMessage"):
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

        def _upload_url(self, args: dict[str, str]) -> None:
            if not args.get("filename") or not args.get("length", "").isdigit():
                self._reply({"ok": False, "error": "invalid_arguments"})
                return
            with state.lock:
                fid = f"F{next(state._ids):08d}"
                state.files[fid] = UploadedFile(fid, args["filename"], int(args["length"]))
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            self._reply({"ok": True, "upload_url": f"{host}/upload/v1/{fid}", "file_id": fid})

        def _upload(self, fid: str) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self._failing("upload"):
                return
            with state.lock:
                f = state.files.get(fid)
                if f is not None:
                    f.content = raw
            body = f"OK - {len(raw)}".encode() if f else b"not found"
            self.send_response(200 if f else 404)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _complete(self, args: dict[str, str]) -> None:
            channel = args.get("channel_id") or None  # none: the file stays private
            if channel is not None and not _CONVERSATION_ID.match(channel):
                self._reply({"ok": False, "error": "channel_not_found"})
                return
            wanted = json.loads(args.get("files") or "[]")
            with state.lock:
                found = [state.files.get(w.get("id", "")) for w in wanted]
                done = [f for f in found if f is not None and f.content is not None]
                if not wanted or len(done) != len(wanted):
                    self._reply({"ok": False, "error": "file_not_found"})
                    return
                ts = f"{time.time():.6f}"
                for w, f in zip(wanted, done, strict=True):
                    f.title = w.get("title") or f.name
                    f.channel, f.initial_comment = channel, args.get("initial_comment")
                    f.ts = ts if channel else None
                if channel is not None:  # one message shares them all, with the comment
                    message = _share_message(done[0])
                    message["files"] = [_share_message(f)["files"][0] for f in done]
                    state.messages.append(message)
            files = [{"id": f.id, "name": f.name, "title": f.title} for f in done]
            self._reply({"ok": True, "files": files})

        def _list(self, args: dict[str, str]) -> None:
            limit = int(args.get("limit") or 100)
            start = int(args.get("cursor") or 0)
            with state.lock:
                everyone = [
                    {"id": i, "name": n, "is_channel": True} for n, i in state.channels.items()
                ]
            page = everyone[start : start + limit]
            more = start + limit < len(everyone)
            meta = {"next_cursor": str(start + limit) if more else ""}
            self._reply({"ok": True, "channels": page, "response_metadata": meta})

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
            elif urlsplit(self.path).path.endswith("/conversations.list"):
                self._list({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})
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
                | ({"files": m["files"]} if m.get("files") else {})
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

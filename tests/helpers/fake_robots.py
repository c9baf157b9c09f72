"""Fake DingTalk and WeCom group robots on loopback, answering as the real APIs document."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.helpers.fake_http import FakeServer, Recorded, fake_http


@contextmanager
def fake_dingtalk(secret: str, per_minute: int = 20, token: str = "tok") -> Iterator[FakeServer]:
    """/robot/send?access_token=…&timestamp=…&sign=…: the signature is checked like DingTalk
    does (HMAC-SHA256 of "timestamp\\nsecret", base64), and at most `per_minute` messages a
    minute are accepted (errcode 130101 after that)."""
    accepted: list[float] = []

    def answer(req: Recorded) -> tuple[int, dict[str, str], Any]:
        q = {k: v[0] for k, v in parse_qs(urlsplit(req.path).query).items()}
        if q.get("access_token") != token:
            return 200, {}, {"errcode": 300001, "errmsg": "token is not exist"}
        ts = q.get("timestamp", "0")
        want = base64.b64encode(
            hmac.new(secret.encode(), f"{ts}\n{secret}".encode(), hashlib.sha256).digest()
        ).decode()
        if q.get("sign") != want or abs(time.time() * 1000 - int(ts)) > 3600_000:
            return 200, {}, {"errcode": 310000, "errmsg": "sign not match"}
        body = req.json()
        if body.get("msgtype") != "markdown" or not body["markdown"].get("text"):
            return 200, {}, {"errcode": 40035, "errmsg": "缺少参数 text"}
        now = time.monotonic()
        recent = [t for t in accepted if now - t < 60]
        if len(recent) >= per_minute:
            return 200, {}, {"errcode": 130101, "errmsg": "send too fast"}
        accepted.append(now)
        return 200, {}, {"errcode": 0, "errmsg": "ok"}

    with fake_http(responder=answer) as server:
        server.url = f"{server.url}/robot/send?access_token={token}"
        yield server


@contextmanager
def fake_wecom(key: str = "k1") -> Iterator[FakeServer]:
    """/cgi-bin/webhook/send?key=…: markdown content over 4096 bytes is refused (40058)."""

    def answer(req: Recorded) -> tuple[int, dict[str, str], Any]:
        q = {k: v[0] for k, v in parse_qs(urlsplit(req.path).query).items()}
        if q.get("key") != key:
            return 200, {}, {"errcode": 93000, "errmsg": "invalid webhook url"}
        content = req.json().get("markdown", {}).get("content", "")
        if len(content.encode("utf-8")) > 4096:
            return 200, {}, {"errcode": 40058, "errmsg": "markdown.content exceed max length"}
        return 200, {}, {"errcode": 0, "errmsg": "ok"}

    with fake_http(responder=answer) as server:
        server.url = f"{server.url}/cgi-bin/webhook/send?key={key}"
        yield server

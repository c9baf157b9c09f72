"""A recording HTTP server on loopback that answers POST and GET from a script of responses
(or a responder function)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class FakeServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    # each response: (status, headers, body); the last one repeats
    script: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)


Responder = Callable[[Recorded], tuple[int, dict[str, str], Any]]


def _encode(body: Any) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()


@contextmanager
def fake_http(
    script: list[tuple[int, dict[str, str], Any]] | None = None,
    responder: Responder | None = None,
) -> Iterator[FakeServer]:
    """Answers from `script` in order (the last repeats), or computes each answer."""
    encoded = [(st, h, _encode(b)) for st, h, b in script or []]
    state = FakeServer(url="", script=encoded)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            recorded = Recorded(self.path, dict(self.headers), body)
            state.requests.append(recorded)
            if responder is not None:
                status, headers, answer = responder(recorded)
                payload = _encode(answer)
            else:
                i = min(len(state.requests) - 1, len(state.script) - 1)
                status, headers, payload = state.script[i]
            self.send_response(status)
            for k, v in ({"Content-Type": "application/json"} | headers).items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        # a GET is answered the same way (its body empty): the fake APIs crawled by spiders
        do_GET = do_POST  # noqa: N815

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()

"""Browser tests' real parts: the console served by uvicorn on loopback, and Debian's
Chromium found (or the test failed under CI / skipped with the reason elsewhere)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from types import TracebackType

import pytest
import uvicorn
from fastapi import FastAPI

# Debian's package; Playwright's own browser download is not used (no internet here).
CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
INSTALL_HINT = "apt-get install -y chromium"


def chromium_path() -> str | None:
    """YUQING_CHROMIUM if set, else Debian's Chromium, else one on PATH."""
    wanted = os.environ.get("YUQING_CHROMIUM")
    candidates = [wanted] if wanted else [*CHROMIUM_PATHS, shutil.which("chromium") or ""]
    return next((p for p in candidates if p and os.access(p, os.X_OK)), None)


def chromium_or_skip() -> str:
    """The browser to drive. Missing: a failure when YUQING_REQUIRE_BROWSER=1 (CI sets it),
    a skip that says why otherwise."""
    problem = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problem = "Playwright is not installed: run `make setup` (it is a dev dependency)"
    path = chromium_path()
    if problem is None and path is None:
        where = os.environ.get("YUQING_CHROMIUM") or " or ".join(CHROMIUM_PATHS)
        problem = f"Chromium not found at {where}: install it with `{INSTALL_HINT}`"
    if problem is not None:
        if os.environ.get("YUQING_REQUIRE_BROWSER") == "1":
            pytest.fail(
                f"browser tests required (YUQING_REQUIRE_BROWSER=1): {problem}", pytrace=False
            )
        pytest.skip(f"browser tests skipped: {problem}")
    assert path is not None
    return path


class LiveConsole:
    """`app` served by a real uvicorn in a thread on a free loopback port, for a `with`."""

    def __init__(self, app: FastAPI) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="console", daemon=True)
        self.url = ""

    def __enter__(self) -> LiveConsole:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the console did not start (see the log above)")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

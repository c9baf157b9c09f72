"""Run the `yuqing` command as a user would: a child process on a prepared config copy."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.configs import REPO, copy_config, free_port


@dataclass
class Setup:
    config: Path
    env: dict[str, str]
    web_port: int
    sample_port: int = 0

    @property
    def sample_url(self) -> str:
        return f"http://127.0.0.1:{self.sample_port}"

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "monitor", "--config", str(self.config), *args]

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """The command's outcome, whatever its exit code."""
        return subprocess.run(
            self.argv(*args),
            capture_output=True,
            text=True,
            env=self.env,
            cwd=REPO,
            timeout=timeout,
            check=False,
        )

    def ok(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run and require success without a traceback."""
        done = self.run(*args)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Traceback" not in done.stderr
        return done

    def start(self, *args: str, log: Path) -> subprocess.Popen[str]:
        out = open(log, "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(
            self.argv(*args),
            stdout=out,
            stderr=subprocess.STDOUT,
            env=self.env | {"PYTHONUNBUFFERED": "1"},
            cwd=REPO,
            text=True,
        )


def prepare(
    tmp_path: Path,
    database_url: str | None = None,
    sample_port: int | None = None,
    web_port: int | None = None,
) -> Setup:
    """A config copy on free ports and a database (SQLite in tmp_path unless given)."""
    web_port = web_port or free_port()
    sample_port = sample_port or free_port()
    config = copy_config(tmp_path, sample_port=sample_port, web_port=web_port)
    env = dict(os.environ) | {"DATABASE_URL": database_url or f"sqlite:///{tmp_path}/yuqing.db"}
    return Setup(config, env, web_port, sample_port)

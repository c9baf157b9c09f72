"""`yuqing run` as a user runs it: it collects, alerts, serves the console, and stops on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from tests.helpers.configs import REPO, copy_config, free_port


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return json.loads(r.read())
    except OSError:
        return None


def test_run_refuses_an_unmigrated_database(tmp_path) -> None:
    config = copy_config(tmp_path, sample_port=free_port(), web_port=free_port())
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/never-initialised.db"}
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "yuqing init" in done.stderr and "Traceback" not in done.stderr


def test_service_runs_the_sample_end_to_end_and_stops_cleanly(tmp_path) -> None:
    web, sample = free_port(), free_port()
    config = copy_config(tmp_path, sample_port=sample, web_port=web)
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/svc.db", "PYTHONUNBUFFERED": "1"}
    base = [sys.executable, "-m", "monitor", "--config", str(config)]
    subprocess.run([*base, "init"], check=True, env=env, cwd=REPO, capture_output=True)
    log = open(tmp_path / "service.log", "w+", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen([*base, "run"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    try:
        health = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            health = _health(web)
            if health and health["events"] >= 3 and health["pending_alerts"] == 0:
                break
            assert proc.poll() is None, (tmp_path / "service.log").read_text()
            time.sleep(1)
        assert health and health["events"] >= 3, health
        assert health["mentions"] >= 15
        with urllib.request.urlopen(f"http://127.0.0.1:{web}/", timeout=5) as r:
            assert "/login" in r.url  # the console asks for a login first
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    output = (tmp_path / "service.log").read_text(encoding="utf-8")
    assert code == 0, output
    assert "【新舆情事件】" in output and "研判依据：" in output
    assert "已停止" in output
    assert "Traceback" not in output
    assert _health(web) is None  # the port is closed


def test_sigterm_stops_the_service_cleanly(tmp_path) -> None:
    web = free_port()
    config = copy_config(tmp_path, sample_port=free_port(), web_port=web)
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/svc.db"}
    base = [sys.executable, "-m", "monitor", "--config", str(config)]
    subprocess.run([*base, "init"], check=True, env=env, cwd=REPO, capture_output=True)
    proc = subprocess.Popen(
        [*base, "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=REPO,
        text=True,
    )
    deadline = time.monotonic() + 60
    while _health(web) is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    output, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, output
    assert "已停止" in output and "Traceback" not in output


def test_a_taken_port_is_a_clear_error_not_a_traceback(tmp_path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        web = busy.getsockname()[1]
        config = copy_config(tmp_path, sample_port=free_port(), web_port=web)
        env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path}/svc.db"}
        base = [sys.executable, "-m", "monitor", "--config", str(config)]
        subprocess.run([*base, "init"], check=True, env=env, cwd=REPO, capture_output=True)
        done = subprocess.run(
            [*base, "run"],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=60,
            check=False,
        )
    assert done.returncode == 2
    assert f"127.0.0.1:{web}" in done.stderr and "web.port" in done.stderr
    assert "Traceback" not in done.stderr

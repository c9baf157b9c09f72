"""`yuqing run` as a user runs it: it collects, alerts, serves the console, and stops on Ctrl-C."""

from __future__ import annotations

import json
import signal
import socket
import time
import urllib.request

import pytest

from tests.helpers.cli import Setup, prepare


def _health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return json.loads(r.read())
    except OSError:
        return None


def _stop(setup: Setup, proc, sig: int, log) -> str:  # noqa: ANN001
    proc.send_signal(sig)
    code = proc.wait(timeout=30)
    output = log.read_text(encoding="utf-8")
    assert code == 0, output
    assert "已停止" in output and "Traceback" not in output
    assert _health(setup.web_port) is None  # the port is closed
    return output


def test_run_refuses_an_unmigrated_database(tmp_path) -> None:
    done = prepare(tmp_path).run("run", timeout=60)
    assert done.returncode == 2
    assert "yuqing init" in done.stderr and "Traceback" not in done.stderr


def test_service_runs_the_sample_end_to_end_and_stops_cleanly(tmp_path) -> None:
    setup = prepare(tmp_path)
    setup.ok("init")
    log = tmp_path / "service.log"
    proc = setup.start("run", log=log)
    try:
        health = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            health = _health(setup.web_port)
            if (
                health
                and health["mentions"] >= 15
                and health["analysis_backlog"] == 0
                and health["events"] >= 3
                and health["pending_alerts"] == 0
            ):
                break
            assert proc.poll() is None, log.read_text()
            time.sleep(1)
        assert health and health["events"] >= 3, health
        assert health["mentions"] >= 15
        with urllib.request.urlopen(f"http://127.0.0.1:{setup.web_port}/", timeout=5) as r:
            assert "/login" in r.url  # the console asks for a login first
    finally:
        output = _stop(setup, proc, signal.SIGINT, log)
    assert "【新舆情事件】" in output and "研判依据：" in output
    assert "发布权威信息" in output  # the 5-hour clock of the rainstorm emergency
    assert f"（{setup.config / 'service.yaml'} 中 sample_site.enabled 可关闭）" in output


def test_sigterm_stops_the_service_cleanly(tmp_path) -> None:
    setup = prepare(tmp_path)
    setup.ok("init")
    log = tmp_path / "service.log"
    proc = setup.start("run", log=log)
    deadline = time.monotonic() + 60
    while _health(setup.web_port) is None and time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        time.sleep(0.5)
    _stop(setup, proc, signal.SIGTERM, log)


@pytest.mark.parametrize("which", ["web", "sample_site"])
def test_a_taken_port_is_a_clear_error_not_a_traceback(tmp_path, which: str) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        setup = (
            prepare(tmp_path, web_port=port)
            if which == "web"
            else prepare(tmp_path, sample_port=port)
        )
        setup.ok("init")
        done = setup.run("run", timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    # the config folder in use, not the checkout's config/
    assert f"127.0.0.1:{port}" in done.stderr
    assert f"请停止它，或修改 {setup.config / 'service.yaml'} 中的 {which}.port。" in done.stderr


def test_a_source_that_refuses_connections_is_one_log_line_and_the_service_goes_on(
    tmp_path,
) -> None:
    setup = prepare(tmp_path)
    service = setup.config / "service.yaml"
    service.write_text(
        service.read_text(encoding="utf-8").replace(
            "sample_site:\n  enabled: true", "sample_site:\n  enabled: false"
        ),
        encoding="utf-8",
    )
    setup.ok("init")
    names = [s["name"] for s in json.loads(setup.ok("sources", "--json").stdout) if s["enabled"]]
    log = tmp_path / "service.log"
    proc = setup.start("run", log=log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            output = log.read_text(encoding="utf-8")
            if all(f"来源 {n}：" in output for n in names):
                break
            assert proc.poll() is None, output
            time.sleep(1)
        assert _health(setup.web_port) is not None  # still serving
    finally:
        output = _stop(setup, proc, signal.SIGINT, log)
    for name in names:
        lines = [line for line in output.splitlines() if f"来源 {name}：" in line]
        assert len(lines) == 1, output
        assert "连接被拒绝（站点未运行或端口不对）（http://127.0.0.1:" in lines[0]
    assert "Gave up retrying" not in output and "robotstxt" not in output
    assert "采集进程异常退出" not in output
    health = json.loads(setup.ok("sources", "--json").stdout)
    assert all("连接被拒绝" in h["last_error"] for h in health if h["name"] in names), health

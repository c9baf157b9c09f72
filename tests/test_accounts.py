"""Console accounts as a person meets them: logging in with a password, wrong passwords and
the lock-out, CSRF refusals, sessions that outlive a restart and end at logout or a password
change, one-time passwords, and `yuqing user add/passwd` at the terminal."""

from __future__ import annotations

import os
import pty
import re
import signal
import subprocess
import time
from datetime import timedelta
from select import select as wait_readable
from types import SimpleNamespace

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from monitor.accounts.passwords import first_admin_password, set_password
from monitor.accounts.users import user_named
from monitor.cli import cli
from monitor.storage.accounts import ConsoleSession, LoginAttempt
from monitor.storage.db import Database
from monitor.storage.models import AuditLog
from monitor.web import create_app
from tests.helpers.cli import prepare
from tests.helpers.configs import copy_config
from tests.helpers.console import APP, NOW, PASSWORD, csrf_token, login, seed

NEW = "长城-长江-黄河-2026"
WRONG = "用户名或密码错误。"


class Clock:
    """The app's `now`, moved by the test."""

    def __init__(self) -> None:
        self.at = NOW

    def __call__(self):  # noqa: ANN204
        return self.at


@pytest.fixture
def site(database: Database) -> SimpleNamespace:
    """The seeded console on SQLite and on PostgreSQL, with a clock the test can move."""
    ns = seed(database)
    ns.db, ns.clock = database, Clock()
    ns.app = create_app(APP, database, now=ns.clock)
    ns.client = TestClient(ns.app)
    return ns


def attempt(client: TestClient, name: str, password: str):  # noqa: ANN201
    """One try at the login form, with the form's own CSRF token."""
    data = {"name": name, "password": password, "next": "/", "csrf_token": csrf_token(client)}
    return client.post("/login", data=data, follow_redirects=False)


def test_login_with_name_and_password_opens_a_session_stored_hashed(site) -> None:
    c = site.client
    page = c.get("/login")
    assert "用户名" in page.text and "密码" in page.text and 'name="csrf_token"' in page.text
    r = attempt(c, "duty_officer", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Max-Age=43200" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test
    sid = re.search(r"yuqing_session=([^;]+)", cookie).group(1)
    assert "测试值班员" in c.get("/").text
    with site.db.session() as s:
        hashes = list(s.scalars(select(ConsoleSession.sid_hash)))
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "login")).one()
    assert sid not in hashes and len(hashes) == 1  # the pre-login session was replaced
    assert (audit.actor, audit.at, audit.detail) == ("duty_officer", NOW, {"address": "testclient"})


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(site) -> None:
    wrong = attempt(site.client, "leader", "不是这个密码-123")
    nobody = attempt(site.client, "no-such-user", "不是这个密码-123")
    assert wrong.status_code == nobody.status_code == 401
    assert WRONG in wrong.text and WRONG in nobody.text
    assert wrong.text.replace("leader", "X") == nobody.text.replace("no-such-user", "X")
    assert site.client.get("/", follow_redirects=False).status_code == 303  # not logged in


def test_five_failures_lock_the_account_until_the_stated_time(site) -> None:
    c = site.client
    for _ in range(4):
        assert attempt(c, "office", "wrong-password-x").status_code == 401
    r = attempt(c, "office", "wrong-password-x")
    assert r.status_code == 429
    # 12:00 Beijing + 15 minutes
    lock = "该账户登录失败次数过多，已暂时锁定，将于 2026-11-21 12:15（北京时间）解除。"
    assert lock in r.text
    site.clock.at = NOW + timedelta(minutes=14)
    r = attempt(c, "office", PASSWORD)  # even the right password waits for the lock
    assert r.status_code == 429 and lock in r.text
    # an account that does not exist locks just the same, so a lock tells nothing
    for _ in range(5):
        r = attempt(c, "ghost", "wrong-password-x")
    assert "该账户登录失败次数过多" in r.text and "12:29" in r.text
    site.clock.at = NOW + timedelta(minutes=15)
    r = attempt(c, "office", PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/"


def test_many_failures_from_one_address_stop_logins_from_it(site) -> None:
    c = site.client
    for i in range(20):  # four tries each at five names: no single account locks
        r = attempt(c, f"guess{i % 5}", f"wrong-password-{i}")
    assert r.status_code == 429
    assert "此地址登录失败次数过多，已暂停登录，将于 2026-11-21 12:15（北京时间）解除。" in r.text
    assert attempt(c, "leader", PASSWORD).status_code == 429
    other = TestClient(site.app, client=("10.0.0.9", 50000))
    assert attempt(other, "leader", PASSWORD).status_code == 303
    with site.db.session() as s:
        kept = s.scalar(select(func.count()).select_from(LoginAttempt)) or 0
    assert kept == 21  # the refused try during the lock is not counted


def test_guessing_the_current_password_locks_the_account(site) -> None:
    c = site.client
    token = login(c, "office")
    site.clock.at = NOW + timedelta(minutes=1)  # at 12:01, a minute after logging in

    def change(current: str):  # noqa: ANN202
        data = {"current": current, "new": NEW, "repeat": NEW, "csrf_token": token}
        return c.post("/account/password", data=data)

    for _ in range(4):
        r = change("wrong-current-x")
        assert r.status_code == 400 and "当前密码不正确。" in r.text
    r = change("wrong-current-x")
    lock = "该账户登录失败次数过多，已暂时锁定，将于 2026-11-21 12:16（北京时间）解除。"
    assert r.status_code == 429 and "当前密码不正确。" in r.text and lock in r.text
    r = change(PASSWORD)  # the right one waits for the lock too, and nothing changed
    assert r.status_code == 429 and lock in r.text
    assert attempt(TestClient(site.app), "office", PASSWORD).status_code == 429
    site.clock.at = NOW + timedelta(minutes=16)
    r = change(PASSWORD)
    assert r.status_code == 200 and "密码已修改" in r.text
    assert attempt(TestClient(site.app), "office", NEW).status_code == 303


def test_forms_without_the_sessions_csrf_token_are_refused(site) -> None:
    c = site.client
    token = login(c, "duty_officer")
    url = f"/events/{site.late}/mentions/{site.mention}/sentiment"
    refused = "页面已过期或表单来源无法验证（缺少或错误的 CSRF 令牌）"
    for data in ({"label": "negative"}, {"label": "negative", "csrf_token": "forged"}):
        r = c.post(url, data=data, follow_redirects=False)
        assert r.status_code == 403 and refused in r.text
    r = c.post(f"/api/events/{site.late}/acknowledge")  # the API with the cookie needs it too
    assert r.status_code == 403 and refused in r.json()["error"]
    r = c.post(url, data={"label": "negative", "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    r = c.post(f"/api/events/{site.late}/acknowledge", headers={"X-CSRF-Token": token})
    assert r.status_code != 403
    # another user's token is no good either
    other = TestClient(site.app)
    login(other, "office")
    r = other.post(url, data={"label": "irrelevant", "csrf_token": token})
    assert r.status_code == 403 and refused in r.text
    # scripts with a bearer token carry no cookie and need no CSRF token
    h = {"Authorization": f"Bearer {site.tokens['office']}"}
    assert TestClient(site.app).post(url, data={"label": "irrelevant"}, headers=h).status_code < 400


def test_the_login_form_refuses_a_post_it_did_not_serve(site) -> None:
    c = site.client
    data = {"name": "admin", "password": PASSWORD, "next": "/"}
    r = c.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 403 and "CSRF" in r.text
    csrf_token(c)  # a pre-login session now exists, but the token must still match
    r = c.post("/login", data={**data, "csrf_token": "guessed"}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post(
        "/login",
        data={**data, "csrf_token": csrf_token(c)},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert c.get("/", follow_redirects=False).status_code == 303


def test_a_session_survives_a_restart_and_ends_at_logout(site) -> None:
    c = site.client
    token = login(c, "leader")
    restarted = TestClient(create_app(APP, site.db, now=site.clock))  # another process
    restarted.cookies = c.cookies
    assert "测试领导" in restarted.get("/").text
    r = restarted.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    # the first app, holding the same cookie, no longer knows it
    assert c.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_a_session_in_use_ends_twelve_hours_after_the_login(site) -> None:
    c = site.client
    login(c, "handler")
    for minutes in range(20, 12 * 60, 20):  # a click every 20 minutes all day
        site.clock.at = NOW + timedelta(minutes=minutes)
        assert c.get("/", follow_redirects=False).status_code == 200, minutes
    site.clock.at = NOW + timedelta(hours=12)
    assert c.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"


def test_a_session_left_idle_for_thirty_minutes_ends(site) -> None:
    c = site.client
    login(c, "duty_officer")
    site.clock.at = NOW + timedelta(minutes=29)
    assert c.get(f"/events/{site.late}", follow_redirects=False).status_code == 200
    site.clock.at = NOW + timedelta(minutes=58)  # 29 minutes after that click: still open
    assert c.get("/", follow_redirects=False).status_code == 200
    site.clock.at = NOW + timedelta(minutes=88)
    assert c.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    assert c.get("/api/events").status_code == 401


def test_the_queues_own_refreshes_do_not_keep_an_idle_session_open(site) -> None:
    c = site.client
    login(c, "duty_officer")
    automatic = {"X-Yuqing-Refresh": "1"}
    for seconds in range(30, 30 * 60, 30):  # what /static/queue.js sends every 30 s
        site.clock.at = NOW + timedelta(seconds=seconds)
        assert c.get("/", headers=automatic, follow_redirects=False).status_code == 200
    site.clock.at = NOW + timedelta(minutes=30)
    r = c.get("/", headers=automatic, follow_redirects=False)
    assert r.headers["location"] == "/login?next=%2F"


def test_changing_the_password_ends_the_other_sessions(site) -> None:
    here, there = TestClient(site.app), TestClient(site.app)
    token = login(here, "confidentiality")
    login(there, "confidentiality")
    page = here.get("/account/password").text
    assert "密码至少 10 个字符，且不能与用户名相同。" in page
    bad = {
        ("wrong-current-1", NEW, NEW): "当前密码不正确。",
        (PASSWORD, "short", "short"): "密码太短：密码至少 10 个字符",
        (PASSWORD, "Confidentiality", "Confidentiality"): "密码不能与用户名相同",
        (PASSWORD, NEW, NEW + "x"): "两次输入的新密码不一致。",
    }
    for (current, new, repeat), message in bad.items():
        data = {"current": current, "new": new, "repeat": repeat, "csrf_token": token}
        r = here.post("/account/password", data=data)
        assert r.status_code == 400 and message in r.text, message
    assert there.get("/", follow_redirects=False).status_code == 200  # nothing changed yet
    data = {"current": PASSWORD, "new": NEW, "repeat": NEW, "csrf_token": token}
    r = here.post("/account/password", data=data)
    assert (
        r.status_code == 200
        and "密码已修改；该账户在其他浏览器或设备上的登录已全部退出。" in r.text
    )
    assert here.get("/", follow_redirects=False).status_code == 200  # this one stays
    assert there.get("/", follow_redirects=False).headers["location"].startswith("/login")
    assert attempt(TestClient(site.app), "confidentiality", PASSWORD).status_code == 401
    assert attempt(TestClient(site.app), "confidentiality", NEW).status_code == 303


def test_a_one_time_password_must_be_changed_first(site) -> None:
    with site.db.session() as s:
        set_password(s, user_named(s, "handler"), "一次性-abcdefgh", NOW, one_time=True)
    c = site.client
    r = attempt(c, "handler", "一次性-abcdefgh")
    assert r.status_code == 303 and r.headers["location"] == "/account/password"
    page = c.get("/account/password").text
    assert "您正在使用管理员发放的一次性密码，请先设置自己的密码" in page
    for path in ("/", f"/events/{site.late}"):
        assert c.get(path, follow_redirects=False).headers["location"] == "/account/password"
    r = c.get("/api/events")
    assert r.status_code == 403 and "一次性密码" in r.json()["error"]
    token = csrf_token(c, "/account/password")
    data = {"current": "一次性-abcdefgh", "new": NEW, "repeat": NEW, "csrf_token": token}
    assert "密码已修改" in c.post("/account/password", data=data).text
    assert c.get("/", follow_redirects=False).status_code == 200


def test_no_one_time_password_once_an_admin_has_a_password(site) -> None:
    with site.db.session() as s:
        assert first_admin_password(s, NOW) is None


def test_the_first_admin_on_a_fresh_database(database: Database) -> None:
    with database.session() as s:
        name, password = first_admin_password(s, NOW)
    with database.session() as s:
        assert first_admin_password(s, NOW) is None  # shown once
    client = TestClient(create_app(APP, database, now=lambda: NOW))
    r = attempt(client, name, password)
    assert (name, r.headers["location"]) == ("console", "/account/password")


def test_the_session_cookie_is_secure_over_https(site) -> None:
    c = TestClient(site.app, base_url="https://testserver")
    r = attempt(c, "admin", PASSWORD)
    assert r.status_code == 303 and "Secure" in r.headers["set-cookie"]


@pytest.fixture
def terminal(tmp_path, database_url: str) -> SimpleNamespace:  # noqa: ANN001
    """`yuqing` as typed at a terminal, on a fresh database (SQLite and PostgreSQL)."""
    config = copy_config(tmp_path)
    runner = CliRunner(env={"DATABASE_URL": database_url})

    def run(*args: str, input: str | None = None):  # noqa: ANN202
        return runner.invoke(cli, ["--config", str(config), *args], input=input)

    assert run("init").exit_code == 0
    return SimpleNamespace(run=run, db=Database(database_url))


def test_user_add_asks_for_the_password_twice_and_it_logs_in(terminal) -> None:
    r = terminal.run(
        "user", "add", "zhang", "--role", "leader", input=f"short\n{NEW}\n{NEW}x\n{NEW}\n{NEW}\n"
    )
    assert r.exit_code == 0, r.output
    assert "密码太短" in r.output  # asked again after a password that breaks the rules
    assert "两次输入的密码不一致，请重新输入。" in r.output
    assert NEW not in r.output  # typed hidden, never echoed
    assert "用户 zhang 已创建。" in r.output and "接口令牌" in r.output
    assert "一次性" not in r.output
    client = TestClient(create_app(APP, terminal.db, now=lambda: NOW))
    assert attempt(client, "zhang", NEW).headers["location"] == "/"
    # a mistake in the command is refused before any password is asked for
    r = terminal.run("user", "add", "wu", "--role", "handler", input=f"{NEW}\n{NEW}\n")
    assert r.exit_code != 0 and "设置密码" not in r.output
    assert "责任处室（handler）用户必须指定所属部门。" in str(r.exception)
    # run from a script with nothing on stdin: refused, saying what to do instead
    r = terminal.run("user", "add", "wu", "--role", "leader", input="")
    assert r.exit_code != 0 and "没有读到密码" in str(r.exception)
    r = terminal.run("user", "add", "wu", "--role", "leader", "--no-password")
    assert r.exit_code == 0 and "未设控制台密码" in r.output and "接口令牌" in r.output
    assert attempt(client, "wu", "").status_code == 401
    terminal.db.dispose()


def test_user_add_and_passwd_can_generate_a_one_time_password(terminal) -> None:
    r = terminal.run("user", "add", "li", "--role", "office", "--generate-password")
    assert r.exit_code == 0, r.output
    generated = re.search(r"一次性登录密码（只显示这一次，首次登录后须修改）：(\S+)", r.output)
    assert generated, r.output
    client = TestClient(create_app(APP, terminal.db, now=lambda: NOW))
    r = attempt(client, "li", generated.group(1))
    assert r.headers["location"] == "/account/password"  # must be changed first
    # the admin's reset logs the user out and the new password works
    r = terminal.run("user", "passwd", "li", input=f"{NEW}\n{NEW}\n")
    assert r.exit_code == 0 and "密码已重置，其已有的控制台登录已全部退出" in r.output
    assert client.get("/account/password", follow_redirects=False).status_code == 303
    assert attempt(TestClient(client.app), "li", NEW).headers["location"] == "/"
    r = terminal.run("user", "passwd", "nobody", "--generate-password")
    assert r.exit_code != 0 and "用户 'nobody' 不存在" in str(r.exception)
    terminal.db.dispose()


def _read_until(fd: int, marker: str, timeout: float) -> str:
    """What the service printed to its terminal, up to the line holding `marker`."""
    out, deadline = b"", time.monotonic() + timeout
    while marker.encode() not in out or not out.rstrip(b" ").endswith(b"\n"):
        left = deadline - time.monotonic()
        assert left > 0, out.decode(errors="replace")
        ready, _, _ = wait_readable([fd], [], [], left)
        if ready:
            try:
                out += os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
    return out.decode(errors="replace")


def test_the_first_start_on_a_terminal_prints_a_one_time_admin_password(tmp_path) -> None:
    setup = prepare(tmp_path)
    setup.ok("init")
    primary, secondary = pty.openpty()
    proc = subprocess.Popen(
        setup.argv("run"), stdin=secondary, stdout=secondary, stderr=secondary, env=setup.env
    )
    os.close(secondary)
    try:
        shown = _read_until(primary, "按 Ctrl-C 停止", 60)
        found = re.search(r"首位管理员：用户名 (\S+)，一次性密码 (\S+)（只显示这一次", shown)
        assert found, shown
        url = f"http://127.0.0.1:{setup.web_port}"
        with httpx.Client(base_url=url) as browser:
            form = browser.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
            r = browser.post(
                "/login",
                data={"name": found[1], "password": found[2], "csrf_token": token, "next": "/"},
            )
            assert r.status_code == 303 and r.headers["location"] == "/account/password"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        os.close(primary)
    # once an admin has a password, or off a terminal, no password is printed
    again = setup.start("run", log=tmp_path / "second.log")
    try:
        deadline = time.monotonic() + 60
        while "按 Ctrl-C 停止" not in (tmp_path / "second.log").read_text(encoding="utf-8"):
            assert time.monotonic() < deadline and again.poll() is None
            time.sleep(0.2)
    finally:
        again.send_signal(signal.SIGINT)
        again.wait(timeout=30)
    output = (tmp_path / "second.log").read_text(encoding="utf-8")
    assert "一次性密码" not in output and f"{url}/login（用户名和密码登录" in output

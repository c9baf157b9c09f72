"""`yuqing run`: the sample site (if enabled), the scheduler and the web console, in one process."""

from __future__ import annotations

import logging
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path

import uvicorn

from monitor.cases import sync_departments
from monitor.clock import utcnow
from monitor.collection.crawl import stop_children
from monitor.errors import YuqingError
from monitor.notify.channels import build_channels
from monitor.pipeline.store import ensure_source
from monitor.service.context import Context
from monitor.service.scheduler import build_scheduler
from monitor.storage.migrate import require_migrated

log = logging.getLogger(__name__)


def prepare(ctx: Context) -> None:
    """Checks and set-up shared by `init` and `run`: departments and sources in the DB."""
    with ctx.db.session() as s:
        sync_departments(s, ctx.settings)
        for src in ctx.settings.sources.sources:
            ensure_source(s, ctx.settings, src.name)


def first_admin_login(ctx: Context) -> tuple[str, str] | None:
    """(name, one-time password) for the first administrator while none has a password."""
    from monitor.accounts.passwords import first_admin_password

    with ctx.db.session() as s:
        return first_admin_password(s, utcnow())


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def check_port(host: str, port: int, key: str, file: Path) -> None:
    """Fail before starting anything when a port is taken, naming the setting to change."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as e:
            raise YuqingError(
                f"无法使用 {host}:{port}（{e.strerror}）：可能已有一个 yuqing 在运行，"
                f"或其他程序占用了该端口。请停止它，或修改 {file} 中的 {key}。"
            ) from None


def run_service(ctx: Context, say: Callable[[str], None]) -> None:
    require_migrated(ctx.db)
    prepare(ctx)
    svc = ctx.settings.service
    service_yaml = ctx.app.config_dir / "service.yaml"
    check_port(svc.web.host, svc.web.port, "web.port", service_yaml)
    if svc.sample_site.enabled:
        check_port(svc.sample_site.host, svc.sample_site.port, "sample_site.port", service_yaml)
    warning = ctx.book.fallback_warning(utcnow())
    if warning:
        say("注意：" + warning)
    for note in ctx.app.channels_off:
        say(note)
    sample = None
    if svc.sample_site.enabled:
        from monitor.samplesite import serve

        sample, _ = serve(svc.sample_site.host, svc.sample_site.port)
        say(
            f"示例信息源已启动：http://{svc.sample_site.host}:{svc.sample_site.port}/"
            f"（{service_yaml} 中 sample_site.enabled 可关闭）"
        )
    channels = build_channels(ctx.app)
    scheduler = build_scheduler(ctx, channels)
    from monitor.web.app import create_app

    web = uvicorn.Server(
        uvicorn.Config(
            create_app(ctx.app, ctx.db),
            host=svc.web.host,
            port=svc.web.port,
            log_level="warning",
            lifespan="on",
        )
    )
    scheduler.start()
    say(f"数据库：{ctx.db.display_url}")
    say(f"监测 {len(ctx.settings.sources.sources)} 个信息源，预警渠道：{'、'.join(channels)}")
    login = f"{svc.web.public_url.rstrip('/')}/login"
    # Shown only on an interactive terminal, so the password never lands in a log file.
    first = first_admin_login(ctx) if sys.stdin.isatty() and sys.stdout.isatty() else None
    if first is not None:
        say(
            f"控制台：{login}  首位管理员：用户名 {first[0]}，一次性密码 {first[1]}"
            "（只显示这一次，首次登录后须修改）"
        )
    else:
        say(f"控制台：{login}（用户名和密码登录；重置密码：`yuqing user passwd NAME`）")
    say("（按 Ctrl-C 停止）")
    # uvicorn shuts down on Ctrl-C / SIGTERM, then re-raises the signal; make SIGTERM
    # (a service manager's stop) end here like Ctrl-C does, so the cleanup below runs.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        web.run()
    except KeyboardInterrupt:
        pass
    finally:
        say("正在停止……")
        scheduler.shutdown(wait=False)
        stop_children()
        if sample is not None:
            sample.shutdown()
        ctx.db.dispose()
        say("已停止。")

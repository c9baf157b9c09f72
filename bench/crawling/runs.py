"""The crawl bench's runs: child processes timed with their CPU and memory, their configs,
the databases they fill."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
PG_URL = os.environ.get("YUQING_BENCH_PG", "postgresql+psycopg://root@127.0.0.1:5432/test")


@dataclass
class Run:
    secs: float
    rss_mb: int  # peak RSS of the largest child
    cpu: float  # CPU seconds of the children together
    server_cpu: float  # CPU seconds of the fixture server meanwhile
    db_cpu: float  # CPU seconds of the PostgreSQL and Redis servers meanwhile (all clients)


_SERVERS = ("postgres", "redis-server")


def servers_cpu() -> float:
    """CPU seconds so far of the PostgreSQL and Redis server processes on this machine,
    their exited children (PostgreSQL backends) included; 0 where /proc is missing."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :]
        if name.startswith(_SERVERS):
            fields = rest.split()
            total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / os.sysconf("SC_CLK_TCK")


def run(cmds: list[list[str]], env: dict[str, str], log: Path) -> Run:
    """Run the commands at once and wait for all of them."""
    before = resource.getrusage(resource.RUSAGE_SELF)
    db_before = servers_cpu()
    start = time.perf_counter()
    procs = []
    for n, c in enumerate(cmds):
        err = open(f"{log}.{n}", "wb")  # noqa: SIM115 - closed when the child has exited
        procs.append(
            (subprocess.Popen(c, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err), err)
        )
    peak, cpu = 0, 0.0
    for p, err in procs:
        _, status, usage = os.wait4(p.pid, 0)
        err.close()
        p.returncode = os.waitstatus_to_exitcode(status)
        peak = max(peak, usage.ru_maxrss // 1024)
        cpu += usage.ru_utime + usage.ru_stime
        if p.returncode != 0:
            print(Path(err.name).read_text(errors="replace")[-2000:], file=sys.stderr)
            raise SystemExit(f"child failed: {p.args}")
    secs = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    server = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(secs, peak, cpu, server, servers_cpu() - db_before)


def prepare(
    tmp: Path, url: str, name: str, database_url: str | None = None, source: dict | None = None
) -> tuple[Path, dict[str, str]]:
    work = tmp / name
    config = work / "config"
    shutil.copytree(ROOT / "config", config)
    source = source or {
        "name": "bench-news",
        "title": "基准新闻站",
        "kind": "news",
        "url": url,
        "news": {"article_links": r"/a/\d+\.html$", "title": "h1::text", "body": "div.c"},
    }
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": [source]}), encoding="utf-8")
    service = yaml.safe_load((config / "service.yaml").read_text(encoding="utf-8"))
    service["sample_site"]["enabled"] = False
    service["crawl"] |= {"autothrottle": False, "per_domain": 16, "obey_robots": False}
    (config / "service.yaml").write_text(yaml.safe_dump(service), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {
        "DATABASE_URL": database_url or f"sqlite:///{work}/bench.db",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(yuqing(config, "init"), cwd=ROOT, env=env, check=True, capture_output=True)
    return config, env


def yuqing(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "monitor", "--config", str(config), *args]


def count(env: dict[str, str], table: str = "mentions", where: str = "1 = 1") -> int:
    """Rows of `table` in the run's database."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_URL"])
    with engine.connect() as c:
        n = int(c.execute(text(f"select count(*) from {table} where {where}")).scalar_one())
    engine.dispose()
    return n


def redis_ok() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as e:  # noqa: BLE001 - any failure means: skip these runs, say why
        return str(e)


@contextmanager
def pg_schema() -> Iterator[str | None]:
    """A URL into a fresh PostgreSQL schema (dropped afterwards), or None without a server."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{os.getpid()}_{time.time_ns()}"
    try:
        admin = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as e:  # noqa: BLE001 - no server: these runs are skipped, saying why
        print(f"PostgreSQL at {PG_URL} not usable ({type(e).__name__}); PostgreSQL runs skipped")
        yield None
        return
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fresh_schema(url: str) -> str:
    """Empty the bench schema named in `url` (drop and create it again)."""
    from sqlalchemy import create_engine, text

    schema = url.rsplit("%3D", 1)[1]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    return url

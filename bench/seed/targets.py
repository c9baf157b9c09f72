"""Which databases a bench runs on, and the service's configuration pointed at one: the
command-line part every seeded bench (reports, search, console) shares."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from monitor.config import load_config
from monitor.config.loader import AppConfig

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql+psycopg://root@127.0.0.1:5432/test"
LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def postgres_unavailable() -> str | None:
    """Why 127.0.0.1:5432/test does not answer, or None when it does."""
    try:
        eng = create_engine(PG, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("select 1"))
        eng.dispose()
    except Exception as e:  # noqa: BLE001 - any failure to connect is the answer
        return str(getattr(e, "orig", e)).strip().splitlines()[0]
    return None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """--only, --reseed and --scale, as every seeded bench takes them."""
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--scale", type=float, default=1.0, help="of 1,000,000 mentions")


def databases(only: str | None) -> list[str]:
    """The databases to run on: both, or `only`; PostgreSQL is left out (said so) when it
    does not answer, and a run asked for PostgreSQL alone stops there."""
    names = [only] if only else ["sqlite", "postgresql"]
    if "postgresql" in names and (why := postgres_unavailable()) is not None:
        print(f"PostgreSQL at 127.0.0.1:5432 (database test) is not reachable: {why}")
        if only:
            sys.exit(1)
        print("running SQLite only")
        names.remove("postgresql")
    return names


def app_for(url: str) -> AppConfig:
    """The bundled configuration with its database at `url`."""
    return load_config(ROOT / "config", environ={"DATABASE_URL": url})

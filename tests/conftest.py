"""Fixtures: `database` runs a test on SQLite and again on the real PostgreSQL server."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from monitor.storage.db import Database
from monitor.storage.migrate import upgrade
from tests.helpers.databases import postgres_schema_url

# The shipped config's optional channels switch on when these are set; a developer's own
# Slack token or robot URL must never make the suite post to the real services.
for _var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DINGTALK_WEBHOOK", "WECOM_WEBHOOK"):
    os.environ.pop(_var, None)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # noqa: ANN001
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/yuqing.db"
    else:
        with postgres_schema_url() as url:
            yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    upgrade(db)
    yield db
    db.dispose()


# The seeded web console (users of every role, events, deadlines) shared by the web tests.
from tests.helpers.console import web  # noqa: E402, F401

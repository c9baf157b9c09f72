"""Everything a command needs, built once at the edge: config, database, scorer, clocks."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from monitor.cases.deadlines import DeadlineBook
from monitor.config.loader import AppConfig, load_config
from monitor.resources import folder
from monitor.scoring.scorer import Scorer
from monitor.storage.db import Database

DEFAULT_CONFIG = folder("config")


class Context:
    def __init__(self, app: AppConfig) -> None:
        self.app = app
        self.db = Database(app.database_url)

    @classmethod
    def load(cls, config_dir: Path | str | None = None) -> Context:
        return cls(load_config(config_dir or DEFAULT_CONFIG))

    @property
    def settings(self):  # noqa: ANN201
        return self.app.settings

    @cached_property
    def book(self) -> DeadlineBook:
        return DeadlineBook(self.app.settings, self.app.config_dir)

    @cached_property
    def scorer(self) -> Scorer:
        trained = self.app.path(self.app.settings.scoring.sentiment.trained_path)
        return Scorer(self.app.settings, trained_path=trained)  # loads the model: only when needed

"""Jinja2 environments over templates/: HTML autoescaped, plain text for chat channels."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from monitor.clock import fmt_beijing, fmt_remaining
from monitor.config.types import GRADE_NAMES
from monitor.resources import folder

TEMPLATES = folder("templates")


def safe_url(url: str | None) -> str | None:
    """The URL if it may go into an href; scraped `javascript:`, `data:` etc. never do."""
    if not url:
        return None
    return url if url.lower().startswith(("http://", "https://")) else None


def _filters(env: Environment) -> Environment:
    env.filters["beijing"] = fmt_beijing
    env.filters["remaining"] = fmt_remaining
    env.filters["grade_name"] = lambda g: GRADE_NAMES.get(g, g)
    return env


@cache
def html_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return _filters(env)


@cache
def text_env() -> Environment:
    """For text channels; each channel escapes scraped text for its own markup first."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    return _filters(env)

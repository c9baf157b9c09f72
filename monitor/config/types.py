"""Value types shared by the config models: durations, grades, secrets."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            return timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2)])
    raise ValueError(f"应为时长，如 '30s'、'10m'、'2h'、'3d'，实际为 {value!r}")


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(lambda d: f"{int(d.total_seconds())}s"),
]

# Risk grades, most severe first: 特别重大, 重大, 较大, 一般.
Grade = Literal["I", "II", "III", "IV"]
GRADES: tuple[Grade, ...] = ("I", "II", "III", "IV")
GRADE_NAMES = {"I": "特别重大", "II": "重大", "III": "较大", "IV": "一般"}


def grade_rank(grade: str) -> int:
    """Higher is more severe: IV=1 .. I=4."""
    return 4 - GRADES.index(grade)  # type: ignore[arg-type]


def at_least(grade: str, floor: str) -> bool:
    return grade_rank(grade) >= grade_rank(floor)


class Secret:
    """A value read from the environment; prints as <secret> so it cannot leak into logs."""

    __slots__ = ("_value", "env")

    def __init__(self, value: str, env: str) -> None:
        self._value = value
        self.env = env

    def get(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


class Strict(BaseModel):
    """Config models reject unknown keys (a typo is an error, not a silent default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

"""Parse the publish times Chinese sites show (2021年5月21日, 5分钟前, RFC 2822, ...) to UTC."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from monitor.clock import BEIJING

# Labels in front of the date on news pages and boards: "发布时间：", "发布日期:", "时间：".
_LABEL = re.compile(r"^\s*(?:发布|发表|更新|留言|提问|回复|答复)?(?:时间|日期|于)\s*[:：]?\s*")
_HMS = r"(?:\s*[T ]?\s*(\d{1,2})[:：时](\d{1,2})(?:[:：分](\d{1,2}))?秒?分?)?"
_FULL_CN = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]" + _HMS)
_FULL_NUM = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _HMS)
_SHORT = re.compile(r"(\d{1,2})(?:-|\s*月\s*)(\d{1,2})[日号]?" + _HMS)
# US order, as servers with an en-US locale print it: 9/17/2004 5:54:13 AM. D/M/YYYY when
# the first number cannot be a month; with both under 13 only a 12-hour time says it is US.
_US = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?"
)
_AGO = re.compile(r"(\d+)\s*(秒|分钟|分|小时|天)前")
_DAY_WORD = re.compile(r"(今天|昨天|前天)\s*(\d{1,2})[:：](\d{2})")
_OFFSET = re.compile(r"(?:[+-]\d{2}:?\d{2}|Z|GMT|UTC)\s*$")
_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
# Weibo's created_at: "Sat Nov 21 12:30:00 +0800 2026" (not RFC 2822: year last).
_WEIBO = re.compile(
    r"^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2}):(\d{2})\s+([+-])(\d{2})(\d{2})\s+(\d{4})$"
)
_UNITS = {"秒": "seconds", "分钟": "minutes", "分": "minutes", "小时": "hours", "天": "days"}
# A month-day without a year ("11-20") is this year, unless that lies more than this far
# after the fetch: then it is last year. The slack absorbs small clock differences.
_FUTURE_SLACK = timedelta(days=1)

# Date-like text in free prose, most specific first; used to find the publish line.
_FIND = [
    re.compile(
        r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号](?:\s*\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?"
    ),
    re.compile(r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\s*\d{1,2}:\d{2}(?::\d{2})?)?"),
    re.compile(r"\d{4}/\d{1,2}/\d{1,2}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
    # 9/17/2004 5:54:13 AM, 17/9/2004: only where month and day cannot be mixed up
    re.compile(
        r"(?<![\d/])\d{1,2}/\d{1,2}/(?:19|20)\d{2}\s+\d{1,2}:\d{2}(?::\d{2})?\s*[AaPp]\.?[Mm]\b\.?"
    ),
    re.compile(
        r"(?<![\d/])(?:\d{1,2}/(?:1[3-9]|2\d|3[01])|(?:1[3-9]|2\d|3[01])/\d{1,2})/(?:19|20)\d{2}"
        r"(?![\d/])(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    ),
    # 2022.01.20 16:31 (party papers, government sites); not a version number like 1.2.3.4
    re.compile(
        r"(?<![\d.])(?:19|20)\d{2}\.\d{1,2}\.\d{1,2}(?![\d.])(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"
    ),
]
# 发表于/发布于: forum and blog posts; 更新于 is not the publish time
_LABELLED = re.compile(r"(?:(?:发布|发表|更新)(?:时间|日期)|(?:发布|发表)于)\s*[:：]?\s*")
# What lies between CJK unified ideographs. An ideograph is its own NFKC form, has
# combining class 0 and composes with nothing, so NFKC of a text is NFKC of each piece
# between ideographs: ideographs, most of a Chinese page, are skipped, not decomposed and
# recomposed one by one (several times faster on Chinese text).
_NOT_IDEOGRAPH = re.compile(r"[^\u4e00-\u9fff]+")


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, faster on Chinese text."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    return _NOT_IDEOGRAPH.sub(_nfkc_match, text)


def _nfkc_match(m: re.Match[str]) -> str:
    return unicodedata.normalize("NFKC", m.group())


def parse_published(text: str, fetched_at: datetime) -> datetime | None:
    """The moment `text` names, as aware UTC; None when it names none. Never raises.

    Times without an offset are Beijing time. Relative forms (刚刚, 5分钟前, 昨天 12:30,
    11-20) are taken relative to `fetched_at`, the moment the page was fetched.
    """
    try:
        return _parse(text, fetched_at)
    except (ValueError, OverflowError, TypeError, IndexError):
        return None


def extract_date_text(text: str) -> str | None:
    """The first date-like string in free text, preferring one labelled 发布时间/发布日期."""
    found = labelled_date_text(text)
    if found:
        return found
    dates = date_texts(text)
    return dates[0] if dates else None


def labelled_date_text(text: str) -> str | None:
    """The first date labelled as the publish time (发布时间：, 发布日期:, 发表于 …) in `text`."""
    if not text:
        return None
    text = nfkc(text)
    for label in _LABELLED.finditer(text):
        window = text[label.end() : label.end() + 40]
        for pattern in _FIND:
            m = pattern.match(window)
            if m:
                return m.group(0).strip()
    return None


def date_texts(text: str) -> list[str]:
    """Every date-like string in `text` (each with a year), in the order they appear."""
    if not text:
        return []
    text = nfkc(text)
    hits = sorted((m.start(), i, m) for i, p in enumerate(_FIND) for m in p.finditer(text))
    found: list[str] = []
    end = 0
    for start, _, m in hits:  # of two at one place, the more specific pattern (listed first)
        if start >= end:
            found.append(m.group(0).strip())
            end = m.end()
    return found


def _parse(text: str, fetched_at: datetime) -> datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    if fetched_at.tzinfo is None:
        fetched_at = fetched_at.replace(tzinfo=UTC)
    s = nfkc(text).strip()
    s = _LABEL.sub("", s).strip()
    local_now = fetched_at.astimezone(BEIJING)

    if s in ("刚刚", "刚才"):
        return fetched_at.astimezone(UTC)
    m = _AGO.fullmatch(s)
    if m:
        delta = timedelta(**{_UNITS[m.group(2)]: int(m.group(1))})
        return (fetched_at - delta).astimezone(UTC)
    m = _DAY_WORD.fullmatch(s)
    if m:
        back = {"今天": 0, "昨天": 1, "前天": 2}[m.group(1)]
        day = local_now.date() - timedelta(days=back)
        return _beijing(day.year, day.month, day.day, m.group(2), m.group(3))

    m = _WEIBO.match(s)
    if m:
        mon, day, hh, mm, ss, sign, oh, om, year = m.groups()
        offset = timedelta(hours=int(oh), minutes=int(om)) * (1 if sign == "+" else -1)
        value = datetime(
            int(year),
            _MONTHS[mon.lower()],
            int(day),
            int(hh),
            int(mm),
            int(ss),
            tzinfo=timezone(offset),
        )
        return value.astimezone(UTC)

    if _OFFSET.search(s) or re.match(r"^[A-Za-z]{3},", s):
        value = _rfc_or_iso(s)
        if value is not None:
            return value

    for pattern in (_FULL_CN, _FULL_NUM):
        m = pattern.fullmatch(s)
        if m:
            y, mo, d, hh, mi, ss = m.groups()
            return _beijing(int(y), int(mo), int(d), hh, mi, ss)

    m = _US.fullmatch(s)
    if m:
        return _us(*m.groups())

    m = _SHORT.fullmatch(s)
    if m:
        mo, d, hh, mi, ss = m.groups()
        value = _beijing(local_now.year, int(mo), int(d), hh, mi, ss)
        if value is not None and value > fetched_at + _FUTURE_SLACK:
            value = _beijing(local_now.year - 1, int(mo), int(d), hh, mi, ss)
        return value
    return _rfc_or_iso(s)


def _rfc_or_iso(s: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(s.replace("Z", "+00:00"))
        if value.tzinfo is None:
            value = value.replace(tzinfo=BEIJING)  # ISO without offset: as shown, Beijing
    except ValueError:
        try:
            value = parsedate_to_datetime(s)
        except (ValueError, TypeError, IndexError):
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # RFC 2822 "-0000": UTC, local zone unknown
    return value.astimezone(UTC)


def _us(
    first: str,
    second: str,
    year: str,
    hour: str | None,
    minute: str | None,
    second_: str | None,
    half: str | None,
) -> datetime | None:
    a, b = int(first), int(second)
    if a > 12 >= b:
        month, day = b, a
    elif b > 12 or half:
        month, day = a, b
    else:  # 7/5/2005 alone: 5 July or 7 May; a wrong day is worse than none
        return None
    if half:
        h = int(hour or 0)
        if not 1 <= h <= 12:
            return None
        hour = str(h % 12 + (12 if half in "Pp" else 0))
    return _beijing(int(year), month, day, hour, minute, second_)


def _beijing(
    year: int,
    month: int,
    day: int,
    hour: str | None = None,
    minute: str | None = None,
    second: str | None = None,
) -> datetime | None:
    value = datetime(
        year, month, day, int(hour or 0), int(minute or 0), int(second or 0), tzinfo=BEIJING
    )
    return value.astimezone(UTC)

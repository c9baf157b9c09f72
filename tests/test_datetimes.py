"""parse_published / extract_date_text: every date form the sources show, and failures."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.pipeline.datetimes import (
    date_texts,
    extract_date_text,
    labelled_date_text,
    parse_published,
)

BEIJING_TZ = timezone(timedelta(hours=8))
# 2026-11-21 12:00 in Beijing; the moment the page was fetched.
FETCHED = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def bj(y, mo, d, h=0, mi=0, s=0):
    """A Beijing wall-clock time as aware UTC."""
    return datetime(y, mo, d, h, mi, s, tzinfo=BEIJING_TZ).astimezone(UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021年5月21日", bj(2021, 5, 21)),
        ("2021年5月21日 15:04", bj(2021, 5, 21, 15, 4)),
        ("2021年05月21日15:04", bj(2021, 5, 21, 15, 4)),
        ("2021年5月21日 15时04分", bj(2021, 5, 21, 15, 4)),
        ("2021-05-21 15:04", bj(2021, 5, 21, 15, 4)),
        ("2021-05-21 15:04:05", bj(2021, 5, 21, 15, 4, 5)),
        ("2021/05/21", bj(2021, 5, 21)),
        ("2021.05.21 08:00", bj(2021, 5, 21, 8)),
        ("发布时间：2021-05-21 15:04", bj(2021, 5, 21, 15, 4)),
        ("发布日期:2017-08-21 15:04", bj(2017, 8, 21, 15, 4)),
        ("  发布时间： 2026年11月20日 09:30 ", bj(2026, 11, 20, 9, 30)),
        ("２０２１－０５－２１　１５：０４", bj(2021, 5, 21, 15, 4)),  # full-width
        ("Sat, 21 Nov 2026 12:30:00 +0800", bj(2026, 11, 21, 12, 30)),
        ("Sat, 21 Nov 2026 04:30:00 GMT", bj(2026, 11, 21, 12, 30)),
        ("2026-11-21T12:30:00+08:00", bj(2026, 11, 21, 12, 30)),
        ("2026-11-21T04:30:00Z", bj(2026, 11, 21, 12, 30)),
        ("2026-11-21T12:30:00", bj(2026, 11, 21, 12, 30)),
        ("Sat Nov 21 12:30:00 +0800 2026", bj(2026, 11, 21, 12, 30)),
        ("Fri Nov 20 23:59:59 +0800 2026", bj(2026, 11, 20, 23, 59, 59)),
        ("刚刚", FETCHED),
        ("5分钟前", bj(2026, 11, 21, 11, 55)),
        ("30秒前", bj(2026, 11, 21, 11, 59, 30)),
        ("2小时前", bj(2026, 11, 21, 10)),
        ("3天前", bj(2026, 11, 18, 12)),
        ("今天 12:30", bj(2026, 11, 21, 12, 30)),
        ("昨天 12:30", bj(2026, 11, 20, 12, 30)),
        ("前天 08:05", bj(2026, 11, 19, 8, 5)),
        ("11-20", bj(2026, 11, 20)),
        ("11-20 12:30", bj(2026, 11, 20, 12, 30)),
        ("11月20日 12:30", bj(2026, 11, 20, 12, 30)),
        ("12-25", bj(2025, 12, 25)),  # would be in the future this year: last year
        ("11-21 23:00", bj(2026, 11, 21, 23)),  # later today: still this year
        # US order from servers with an en-US locale: M/D/YYYY h:mm:ss AM/PM
        ("9/17/2004 5:54:13 AM", bj(2004, 9, 17, 5, 54, 13)),
        ("7/5/2005 9:23:57 PM", bj(2005, 7, 5, 21, 23, 57)),  # 5 July: the 12-hour clock is US
        ("12/5/2025 12:00:00 AM", bj(2025, 12, 5, 0, 0)),
        ("12/5/2025 12:30 PM", bj(2025, 12, 5, 12, 30)),
        ("9/17/2004 5:54 p.m.", bj(2004, 9, 17, 17, 54)),
        ("9/17/2004 17:30", bj(2004, 9, 17, 17, 30)),  # 17 cannot be a month
        ("17/9/2004", bj(2004, 9, 17)),  # day first where the first number cannot be a month
    ],
)
def test_parses_every_form_to_utc(text, expected):
    value = parse_published(text, FETCHED)
    assert value == expected
    assert value.tzinfo is not None and value.utcoffset().total_seconds() == 0


def test_beijing_midnight_is_previous_utc_day():
    assert parse_published("2021-05-21", FETCHED) == datetime(2021, 5, 20, 16, 0, tzinfo=UTC)


def test_relative_forms_follow_fetched_at_across_new_year():
    fetched = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)  # 09:00 on 1 January, Beijing
    assert parse_published("昨天 22:00", fetched) == datetime(2026, 12, 31, 14, 0, tzinfo=UTC)
    assert parse_published("12-31 22:00", fetched) == datetime(2026, 12, 31, 14, 0, tzinfo=UTC)


def test_naive_fetched_at_is_taken_as_utc():
    naive = datetime(2026, 11, 21, 4, 0)
    assert parse_published("刚刚", naive) == FETCHED


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "垃圾文本",
        "发布时间：",
        "2021-13-45",
        "99:99",
        "昨天",
        "abc 12:30",
        "2021年2月30日",
        "Xyz Nov 99 12:30:00 +0800 2026",
        "7/5/2005",  # 5 July or 7 May: no day rather than a wrong one
        "7/5/2005 13:00",
        "9/17/2004 13:00 PM",
        "2/30/2005 1:00 AM",
        "17/13/2005",
        None,
        12345,
    ],
)
def test_unparseable_gives_none_never_raises(text):
    assert parse_published(text, FETCHED) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("来源：云川新闻网 发布时间：2026-11-20 09:30 字号：大 中 小", "2026-11-20 09:30"),
        ("本报讯 2026年11月20日 09:30 云川日报记者报道", "2026年11月20日 09:30"),
        ("更新于 2026/11/20，发布日期：2026年11月19日", "2026年11月19日"),
        ("会议于2026-11-18召开", "2026-11-18"),
        ("建立于:2024年10月6日 某某 发表于 2026-9-15 11:46:00", "2026-9-15 11:46:00"),
        ("河南日报 2026.01.20 16:31 字号", "2026.01.20 16:31"),
        ("版本 1.2026.01.20.3 发布", None),
        ("作者：某某 9/17/2026 5:54:13 PM 点击：35", "9/17/2026 5:54:13 PM"),
        ("存档 12/01/2004 - 01/01/2005", None),  # month or day first cannot be told
        ("发表于 17/9/2026 正文", "17/9/2026"),
        ("没有日期的文字", None),
        ("", None),
    ],
)
def test_extract_date_text_finds_the_publish_line(text, expected):
    assert extract_date_text(text) == expected


def test_date_texts_lists_every_date_in_order():
    text = (
        "今天是2026年11月21日 发布：2026-11-20 09:30 会议于9/17/2026 5:54 PM 2026.01.20 版本1.2.3"
    )
    assert date_texts(text) == [
        "2026年11月21日",
        "2026-11-20 09:30",
        "9/17/2026 5:54 PM",
        "2026.01.20",
    ]
    assert date_texts("") == [] and date_texts("没有日期") == []


def test_labelled_date_text_needs_a_label():
    assert labelled_date_text("2026-11-19 发布时间：2026-11-20 09:30") == "2026-11-20 09:30"
    assert labelled_date_text("2026-11-19 会议召开") is None


def test_extracted_text_parses():
    found = extract_date_text("发布时间：2026-11-20 09:30 来源：云川新闻网")
    assert parse_published(found, FETCHED) == bj(2026, 11, 20, 9, 30)

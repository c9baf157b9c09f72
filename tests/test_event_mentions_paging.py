"""An emergency has tens of thousands of mentions: the event page and its JSON show one
page of them, newest first, and say how many there are."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from monitor.storage.models import Mention
from tests.helpers.console import NOW, bearer, web  # noqa: F401  (fixture)

EXTRA = 230


def add_mentions(console) -> int:  # noqa: ANN001
    """EXTRA more mentions on the late event, the i-th published i minutes before NOW;
    returns how many the event has now."""
    with console.db.session() as s:
        src = s.scalar(select(Mention.source_id).where(Mention.event_id == console.late))
        for i in range(EXTRA):
            s.add(
                Mention(
                    source_id=src,
                    kind="weibo",
                    url=f"https://weibo.example.cn/{i}",
                    canonical_url=f"https://weibo.example.cn/{i}",
                    content_hash=f"paging-{i}",
                    title=f"第{i}条转发",
                    text="转发",
                    published_at=NOW - timedelta(minutes=i),
                    fetched_at=NOW,
                    event_id=console.late,
                )
            )
        s.flush()
        return len(s.scalars(select(Mention.id).where(Mention.event_id == console.late)).all())


def test_the_event_page_shows_a_page_of_mentions_and_the_total(web) -> None:  # noqa: ANN001, F811
    total = add_mentions(web)
    assert total > EXTRA
    h = bearer(web, "duty_officer")
    first = web.client.get(f"/events/{web.late}", headers=h).text
    assert f"相关信息（{total}）" in first
    pages = -(-total // 100)
    assert f"第 1/{pages} 页" in first
    assert "第0条转发" in first and "第99条转发" in first and "第100条转发" not in first
    assert f'href="/events/{web.late}?page=2#mentions"' in first
    second = web.client.get(f"/events/{web.late}?page=2", headers=h).text
    assert "第100条转发" in second and "第0条转发" not in second and "上一页" in second
    beyond = web.client.get(f"/events/{web.late}?page={pages + 5}", headers=h)
    assert beyond.status_code == 200 and f"没有这一页：共 {pages} 页" in beyond.text
    odd = web.client.get(f"/events/{web.late}?page=-3", headers=h).text
    assert "第0条转发" in odd  # not a number of a page: the first


def test_the_json_pages_the_mentions_too(web) -> None:  # noqa: ANN001, F811
    total = add_mentions(web)
    h = bearer(web, "handler")
    body = web.client.get(f"/api/events/{web.late}", headers=h).json()
    assert body["mentions_total"] == total and len(body["mentions"]) == 100
    capped = web.client.get(f"/api/events/{web.late}?mentions_limit=100000", headers=h).json()
    assert capped["mentions_limit"] == 500 and len(capped["mentions"]) == min(total, 500)
    titles = [m["title"] for m in capped["mentions"]]
    assert titles.index("第0条转发") < titles.index("第1条转发") < titles.index("第229条转发")
    page = web.client.get(
        f"/api/events/{web.late}?mentions_limit=50&mentions_offset=200", headers=h
    ).json()
    assert [m["id"] for m in page["mentions"]] == [m["id"] for m in capped["mentions"][200:250]]
    bad = web.client.get(f"/api/events/{web.late}?mentions_offset=-1", headers=h)
    assert bad.status_code == 400 and "不能为负数" in bad.json()["error"]

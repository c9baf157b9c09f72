"""A news source's comments (跟帖) read again on later crawls while the article's event is
open and graded comments.min_grade (III) or above, the list page showing it or not: new
comments added and likes brought up to date by site comment id, the event's comment
figures and grade reason summed again, no second mention and no second alert; a closed
event's article and one graded below the minimum are left alone; a failure keeps the
comments stored before and the source says what failed. At most comments.max_refresh
articles a crawl, the highest graded first."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from scrapy import Request
from sqlalchemy import select

from monitor.config import load_config
from monitor.config.sources import NewsSource
from monitor.config.types import GRADES
from monitor.pipeline.normalise import clean_text
from monitor.service.context import Context
from monitor.storage.models import Event, Mention
from spiders.kinds.news import NewsSpider
from spiders.state import CrawlMemory
from tests.helpers.cli import Setup
from tests.helpers.fake_news import (
    JSON,
    NOT_FOUND,
    SOURCE,
    article,
    comment,
    comment_page,
    fake_news,
    health,
    list_page,
    news_setup,
    shown,
)

NEGATIVE = (
    "太让人失望了，年年淹年年修，排水就是个摆设",
    "愤怒！车被泡了谁来赔？",
    "这么多年了还是老样子，相关部门不作为",
)
RAIN = "1001"  # graded high (its 22 angry comments add a reason of their own)
FEES = "1002"  # graded III by its own words
LAMPS = "1003"  # graded IV
CHEER = "1004"  # on the list page of the second crawl only


def angry(n: int) -> list[dict]:
    return [comment(f"a{k}", f"{NEGATIVE[k % 3]}（{k}）", up=k) for k in range(n)]


def routes() -> dict:
    return {
        "list": list_page(RAIN, FEES, LAMPS),
        f"article {RAIN}": article(
            "云川暴雨致临江隧道积水 多辆车被困",
            "21日凌晨，云川市遭遇强降雨，临江路隧道积水严重，多辆车辆被困，"
            "市民对排水设施长期不改造表示强烈不满。",
            "消防部门冒雨救援，被困人员已全部转移。",
        ),
        f"article {FEES}": article(
            "青峰山景区停车场被指乱收费",
            "有游客反映青峰山景区停车场乱收费、宰客，投诉无人管，市文旅局表示已介入调查。",
        ),
        f"article {LAMPS}": article(
            "滨江路路灯长期不亮 居民夜间出行不便",
            "滨江路多处路灯长期不亮，居民夜间出行不便，希望城管部门尽快维修。",
        ),
        f"article {CHEER}": article(
            "云川文旅消费季启动 发放惠民券",
            "云川文旅消费季今日启动，市民可在线领取惠民券，覆盖景区、酒店和餐饮商户。",
        ),
        f"comments {RAIN} 1": comment_page(angry(22)),
        f"comments {FEES} 1": comment_page([comment("b1", "乱收费太过分了", 5)]),
        f"comments {LAMPS} 1": comment_page([comment("c1", "路灯修一下吧", 2)]),
        **{f"comments {doc} 2": comment_page([]) for doc in (RAIN, FEES, LAMPS, CHEER)},
        f"comments {CHEER} 1": comment_page([]),
    }


def events(setup: Setup) -> dict[str, dict]:
    """`yuqing events --json`, by the article the event was first seen in."""
    rows = json.loads(setup.ok("events", "--json").stdout)
    return {r["first_url"].rsplit("/", 1)[-1].removesuffix(".html"): r for r in rows}


def alerts(setup: Setup) -> list[str]:
    return setup.ok("alerts", "list").stdout.strip().splitlines()


def close_event(setup: Setup, doc: str) -> None:
    """The event of the article is 办结 (as at the end of the workflow)."""
    ctx = Context(load_config(setup.config, environ=setup.env))
    with ctx.db.session() as s:
        event_id = s.scalar(select(Mention.event_id).where(Mention.url.endswith(f"/{doc}.html")))
        event = s.get(Event, event_id)
        assert event is not None
        event.state = "closed"
    ctx.db.dispose()


def test_an_open_events_comments_are_read_again_off_the_list_page(tmp_path) -> None:
    with fake_news(routes()) as site:
        setup = news_setup(tmp_path, site)
        assert f"{SOURCE}：新入库 3 条" in setup.ok("crawl", SOURCE).stdout
        before = events(setup)
        assert before[RAIN]["grade"] in ("I", "II", "III")
        assert "评论负面占比 100%（22 条评论）" in before[RAIN]["reasons"]
        assert before[FEES]["grade"] == "III" and before[LAMPS]["grade"] == "IV"
        close_event(setup, FEES)
        alerted = alerts(setup)

        # later: the list page has moved on; a new comment under the rain article, more
        # likes on a known one, and new comments the other two would show if read
        later = angry(23)
        later[0]["up"] = 500
        site.routes |= {
            "list": list_page(CHEER),
            f"comments {RAIN} 1": comment_page(later),
            f"comments {FEES} 1": comment_page([comment("b2", "还没处理？", 1)]),
            f"comments {LAMPS} 1": comment_page([comment("c2", "还是不亮", 1)]),
        }
        done = setup.ok("crawl", SOURCE)
        assert f"{SOURCE}：新入库 1 条，重复 1 条" in done.stdout  # the new article, the rain's

        rain = shown(setup, RAIN)
        assert len(rain["comments"]) == 23 and rain["comments_error"] is None
        assert rain["comments"][-1]["text"] == clean_text(f"{NEGATIVE[22 % 3]}（22）")
        assert rain["comments"][0]["likes"] == 500
        assert site.asked(f"article {RAIN}") == 2 and site.asked(f"comments {RAIN} 1") == 2

        after = events(setup)
        assert after[RAIN]["mention_count"] == 1 and after[RAIN]["comments_read"] == 23
        assert "评论负面占比 100%（23 条评论）" in after[RAIN]["reasons"]
        assert after[RAIN]["grade"] == before[RAIN]["grade"]
        profile = setup.ok("event", "profile", str(after[RAIN]["id"])).stdout
        assert "网民评论：已读取 23 条，负面 23 条" in profile
        assert "网友a0（赞 500）" in profile  # the most liked now

        # the closed event's article and the one graded IV: not read again
        assert [c["text"] for c in shown(setup, FEES)["comments"]] == ["乱收费太过分了"]
        assert [c["text"] for c in shown(setup, LAMPS)["comments"]] == ["路灯修一下吧"]
        for doc in (FEES, LAMPS):
            assert site.asked(f"article {doc}") == site.asked(f"comments {doc} 1") == 1
        assert after[LAMPS]["comments_read"] == 1
        assert alerts(setup) == alerted  # nothing new to alert about
        assert health(setup)["last_error"] is None


FAILURES = {
    "article page": (NOT_FOUND, "重读已存文章的评论时文章页抓取失败：HTTP 404：页面不存在"),
    "comment API": (
        (500, JSON, b'{"code":1}'),
        "的评论时评论接口第 1 页：HTTP 500：站点服务器内部错误",
    ),
    "not JSON": ((200, JSON, b"<html>busy</html>"), "的评论时评论接口第 1 页返回的不是 JSON"),
}


@pytest.mark.parametrize("what", FAILURES)
def test_a_failed_refresh_keeps_the_comments_and_the_source_says_why(tmp_path, what) -> None:
    failing, said = FAILURES[what]
    first = routes() | {"list": list_page(RAIN)}
    with fake_news(first) as site:
        setup = news_setup(tmp_path, site)
        setup.ok("crawl", SOURCE)
        assert events(setup)[RAIN]["comments_read"] == 22

        route = f"article {RAIN}" if what == "article page" else f"comments {RAIN} 1"
        site.routes[route] = failing
        done = setup.run("crawl", SOURCE)
        assert done.returncode == 1 and f"{SOURCE}：新入库 0 条" in done.stdout

        rain = shown(setup, RAIN)
        assert len(rain["comments"]) == 22  # what was stored stands
        assert events(setup)[RAIN]["comments_read"] == 22
        error = health(setup)["last_error"]
        assert said in error and "已存的评论保留" in error
        assert health(setup)["status"] == "异常"
        if what != "article page":
            assert said.removeprefix("的评论时") in rain["comments_error"]
            assert f"/news/{RAIN}.html" in error and "本次读到 0 条" in error


# ---- in-process: which stored articles are read again, and how many ------------------


def spider(memory: CrawlMemory, comments: object = None, **options: object) -> NewsSpider:
    api = {
        "api": "http://news.example/api?doc={id}&page={page}",
        "id_pattern": r"/(\d+)\.html$",
        **options,
    }
    source = NewsSource(
        name="city-news",
        title="城市新闻网",
        kind="news",
        url="http://news.example/",
        news={"article_links": r"\d+\.html$", "comments": comments or api},
    )
    return NewsSpider(source=source, memory=memory)


def urls(requests: list[Request]) -> list[str]:
    return [r.url.rsplit("/", 1)[-1] for r in requests]


def test_at_most_max_refresh_articles_at_min_grade_are_read_again_in_order() -> None:
    memory = CrawlMemory(
        open_articles=[(f"http://news.example/{n}.html", g) for n, g in enumerate(GRADES)]
    )
    assert urls(spider(memory).refresh_requests()) == ["0.html", "1.html", "2.html"]
    assert urls(spider(memory, min_grade="II").refresh_requests()) == ["0.html", "1.html"]
    assert urls(spider(memory, min_grade="IV", max_refresh=2).refresh_requests()) == [
        "0.html",
        "1.html",
    ]
    assert spider(memory, max_refresh=0).refresh_requests() == []
    # comments not read at all (only their count named): nor read again
    assert spider(memory, comments="span.count::text").refresh_requests() == []


@pytest.mark.parametrize(
    ("comments", "said"),
    [({"min_grade": "V"}, "min_grade"), ({"max_refresh": -1}, "max_refresh")],
)
def test_refresh_options_are_checked(comments: dict, said: str) -> None:
    with pytest.raises(ValidationError) as e:
        spider(CrawlMemory(), **comments)
    assert said in str(e.value)

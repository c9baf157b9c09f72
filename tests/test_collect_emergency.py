"""Emergency monitoring: the open major events' terms become the Weibo search keywords."""

import json
from datetime import UTC, datetime

import pytest

from monitor.emergency import emergency_keywords
from monitor.samplesite import serve
from monitor.storage.models import Event
from tests.helpers.cli import prepare

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def event(title, grade, state, terms):
    return Event(
        title=title,
        grade=grade,
        state=state,
        terms=terms,
        origin_kind="weibo",
        first_source="微博搜索",
        first_url="https://m.weibo.cn/detail/1",
        discovered_at=NOW,
        last_mention_at=NOW,
        created_at=NOW,
        updated_at=NOW,
    )


def test_only_open_events_of_the_configured_grade_are_searched(database):
    with database.session() as s:
        s.add(event("临江隧道积水", "I", "collected", ["临江隧道", "积水", "被困", "排水"]))
        s.add(event("景区乱收费", "III", "collected", ["青峰山", "观光车"]))
        s.add(event("旧的暴雨", "I", "closed", ["旧暴雨"]))
        s.add(event("博物馆谣言", "II", "judged", ["博物馆", "闭馆", "积水"]))
    assert emergency_keywords(database, "II") == ["临江隧道", "积水", "被困", "博物馆", "闭馆"]
    assert emergency_keywords(database, "I") == ["临江隧道", "积水", "被困"]


@pytest.fixture(scope="module")
def site():
    server, thread = serve(port=0)
    yield server
    server.shutdown()
    thread.join(timeout=5)


def test_crawl_with_keywords_searches_those_instead(site, tmp_path):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    setup.ok("init")
    one = setup.ok("crawl", "weibo-search", "--keywords", "青峰山", "--no-analyse").stdout
    both = setup.ok("crawl", "weibo-search", "--no-analyse").stdout  # 云川 and 青峰山
    got_one = int(one.split("新入库 ")[1].split(" 条")[0])
    got_more = int(both.split("新入库 ")[1].split(" 条")[0])
    assert got_one > 0 and got_more > 0  # the configured 云川 finds posts 青峰山 did not
    health = json.loads(setup.ok("sources", "--json").stdout)
    assert next(h for h in health if h["name"] == "weibo-search")["runs"] == 2

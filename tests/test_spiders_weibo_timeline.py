"""Weibo account timelines: an account added in sources.yaml is read newest first through the
container API, pages followed by since_id, and a second crawl stops at what is stored."""

import json
import shutil
from datetime import UTC, datetime

import pytest
import yaml
from pydantic import ValidationError
from scrapy.http import Request, TextResponse

from monitor.config.sources import WeiboSource
from monitor.samplesite import ROOT, serve
from spiders.kinds.weibo import WeiboSpider
from spiders.state import CrawlMemory
from tests.helpers.cli import prepare

UID = "6012300001"  # 云川发布 on the sample site
TIMELINE = "/weibo/api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}"
NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def add_accounts_source(setup, site, uids):
    sources = setup.config / "sources.yaml"
    data = yaml.safe_load(sources.read_text(encoding="utf-8"))
    # the bundled config collects the sample account; this test's own accounts replace it
    data["sources"] = [s for s in data["sources"] if s["name"] != "weibo-accounts"]
    data["sources"].append(
        {
            "name": "weibo-accounts",
            "title": "政务微博账号",
            "kind": "weibo",
            "tier": "government",
            "url": site.url + TIMELINE,
            "accounts": [{"uid": int(u), "name": "云川发布"} if u == UID else u for u in uids],
        }
    )
    sources.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def site(tmp_path):
    """The sample site served from a copy, so a test can publish a new post between crawls."""
    root = tmp_path / "site"
    shutil.copytree(ROOT, root)
    server, thread = serve(port=0, root=root)
    yield server
    server.shutdown()
    thread.join(timeout=5)


def timeline_fetches(site):
    return [p for p in site.served if "type=uid" in p]


def test_account_timeline_is_collected_then_read_incrementally(site, tmp_path):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    add_accounts_source(setup, site, [UID])
    setup.ok("init")
    first = setup.ok("crawl", "weibo-accounts", "--no-analyse").stdout
    # page 1: the repost, the original it reposts, the IV-level notice; page 2 (by since_id):
    # the post of 20 h ago. The pinned post (30 days old) and the one 30 h old are past
    # the 24 h lookback.
    assert "weibo-accounts：新入库 4 条" in first, first
    fetched = timeline_fetches(site)
    assert len(fetched) == 2 and "since_id=5039112233449103" in fetched[1]

    stored = mentions(setup)

    def post(author, start):
        (found,) = [m for m in stored if m["author"] == author and m["text"].startswith(start)]
        return found

    repost = post("云川发布", "请广大市民注意防范")
    original = post("云川气象", "【暴雨橙色预警】")
    assert repost["reposted_from"] == original["canonical_url"]
    assert original["reposts"] == 13000 and repost["likes"] == 2087
    assert "<" not in repost["text"] and "#云川暴雨#" in repost["text"]
    assert "[雨]" in original["text"]
    assert post("云川发布", "云川文旅消费季今天启动")
    assert not any("12345" in m["text"] or "银杏" in m["text"] for m in stored)

    # a new post appears at the top: the next crawl reads page 1 only and stores just it
    page1 = site.root / "weibo" / "timeline" / f"{UID}.json"
    data = json.loads(page1.read_text(encoding="utf-8"))
    new = json.loads(json.dumps(data["data"]["cards"][2]))
    new["mblog"] |= {
        "id": "5039112233449200",
        "created_at": "5分钟前",
        "text": "临江路隧道积水已排除，现已恢复通行。",
    }
    data["data"]["cards"].insert(1, new)
    page1.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    site.served.clear()
    second = setup.ok("crawl", "weibo-accounts", "--no-analyse").stdout
    assert "weibo-accounts：新入库 1 条" in second, second
    assert len(timeline_fetches(site)) == 1  # stopped at the first post already stored
    assert any("恢复通行" in m["text"] for m in mentions(setup))


def test_an_unknown_account_is_reported_not_silent(site, tmp_path):
    setup = prepare(tmp_path, sample_port=site.server_address[1])
    add_accounts_source(setup, site, [UID, "6099999999"])
    setup.ok("init")
    done = setup.run("crawl", "weibo-accounts", "--no-analyse")
    assert done.returncode == 1
    assert "微博账号 6099999999 的主页没有博文" in done.stderr
    assert "weibo-accounts：新入库 4 条" in done.stdout  # the other account is still read
    health = json.loads(setup.ok("sources", "--json").stdout)
    row = next(h for h in health if h["name"] == "weibo-accounts")
    assert row["status"] == "异常" and "6099999999" in row["last_error"]


def mentions(setup):
    from sqlalchemy import create_engine, text

    engine = create_engine(setup.env["DATABASE_URL"])
    with engine.connect() as c:
        rows = c.execute(
            text("select author, text, canonical_url, reposted_from, reposts, likes from mentions")
        )
        out = [dict(r._mapping) for r in rows]
    engine.dispose()
    return out


# ---- in-process: the parser on answers the server would not give -------------------------


def spider(memory=None, max_pages=3):
    source = WeiboSource(
        name="wb",
        title="微博账号",
        kind="weibo",
        url="https://m.weibo.cn/api/container/getIndex?type=uid&value={uid}&containerid=107603{uid}",
        accounts=[UID],
        max_pages=max_pages,
    )
    return WeiboSpider(source=source, memory=memory)


def answer(s, body, page=1):
    request = s.timeline_page(UID, page)
    request.meta["yuqing_fetched_at"] = NOW
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = TextResponse(request.url, body=raw, request=request, encoding="utf-8")
    return list(s.parse_timeline(response, **request.cb_kwargs))


def card(i, created="10分钟前", **kw):
    return {
        "card_type": 9,
        "mblog": {"id": str(i), "text": f"第{i}条", "created_at": created, **kw},
    }


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>\xe8\xaf\xb7\xe7\x99\xbb\xe5\xbd\x95</html>", "不是 JSON"),
        ({"ok": 1, "data": {"cards": {"card_type": 9}}}, "JSON 格式不对"),
        ({"ok": 1, "data": ["cards"]}, "JSON 格式不对"),
        ({"ok": -100, "url": "https://passport.weibo.cn/signin"}, "要求登录"),
        ({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}, "主页没有博文"),
    ],
)
def test_malformed_timeline_answers_are_problems(body, message):
    s = spider()
    assert answer(s, body) == []
    assert len(s.errors) == 1 and message in s.errors[0]


def test_old_api_pages_by_page_number_and_max_pages_bounds_the_walk():
    s = spider(max_pages=2)
    out = answer(s, {"ok": 1, "data": {"cards": [card(1), card(2)]}})
    (nxt,) = [r for r in out if isinstance(r, Request)]
    assert "page=2" in nxt.url and "since_id" not in nxt.url and "value=6012300001" in nxt.url
    out = answer(s, {"ok": 1, "data": {"cards": [card(3)], "cardlistInfo": {"since_id": 9}}}, 2)
    assert not [r for r in out if isinstance(r, Request)] and s.errors == []


def test_a_pinned_old_post_does_not_stop_the_walk_but_a_stored_one_does():
    memory = CrawlMemory(stored={"https://m.weibo.cn/detail/2"})
    s = spider(memory=memory)
    pinned = card(9, "Sat Oct 10 10:00:00 +0800 2026", isTop=1)
    data = {"ok": 1, "data": {"cards": [pinned, card(1)], "cardlistInfo": {"since_id": 1}}}
    out = answer(s, data)
    assert [i["extra"]["id"] for i in out if not isinstance(i, Request)] == ["1"]
    assert any(isinstance(r, Request) and "since_id=1" in r.url for r in out)
    s = spider(memory=memory)
    out = answer(
        s, {"ok": 1, "data": {"cards": [card(1), card(2)], "cardlistInfo": {"since_id": 2}}}
    )
    # the stored post is read again (its counts move on) but nothing older is asked for
    assert [i["extra"]["id"] for i in out if not isinstance(i, Request)] == ["1", "2"]
    assert not [r for r in out if isinstance(r, Request)]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"accounts": [UID]}, "{uid}"),
        ({"url": "https://m.weibo.cn/?v={uid}"}, "keywords（关键词搜索）或 accounts"),
        ({"url": "https://m.weibo.cn/?v={uid}", "accounts": ["weibo.com/u/1"]}, "uid"),
    ],
)
def test_accounts_config_is_checked(fields, message):
    base = {"name": "wb", "title": "微博", "kind": "weibo", "url": "https://m.weibo.cn/?q=x"}
    with pytest.raises(ValidationError, match=message.replace("{", r"\{").replace("}", r"\}")):
        WeiboSource(**(base | fields))

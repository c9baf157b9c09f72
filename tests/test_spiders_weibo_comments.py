"""Hot comments under Weibo posts (comments/hotflow, paged by max_id): read for posts with
comments.min_count comments, at most comments.max, stored with the post, read again while
its event is open; a failure part-way keeps the post and what was read, and the source
says what failed; hostile comment text stays text on the event page."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scrapy.http import Request, TextResponse
from sqlalchemy import select

from monitor.accounts.users import create_user
from monitor.config import load_config
from monitor.config.sources import WeiboComments, WeiboSource
from monitor.pipeline.normalise import clean_text
from monitor.service.context import Context
from monitor.storage.models import Mention
from monitor.web import create_app
from spiders.items import MentionItem
from spiders.kinds.weibo import WeiboSpider
from spiders.state import CrawlMemory
from tests.helpers.fake_weibo import (
    HOT,
    JSON,
    LONG,
    NEXT_PAGE,
    ORIGINAL,
    REPOST,
    SMALL,
    fake_weibo,
    fixture,
    health,
    hotflow,
    mention_id,
    ok,
    shown,
    weibo_setup,
)
from tests.helpers.forms import signed_in

SCRIPT = '<script>alert("wb")</script>'
HOT_PAGES = {
    f"hotflow {HOT} 0": ok("hotflow-1.json"),
    f"hotflow {HOT} {NEXT_PAGE}": ok("hotflow-2.json"),
}


def routes(**more: tuple) -> dict:
    return {
        "search": ok("search-cards.json"),
        f"extend {LONG}": ok("extend-long.json"),
        f"extend {ORIGINAL}": ok("extend-long.json"),
        **HOT_PAGES,
        f"hotflow {ORIGINAL} 0": ok("hotflow-empty.json"),
        **{k.replace("_", " "): v for k, v in more.items()},
    }


def test_hot_comments_are_read_page_by_page_and_shown_with_the_post(tmp_path) -> None:
    with fake_weibo(routes()) as site:
        setup = weibo_setup(tmp_path, site)
        done = setup.ok("crawl", "wb-test", "--no-analyse")
        assert "wb-test：新入库 5 条" in done.stdout

        hot = shown(setup, HOT)
        assert [c["text"] for c in hot["comments"]] == [
            clean_text("年年淹年年修，排水泵站就是个摆设，太让人失望了"),
            clean_text(f"{SCRIPT}隧道口为什么不封路？"),
            clean_text("我车也泡了[怒]谁来赔？"),  # the emoji's alt text; page 2 repeats it
            clean_text("感谢消防员冒雨救援，辛苦了"),
            clean_text("被困的人都救出来了吗？好担心"),
        ]
        assert hot["comments"][0] == {
            "author": "临江路老住户",
            "published": "2026-11-21T01:05:12+00:00",  # 09:05:12 Beijing, stored as UTC
            "text": clean_text("年年淹年年修，排水泵站就是个摆设，太让人失望了"),
            "likes": 1520,
            "negative": None,  # scored by the analysis stage
        }
        assert hot["comments"][1]["author"] == "<b>云川小透明</b>"  # as the site shows it
        assert hot["comments_error"] is None
        # the second page asked for by the first page's max_id; max_id 0 ended the walk
        assert site.asked(f"hotflow {HOT} {NEXT_PAGE}") == 1

        # an empty comment page: read, nothing to keep, no error
        original = shown(setup, ORIGINAL)
        assert original["comments"] == [] and original["comments_error"] is None
        # fewer than comments.min_count (50): not asked for
        assert site.asked(f"hotflow {LONG} 0") == site.asked(f"hotflow {SMALL} 0") == 0
        assert health(setup)["last_error"] is None


def test_a_comment_api_failing_half_way_keeps_the_post_and_what_was_read(tmp_path) -> None:
    failing = routes(
        **{
            f"hotflow_{HOT}_{NEXT_PAGE}": (500, JSON, b'{"ok":0,"msg":"busy"}'),
            f"hotflow_{ORIGINAL}_0": ok("hotflow-ok0.json"),
        }
    )
    with fake_weibo(failing) as site:
        setup = weibo_setup(tmp_path, site)
        done = setup.run("crawl", "wb-test", "--no-analyse")
        assert done.returncode == 1 and "wb-test：新入库 5 条" in done.stdout

        hot = shown(setup, HOT)
        assert len(hot["comments"]) == 3  # the first page's
        assert hot["comments_error"].startswith("评论接口第 2 页：HTTP 500：站点服务器内部错误")
        assert (
            "评论读取未完成：评论接口第 2 页"
            in setup.ok("mention", "show", str(mention_id(setup, HOT))).stdout
        )
        original = shown(setup, ORIGINAL)
        assert original["comments"] == []
        assert original["comments_error"].startswith(
            "评论接口第 1 页答复 ok=0（由于博主设置，目前评论暂不可见）"
        )

        error = health(setup)["last_error"]
        assert f"/detail/{HOT} 的评论未读完：评论接口第 2 页：HTTP 500" in error
        assert "博文已保存，评论只读到 3 条" in error
        assert "答复 ok=0（由于博主设置，目前评论暂不可见）" in error
        assert health(setup)["status"] == "异常"


def test_comments_are_read_again_while_the_event_is_open_and_shown_as_text(tmp_path) -> None:
    with fake_weibo(routes()) as site:
        setup = weibo_setup(tmp_path, site)
        setup.ok("crawl", "wb-test")  # stored, scored and grouped into events
        app = load_config(setup.config, environ=setup.env)
        ctx = Context(app)
        with ctx.db.session() as s:
            event_id = s.scalar(select(Mention.event_id).where(Mention.url.endswith(HOT)))
            user = create_user(s, "leader1", "测试领导", "leader", None, datetime.now(UTC))[0].id
        assert event_id is not None

        page = signed_in(create_app(app, ctx.db), ctx.db, user, datetime.now(UTC)).get(
            f"/events/{event_id}"
        )
        assert page.status_code == 200
        assert "已读取评论" in page.text and "年年淹年年修" in page.text
        assert "&lt;script&gt;alert(&#34;wb&#34;)&lt;/script&gt;" in page.text
        assert SCRIPT not in page.text and "<b>云川小透明</b>" not in page.text

        # later: a new comment, and more likes on a known one
        newer = json.loads(fixture("hotflow-2.json"))["data"]["data"]
        newer[0]["like_count"] = 900
        newer.append(newer[1] | {"idstr": "5110000000000099", "text": "隧道什么时候能通车？"})
        site.routes[f"hotflow {HOT} {NEXT_PAGE}"] = hotflow(newer)
        # the event is open: its smaller posts too are read if it is graded III or above
        for post_id in (LONG, REPOST, SMALL):
            site.routes[f"hotflow {post_id} 0"] = ok("hotflow-empty.json")
        setup.ok("crawl", "wb-test", "--no-analyse")
        hot = shown(setup, HOT)
        assert hot["comments"][-1]["text"] == clean_text("隧道什么时候能通车？")
        assert hot["comments"][3]["likes"] == 900
        assert site.asked(f"hotflow {HOT} 0") == 2
        ctx.db.dispose()


# ---- in-process: which posts are read, comments.max, answers that are not comments --------


def spider(memory: CrawlMemory | None = None, defaults=None, **comments) -> WeiboSpider:  # noqa: ANN001
    source = WeiboSource(
        name="wb",
        title="微博",
        kind="weibo",
        url="https://m.weibo.cn/api/container/getIndex?containerid=100103type%3D1%26q%3D{keyword}",
        keywords=["云川"],
        comments=comments,
    )
    return WeiboSpider(source=source, memory=memory, comment_defaults=defaults)


def post(count: int = 180) -> dict:
    return {"id": HOT, "mid": HOT, "long": False, "comments": count}


def first(s: WeiboSpider, count: int = 180) -> object:
    item = MentionItem(url=f"https://m.weibo.cn/detail/{HOT}", extra={})
    return s.with_comments(item, post(count))


def answer(request: Request, body: bytes, status: int = 200, **headers: str) -> list:
    response = TextResponse(
        request.url, status=status, body=body, headers=headers, request=request, encoding="utf-8"
    )
    return list(request.callback(response, **request.cb_kwargs))


def page(n: int, start: int, max_id: int) -> bytes:
    entries = [
        {"idstr": str(k), "text": f"第{k}条评论", "user": {"screen_name": f"网友{k}"}}
        for k in range(start, start + n)
    ]
    return hotflow(entries, max_id)[2]


def test_comments_max_stops_the_walk() -> None:
    s = spider(max=4)
    request = first(s)
    assert isinstance(request, Request)
    assert request.url == (f"https://m.weibo.cn/comments/hotflow?id={HOT}&mid={HOT}&max_id_type=0")
    (second,) = answer(request, page(3, 1, 77))
    assert "max_id=77" in second.url and "max_id_type=0" in second.url
    (item,) = answer(second, page(3, 4, 78))  # max_id 78 not followed: 4 are read
    assert [c["text"] for c in item["hot_comments"]] == [f"第{k}条评论" for k in range(1, 5)]
    assert s.comment_requests == 2 and s.errors == []


@pytest.mark.parametrize(
    ("body", "status", "headers", "said"),
    [
        (b'{"ok":1,"data":{"data":[', 200, {}, "返回的不是 JSON"),
        (fixture("login-wall.html"), 200, {}, "返回的是登录页面而不是 JSON"),
        (b'{"ok":-100,"url":"https://passport.weibo.cn/signin/welcome"}', 200, {}, "要求登录"),
        (b"", 302, {"Location": "https://passport.weibo.cn/signin/login"}, "被重定向到登录页面"),
        (b'{"ok":0}', 200, {}, "答复 ok=0"),
        (b'{"ok":1,"data":{"data":{"0":1}}}', 200, {}, "返回的 JSON 中 data.data 不是列表"),
    ],
)
def test_an_answer_that_is_not_comments_keeps_the_post_and_what_was_read(
    body: bytes, status: int, headers: dict, said: str
) -> None:
    s = spider()
    (second,) = answer(first(s), page(2, 1, 77))
    (item,) = answer(second, body, status, **headers)
    assert isinstance(item, MentionItem) and len(item["hot_comments"]) == 2
    assert item["extra"]["comments_error"].startswith(f"评论接口第 2 页{said}")
    assert len(s.errors) == 1 and "评论只读到 2 条" in s.errors[0]


def test_which_posts_have_their_comments_read() -> None:
    url = f"https://m.weibo.cn/detail/{HOT}"
    assert isinstance(first(spider(), 50), Request)  # new, at min_count
    assert isinstance(first(spider(), 49), MentionItem)  # new, below it
    assert isinstance(first(spider(min_count=10), 12), Request)
    assert isinstance(first(spider(enabled=False), 5000), MentionItem)
    # stored before: again only while its event is open, and it is hot or graded III+
    stored = CrawlMemory(stored={url})
    assert isinstance(first(spider(stored), 5000), MentionItem)
    open_iv = CrawlMemory(stored={url}, open_events={url: "IV"})
    assert isinstance(first(spider(open_iv), 5000), Request)
    assert isinstance(first(spider(open_iv), 10), MentionItem)
    open_ii = CrawlMemory(stored={url}, open_events={url: "II"})
    assert isinstance(first(spider(open_ii), 10), Request)
    assert isinstance(first(spider(open_ii, min_grade="I"), 10), MentionItem)


def test_service_defaults_apply_under_the_sources_own_keys() -> None:
    defaults = WeiboComments(min_count=500, max=20, min_grade="II")
    s = spider(defaults=defaults, max=5)
    assert s.comment_options == WeiboComments(min_count=500, max=5, min_grade="II")
    assert isinstance(first(s, 499), MentionItem)
    assert spider().comment_options == WeiboComments()  # 50, 100, III


@pytest.mark.parametrize(
    ("yaml_text", "said"),
    [
        ("comments: {min_cnt: 5}", "sources[0].comments.min_cnt：不认识的键"),
        ("comments: {max: 0}", "sources[0].comments.max：取值太小"),
        ("comments: {min_grade: V}", "sources[0].comments.min_grade：取值不在允许范围内"),
        ("comments_url: http://x/hotflow?mid={mid}", "网址模板中须含 {id}"),
        ("full_text_url: ftp://x/{id}", "应为 http:// 或 https:// 开头的网址模板"),
    ],
)
def test_weibo_options_are_checked_with_the_file_and_key_named(
    tmp_path, yaml_text: str, said: str
) -> None:
    from tests.helpers.cli import prepare

    setup = prepare(tmp_path)
    sources = setup.config / "sources.yaml"
    source = (
        "sources:\n  - name: wb\n    title: 微博\n    kind: weibo\n"
        "    url: https://m.weibo.cn/?q={keyword}\n    keywords: [云川]\n    " + yaml_text + "\n"
    )
    sources.write_text(source, encoding="utf-8")
    done = setup.run("check-config")
    assert done.returncode != 0
    assert str(sources) in done.stderr + done.stdout and said in done.stderr + done.stdout

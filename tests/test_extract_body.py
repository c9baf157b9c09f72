"""The news extractor's body: the article whole, without the navigation, share bar, editor
and copyright lines, previous/next links and related-article list around it; and failures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from scrapy.http import HtmlResponse

from monitor.clock import BEIJING
from monitor.pipeline.datetimes import parse_published
from spiders.kinds.news import extract_article, link_density, main_text

PORTAL = Path(__file__).parent / "fixtures" / "extract" / "portal.html"


def page(body: bytes | str, url: str = "http://news.example.cn/a/2.html") -> HtmlResponse:
    data = body.encode("utf-8") if isinstance(body, str) else body
    return HtmlResponse(url=url, body=data, encoding="utf-8")


def portal_text() -> str:
    fields = extract_article(page(PORTAL.read_bytes()))
    assert fields is not None
    return fields["text"]


def test_portal_body_is_whole_across_sibling_blocks():
    text = portal_text()
    assert text.startswith("本报讯 今年我市将对城区一百二十个老旧小区实施改造")
    # the second <div> of paragraphs belongs to the same body
    assert "首批四十个小区已完成设计" in text
    assert text.endswith("有关部门将在五个工作日内答复。")


def test_navigation_share_bar_and_related_list_are_dropped():
    text = portal_text()
    for word in ("首页", "新闻中心", "分享到", "微博", "相关阅读", "加装电梯补贴标准公布"):
        assert word not in text


def test_editor_copyright_pager_and_tool_lines_are_dropped():
    text = portal_text()
    for word in ("责任编辑", "版权所有", "上一篇", "下一篇", "打印本页", "关闭窗口", "ICP"):
        assert word not in text


def test_portal_date_and_source_still_read_from_the_page():
    fields = extract_article(page(PORTAL.read_bytes()))
    assert fields is not None
    assert fields["published_raw"] is not None and "2026-11-20" in fields["published_raw"]
    assert fields["site"] == "云川日报"


def test_text_after_a_related_heading_is_cut():
    html = (
        "<html><body><div><p>" + "市政府召开常务会议研究部署冬季供暖保障工作。" * 3 + "</p>"
        "<p>相关新闻</p><p>去年供暖季投诉情况通报，全市共受理投诉一百余件。</p></div>"
        "</body></html>"
    )
    text = extract_article(page(html))["text"]  # type: ignore[index]
    assert "冬季供暖保障工作" in text
    assert "相关新闻" not in text and "投诉情况通报" not in text


def test_a_long_sentence_starting_like_boilerplate_is_kept():
    sentence = "来源于群众的意见建议，是改进工作的重要依据，各部门要认真研究、逐条答复。"
    lead = "会议指出要把群众诉求办理好。" * 3
    html = f"<html><body><div><p>{lead}</p><p>{sentence}</p></div></body></html>"
    assert sentence in extract_article(page(html))["text"]  # type: ignore[index]


def test_link_density():
    import lxml.html

    nav = lxml.html.fromstring('<div><a href="/">首页</a><a href="/n">新闻</a>｜</div>')
    prose = lxml.html.fromstring('<div>全市共有<a href="/x">十个</a>区县参加了本次评比活动</div>')
    assert link_density(nav) > 0.7
    assert link_density(prose) < 0.2
    assert link_density(lxml.html.fromstring("<div></div>")) == 0.0


def test_broken_html_still_gives_the_body():
    html = (
        "<html><body><div class=nav><a href=/>首页</a><a href=/x>要闻</a>"
        "<div class=content><p>"
        + "暴雨导致部分路段积水，交警部门已实施临时交通管制。" * 2
        + "<p>预计今晚雨势减弱<font>，请市民注意出行安全"
    )
    text = extract_article(page(html))["text"]  # type: ignore[index]
    assert "临时交通管制" in text and "请市民注意出行安全" in text
    assert "要闻" not in text


def test_empty_body_gives_none_or_empty_text():
    assert extract_article(page("<html><head></head><body></body></html>")) is None
    import lxml.html

    assert main_text(lxml.html.fromstring("<html><body><div></div></body></html>")) == ""


def test_publish_time_from_page_metadata_first():
    html = (
        '<html><head><meta property="article:published_time" content="2026-02-06T12:48:06+08:00">'
        "</head><body><div><p>" + "新闻正文内容，" * 10 + "</p><p>2025年07月03日报道</p></div>"
        "</body></html>"
    )
    fields = extract_article(page(html))
    assert fields is not None and fields["published_raw"] == "2026-02-06T12:48:06+08:00"


def test_metadata_without_a_date_falls_back_to_the_text():
    html = (
        '<html><head><meta name="PubDate" content="unknown"></head><body><div><p>'
        + "发布时间：2026-11-20 09:30 新闻正文内容，" * 3
        + "</p></div></body></html>"
    )
    fields = extract_article(page(html))
    assert fields is not None and fields["published_raw"] == "2026-11-20 09:30"


EXTRACT = PORTAL.parent
FETCHED = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def published(fields: dict | None) -> datetime | None:
    """The publish time the pipeline stores for these fields, in Beijing."""
    assert fields is not None
    value = parse_published(fields["published_raw"] or "", FETCHED)
    return value.astimezone(BEIJING) if value else None


def test_forum_thread_is_its_topic_post_dated_by_it():
    fields = extract_article(page((EXTRACT / "forum-thread.html").read_bytes()))
    assert fields is not None
    # the first post, though the replies after it are longer
    assert fields["text"].startswith("楼主：临江路菜市场门口的井盖缺了一个多星期了")
    assert "回复" not in fields["text"] and "锥桶" not in fields["text"]
    # its own date, not a reply's and not the sidebar's older threads' (first on the page)
    assert published(fields) == datetime(2026, 11, 18, 8, 12, tzinfo=BEIJING)


def test_a_teaser_with_the_same_class_does_not_take_the_articles_place():
    article = "".join(
        f"<p>{'市政府召开常务会议研究部署冬季供暖保障工作。' * 4}</p>" for _ in range(5)
    )
    html = (
        '<html><body><div class="box"><div class="txt"><p>供暖保障工作部署会议召开，'
        "全市供暖准备就绪。</p></div></div>"
        f'<div class="box"><div class="txt">{article}</div></div></body></html>'
    )
    text = extract_article(page(html))["text"]  # type: ignore[index]
    assert text.startswith("市政府召开常务会议") and "准备就绪" not in text


def test_us_style_date_under_the_title_is_the_publish_time():
    fields = extract_article(page((EXTRACT / "us-date.html").read_bytes()))
    # nearest the body: not the header's 今天是… nor the story's 9月1日
    assert published(fields) == datetime(2026, 9, 17, 17, 54, 13, tzinfo=BEIJING)
    assert fields["text"].startswith("为缓解节假日停车难")  # type: ignore[index]


def test_date_in_the_bodys_prose_is_not_taken_for_the_publish_time():
    html = (
        "<html><body><div class=nav>今天是2026年11月21日</div>"
        "<div class=menu>"
        + "<a href=/c>栏目</a>" * 120
        + "</div><div class=content><p>"
        + "2019年1月1日起施行的条例规定，"
        + "各区应当建立健全物业服务投诉处理机制。" * 4
        + "</p></div></body></html>"
    )
    fields = extract_article(page(html))
    # none near the body: the first date on the page, as before, not one from its prose
    assert published(fields) == datetime(2026, 11, 21, tzinfo=BEIJING)


def test_page_without_a_date_has_no_publish_time():
    html = (
        "<html><body><div><p>"
        + "居民反映小区电梯经常停运，物业迟迟不修。" * 3
        + "</p></div></body></html>"
    )
    fields = extract_article(page(html))
    assert fields is not None and fields["published_raw"] is None


def test_readers_comments_under_a_post_are_not_its_text():
    fields = extract_article(page((EXTRACT / "blog-comments.html").read_bytes()))
    assert fields is not None
    assert fields["text"].endswith("建议大家早点出发或者坐旅游专线。")
    assert "已有2条评论" not in fields["text"] and "农家乐" not in fields["text"]
    assert published(fields) == datetime(2026, 11, 15, tzinfo=BEIJING)


def test_a_comment_count_before_the_body_does_not_cut_it():
    html = (
        "<html><body><div><p>共3条评论</p><p>"
        + "市民反映临江路井盖缺失，市政部门当天派人修复。" * 3
        + "</p></div></body></html>"
    )
    assert "当天派人修复" in extract_article(page(html))["text"]  # type: ignore[index]

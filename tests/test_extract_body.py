"""The news extractor's body: the article whole, without the navigation, share bar, editor
and copyright lines, previous/next links and related-article list around it; and failures."""

from __future__ import annotations

from pathlib import Path

from scrapy.http import HtmlResponse

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

"""Topic rules: the parser, one-pass matching, config errors and `yuqing rules test`."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.config.loader import load_config
from monitor.errors import ConfigError
from monitor.scoring.matcher import Matcher, RegexBaseline, TopicRule
from monitor.scoring.rules import And, Near, Not, Or, RuleSyntaxError, Word, parse, unparse
from tests.helpers.cli import prepare
from tests.helpers.configs import copy_config

RULE = "(嘉峪关|酒泉) & (景区|博物馆|文旅局) & (投诉|乱收费|宰客) & !招聘"


def matches(rule: str, text: str) -> bool:
    found, _ = Matcher([TopicRule("t", 1, parse(rule))]).match(text)
    return bool(found)


def test_region_subject_event_rule_as_analysts_write_it() -> None:
    assert matches(RULE, "游客投诉嘉峪关景区乱收费")
    assert matches(RULE, "酒泉博物馆被指宰客")
    assert not matches(RULE, "嘉峪关景区招聘讲解员，投诉电话另行公布")  # excluded word
    assert not matches(RULE, "敦煌景区乱收费")  # no region word
    assert not matches(RULE, "嘉峪关游客很多")  # no subject, no event


def test_precedence_not_binds_tighter_than_and_than_or() -> None:
    assert parse("a | b & !c") == Or((Word("a"), And((Word("b"), Not(Word("c"))))))


def test_proximity_counts_characters_between_the_words() -> None:
    rule = "青峰山 ~5 停车费"
    assert matches(rule, "青峰山的停车费")
    assert matches(rule, "停车费太贵，青峰山")  # either order
    assert not matches(rule, "青峰山风景很好，大家都喜欢去，但停车费")
    assert matches("(青峰山|景区) ~3 (门票|停车费)", "景区门票涨价")


@pytest.mark.parametrize(
    ("rule", "position", "fragment"),
    [
        ("(a | b", 1, "括号没有闭合"),
        ("a &", 4, "末尾缺少词"),
        ("a b", 3, "缺少运算符"),
        ("a | b)", 6, "多余的右括号"),
        ("a ~ b", 3, "~ 后应紧跟字数"),
        ('"a', 1, "引号没有闭合"),
        ("!a", 1, "不含任何关键词"),
        ("(a & b) ~5 c", 9, "只能是词"),
    ],
)
def test_syntax_errors_say_where_and_what(rule: str, position: int, fragment: str) -> None:
    with pytest.raises(RuleSyntaxError) as e:
        parse(rule)
    assert e.value.position + 1 == position
    assert fragment in str(e.value)
    assert f"第 {position} 个字符处" in str(e.value)


def test_a_bad_rule_in_config_names_the_file_the_topic_and_the_position(tmp_path) -> None:
    config = copy_config(tmp_path)
    (config / "topics.yaml").write_text(
        "topics:\n  - name: 景区收费\n    rule: '(景区 | 青峰山 & 乱收费'\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError) as e:
        load_config(config)
    message = str(e.value)
    assert "topics.yaml" in message and "topics[0]" in message
    assert "景区收费" in message and "第 1 个字符处" in message and "括号没有闭合" in message


def test_rule_and_keyword_lists_cannot_be_mixed(tmp_path) -> None:
    config = copy_config(tmp_path)
    (config / "topics.yaml").write_text(
        "topics:\n  - name: x\n    rule: a & b\n    keywords: [c]\n", encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="只能二选一"):
        load_config(config)


# ---- properties -------------------------------------------------------------------------

WORDS = ["景区", "乱收费", "招聘", "青峰山", "a&b", "x y", "投诉"]


def _nodes() -> st.SearchStrategy:
    word = st.sampled_from(WORDS).map(Word)
    return st.recursive(
        word,
        lambda inner: st.one_of(
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
            st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
            inner.map(Not),
            st.builds(
                Near,
                st.lists(st.sampled_from(WORDS), min_size=1, max_size=2, unique=True).map(tuple),
                st.lists(st.sampled_from(WORDS), min_size=1, max_size=2, unique=True).map(tuple),
                st.integers(0, 30),
            ),
        ),
        max_leaves=8,
    )


@settings(max_examples=300, deadline=None)
@given(_nodes(), st.lists(st.sampled_from(WORDS + ["其他", "，"]), max_size=12))
def test_unparse_then_parse_means_the_same(node, pieces) -> None:  # noqa: ANN001
    text = "".join(pieces)
    try:
        again = parse(unparse(node))
    except RuleSyntaxError as e:
        assert "不含任何关键词" in str(e)  # only rules true on an empty text are refused
        assert node.eval({})
        return
    m1 = Matcher([TopicRule("t", 1, node)])
    hits, _, _ = m1.scan(text)
    assert again.eval(hits) == node.eval(hits)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab()|&!~ "0123', max_size=20))
def test_the_parser_never_crashes_on_any_input(src: str) -> None:
    try:
        parse(src)
    except RuleSyntaxError as e:
        assert 0 <= e.position <= len(src)


@settings(max_examples=200, deadline=None)
@given(_nodes(), st.lists(st.sampled_from(WORDS + ["其他", "，", "。"]), max_size=15))
def test_one_pass_matcher_agrees_with_one_regex_per_rule(node, pieces) -> None:  # noqa: ANN001
    if node.eval({}):
        return  # such rules are refused at load time
    text = "".join(pieces)
    rule = TopicRule("t", 1, node)
    ours = [h.name for h in Matcher([rule]).match(text)[0]]
    assert ours == RegexBaseline([rule]).match(text)


# ---- the command ------------------------------------------------------------------------


def test_rules_test_shows_matches_and_why(tmp_path) -> None:
    setup = prepare(tmp_path)
    out = setup.ok("rules", "test", "青峰山景区停车场乱收费，游客投诉").stdout
    assert "命中 话题“景区收费”" in out and "乱收费" in out
    assert "未命中 话题“文旅发展”" in out and "排除词 乱收费" in out
    assert "政府形象（乱收费）" in out
    out = setup.ok("rules", "test", "今天天气不错").stdout
    assert "未命中任何话题" in out

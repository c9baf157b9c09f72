"""The workflow from the command line, on events of the bundled sample: every state reached,
refusals in Chinese without a traceback, commitments listed for the assessment."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, text

from monitor.samplesite import serve
from tests.helpers.cli import Setup, prepare


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Setup:  # noqa: ANN001
    tmp = tmp_path_factory.mktemp("wfcli")
    site, _ = serve("127.0.0.1", 0)
    try:
        setup = prepare(tmp, sample_port=site.server_address[1])
        setup.ok("init")
        setup.ok("crawl", "--all")
        for name, role, dept in (
            ("zhang", "duty_officer", None),
            ("li", "handler", "emergency"),
            ("sun", "handler", "public-security"),
            ("wang", "confidentiality", None),
            ("zhao", "leader", None),
            ("qian", "office", None),
        ):
            setup.ok(
                "user",
                "add",
                name,
                "--role",
                role,
                "--no-password",
                *(["--department", dept] if dept else []),
            )
        yield setup
    finally:
        site.shutdown()


def event_holding(setup: Setup, fragment: str) -> int:
    """The event that holds the sample mention titled like `fragment`."""
    engine = create_engine(setup.env["DATABASE_URL"])
    with engine.connect() as c:
        row = c.execute(
            text("select event_id from mentions where title like :t"), {"t": f"%{fragment}%"}
        ).first()
    engine.dispose()
    assert row and row[0], fragment
    return int(row[0])


def case(setup: Setup, event_id: int) -> dict:
    return json.loads(setup.ok("case", "show", str(event_id), "--json").stdout)


def refused(setup: Setup, *args: str) -> str:
    done = setup.run(*args)
    assert done.returncode != 0 and "Traceback" not in done.stderr, done.stderr
    return done.stderr


def review_and_publish(setup: Setup, draft: int, *publish: str) -> str:
    d = str(draft)
    setup.ok(
        "case", "review", d, "--level", "drafter", "--approve", "--note", "主动公开", "--as", "li"
    )
    setup.ok("case", "review", d, "--level", "confidentiality", "--approve", "--as", "wang")
    setup.ok(
        "case", "review", d, "--level", "leader", "--approve", "--publisher", "qian", "--as", "zhao"
    )
    return setup.ok("case", "publish", d, *publish, "--as", "qian").stdout


def test_rainstorm_goes_from_collected_to_closed(sample) -> None:
    e = str(event_holding(sample, "云川遭遇强降雨"))
    assert case(sample, int(e))["state"] == "collected"
    sample.ok("case", "move", e, "consulting", "--reason", "需会商", "--as", "zhang")
    sample.ok("case", "opinion", e, "--department", "emergency", "--text", "已排水", "--as", "li")
    sample.ok("case", "move", e, "judged", "--reason", "会商完毕", "--as", "qian")
    sample.ok(
        "case",
        "judge",
        e,
        "--nature",
        "突发事件",
        "--class",
        "unaware",
        "--proposal",
        "发布权威信息并召开发布会",
        "--as",
        "li",
    )
    err = refused(sample, "case", "move", e, "responding", "--reason", "处置", "--as", "li")
    assert "研判意见尚未经领导审批" in err
    err = refused(sample, "case", "decide", e, "--approve", "--as", "qian")
    assert "无权审批研判意见" in err
    sample.ok("case", "decide", e, "--approve", "--as", "zhao")
    sample.ok("case", "move", e, "responding", "--reason", "开始处置", "--as", "li")
    out = sample.ok(
        "case", "draft", e, "--text", "隧道积水已排除，无人员伤亡。", "--as", "li"
    ).stdout
    draft = int(re.search(r"稿件 #(\d+)", out).group(1))
    err = refused(sample, "case", "publish", str(draft), "--as", "qian")
    assert "未通过三级审查" in err
    obligation = case(sample, int(e))["obligations"][0]["id"]
    out = review_and_publish(sample, draft, "--fulfils", str(obligation))
    assert "info-5h" in out
    out = sample.ok(
        "case", "act", e, "--kind", "presser", "--note", "发布会", "--as", "qian"
    ).stdout
    assert "presser-24h" in out
    sample.ok("case", "move", e, "evaluating", "--reason", "回应完毕", "--as", "li")
    sample.ok("case", "move", e, "closed", "--reason", "办结", "--as", "qian")
    shown = sample.ok("case", "show", e).stdout
    assert "状态：办结（closed）" in shown and "已发布（qian）" in shown
    err = refused(sample, "case", "move", e, "responding", "--reason", "x", "--as", "qian")
    assert "不能再变更状态" in err


def test_rumour_is_transferred_and_its_commitment_kept(sample) -> None:
    e = str(event_holding(sample, "永久闭馆"))
    sample.ok("case", "move", e, "judged", "--reason", "谣言", "--as", "zhang")
    sample.ok(
        "case",
        "judge",
        e,
        "--nature",
        "网络谣言",
        "--class",
        "false_info",
        "--proposal",
        "辟谣并移交公安",
        "--as",
        "qian",
    )
    sample.ok("case", "decide", e, "--approve", "--as", "zhao")
    sample.ok("case", "move", e, "transferred", "--reason", "移交网安", "--as", "qian")
    sample.ok(
        "case", "act", e, "--kind", "transfer", "--note", "移交市公安局网安支队", "--as", "qian"
    )
    sample.ok("case", "move", e, "responding", "--reason", "辟谣", "--as", "qian")
    out = sample.ok("case", "draft", e, "--text", "博物馆不会闭馆。", "--as", "qian").stdout
    draft = re.search(r"稿件 #(\d+)", out).group(1)
    ob = [o for o in case(sample, int(e))["obligations"] if o["fulfilled_at"] is None][0]["id"]
    review_and_publish(sample, int(draft), "--fulfils", str(ob))
    sample.ok(
        "commitments",
        "add",
        draft,
        "--text",
        "三日内公布开放安排",
        "--due",
        "2099-12-31",
        "--as",
        "qian",
    )
    sample.ok("case", "move", e, "evaluating", "--reason", "回应完毕", "--as", "qian")
    err = refused(sample, "case", "move", e, "closed", "--reason", "办结", "--as", "qian")
    assert "三日内公布开放安排" in err
    listed = sample.ok("commitments", "--open").stdout
    assert "待兑现" in listed and "三日内公布开放安排" in listed
    out = sample.ok("case", "draft", e, "--text", "开放安排如下。", "--as", "qian").stdout
    d2 = re.search(r"稿件 #(\d+)", out).group(1)
    review_and_publish(sample, int(d2))
    sample.ok("commitments", "fulfil", "1", "--draft", d2, "--as", "qian")
    sample.ok("case", "move", e, "closed", "--reason", "办结", "--as", "qian")
    assert "已兑现" in sample.ok("commitments").stdout


def test_side_exits_dismissed_and_merged(sample) -> None:
    growth = str(event_holding(sample, "同比增长"))
    fee = str(event_holding(sample, "青峰山景区停车场乱收费"))
    err = refused(sample, "case", "move", growth, "dismissed", "--reason", " ", "--as", "zhang")
    assert "须写明理由" in err
    sample.ok(
        "case", "move", growth, "dismissed", "--reason", "正面信息，无需回应", "--as", "zhang"
    )
    err = refused(sample, "case", "move", fee, "merged", "--reason", "重复", "--as", "zhang")
    assert "into" in err
    sample.ok("case", "move", fee, "merged", "--reason", "重复", "--into", growth, "--as", "zhang")
    assert case(sample, int(fee))["state"] == "merged"
    err = refused(sample, "case", "move", fee, "closed", "--reason", "x", "--as", "nobody")
    assert "用户 'nobody' 不存在" in err


def test_route_and_due_for_checking_by_hand(sample) -> None:
    out = sample.ok("route", "今天天气不错").stdout
    assert "市政府办公室（office）" in out and "未匹配到主管部门" in out
    out = sample.ok("route", "暴雨致隧道内涝，车辆被困", "--grade", "I").stdout
    assert "市应急管理局" in out and "总负责：市长 张明" in out
    lines = sample.ok("due", "info-5h", "--from", "2026-11-21 22:30").stdout.splitlines()
    assert lines == ["2026-11-22T03:30:00+08:00", "使用官方日历"]
    lines = sample.ok("due", "reply-5wd", "--from", "2026-12-30 10:00").stdout.splitlines()
    assert lines == ["2027-01-08T00:00:00+08:00", "使用了备用日历（无官方数据）"]  # Dec 31, Jan 4–7


def test_reassign_from_the_command_line(sample) -> None:
    e = str(event_holding(sample, "路灯长期不亮"))  # (no other test of this module moves it)
    err = refused(sample, "case", "reassign", e, "public-security", "--reason", "x", "--as", "li")
    assert "无权改派事件" in err
    err = refused(sample, "case", "reassign", e, "nope", "--reason", "x", "--as", "qian")
    assert "部门 'nope' 不存在" in err
    out = sample.ok("case", "reassign", e, "emergency", "--reason", "夜间照明安全", "--as", "qian")
    assert "已改派给市应急管理局（emergency）主办" in out.stdout
    assert case(sample, int(e))["department"] == "emergency"

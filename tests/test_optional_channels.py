"""Optional channels: the shipped Slack, DingTalk and WeCom channels are off until their
variables are set, say so at start-up, and once set carry the bundled sample's alerts."""

from __future__ import annotations

import pytest

from monitor.config import load_config
from monitor.config.loader import ConfigError
from monitor.notify.channels import build_channels
from monitor.notify.slack import SlackChannel
from monitor.samplesite import serve
from tests.helpers.cli import prepare
from tests.helpers.configs import copy_config
from tests.helpers.fake_slack import fake_slack


def _names(app) -> list[str]:  # noqa: ANN001
    return [c.name for c in app.settings.channels.channels]


def test_without_variables_the_shipped_config_runs_on_the_console_and_says_why(
    tmp_path,  # noqa: ANN001
) -> None:
    app = load_config(copy_config(tmp_path), environ={})
    assert _names(app) == ["console"]
    channels = app.settings.channels
    assert [r.channel for r in channels.routes] == ["console"]
    assert all(lv.channels == ["console"] for lv in channels.escalation.levels)
    (note,) = app.channels_off
    assert "duty-slack（SLACK_BOT_TOKEN）" in note and "duty-wecom（WECOM_WEBHOOK）" in note
    assert "设置后重启即可启用" in note


def test_check_config_prints_the_channels_left_off(tmp_path) -> None:  # noqa: ANN001
    setup = prepare(tmp_path)
    for var in ("SLACK_BOT_TOKEN", "DINGTALK_WEBHOOK", "WECOM_WEBHOOK"):
        setup.env.pop(var, None)
    setup.env["WECOM_WEBHOOK"] = "http://127.0.0.1:9/cgi-bin/webhook/send?key=k-secret"
    out = setup.ok("check-config").stdout
    assert (
        "未启用的预警渠道：duty-slack（SLACK_BOT_TOKEN）、duty-dingtalk（DINGTALK_WEBHOOK）" in out
    )
    assert "duty-wecom" not in out and "预警渠道 2 个" in out
    assert "k-secret" not in out


def test_a_set_token_switches_slack_on_everywhere_the_config_names_it(
    tmp_path,  # noqa: ANN001
) -> None:
    app = load_config(copy_config(tmp_path), environ={"SLACK_BOT_TOKEN": "xoxb-secret"})
    assert _names(app) == ["console", "duty-slack"]
    assert all(
        lv.channels == ["console", "duty-slack"] for lv in app.settings.channels.escalation.levels
    )
    assert isinstance(build_channels(app)["duty-slack"], SlackChannel)
    assert "xoxb-secret" not in repr(app) and "duty-slack" not in " ".join(app.channels_off)


def test_a_level_left_with_no_channel_is_a_config_error(tmp_path) -> None:  # noqa: ANN001
    config = copy_config(tmp_path)
    path = config / "channels.yaml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace(
            "channels: [console, duty-slack, duty-dingtalk, duty-wecom], after: 30m",
            "channels: [duty-slack], after: 30m",
        ),
        "utf-8",
    )
    with pytest.raises(ConfigError) as e:
        load_config(config, environ={})
    assert "escalation.levels[1]（分管领导）的渠道均未启用" in str(e.value)
    assert str(path) in str(e.value)


def test_a_channel_that_is_not_optional_still_stops_start_up(tmp_path) -> None:  # noqa: ANN001
    config = copy_config(tmp_path)
    path = config / "channels.yaml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace("    optional: true\n    token_env:", "    token_env:", 1), "utf-8"
    )
    with pytest.raises(ConfigError) as e:
        load_config(config, environ={})
    assert "channels[1].token_env 指定的环境变量 SLACK_BOT_TOKEN 未设置或为空" in str(e.value)


def test_with_a_slack_token_the_bundled_sample_alerts_in_slack(
    database_url,
    tmp_path,  # noqa: ANN001
) -> None:
    site, _ = serve("127.0.0.1", 0)
    try:
        with fake_slack() as slack:
            setup = prepare(tmp_path, database_url, sample_port=site.server_address[1])
            path = setup.config / "channels.yaml"
            text = path.read_text("utf-8").replace(
                '    channel: "#yuqing-duty"',
                f'    channel: "#yuqing-duty"\n    base_url: {slack.base_url}',
            )
            path.write_text(text, "utf-8")
            setup.env["SLACK_BOT_TOKEN"] = slack.token
            setup.ok("init")
            setup.ok("crawl", "--all")
            setup.ok("alerts", "send")
            texts = [m.get("text", "") + str(m.get("blocks", "")) for m in slack.messages]
            assert slack.messages and {m["channel"] for m in slack.messages} == {"#yuqing-duty"}
            rain = [t for t in texts if "暴雨" in t]
            assert rain, [t[:80] for t in texts]
            assert any("重大" in t for t in rain)
            # the major event escalates at once to its first level, in Slack too
            assert any("第 1/3 级（责任处室）" in t for t in texts)
            # one alert per key: nothing repeated
            keys = slack.alert_keys()
            assert len(keys) == len(set(keys))
    finally:
        site.shutdown()

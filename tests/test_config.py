"""Config errors reach the user as one paragraph naming the file, the key and what was expected."""

from __future__ import annotations

import subprocess
import sys

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError
from tests.helpers.configs import CONFIG, REPO, config_case


def test_bundled_config_is_valid() -> None:
    app = load_config(CONFIG, environ={})
    assert [s.name for s in app.settings.sources.sources] == [
        "gov-board",
        "weibo-search",
        "yunchuan-news",
        "province-daily-rss",
        "yunchuan-gov-atom",
        "weibo-accounts",
    ]
    assert app.database_url.startswith("sqlite:///")


def test_database_url_comes_from_the_environment() -> None:
    app = load_config(CONFIG, environ={"DATABASE_URL": "postgresql+psycopg://u@h/db"})
    assert app.database_url == "postgresql+psycopg://u@h/db"


@pytest.mark.parametrize(
    ("case", "fragments"),
    [
        ("unknown_key", ["sources.yaml", "sources[0].intervall", "不认识的键"]),
        ("wrong_type", ["service.yaml", "web.port", "应为整数", "'eighty'"]),
        ("bad_duration", ["sources.yaml", "sources[0].interval", "应为时长", "'fast'"]),
        ("bad_yaml", ["topics.yaml", "第 4 行", "不是有效的 YAML"]),
        ("undefined_topic", ["departments.yaml", "culture-tourism", "不存在的话题"]),
        ("bad_unquoted_date", ["deadlines.yaml", "calendar.extra_holidays", "2027-13-01"]),
        (
            "missing_secret",
            ["channels.yaml", "channels[1].token_env", "YUQING_TEST_SLACK_TOKEN_UNSET"],
        ),
    ],
)
def test_invalid_config_names_file_key_and_expectation(tmp_path, case, fragments) -> None:
    config = config_case(tmp_path, case)
    with pytest.raises(ConfigError) as err:
        load_config(config, environ={})
    message = str(err.value)
    for fragment in fragments:
        assert fragment in message, message
    assert "\n" not in message  # one paragraph


def test_secret_is_read_from_the_environment_and_never_printed(tmp_path) -> None:
    config = config_case(tmp_path, "missing_secret")
    app = load_config(config, environ={"YUQING_TEST_SLACK_TOKEN_UNSET": "xoxb-very-secret"})
    secret = app.secret("YUQING_TEST_SLACK_TOKEN_UNSET")
    assert secret.get() == "xoxb-very-secret"
    assert "xoxb" not in repr(secret) and "xoxb" not in f"{secret}" and "xoxb" not in repr(app)


def test_missing_config_dir_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="配置目录"):
        load_config(tmp_path / "nowhere")


def test_required_file_missing(tmp_path) -> None:
    config = config_case(tmp_path, "wrong_type")
    (config / "channels.yaml").unlink()
    with pytest.raises(ConfigError, match="channels.yaml 不存在"):
        load_config(config)


def test_non_utf8_file(tmp_path) -> None:
    config = config_case(tmp_path, "wrong_type")
    (config / "topics.yaml").write_bytes("topics: []  # 话题".encode("gbk"))
    with pytest.raises(ConfigError, match="UTF-8"):
        load_config(config)


def test_check_config_command_prints_one_paragraph_without_traceback(tmp_path) -> None:
    config = config_case(tmp_path, "unknown_key")
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(config), "check-config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "sources[0].intervall" in done.stderr
    assert done.stderr.strip().count("\n") == 0


def test_check_config_command_accepts_the_bundled_config() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(CONFIG), "check-config"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "配置有效" in done.stdout

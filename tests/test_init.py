"""`yuqing init --config DIR`: a starter config in a new or empty folder, never over one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from monitor.config.loader import load_config
from tests.helpers.configs import CONFIG


def _yuqing(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The command in `cwd`, with no database or config chosen by this shell."""
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "YUQING_CONFIG")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=base | env,
        timeout=300,
        check=False,
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_init_writes_a_starter_config_that_check_config_accepts(tmp_path: Path) -> None:
    done = _yuqing(tmp_path, "init", "--config", "yuqing-config")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "已写入初始配置：yuqing-config" in done.stdout
    assert _files(tmp_path / "yuqing-config") == _files(CONFIG)
    assert not (tmp_path / "yuqing-config" / "examples").exists()  # other agencies' starters
    # the database goes beside the config folder, not into the package or the checkout
    assert (tmp_path / "var" / "yuqing.db").is_file()
    checked = _yuqing(tmp_path, "--config", "yuqing-config", "check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"配置有效：{tmp_path / 'yuqing-config'}" in checked.stdout


def test_the_starter_configs_sources_are_the_bundled_sample_site(tmp_path: Path) -> None:
    assert _yuqing(tmp_path, "init", "--config", "cfg").returncode == 0
    settings = load_config(tmp_path / "cfg", environ={}).settings
    site = settings.service.sample_site
    assert site.enabled
    for source in settings.sources.sources:
        assert source.url.startswith(f"http://{site.host}:{site.port}/"), source.name


def test_the_group_option_and_an_empty_folder_get_the_starter_too(tmp_path: Path) -> None:
    (tmp_path / "cfg").mkdir()
    done = _yuqing(tmp_path, "--config", "cfg", "init")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _files(tmp_path / "cfg") == _files(CONFIG)


def test_an_existing_config_is_kept_as_it_is_and_used(tmp_path: Path) -> None:
    assert _yuqing(tmp_path, "init", "--config", "cfg").returncode == 0
    service = tmp_path / "cfg" / "service.yaml"
    service.write_text(
        service.read_text(encoding="utf-8").replace("var/yuqing.db", "var/ours.db"),
        encoding="utf-8",
    )
    (tmp_path / "cfg" / "scoring.yaml").unlink()  # optional: a deliberate choice, not a gap
    before = _files(tmp_path / "cfg")

    done = _yuqing(tmp_path, "init", "--config", "cfg")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "使用已有的配置目录 cfg（其中的文件未作改动）" in done.stdout
    assert "已写入" not in done.stdout
    assert _files(tmp_path / "cfg") == before
    assert (tmp_path / "var" / "ours.db").is_file()


def test_a_folder_with_other_things_in_it_is_refused(tmp_path: Path) -> None:
    notes = tmp_path / "docs"
    notes.mkdir()
    (notes / "notes.txt").write_text("mine", encoding="utf-8")

    done = _yuqing(tmp_path, "init", "--config", "docs")

    assert done.returncode == 2
    assert "不为空，但其中没有配置文件" in done.stderr
    assert "Traceback" not in done.stderr
    assert _files(notes) == {"notes.txt": b"mine"}
    assert not (tmp_path / "var").exists()


def test_two_different_config_folders_typed_out_are_refused(tmp_path: Path) -> None:
    done = _yuqing(tmp_path, "--config", "a", "init", "--config", "b")
    assert done.returncode == 2
    assert "--config 给了两个不同的目录" in done.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_the_commands_own_option_wins_over_the_environment(tmp_path: Path) -> None:
    done = _yuqing(tmp_path, "init", "--config", "b", YUQING_CONFIG=str(tmp_path / "a"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "b" / "service.yaml").is_file()
    assert not (tmp_path / "a").exists()


def test_the_environment_variable_names_a_new_folder_as_well(tmp_path: Path) -> None:
    done = _yuqing(tmp_path, "init", YUQING_CONFIG=str(tmp_path / "env-cfg"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert _files(tmp_path / "env-cfg") == _files(CONFIG)


def test_check_config_shows_where_the_files_of_a_config_folder_go(tmp_path: Path) -> None:
    # relative paths are taken from the folder above the config folder: /etc/yuqing would
    # put the database in /etc/var, and check-config says so before anything is written
    etc = tmp_path / "etc"
    assert _yuqing(tmp_path, "init", "--config", str(etc / "yuqing")).returncode == 0

    done = _yuqing(tmp_path, "check-config", "--config", str(etc / "yuqing"))

    assert done.returncode == 0, done.stdout + done.stderr
    assert f"文件位置（配置中的相对路径从 {etc} 算起）：" in done.stdout
    assert f"  数据库：{etc / 'var' / 'yuqing.db'}\n" in done.stdout
    assert (etc / "var" / "yuqing.db").is_file()  # where init put it
    assert f"  报告目录：{etc / 'var' / 'reports'}\n" in done.stdout
    assert f"  情感模型：{etc / 'var' / 'models' / 'sentiment-linear.json.gz'}\n" in done.stdout


def test_check_config_shows_absolute_paths_and_a_database_url_as_they_are(
    tmp_path: Path,
) -> None:
    assert _yuqing(tmp_path, "init", "--config", "cfg").returncode == 0
    service = tmp_path / "cfg" / "service.yaml"
    service.write_text(
        service.read_text(encoding="utf-8").replace(
            "output_dir: var/reports", f"output_dir: {tmp_path / 'out'}"
        ),
        encoding="utf-8",
    )
    url = "postgresql://yuqing:s3cret@db.example/yuqing"

    done = _yuqing(tmp_path, "--config", "cfg", "check-config", DATABASE_URL=url)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "  数据库：postgresql://yuqing:***@db.example/yuqing（来自环境变量 DATABASE_URL）\n" in (
        done.stdout
    )
    assert "s3cret" not in done.stdout
    assert f"  报告目录：{tmp_path / 'out'}\n" in done.stdout

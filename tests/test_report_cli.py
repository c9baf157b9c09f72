"""The report commands as a user runs them: each prints the paths it wrote; mistakes get
one Chinese sentence and no traceback; a missing PDF converter says what to install."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.storage.db import Database
from tests.helpers.cli import Setup, prepare
from tests.helpers.report_cases import seed_cases


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Setup, object]:
    """One initialised installation for the module: every command here only reads cases."""
    s = prepare(tmp_path_factory.mktemp("cli"))
    s.ok("init")
    db = Database(s.env["DATABASE_URL"])
    cases = seed_cases(db)
    db.dispose()
    return s, cases


def paths(done) -> list[Path]:  # noqa: ANN001
    return [Path(line) for line in done.stdout.splitlines() if line.startswith("/")]


def test_each_command_prints_the_files_it_wrote(setup) -> None:  # noqa: ANN001
    s, cases = setup
    out = s.config.parent / "var" / "reports"
    done = s.ok("digest", "--date", "2026-11-21", "-f", "html", "-f", "md")
    assert paths(done) == [out / "舆情日报-2026-11-21.html", out / "舆情日报-2026-11-21.md"]
    assert "临江隧道积水多车被困" in paths(done)[1].read_text(encoding="utf-8")
    done = s.ok("report", str(cases.e2), "--format", "docx")
    [word] = paths(done)
    assert word.name.startswith(f"舆情专报-事件{cases.e2}-") and word.read_bytes()[:2] == b"PK"
    done = s.ok("assess", "--period", "2026-11", "-f", "md")
    assert "按时率 50.0%" in paths(done)[0].read_text(encoding="utf-8")
    done = s.ok("assess", "--period", "2026-11", "--department", "emergency", "-f", "md")
    assert paths(done)[0].name == "舆情回应考核-2026-11-emergency.md"
    done = s.ok("messages", "--period", "2026-11", "-f", "html")
    assert paths(done)[0].name == "留言公开清单-2026-11.html"
    done = s.ok("digest", "--date", "2026-11-21", "--deliver", "-f", "md")
    assert "已排队投递" in done.stdout
    assert "待发送" in s.ok("alerts", "list").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["assess", "--period", "2026-13"], "月份应为 1–12"),
        (["messages", "--period", "上个月"], "无法识别期间 '上个月'"),
        (["report", "999"], "事件 999 不存在"),
        (["assess", "--department", "nope"], "部门 'nope' 不存在"),
        (["digest", "--date", "11/21"], "应为 YYYY-MM-DD"),
        (["digest", "--since", "2026-11-20", "--date", "2026-11-21"], "--since 不能与"),
    ],
)
def test_mistakes_are_told_in_one_sentence(setup, args: list[str], message: str) -> None:  # noqa: ANN001
    s, _ = setup
    done = s.run(*args)
    assert done.returncode != 0 and message in done.stderr + done.stdout
    assert "Traceback" not in done.stderr


def test_without_a_pdf_converter_the_rest_is_written_and_the_fix_named(
    setup, tmp_path: Path
) -> None:  # noqa: ANN001
    s, _ = setup
    bare = tmp_path / "bin"
    bare.mkdir()
    env = s.env | {"PATH": str(bare)}
    env.pop("YUQING_CHROMIUM", None)
    import subprocess

    from tests.helpers.configs import REPO

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            s.argv(*args), capture_output=True, text=True, env=env, cwd=REPO, check=False
        )

    done = run("digest", "--date", "2026-11-21", "-f", "html", "-f", "pdf")
    assert done.returncode == 0 and [p.suffix for p in paths(done)] == [".html"]
    assert "chromium" in done.stderr and "libreoffice" in done.stderr.lower()
    only_pdf = run("digest", "--date", "2026-11-21", "-f", "pdf")
    assert only_pdf.returncode != 0 and "没有生成任何文件" in only_pdf.stderr
    assert "Traceback" not in only_pdf.stderr


@pytest.mark.parametrize("command", ["digest", "report", "assess", "messages"])
def test_help(setup, command: str) -> None:  # noqa: ANN001
    s, _ = setup
    assert "--format" in s.ok(command, "--help").stdout

"""The PDF version: printed by Chromium when it is installed, and a clear message naming what
to install (or why the converter failed) when it cannot be made."""

from __future__ import annotations

import os
import shutil

import pytest

from monitor.reports.pdf import PdfUnavailable, available, to_pdf

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<style>@page { size: A4; margin: 37mm 26mm 35mm 28mm; }</style></head>
<body><h1>舆情日报</h1><p>一、总体情况</p></body></html>"""


def chromium_or_skip() -> None:
    """Same convention as the console's browser tests (tests/helpers/browser.py): missing
    Chromium is a failure when YUQING_REQUIRE_BROWSER=1 (CI), a skip saying why otherwise."""
    if (available() or "").startswith("Chromium"):
        return
    problem = "Chromium not found on PATH or at YUQING_CHROMIUM: `apt-get install -y chromium`"
    if os.environ.get("YUQING_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests required (YUQING_REQUIRE_BROWSER=1): {problem}", pytrace=False)
    pytest.skip(f"PDF test skipped: {problem}")


def test_chromium_prints_the_html_to_pdf() -> None:
    chromium_or_skip()
    data = to_pdf(PAGE, None, timeout=120)
    assert data.startswith(b"%PDF")
    assert b"/MediaBox" in data


def test_without_a_converter_the_message_says_what_to_install(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("YUQING_CHROMIUM", raising=False)
    assert available() is None
    with pytest.raises(PdfUnavailable) as e:
        to_pdf(PAGE, b"PK not really a docx")
    message = str(e.value)
    assert "apt-get install chromium" in message
    assert "libreoffice-writer" in message
    assert "HTML 与 Word 版本已照常生成" in message


def test_a_failing_converter_raises_with_its_reason(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'cannot open display :0' >&2\necho second line >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("YUQING_CHROMIUM", str(fake))
    assert available() == f"Chromium（{fake}）"
    with pytest.raises(PdfUnavailable) as e:
        to_pdf(PAGE, None)
    assert "Chromium 转换失败（cannot open display :0）" in str(e.value)
    assert "second line" not in str(e.value)


def test_a_hanging_converter_is_stopped_at_the_timeout(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    fake = tmp_path / "chromium"
    fake.write_text(f"#!/bin/sh\n{shutil.which('sleep') or '/bin/sleep'} 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("YUQING_CHROMIUM", str(fake))
    with pytest.raises(PdfUnavailable, match="超过 0.5 秒未完成"):
        to_pdf(PAGE, None, timeout=0.5)


def test_a_converter_that_writes_no_pdf_is_a_failure(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("YUQING_CHROMIUM", str(fake))
    with pytest.raises(PdfUnavailable, match="未写出 PDF 文件"):
        to_pdf(PAGE, None)


def test_without_chromium_libreoffice_converts_the_word_version(monkeypatch, tmp_path) -> None:  # noqa: ANN001
    fake = tmp_path / "soffice"  # writes report.pdf into --outdir, as soffice does
    fake.write_text(
        '#!/bin/sh\nwhile [ "$1" != "--outdir" ]; do shift; done\n'
        "printf '%%PDF-1.4 from the docx' > \"$2/report.pdf\"\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("YUQING_CHROMIUM", raising=False)
    assert available() == f"LibreOffice（{fake}）"
    assert to_pdf(PAGE, b"PK docx bytes") == b"%PDF-1.4 from the docx"
    with pytest.raises(PdfUnavailable, match="LibreOffice 只能转换 Word 版本"):
        to_pdf(PAGE, None)

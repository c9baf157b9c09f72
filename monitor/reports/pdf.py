"""A report as PDF: Chromium prints the HTML, else LibreOffice converts the Word file."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from monitor.errors import YuqingError

CHROMIUMS = ("chromium", "chromium-browser", "google-chrome")
OFFICES = ("soffice", "libreoffice")
INSTALL = "apt-get install chromium（或 apt-get install libreoffice-writer）"
STILL_WRITTEN = "HTML 与 Word 版本已照常生成"


class PdfUnavailable(YuqingError):
    """No converter is installed, or the one there failed; the message says which and why."""


def _chromium() -> str | None:
    wanted = os.environ.get("YUQING_CHROMIUM")
    if wanted:
        return wanted if os.access(wanted, os.X_OK) else None
    return next((p for p in map(shutil.which, CHROMIUMS) if p), None)


def _office() -> str | None:
    return next((p for p in map(shutil.which, OFFICES) if p), None)


def available() -> str | None:
    """The converter `to_pdf` would use, e.g. "Chromium（/usr/bin/chromium）", or None."""
    if path := _chromium():
        return f"Chromium（{path}）"
    if path := _office():
        return f"LibreOffice（{path}）"
    return None


def to_pdf(html: str, docx: bytes | None, timeout: float = 60) -> bytes:
    """The report as PDF bytes; PdfUnavailable (with the reason) when it cannot be made."""
    chromium, office = _chromium(), _office()
    if chromium is None and office is not None and docx is None:
        raise PdfUnavailable(
            "无法生成 PDF：未找到 Chromium，而 LibreOffice 只能转换 Word 版本（请同时生成 docx）"
            f"或安装 Chromium（apt-get install chromium）；{STILL_WRITTEN}。"
        )
    if chromium is None and office is None:
        wanted = os.environ.get("YUQING_CHROMIUM")
        where = f"YUQING_CHROMIUM={wanted} 不可执行；" if wanted else ""
        raise PdfUnavailable(
            f"无法生成 PDF：{where}未找到 Chromium 或 LibreOffice。"
            f"请安装其一（Debian：{INSTALL}）。{STILL_WRITTEN}。"
        )
    with tempfile.TemporaryDirectory(prefix="yuqing-pdf-") as tmp:
        work = Path(tmp)
        if chromium is not None:
            page = work / "report.html"
            page.write_text(html, encoding="utf-8")
            out = work / "report.pdf"
            cmd = [
                chromium,
                "--headless",
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-extensions",
                "--no-pdf-header-footer",
                f"--user-data-dir={work / 'profile'}",
                f"--print-to-pdf={out}",
            ]
            if os.geteuid() == 0:  # Chromium refuses to run as root inside its sandbox
                cmd.append("--no-sandbox")
            _run("Chromium", [*cmd, page.as_uri()], work, timeout)
        else:
            assert office is not None and docx is not None  # checked above
            source = work / "report.docx"
            source.write_bytes(docx)
            out = work / "report.pdf"
            cmd = [
                office,
                "--headless",
                "--norestore",
                f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
                "--convert-to",
                "pdf",
                "--outdir",
                str(work),
                str(source),
            ]
            _run("LibreOffice", cmd, work, timeout)
        name = "Chromium" if chromium is not None else "LibreOffice"
        data = out.read_bytes() if out.exists() else b""
        if not data.startswith(b"%PDF"):
            raise PdfUnavailable(f"无法生成 PDF：{name} 未写出 PDF 文件；{STILL_WRITTEN}。")
        return data


def _run(name: str, cmd: list[str], cwd: Path, timeout: float) -> None:
    """Run a converter in its own process group, so a timeout kills its helpers too; stderr
    goes to a file, as helpers that outlive the parent would keep a pipe open."""
    log = cwd / "stderr.txt"
    with log.open("wb") as err:
        try:
            proc = subprocess.Popen(
                cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=err, start_new_session=True,
            )  # fmt: skip
        except OSError as e:
            raise PdfUnavailable(
                f"无法生成 PDF：{name} 无法启动（{e.strerror or e}）；{STILL_WRITTEN}。"
            ) from None
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if code is None:
        raise PdfUnavailable(f"无法生成 PDF：{name} 超过 {timeout:g} 秒未完成；{STILL_WRITTEN}。")
    if code != 0:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        reason = next((x.strip() for x in lines if x.strip()), f"退出码 {code}")[:200]
        raise PdfUnavailable(f"无法生成 PDF：{name} 转换失败（{reason}）；{STILL_WRITTEN}。")

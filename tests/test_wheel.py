"""The wheel carries templates, the default config and the sample site, and runs from them.

Built once per module, offline (`--no-build-isolation`, this venv's setuptools), from a copy
of the tree so that no build/ or egg-info lands in the checkout. The installed wheel in a
fresh virtualenv, with one crawl, is scripts/check-wheel's job (it needs the package index).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.resources import FOLDERS
from tests.helpers.configs import REPO

_NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "var", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(REPO, tmp / "src", ignore=_NOT_SOURCE)
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["--wheel-dir", str(tmp / "dist"), str(tmp / "src")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, (
        "building the wheel failed (this venv needs setuptools>=70.1: `make setup`)\n"
        + done.stdout[-3000:]
        + done.stderr[-3000:]
    )
    (built,) = (tmp / "dist").glob("yuqing-*.whl")
    yield built


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel unpacked as pip lays it out in site-packages (its dependencies: this venv's)."""
    target = tmp_path_factory.mktemp("site-packages")
    with zipfile.ZipFile(wheel) as z:
        z.extractall(target)
    return target


def test_the_wheel_holds_every_bundled_folder_whole(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for relative in FOLDERS.values():
        files = [
            p.relative_to(REPO).as_posix()
            for p in sorted((REPO / relative).rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        ]
        assert files, relative
        missing = [f for f in files if f"monitor/_bundled/{f}" not in names]
        assert not missing, f"not in the wheel: {missing}"


def test_the_wheel_holds_the_packages_data_and_nothing_of_the_checkout(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "monitor/storage/migrations/env.py" in names
    assert any(n.startswith("monitor/scoring/data/") for n in names)
    tops = {n.split("/")[0] for n in names}
    assert tops == {"monitor", "spiders", "workflow", "yuqing-0.1.0.dist-info"}
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def _from_site(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m monitor ARGS` importing monitor from `site`, not from the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "YUQING_CONFIG")}
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env | {"PYTHONPATH": str(site)},
        timeout=300,
        check=False,
    )


def test_the_installed_package_reads_its_own_copies(site: Path, tmp_path: Path) -> None:
    done = _from_site(
        site,
        tmp_path,
        "-c",
        "import monitor.templating as t, monitor.samplesite as s, monitor.service.context as c; "
        "print(t.__file__, t.TEMPLATES, s.ROOT, c.DEFAULT_CONFIG, sep='\\n')",
    )
    assert done.returncode == 0, done.stderr
    module, templates, sample_site, config = (Path(p) for p in done.stdout.split("\n")[:4])
    assert module.is_relative_to(site)
    bundled = site / "monitor" / "_bundled"
    assert templates == bundled / "templates"
    assert sample_site == bundled / "samples" / "site"
    assert config == bundled / "config"


def test_the_installed_package_checks_and_copies_its_default_config(
    site: Path, tmp_path: Path
) -> None:
    checked = _from_site(site, tmp_path, "-m", "monitor", "check-config")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "这是安装包自带的默认配置" in checked.stdout

    done = _from_site(site, tmp_path, "-m", "monitor", "init", "--config", "cfg")

    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in (tmp_path / "cfg").iterdir()) == sorted(
        p.name
        for p in (REPO / "config").iterdir()
        if p.is_file()  # not examples/
    )
    assert (tmp_path / "var" / "yuqing.db").is_file()
    assert not (site / "monitor" / "_bundled" / "var").exists()

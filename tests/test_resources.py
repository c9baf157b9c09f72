"""Bundled folders are found in an installed package first, in the checkout otherwise."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from monitor import resources
from monitor.config.loader import load_config
from monitor.errors import YuqingError
from monitor.resources import FOLDERS, folder, is_installed_copy
from tests.helpers.configs import CONFIG, REPO


def _installed(site: Path) -> Path:
    """site-packages with monitor/ and its _bundled/ copies, as the wheel installs them."""
    package = site / "monitor"
    for relative in FOLDERS.values():
        (package / "_bundled" / relative).mkdir(parents=True)
    return package


def test_this_checkout_reads_its_own_folders() -> None:
    assert folder("templates") == REPO / "templates"
    assert folder("config") == REPO / "config"
    assert folder("sample_site") == REPO / "samples" / "site"
    assert not is_installed_copy(REPO / "config")


def test_a_checkout_layout_gives_the_top_level_folders(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    (tmp_path / "monitor").mkdir()
    for relative in FOLDERS.values():
        (tmp_path / relative).mkdir(parents=True)
    for name, relative in FOLDERS.items():
        assert folder(name, tmp_path / "monitor") == tmp_path / relative


def test_an_installed_layout_gives_the_bundled_copies(tmp_path: Path) -> None:
    package = _installed(tmp_path)
    # another distribution's top-level folders beside monitor/ must not be taken
    (tmp_path / "templates").mkdir()
    (tmp_path / "config").mkdir()
    for name, relative in FOLDERS.items():
        found = folder(name, package)
        assert found == package / "_bundled" / relative
        assert is_installed_copy(found, package)


def test_an_installed_package_without_its_copies_says_the_install_is_incomplete(
    tmp_path: Path,
) -> None:
    (tmp_path / "monitor").mkdir()
    (tmp_path / "config").mkdir()  # site-packages/config of some other distribution
    with pytest.raises(YuqingError, match="安装不完整"):
        folder("config", tmp_path / "monitor")


def test_the_installed_default_config_keeps_its_database_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = _installed(tmp_path / "site-packages")
    bundled = package / "_bundled" / "config"
    shutil.rmtree(bundled)
    shutil.copytree(CONFIG, bundled)
    monkeypatch.setattr(resources, "PACKAGE", package)
    work = tmp_path / "srv"
    work.mkdir()
    monkeypatch.chdir(work)

    app = load_config(bundled, environ={})

    assert app.root == work
    assert app.database_url == f"sqlite:///{work}/var/yuqing.db"
    assert app.path(app.settings.service.digest.output_dir) == work / "var" / "reports"


def test_a_config_folders_relative_paths_are_taken_from_the_folder_above_it(tmp_path: Path) -> None:
    shutil.copytree(CONFIG, tmp_path / "etc" / "yuqing")
    app = load_config(tmp_path / "etc" / "yuqing", environ={})
    assert app.database_url == f"sqlite:///{tmp_path}/etc/var/yuqing.db"

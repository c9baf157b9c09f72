"""Find the bundled folders (templates, default config, sample site): installed or checkout.

In the repository they are top-level folders beside `monitor/`. A wheel carries copies of
them under `monitor/_bundled/` (setup.py puts them there), because site-packages has no
room for top-level folders of a project. An editable install has no copies and reads the
checkout's own folders, so edits show at once.
"""

from __future__ import annotations

from pathlib import Path

from monitor.errors import YuqingError

PACKAGE = Path(__file__).resolve().parent
# name -> the folder's path in the repository; the wheel keeps the same path under _bundled/.
# setup.py's BUNDLED lists the same paths (tests/test_wheel.py checks the wheel has each).
FOLDERS = {
    "templates": "templates",
    "config": "config",
    "sample_site": "samples/site",
}
BUNDLED = "_bundled"


def folder(name: str, package: Path | None = None) -> Path:
    """The folder `name` of FOLDERS: the installed copy if there is one, else the checkout's.

    `package` is the `monitor/` folder to look from (this one unless a test lays out another).
    """
    package = package or PACKAGE
    relative = FOLDERS[name]
    installed = package / BUNDLED / relative
    if installed.is_dir():
        return installed
    checkout = package.parent
    # pyproject.toml tells a checkout from site-packages, where an unrelated `config/`
    # or `templates/` of another distribution may sit beside `monitor/`.
    if (checkout / "pyproject.toml").is_file() and (checkout / relative).is_dir():
        return checkout / relative
    raise YuqingError(
        f"找不到 yuqing 自带的 {relative} 目录（既不在 {installed}，也不在仓库中）："
        "安装不完整，请重新安装 yuqing 的 wheel。"
    )


def is_installed_copy(path: Path, package: Path | None = None) -> bool:
    """Whether `path` is inside the installed package's bundled copies (package data)."""
    bundled = (package or PACKAGE) / BUNDLED
    return Path(path).resolve().is_relative_to(bundled.resolve())

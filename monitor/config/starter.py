"""`yuqing init --config DIR`: a new config folder, a copy of the bundled default config."""

from __future__ import annotations

import shutil
from pathlib import Path

from monitor.config.loader import FILES
from monitor.errors import ConfigError
from monitor.resources import folder


def write_starter(dest: Path, source: Path | None = None) -> bool:
    """Copy the default config into `dest` if it is missing or empty; True if written.

    A config folder is left exactly as it is (False): it is someone's config, and `init`
    is run again after every upgrade. A non-empty folder holding no config file at all is
    refused: most likely a mistyped path, and never a place to write into.
    """
    dest = Path(dest)
    if dest.exists() and not dest.is_dir():
        raise ConfigError(f"配置目录 {dest} 已存在，但它是文件而不是目录。")
    if dest.is_dir() and any(dest.iterdir()):
        if any((dest / f"{name}.yaml").is_file() for name in FILES):
            return False
        raise ConfigError(
            f"目录 {dest} 不为空，但其中没有配置文件（service.yaml 等）：yuqing 不会往非空目录"
            "里写入初始配置。请用 --config 指定一个新的或空的目录，或已有的配置目录。"
        )
    source = source or folder("config")
    dest.mkdir(parents=True, exist_ok=True)
    # The folder's own files only: config/examples/ holds other agencies' starters
    # (`yuqing --config …/examples/city check-config`), not parts of this one.
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            # copyfile, not copy2: the user's copy gets its own (writable) mode, not the
            # installed package's, which may be read-only
            shutil.copyfile(path, dest / path.name)
    return True

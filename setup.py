"""Build step: the top-level templates/, config/ and samples/site/ go into the wheel.

They live beside the packages in the repository (the product's layout), where package-data
cannot reach, so build_py copies them to monitor/_bundled/ in the build tree;
monitor/resources.py finds them there once installed. An editable install skips the copy
and reads the checkout's folders. Everything else about the build is in pyproject.toml.
"""

from __future__ import annotations

import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

# The paths of monitor/resources.py FOLDERS (tests/test_wheel.py checks the wheel has each).
BUNDLED = ("templates", "config", "samples/site")
TARGET = os.path.join("monitor", "_bundled")
SKIP = ("__pycache__",)


class BuildPyWithBundled(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = os.path.join(self.build_lib, TARGET)
        if os.path.isdir(target) and not self.dry_run:
            shutil.rmtree(target)  # a file deleted from the repository leaves the wheel too
        for folder in BUNDLED:
            if not os.path.isdir(folder):
                # an sdist made without MANIFEST.in's grafts: never build an incomplete wheel
                raise SystemExit(f"setup.py: {folder}/ is missing; the wheel would lack it")
            for top, dirs, files in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if d not in SKIP and not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name.endswith(".pyc"):
                        continue
                    src = os.path.join(top, name)
                    dest = os.path.join(target, src)
                    self.mkpath(os.path.dirname(dest))
                    self.copy_file(src, dest, preserve_mode=False)


setup(cmdclass={"build_py": BuildPyWithBundled})

"""The `yuqing` command line: the group in app.py, one module per area of commands."""

from monitor.cli import commands  # noqa: F401, I001  (registers every command on `cli`)
from monitor.cli.app import cli, main

__all__ = ["cli", "main"]

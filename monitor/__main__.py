"""`python -m monitor` is the `yuqing` command."""

from monitor.cli import main

main()

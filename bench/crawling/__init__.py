"""The parts of bench/crawl.py: the loopback site, the runs, the Weibo pair, the table."""

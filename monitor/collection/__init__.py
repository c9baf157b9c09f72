"""Collection: what the crawls bring in and how the sources are doing.

Source health (health.py) lives here; the crawl itself (monitor/crawl.py, crawlstate.py,
extract.py, evidence.py, ingest.py, intake.py, samplesite.py) moves in as each is next
touched.
"""

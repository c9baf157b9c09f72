"""Collection: what the crawls bring in and how the sources are doing.

Source health (health.py), running crawls (crawl.py) and what a crawl remembers between
runs (crawlstate.py) live here; the rest of the crawl (monitor/extract.py, evidence.py,
ingest.py, intake.py, samplesite.py) moves in as each is next touched.
"""

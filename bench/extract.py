"""Page extraction on real Chinese pages: body character F1 and publish-date accuracy.

- body: `extract_article`'s text (what the news spider and `yuqing extract` keep) against the
  hand-annotated body, as character F1 (multiset of characters, whitespace ignored);
- date: the publish time it finds (`parse_published`), right when its calendar day is the
  annotated one; pages without an annotated time are not counted;
- next to trafilatura's body F1 and date accuracy (its `extract` and `extract_metadata` on
  the same decoded page) when trafilatura is installed (the dev extra installs it).

Input: ../shared/data/news_html/ (portal news, government and party-paper pages, blogs,
forums, many GB2312/GBK) with its ground_truth.json; measuring only, nothing copied. When the
folder is absent the bench says so and stops. Bounded: a few seconds.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapy.http import HtmlResponse  # noqa: E402

from monitor.clock import BEIJING  # noqa: E402
from monitor.pipeline.datetimes import parse_published  # noqa: E402
from spiders.kinds.news import extract_article  # noqa: E402
from spiders.middlewares import CharsetFixMiddleware  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "news_html"
NOW = datetime(2026, 1, 1, tzinfo=BEIJING)
_DAY = re.compile(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})")


def char_f1(got: str, want: str) -> float:
    a = Counter(ch for ch in got if not ch.isspace())
    b = Counter(ch for ch in want if not ch.isspace())
    if not a and not b:
        return 1.0
    common = sum((a & b).values())
    if not common:
        return 0.0
    precision, recall = common / sum(a.values()), common / sum(b.values())
    return 2 * precision * recall / (precision + recall)


def annotated_day(value: str | None) -> str | None:
    m = _DAY.search(value or "")
    return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}" if m else None


def ours(path: Path) -> tuple[str, str | None]:
    response = HtmlResponse(url=path.resolve().as_uri(), body=path.read_bytes())
    response = CharsetFixMiddleware().process_response(None, response)
    fields = extract_article(response)  # type: ignore[arg-type]
    if fields is None:
        return "", None
    raw = fields["published_raw"]
    published = parse_published(raw, NOW) if raw else None
    day = published.astimezone(BEIJING).date().isoformat() if published else None
    return fields["text"], day


def theirs(path: Path) -> tuple[str, str | None] | None:
    try:
        import trafilatura
    except ImportError:
        return None
    response = HtmlResponse(url=path.resolve().as_uri(), body=path.read_bytes())
    response = CharsetFixMiddleware().process_response(None, response)
    html = response.text  # type: ignore[attr-defined]
    metadata = trafilatura.extract_metadata(html)
    return trafilatura.extract(html) or "", annotated_day(metadata.date if metadata else None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="one line per page")
    args = parser.parse_args()
    truth_file = DATA / "ground_truth.json"
    if not truth_file.exists():
        print(f"input: {truth_file} is absent; nothing to measure")
        return
    pages = json.loads(truth_file.read_text(encoding="utf-8"))
    print(f"input: {len(pages)} annotated pages from {DATA}")
    f1s: list[float] = []
    trafilatura_f1s: list[float] = []
    dated = right = trafilatura_right = 0
    started = time.perf_counter()
    for page in pages:
        path = DATA / page["file"]
        text, day = ours(path)
        f1 = char_f1(text, page["body"] or "")
        f1s.append(f1)
        want = annotated_day(page.get("publish_time"))
        other = theirs(path)
        if want:
            dated += 1
            right += day == want
            trafilatura_right += other is not None and other[1] == want
        if other is not None:
            trafilatura_f1s.append(char_f1(other[0], page["body"] or ""))
        if args.verbose:
            print(f"  {f1:.3f}  date {day} want {want}  {path.name}")
    elapsed = time.perf_counter() - started
    mean = sum(f1s) / len(f1s)
    print(f"body character F1 (mean over pages): {mean:.3f}")
    if trafilatura_f1s:
        theirs_mean = sum(trafilatura_f1s) / len(trafilatura_f1s)
        print(f"  trafilatura: {theirs_mean:.3f} (ours / trafilatura = {mean / theirs_mean:.2f})")
    else:
        print("  trafilatura: not installed in this venv, no comparison")
    print(f"date accuracy (same day): {right / dated:.3f} ({right}/{dated} dated pages)")
    if trafilatura_f1s:
        print(f"  trafilatura: {trafilatura_right / dated:.3f} ({trafilatura_right}/{dated})")
    print(f"time: {elapsed:.2f} s ({len(pages)} pages, both extractors)")


if __name__ == "__main__":
    main()

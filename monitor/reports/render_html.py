"""A Document as one self-contained HTML page: inline CSS and SVG, A4 print styles, no script.

The page is what the email body, the console download and the PDF (Chromium prints it) all
show, so it carries everything itself: no external stylesheet, font, image or script.
Scraped text is autoescaped by Jinja; links go only to http(s) URLs.
"""

from __future__ import annotations

from markupsafe import Markup

from monitor.clock import beijing
from monitor.reports import charts
from monitor.reports.common import Link, cn_date
from monitor.reports.document import Document, number
from monitor.templating import html_env, safe_url


def _kind(block: object) -> str:
    return type(block).__name__.lower()


def _link(cell: str) -> str | None:
    return safe_url(cell.url) if isinstance(cell, Link) else None


def render_html(doc: Document) -> str:
    template = html_env().get_template("reports/report.html.j2")
    return template.render(
        doc=doc,
        sections=list(doc.walk()),
        number=number,
        kind=_kind,
        link=_link,
        svg=lambda block: Markup(charts.svg(block)),  # noqa: S704 - escaped in charts.py
        issued=cn_date(beijing(doc.issued_at)),
    )

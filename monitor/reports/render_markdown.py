"""A Document as Markdown: headings, pipe tables, charts as their numbers in words.

Scraped text is escaped so it cannot become a link, an image, HTML or a heading in whatever
renders the Markdown (a DingTalk group, a wiki, a Git forge).
"""

from __future__ import annotations

import re

from monitor.clock import beijing
from monitor.reports.common import Link, cn_date
from monitor.reports.document import Chart, Document, number
from monitor.templating import safe_url, text_env

_SPECIAL = re.compile(r"([\\`*_{}\[\]|~])")
# only at the start of a line do these make a heading, a list item or a quote
_LINE_START = re.compile(r"^(#{1,6}|[+\-*]|(\d{1,9})([.)]))(?=\s|$)")


def md(text: object) -> str:
    """Escape for Markdown inline text; newlines become spaces (tables cannot hold them).
    `<` and `&` become entities, so no HTML reaches a renderer that passes HTML through."""
    s = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _SPECIAL.sub(r"\\\1", s)
    s = re.sub(r"\s*\n\s*", " ", s).strip()
    return _LINE_START.sub(_escape_start, s)


def _escape_start(m: re.Match[str]) -> str:
    # "1." starts an ordered list: the escape goes before its punctuation ("1\.")
    return f"{m.group(2)}\\{m.group(3)}" if m.group(2) else "\\" + m.group(1)


def md_cell(cell: str) -> str:
    url = safe_url(cell.url) if isinstance(cell, Link) else None
    text = md(cell) or "—"
    if url:
        # the URL escaped too: a ')' or space in it must not end the link early
        return f"[{text}](<{url.replace('<', '%3C').replace('>', '%3E').replace(' ', '%20')}>)"
    return text


def chart_rows(chart: Chart) -> list[list[str]]:
    """The chart's figures as table rows (label, one value per series), leaving out the
    categories where every series is zero: 24 hourly rows are mostly empty at night."""
    rows = []
    for i, label in enumerate(chart.labels):
        values = [s.values[i] for s in chart.series]
        if any(values):
            rows.append(
                [label] + [f"{v:g}{s.unit}" for v, s in zip(values, chart.series, strict=True)]
            )
    return rows


def _kind(block: object) -> str:
    return type(block).__name__.lower()


def render_markdown(doc: Document) -> str:
    env = text_env()
    template = env.get_template("reports/report.md.j2")
    out = template.render(
        doc=doc,
        sections=list(doc.walk()),
        number=number,
        kind=_kind,
        md=md,
        cell=md_cell,
        chart_rows=chart_rows,
        issued=cn_date(beijing(doc.issued_at)),
    )
    return re.sub(r"\n{3,}", "\n\n", out).strip() + "\n"

"""The written-out list of report formats: each renders the same Document its own way."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.errors import YuqingError
from monitor.reports.document import Document

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# format -> (media type, file extension, what a person calls it)
FORMATS: dict[str, tuple[str, str, str]] = {
    "html": ("text/html; charset=utf-8", ".html", "网页"),
    "docx": (DOCX, ".docx", "Word"),
    "md": ("text/markdown; charset=utf-8", ".md", "Markdown"),
    "pdf": ("application/pdf", ".pdf", "PDF"),
}


@dataclass
class Rendered:
    files: dict[str, bytes] = field(default_factory=dict)  # format -> bytes, in asked order
    problems: list[str] = field(default_factory=list)  # formats that could not be made, why


def render(doc: Document, formats: list[str]) -> Rendered:
    """Every asked format that can be made; a missing PDF converter is a problem, not a
    failure: the other formats are still written and the problem says what to install."""
    # each renderer is imported when asked for: python-docx and cairosvg load in ~0.3 s
    from monitor.reports.render_html import render_html

    out = Rendered()
    html: str | None = None
    docx: bytes | None = None
    for fmt in formats:
        if fmt == "html" or (fmt == "pdf" and html is None):
            html = render_html(doc)
        if fmt == "html":
            out.files["html"] = html.encode("utf-8")
        elif fmt == "md":
            from monitor.reports.render_markdown import render_markdown

            out.files["md"] = render_markdown(doc).encode("utf-8")
        elif fmt == "docx":
            from monitor.reports.render_docx import render_docx

            docx = render_docx(doc)
            out.files["docx"] = docx
        elif fmt == "pdf":
            from monitor.reports.pdf import to_pdf

            try:
                out.files["pdf"] = to_pdf(html or render_html(doc), docx)
            except YuqingError as e:
                out.problems.append(str(e))
        else:
            raise ValueError(f"unknown report format {fmt!r}")
    return out

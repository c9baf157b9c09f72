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
    files: dict[str, bytes] = field(default_factory=dict)  # format -> bytes (pdf last)
    problems: list[str] = field(default_factory=list)  # formats that could not be made, why


def render(doc: Document, formats: list[str]) -> Rendered:
    """Every asked format that can be made; a missing PDF converter is a problem, not a
    failure: the other formats are still written and the problem says what to install."""
    # each renderer is imported when asked for: python-docx and cairosvg load in ~0.3 s
    from monitor.reports.render_html import render_html

    out = Rendered()
    html = render_html(doc) if {"html", "pdf"} & set(formats) else None
    docx: bytes | None = None
    for fmt in formats:
        if fmt == "html" and html is not None:
            out.files["html"] = html.encode("utf-8")
        elif fmt == "md":
            from monitor.reports.render_markdown import render_markdown

            out.files["md"] = render_markdown(doc).encode("utf-8")
        elif fmt == "docx":
            docx = out.files["docx"] = _docx(doc)
        elif fmt != "pdf":
            raise ValueError(f"unknown report format {fmt!r}")
    if "pdf" in formats and html is not None:
        from monitor.reports import pdf

        if docx is None and (pdf.available() or "").startswith("LibreOffice"):
            docx = _docx(doc)  # LibreOffice converts the Word file, not the page
        try:
            pdf_bytes = pdf.to_pdf(html, docx)
        except YuqingError as e:
            out.problems.append(str(e))
        else:  # in the asked order, so the paths print as asked
            out.files = {
                f: (pdf_bytes if f == "pdf" else out.files[f])
                for f in formats
                if f == "pdf" or f in out.files
            }
    return out


def _docx(doc: Document) -> bytes:
    from monitor.reports.render_docx import render_docx

    return render_docx(doc)

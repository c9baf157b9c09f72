"""A report `Document` as a Word file laid out like a government document (GB/T 9704)."""

from __future__ import annotations

import dataclasses
import io
import logging
import re
import zipfile
from datetime import datetime

import docx
from docx.document import Document as WordDocument
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from monitor.clock import as_utc, beijing
from monitor.reports import charts
from monitor.reports.document import (
    Bullets,
    Chart,
    Document,
    Facts,
    Flow,
    FlowStep,
    Paragraph,
    Table,
    number,
)

log = logging.getLogger(__name__)

# The fonts GB/T 9704 names. Most PCs outside government offices lack the GB2312-era ones,
# so the font table tells Word/WPS what to substitute (FALLBACKS) instead of a Latin face.
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_KAI = "楷体_GB2312"
FONT_HEI = "黑体"
FONT_SONG = "宋体"
FONT_LATIN = "Times New Roman"
FALLBACKS = {
    FONT_TITLE: "宋体",
    FONT_BODY: "仿宋",
    FONT_KAI: "楷体",
    FONT_HEI: "SimHei",
    FONT_SONG: "SimSun",
    "仿宋": "FangSong",
    "楷体": "KaiTi",
}

# Chinese type sizes (号) in points
ER_HAO, SAN_HAO, SI_HAO, WU_HAO = 22, 16, 14, 10.5
TEXT_WIDTH_TWIPS = round((210 - 28 - 26) / 25.4 * 1440)  # A4 less GB/T 9704 margins
CHAR_TWIPS = 210  # one character of 五号 (10.5 pt), the tables' size
CELL_PADDING_TWIPS = 2 * 108 + 40  # Word's default cell margins, and a little air
LONG_CHARS = 30.0
LINE = Pt(28.95)  # 22 lines to the page at 三号
PICTURE_WIDTH = Cm(15.5)
RED = RGBColor(0xC0, 0x00, 0x00)
HEADER_FILL = "D9D9D9"

# Characters XML 1.0 forbids (lxml refuses them): C0 controls but tab/newline/CR,
# lone surrogates, U+FFFE/U+FFFF.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: object) -> str:
    """Scraped text made safe for a w:t: forbidden characters dropped, newlines unified."""
    return _NOT_XML.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")


def render_docx(doc: Document) -> bytes:
    d = docx.Document()
    _page(d)
    _styles(d)
    body = _Writer(d)
    if doc.classification.strip():
        body.para(doc.classification, "Classification")
    body.para(doc.title, "Report Title")
    if doc.subtitle.strip():
        body.para(doc.subtitle, "Report Subtitle")
    if doc.period.strip():
        body.para(doc.period, "Report Period")
    for path, section in doc.walk():
        level = min(len(path), 3)
        body.para(number(path) + clean(section.title), f"Heading {level}")
        for block in section.blocks:
            body.block(block)
    _signature(body, doc)
    _properties(d, doc)
    # the template's thumbnail is a picture of some other, empty page
    rels = d.part.package.rels
    for rid in [k for k, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rid)
    out = io.BytesIO()
    d.save(out)
    return _with_font_table(out.getvalue())


# -- page, styles, fonts ------------------------------------------------------------------


def _page(d: WordDocument) -> None:
    s = d.sections[0]
    s.orientation = WD_ORIENT.PORTRAIT
    s.page_width, s.page_height = Mm(210), Mm(297)
    s.top_margin, s.bottom_margin = Mm(37), Mm(35)
    s.left_margin, s.right_margin = Mm(28), Mm(26)
    s.header_distance, s.footer_distance = Mm(15), Mm(22)
    # page numbers on the outer edge: odd pages right, even pages left, one character in
    d.settings.odd_and_even_pages_header_footer = True
    _page_number(s.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(s.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(p: DocxParagraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """— 7 —: a PAGE field between em-dashes, the one field in the document."""
    p.style = "Footer"
    p.alignment = align
    ind = p._p.get_or_add_pPr().get_or_add_ind()
    side = "right" if align == WD_ALIGN_PARAGRAPH.RIGHT else "left"
    ind.set(qn(f"w:{side}Chars"), "100")
    ind.set(qn(f"w:{side}"), str(SI_HAO * 20))
    p.add_run("— ")
    p.add_run()._r.append(_el("w:fldChar", {"w:fldCharType": "begin"}))
    code = _el("w:instrText", {"xml:space": "preserve"})
    code.text = " PAGE "
    p.add_run()._r.append(code)
    p.add_run()._r.append(_el("w:fldChar", {"w:fldCharType": "separate"}))
    p.add_run("1")
    p.add_run()._r.append(_el("w:fldChar", {"w:fldCharType": "end"}))
    p.add_run(" —")


def _styles(d: WordDocument) -> None:
    defaults = d.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault"))
    rpr = defaults.find(qn("w:rPr"))
    _fonts(rpr, FONT_BODY)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    _style(d, "Normal", FONT_BODY, SAN_HAO, indent=True)
    _style(d, "Heading 1", FONT_HEI, SAN_HAO, indent=True, keep=True)
    _style(d, "Heading 2", FONT_KAI, SAN_HAO, indent=True, keep=True)
    _style(d, "Heading 3", FONT_BODY, SAN_HAO, bold=True, indent=True, keep=True)
    _style(d, "Classification", FONT_HEI, SI_HAO, after=Pt(12))
    _style(d, "Report Title", FONT_TITLE, ER_HAO, centre=True, line=Pt(36), before=Pt(12))
    _style(d, "Report Subtitle", FONT_KAI, SAN_HAO, centre=True)
    _style(d, "Report Period", FONT_BODY, SI_HAO, centre=True, line=Pt(24), after=Pt(14))
    _style(d, "Note", FONT_BODY, SI_HAO, indent=True, line=Pt(24))
    _style(d, "Caption", FONT_BODY, SI_HAO, bold=True, centre=True, line=Pt(24))
    _style(d, "Figure", FONT_BODY, SAN_HAO, centre=True, line=None, before=Pt(6), keep=True)
    # left-aligned: justified CJK in a narrow cell spreads a short line across it
    _style(d, "Table Text", FONT_BODY, WU_HAO, left=True, line=None)
    _style(d, "Signature", FONT_BODY, SAN_HAO)
    _style(d, "Footer", FONT_SONG, SI_HAO, line=None, latin=FONT_SONG)


def _style(
    d: WordDocument,
    name: str,
    east: str,
    size: float,
    *,
    bold: bool = False,
    centre: bool = False,
    left: bool = False,
    indent: bool = False,
    keep: bool = False,
    line: Emu | None = LINE,
    before: Emu | None = None,
    after: Emu | None = None,
    latin: str = FONT_LATIN,
) -> None:
    """Define (or redefine, dropping the template's theme fonts and colours) one style."""
    try:
        style = d.styles[name]
    except KeyError:
        style = d.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = d.styles["Normal"]
        style.quick_style = True
    old = style.element.rPr
    if old is not None:
        style.element.remove(old)
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.color.rgb = RGBColor(0, 0, 0)
    _fonts(style.element.get_or_add_rPr(), east, latin)
    pf = style.paragraph_format
    pf.alignment = (
        WD_ALIGN_PARAGRAPH.CENTER
        if centre
        else WD_ALIGN_PARAGRAPH.LEFT
        if left
        else WD_ALIGN_PARAGRAPH.JUSTIFY
    )
    pf.space_before, pf.space_after = before or Pt(0), after or Pt(0)
    if line is None:
        pf.line_spacing, pf.line_spacing_rule = 1.0, WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing, pf.line_spacing_rule = line, WD_LINE_SPACING.EXACTLY
    pf.keep_with_next = keep
    pf.widow_control = True
    _indent(style.element.get_or_add_pPr(), size, first=2 if indent else 0)


def _fonts(rpr: etree._Element, east: str, latin: str = FONT_LATIN) -> None:
    """Set rFonts so East Asian text uses `east`: python-docx's font.name sets only Latin."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = _el("w:rFonts", {})
        rpr.insert(0, fonts)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for attr, value in (("ascii", latin), ("hAnsi", latin), ("eastAsia", east), ("cs", latin)):
        fonts.set(qn(f"w:{attr}"), value)


def _indent(ppr: etree._Element, size: float, *, first: int = 0, right: int = 0) -> None:
    """Indents in characters: Word's *Chars attributes, with twips for readers without them."""
    ind = ppr.get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(first * 100))
    ind.set(qn("w:firstLine"), str(int(first * size * 20)))
    if right:
        ind.set(qn("w:rightChars"), str(right * 100))
        ind.set(qn("w:right"), str(int(right * size * 20)))


def _el(tag: str, attrs: dict[str, str]) -> etree._Element:
    el = OxmlElement(tag)
    for k, v in attrs.items():
        el.set(qn(k), v)
    return el


def _with_font_table(data: bytes) -> bytes:
    """The saved file with the fallback fonts declared in word/fontTable.xml (w:altName)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            blob = src.read(item)
            if item.filename == "word/fontTable.xml":
                blob = _font_table(blob)
            dst.writestr(item, blob, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _font_table(blob: bytes) -> bytes:
    root = etree.fromstring(blob)
    for name, alt in FALLBACKS.items():
        for old in root.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                root.remove(old)
        font = etree.SubElement(root, qn("w:font"), {qn("w:name"): name})
        etree.SubElement(font, qn("w:altName"), {qn("w:val"): alt})
        etree.SubElement(font, qn("w:charset"), {qn("w:val"): "86"})  # GB2312
        etree.SubElement(font, qn("w:family"), {qn("w:val"): "auto"})
        etree.SubElement(font, qn("w:pitch"), {qn("w:val"): "variable"})
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# -- the body -----------------------------------------------------------------------------


class _Writer:
    def __init__(self, d: WordDocument) -> None:
        self.d = d

    def para(self, text: str, style: str = "Normal") -> DocxParagraph:
        p = self.d.add_paragraph(style=style)
        _run(p, text)
        return p

    def block(self, block: object) -> None:
        if isinstance(block, Paragraph):
            self.para(block.text, "Note" if block.style == "note" else "Normal")
        elif isinstance(block, Bullets):
            for item in block.items:
                self.para("· " + clean(item))
        elif isinstance(block, Facts):
            for label, value in block.items:
                p = self.d.add_paragraph(style="Normal")
                label = clean(label).rstrip("：: ")
                _run(p, f"{label}：", bold=True)
                _run(p, value)
        elif isinstance(block, Table):
            self.table(block)
        elif isinstance(block, Chart | Flow):
            self.picture(block)
        else:  # a new block type must not vanish silently from the Word version
            raise TypeError(f"render_docx: unknown block {type(block).__name__}")

    def table(self, t: Table) -> None:
        if t.caption:
            self.para(t.caption, "Caption").paragraph_format.keep_with_next = True
        if not t.rows:
            self.para(t.empty)
            return
        width = max(len(t.columns), *(len(r) for r in t.rows))
        table = self.d.add_table(rows=1 + len(t.rows), cols=width)
        table.style = "Table Grid"
        _table_props(table._tbl.tblPr)
        widths = column_widths(t, width)
        for col, w in zip(table._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
            col.set(qn("w:w"), str(w))
        # looked up once: python-docx resolves a style by name on every assignment, which
        # was most of the time of a 6,000-row assessment (bench/reports.py)
        text_style = self.d.styles["Table Text"].style_id
        for i, row in enumerate(table.rows):
            tr = row._tr.get_or_add_trPr()
            tr.append(_el("w:cantSplit", {}))
            cells = t.columns if i == 0 else t.rows[i - 1]
            mark = None if i == 0 else t.mark(i - 1)
            if i == 0:
                tr.append(_el("w:tblHeader", {}))
            for j, cell in enumerate(row.cells):
                tcw = cell._tc.get_or_add_tcPr().get_or_add_tcW()  # add_table set equal ones
                tcw.set(qn("w:w"), str(widths[j]))
                tcw.set(qn("w:type"), "dxa")
                p = cell.paragraphs[0]
                p._p.style = text_style
                if i == 0:
                    cell._tc.get_or_add_tcPr().append(
                        _el("w:shd", {"w:val": "clear", "w:color": "auto", "w:fill": HEADER_FILL})
                    )
                    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                text = cells[j] if j < len(cells) else ""
                _run(p, text, bold=i == 0 or mark == "total", red=mark == "late")

    def picture(self, block: Chart | Flow) -> None:
        block = _clean_block(block)
        try:
            data = charts.png(block)
        except charts.RasterUnavailable as e:
            self._no_picture(block, str(e))
            return
        except Exception as e:  # a drawing bug must cost one picture, not the whole report
            log.exception("chart %r could not be drawn", block.title)
            self._no_picture(block, f"图表未能转为图片（{type(e).__name__}），以文字说明代替。")
            return
        p = self.d.add_paragraph(style="Figure")
        natural = int.from_bytes(data[16:20], "big") / 2  # PNG IHDR width, drawn at 2×
        width = Emu(int(PICTURE_WIDTH * min(1.0, natural / charts.W)))
        shape = p.add_run().add_picture(io.BytesIO(data), width=width)
        shape._inline.docPr.set("descr", block.alt or block.title)
        self.para(block.title, "Caption")

    def _no_picture(self, block: Chart | Flow, why: str) -> None:
        self.para(block.alt or block.title)
        self.para(why, "Note")


def _run(p: DocxParagraph, text: object, *, bold: bool = False, red: bool = False) -> None:
    """One run of plain text: always a w:t (never a field), newlines as line breaks."""
    run = p.add_run(clean(text))
    # ambiguous-width characters (“” ‘’ — …) take the East Asian font, as Word does for CJK
    run._r.get_or_add_rPr().insert(0, _el("w:rFonts", {"w:hint": "eastAsia"}))
    if bold:
        run.bold = True
    if red:
        run.font.color.rgb = RED


def _text_length(text: object) -> float:
    """Roughly how wide a cell's text is, in Chinese characters (Latin letters count half)."""
    return sum(1.0 if ord(ch) > 0x2E7F else 0.55 for ch in str(text))


def column_widths(t: Table, count: int) -> list[int]:
    """Each column's width (twips), from the longest text it holds (counted as at most
    LONG_CHARS characters). Shared out by water-filling: every column gets the same width
    L, except those whose text is shorter than L, which get just their text's width; L is
    as large as the page allows. So a grade or a count stays on one line and the titles and
    reasons split what is left evenly, instead of one long cell squeezing the rest."""
    demand = []
    for j in range(count):
        texts = [t.columns[j] if j < len(t.columns) else ""]
        texts += [r[j] for r in t.rows[:200] if j < len(r)]
        demand.append(max(1.0, min(LONG_CHARS, max(_text_length(x) for x in texts))))
    room = (TEXT_WIDTH_TWIPS - count * CELL_PADDING_TWIPS) / CHAR_TWIPS  # in characters
    level, left, waiting = max(demand), room, sorted(demand)
    while waiting:  # satisfy the shortest columns while they fit under an even share
        share = left / len(waiting)
        if waiting[0] > share:
            level = share
            break
        left -= waiting.pop(0)
    chars = [min(d, level) for d in demand]
    spare = max(0.0, room - sum(chars)) / count
    widths = [CELL_PADDING_TWIPS + int((c + spare) * CHAR_TWIPS) for c in chars]
    widths[-1] += TEXT_WIDTH_TWIPS - sum(widths)
    return widths


def _table_props(tblpr: etree._Element) -> None:
    """Full text width, and borders on every cell even where the Table Grid style is lost."""
    width = tblpr.find(qn("w:tblW"))
    width.set(qn("w:type"), "pct")
    width.set(qn("w:w"), "5000")
    borders = _el("w:tblBorders", {})
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        attrs = {"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "000000"}
        borders.append(_el(f"w:{side}", attrs))
    width.addnext(borders)
    # fixed: Word and LibreOffice keep the widths given, not re-fit them to the longest word
    borders.addnext(_el("w:tblLayout", {"w:type": "fixed"}))


def _clean_block(block: Chart | Flow) -> Chart | Flow:
    """A copy whose text is XML-safe: charts.svg escapes markup but not control characters,
    and the rasteriser refuses an SVG holding one."""
    if isinstance(block, Flow):
        steps = [FlowStep(clean(s.stage), clean(s.who), clean(s.at), s.count) for s in block.steps]
        return dataclasses.replace(
            block, title=clean(block.title), alt=clean(block.alt), steps=steps
        )
    series = [dataclasses.replace(s, name=clean(s.name), unit=clean(s.unit)) for s in block.series]
    return dataclasses.replace(
        block,
        title=clean(block.title),
        alt=clean(block.alt),
        labels=[clean(x) for x in block.labels],
        series=series,
    )


def _signature(body: _Writer, doc: Document) -> None:
    """落款: the issuing unit and the date, right-aligned two characters in."""
    issued = beijing(doc.issued_at)
    lines = [doc.issuer, f"{issued.year}年{issued.month}月{issued.day}日"]
    body.para("", "Signature")
    for text in lines:
        if clean(text).strip():
            p = body.para(text, "Signature")
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _indent(p._p.get_or_add_pPr(), SAN_HAO, right=2)


def _properties(d: WordDocument, doc: Document) -> None:
    def short(text: str) -> str:  # core properties are capped at 255 characters
        return clean(text).replace("\n", " ")[:255]

    when: datetime = as_utc(doc.issued_at)  # python-docx writes the value as if it were UTC
    cp = d.core_properties
    cp.title = short(" ".join(x for x in (doc.title, doc.subtitle) if x.strip()))
    cp.author = cp.last_modified_by = short(doc.issuer)
    cp.created = cp.modified = when.replace(tzinfo=None)
    cp.subject = short(doc.period)
    cp.comments = cp.keywords = cp.category = ""
    cp.language = "zh-CN"
    cp.revision = 1

"""The Word report: what a reader sees when they open it in Word or WPS, and that scraped
text stays text (no field codes, no crash on control characters)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph as DocxParagraph

from monitor.reports import charts
from monitor.reports.document import (
    Bullets,
    Chart,
    Document,
    Facts,
    Flow,
    FlowStep,
    Paragraph,
    Section,
    Series,
    Table,
)
from monitor.reports.render_docx import render_docx

ISSUED = datetime(2026, 12, 3, 0, 30, tzinfo=UTC)  # 08:30 Beijing
SCRIPT = "<script>alert(1)</script>"
DDE = '{ DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/c calc" }'
LINK_FIELD = '{ HYPERLINK "http://evil.example/" }'
HOURS = [f"{h:02d}时" for h in range(24)]
CHART_ALT = "全天共 300 条，10 时最多（40 条）。"
NO_CAIRO = "无法把图表转为图片：请安装 Cairo（apt-get install libcairo2）。"


def sample() -> Document:
    hourly = Chart(
        title="24小时信息量走势",
        labels=HOURS,
        series=[
            Series("信息量", [float(h % 7 + 3) for h in range(24)], unit="条"),
            Series("负面占比", [float(h * 3 % 60) for h in range(24)], "line", "right", "%"),
        ],
        label_every=3,
        alt=CHART_ALT,
    )
    flow = Flow(
        title="传播路径",
        steps=[
            FlowStep("首发", "云川市民留言板", "12-02 09:15", 1),
            FlowStep("转载转发", "微博网友\x0b", "12-02 10:02", 35),
            FlowStep("媒体跟进", "云川新闻网", "12-02 14:30", 4),
        ],
        alt="留言板首发，微博转发 35 条，新闻网跟进。",
    )
    events = Table(
        columns=["事件", "等级", "责任处室"],
        rows=[
            ["景区门票涨价", "较大（III级）", "市文旅局"],
            [SCRIPT, "一般（IV级）", DDE],
            ["合计", "2", ""],
        ],
        marks=["late", None, "total"],
        caption="表1 重点事件",
    )
    return Document(
        kind="daily",
        title="舆情日报",
        subtitle="2026年12月3日",
        issuer="云川市人民政府办公室",
        issued_at=ISSUED,
        period="统计时段：12月2日 08:00 至 12月3日 08:00",
        sections=[
            Section(
                title="总体情况",
                blocks=[
                    Paragraph("昨日共监测到相关信息 300 条，其中负面 42 条。", "lead"),
                    Paragraph(f"网民留言称“{SCRIPT}”\x00并附{DDE}。\n第二行"),
                    Facts([("事件等级", "较大（III级）"), ("首发", LINK_FIELD)]),
                    hourly,
                ],
                sections=[
                    Section(
                        title="重点事件",
                        blocks=[
                            events,
                            Table(columns=["事项", "时限"], rows=[], empty="无逾期事项。"),
                            flow,
                        ],
                    ),
                ],
            ),
            Section(
                title="工作建议",
                blocks=[
                    Bullets(["及时回应关切", "加强研判"]),
                    Paragraph("数据来源：本系统自动采集。", "note"),
                ],
            ),
        ],
    )


def open_docx(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def part(data: bytes, name: str) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read(name).decode("utf-8")


def resolved(p: DocxParagraph, attr: str) -> object:
    """A run property as Word resolves it: the first run, then the style chain."""
    run = p.runs[0] if p.runs else None
    if attr == "eastAsia":
        fonts = run._r.rPr.rFonts if run is not None and run._r.rPr is not None else None
        if fonts is not None and fonts.get(qn("w:eastAsia")):
            return fonts.get(qn("w:eastAsia"))
        style = p.style
        while style is not None:
            rpr = style.element.rPr
            if rpr is not None and rpr.rFonts is not None and rpr.rFonts.get(qn("w:eastAsia")):
                return rpr.rFonts.get(qn("w:eastAsia"))
            style = style.base_style
        return None
    value = getattr(run.font, attr) if run is not None else None
    style = p.style
    while value is None and style is not None:
        value, style = getattr(style.font, attr), style.base_style
    return value


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render_docx(sample())


def test_title_block_and_headings_read_like_a_government_document(rendered: bytes) -> None:
    d = open_docx(rendered)
    texts = [p.text for p in d.paragraphs]
    assert texts[:4] == [
        "内部资料 注意保存",
        "舆情日报",
        "2026年12月3日",
        "统计时段：12月2日 08:00 至 12月3日 08:00",
    ]
    title = d.paragraphs[1]
    assert resolved(title, "eastAsia") == "方正小标宋简体"
    assert resolved(title, "size") == Pt(22)
    assert title.alignment == 1 or title.style.paragraph_format.alignment == 1  # centred
    assert resolved(d.paragraphs[2], "eastAsia") == "楷体_GB2312"

    headings = [(p.style.name, p.text) for p in d.paragraphs if p.style.name.startswith("Head")]
    assert headings == [
        ("Heading 1", "一、总体情况"),
        ("Heading 2", "（一）重点事件"),
        ("Heading 1", "二、工作建议"),
    ]
    h1 = next(p for p in d.paragraphs if p.text == "一、总体情况")
    assert resolved(h1, "eastAsia") == "黑体"
    h2 = next(p for p in d.paragraphs if p.text == "（一）重点事件")
    assert resolved(h2, "eastAsia") == "楷体_GB2312"

    # 落款: issuer and the Beijing date, right-aligned, at the end
    assert [p.text for p in d.paragraphs[-2:]] == ["云川市人民政府办公室", "2026年12月3日"]
    assert all(p.alignment == 2 for p in d.paragraphs[-2:])


def test_body_text_is_fangsong_sanhao_with_fixed_spacing_and_indent(rendered: bytes) -> None:
    d = open_docx(rendered)
    body = next(p for p in d.paragraphs if p.text.startswith("昨日共监测"))
    assert resolved(body, "eastAsia") == "仿宋_GB2312"
    assert resolved(body, "size") == Pt(16)
    fmt = body.style.paragraph_format
    assert fmt.line_spacing_rule == 4 and Pt(28) <= fmt.line_spacing <= Pt(29)  # EXACTLY
    ind = body.style.element.pPr.ind
    assert ind.get(qn("w:firstLineChars")) == "200"
    note = next(p for p in d.paragraphs if p.text.startswith("数据来源"))
    assert resolved(note, "size") < Pt(16)
    # Latin text uses a Latin face, not the Chinese one
    fonts = d.styles["Normal"].element.rPr.rFonts
    assert fonts.get(qn("w:ascii")) == "Times New Roman"
    assert fonts.get(qn("w:asciiTheme")) is None


def test_font_table_declares_substitutes_for_the_gb2312_fonts(rendered: bytes) -> None:
    table = part(rendered, "word/fontTable.xml")
    for name, alt in (("方正小标宋简体", "宋体"), ("仿宋_GB2312", "仿宋"), ("楷体_GB2312", "楷体")):
        assert f'<w:font w:name="{name}"><w:altName w:val="{alt}"/>' in table


def test_tables_have_repeating_header_rows_and_say_when_empty(rendered: bytes) -> None:
    d = open_docx(rendered)
    assert len(d.tables) == 1  # the empty one is a sentence
    t = d.tables[0]
    assert [c.text for c in t.rows[0].cells] == ["事件", "等级", "责任处室"]
    assert t.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    assert [c.text for c in t.rows[2].cells] == ["<script>alert(1)</script>", "一般（IV级）", DDE]
    assert all(r.bold for r in t.rows[0].cells[0].paragraphs[0].runs)
    late = t.rows[1].cells[0].paragraphs[0].runs[0]
    assert str(late.font.color.rgb) == "C00000"
    assert t.rows[2].cells[0].paragraphs[0].runs[0].font.color.rgb is None
    borders = t._tbl.tblPr.find(qn("w:tblBorders"))
    assert {b.tag.split("}")[1] for b in borders} >= {"top", "bottom", "insideH", "insideV"}

    # columns sized by what they hold, kept fixed, text left-aligned (not spread by justify)
    grid = [int(c.get(qn("w:w"))) for c in t._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert sum(grid) == round((210 - 28 - 26) / 25.4 * 1440)  # the full text width
    assert grid[0] > grid[1], grid  # the event title gets more room than the grade
    layout = t._tbl.tblPr.find(qn("w:tblLayout"))
    assert layout is not None and layout.get(qn("w:type")) == "fixed"
    cell_widths = [int(c._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for c in t.rows[1].cells]
    assert cell_widths == grid
    body_cell = t.rows[1].cells[0].paragraphs[0]
    assert body_cell.alignment is None  # from its style:
    assert body_cell.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert t.rows[0].cells[0].paragraphs[0].alignment == WD_ALIGN_PARAGRAPH.CENTER

    texts = [p.text for p in d.paragraphs]
    assert "表1 重点事件" in texts
    assert "无逾期事项。" in texts


def test_facts_and_bullets(rendered: bytes) -> None:
    d = open_docx(rendered)
    fact = next(p for p in d.paragraphs if p.text.startswith("事件等级"))
    assert fact.text == "事件等级：较大（III级）"
    assert fact.runs[0].bold and not fact.runs[1].bold
    assert "· 及时回应关切" in [p.text for p in d.paragraphs]


def test_each_chart_and_flow_is_a_picture_with_its_caption(rendered: bytes) -> None:
    d = open_docx(rendered)
    assert len(d.inline_shapes) == 2
    chart = d.inline_shapes[0]
    assert abs(chart.width.cm - 15.5) < 0.05
    blips = part(rendered, "word/document.xml").count("<a:blip ")
    assert blips == 2
    images = [p for p in d.part.package.iter_parts() if p.partname.startswith("/word/media/")]
    assert len(images) == 2 and all(i.blob.startswith(b"\x89PNG\r\n\x1a\n") for i in images)
    texts = [p.text for p in d.paragraphs]
    assert "24小时信息量走势" in texts and "传播路径" in texts
    assert chart._inline.docPr.get("descr") == CHART_ALT


def test_page_numbers_are_a_page_field_between_dashes(rendered: bytes) -> None:
    d = open_docx(rendered)
    footer = d.sections[0].footer.paragraphs[0]
    assert footer.text == "— 1 —"
    instr = footer._p.xpath(".//w:instrText")
    assert [i.text.strip() for i in instr] == ["PAGE"]
    assert d.sections[0].even_page_footer.paragraphs[0].text == "— 1 —"


def test_page_is_a4_with_official_margins(rendered: bytes) -> None:
    s = open_docx(rendered).sections[0]
    assert (round(s.page_width.mm), round(s.page_height.mm)) == (210, 297)
    margins = [s.top_margin, s.bottom_margin, s.left_margin, s.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]


def test_hostile_text_stays_plain_text(rendered: bytes) -> None:
    xml = part(rendered, "word/document.xml")
    d = open_docx(rendered)
    para = next(p for p in d.paragraphs if p.text.startswith("网民留言称"))
    # \x00 dropped, the newline a line break, the field code and the tag literal text
    assert para.text == f"网民留言称“{SCRIPT}”并附{DDE}。\n第二行"
    assert "<w:br/>" in para._p.xml
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in xml
    assert "DDEAUTO" in xml and "HYPERLINK" in xml
    every = "".join(
        part(rendered, n)
        for n in zipfile.ZipFile(io.BytesIO(rendered)).namelist()
        if n.startswith("word/") and n.endswith(".xml")
    )
    instr = [t for p in d.sections[0].footer.paragraphs for t in p._p.xpath(".//w:instrText")]
    assert every.count("<w:instrText") == 2  # PAGE in the odd and the even footer
    assert all(i.text.strip() == "PAGE" for i in instr)
    assert "<w:fldSimple" not in every
    assert "DDEAUTO" not in "".join(i.text for i in instr)
    # the flow step's \x0b did not cost the picture
    assert "微博网友" not in [p.text for p in d.paragraphs]


def test_core_properties() -> None:
    cp = open_docx(render_docx(sample())).core_properties
    assert cp.title == "舆情日报 2026年12月3日"
    assert cp.author == "云川市人民政府办公室"
    assert cp.created == ISSUED


def test_without_cairo_the_charts_become_their_alt_text(monkeypatch) -> None:  # noqa: ANN001
    def no_cairo(block, scale=2.0):  # noqa: ANN001, ANN202
        raise charts.RasterUnavailable(
            "无法把图表转为图片：请安装 Cairo（apt-get install libcairo2）。"
        )

    monkeypatch.setattr(charts, "png", no_cairo)
    d = open_docx(render_docx(sample()))
    assert len(d.inline_shapes) == 0
    texts = [p.text for p in d.paragraphs]
    assert CHART_ALT in texts
    assert "留言板首发，微博转发 35 条，新闻网跟进。" in texts
    notes = [p for p in d.paragraphs if p.text == NO_CAIRO]
    assert len(notes) == 2 and all(p.style.name == "Note" for p in notes)
    assert texts[-1] == "2026年12月3日"  # the rest of the report is all there


def test_a_document_with_no_sections_or_classification_still_renders() -> None:
    doc = sample()
    doc.sections, doc.classification, doc.subtitle = [], "", ""
    texts = [p.text for p in open_docx(render_docx(doc)).paragraphs]
    assert texts[0] == "舆情日报"
    assert texts[-2:] == ["云川市人民政府办公室", "2026年12月3日"]


def test_a_crowded_table_keeps_short_columns_on_one_line() -> None:
    from monitor.reports.render_docx import CELL_PADDING_TWIPS, CHAR_TWIPS, column_widths

    reason = "负面倾向 1.00（严重、暴雨）；突发事件（暴雨、被困）；话题“城市内涝”；热度 64"
    t = Table(
        columns=["等级", "事件", "状态", "责任部门", "下一时限", "研判依据"],
        rows=[
            [
                "重大（II级）",
                "云川城区暴雨，临江路隧道积水严重" * 2,
                "收集",
                "市应急管理局",
                "发布权威信息：12月4日 01:40（剩余 4小时58分）",
                reason,
            ]
        ],
    )
    w = column_widths(t, 6)
    assert sum(w) == round((210 - 28 - 26) / 25.4 * 1440)
    assert w[2] >= CELL_PADDING_TWIPS + 2 * CHAR_TWIPS  # 收集 on one line
    assert w[3] >= CELL_PADDING_TWIPS + 6 * CHAR_TWIPS  # 市应急管理局 on one line
    assert w[2] < w[3] < w[1]
    assert abs(w[1] - w[5]) <= 8 and abs(w[4] - w[5]) <= 8  # the long ones share evenly

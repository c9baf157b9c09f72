"""Charts as SVG: drawn once here, inlined in HTML and rasterised to PNG for Word.

Each bar is a `<rect class="bar">` and each line point a `<circle class="point">`, both with
`data-label` and `data-value`, so a test (or a reader's tool) can check the figures drawn.
Labels are scraped or user text: every one is XML-escaped.
"""

from __future__ import annotations

import math
import re
from html import escape

from monitor.reports.document import Chart, Flow

FONT = (
    "'Noto Sans CJK SC','Source Han Sans SC','WenQuanYi Micro Hei','Microsoft YaHei',"
    "'SimHei','PingFang SC',sans-serif"
)
BAR_COLOURS = ("#2f5b9a", "#c0392b", "#7f8c8d", "#e67e22")
LINE_COLOURS = ("#c0392b", "#2f5b9a", "#16a085")
W, H = 680, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 52, 40, 46


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _e(text: object) -> str:
    """XML-escaped, without the control characters XML 1.0 forbids (a scraped \\x0b would
    make the SVG unreadable to Cairo and to strict parsers)."""
    return escape(_FORBIDDEN.sub("", str(text)), quote=True)


def _nice_max(value: float) -> float:
    """An axis maximum a reader can divide in their head: 1, 2, 5 × 10^n."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * exp:
            return float(step * exp)
    return float(10 * exp)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def chart_svg(chart: Chart) -> str:
    n = max(1, len(chart.labels))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / n
    bars = [s for s in chart.series if s.kind == "bar"]
    lines = [s for s in chart.series if s.kind == "line"]

    def top(axis: str) -> float:
        values = [v for s in chart.series if s.axis == axis for v in s.values if v is not None]
        return max(values, default=0)

    left_max = _nice_max(top("left"))
    if all(s.unit != "%" for s in chart.series if s.axis == "left"):
        left_max = max(left_max, 5.0)  # counts: whole-number ticks (0, 1, 2 … 5)
    right_max = _nice_max(top("right"))
    right_unit = next((s.unit for s in chart.series if s.axis == "right"), "")
    if right_unit == "%":
        right_max = 100.0

    def y(value: float, axis: str) -> float:
        top = left_max if axis == "left" else right_max
        return TOP + plot_h - (value / top) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {W} {H}" '
        f'width="{W}" height="{H}" role="img" aria-label="{_e(chart.alt or chart.title)}" '
        f'font-family="{FONT}" font-size="12">',
        f"<title>{_e(chart.title)}</title>",
        f'<rect x="0" y="0" width="{W}" height="{H}" fill="#ffffff"/>',
        f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{_e(chart.title)}</text>",
    ]
    # grid and left axis: five steps
    for i in range(6):
        v = left_max * i / 5
        gy = y(v, "left")
        out.append(
            f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{W - RIGHT}" y2="{gy:.1f}" '
            f'stroke="#e3e3e3" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{gy + 4:.1f}" text-anchor="end" fill="#555">{_fmt(v)}</text>'
        )
        if lines and any(s.axis == "right" for s in lines):
            rv = right_max * i / 5
            out.append(
                f'<text x="{W - RIGHT + 6}" y="{gy + 4:.1f}" fill="#555">'
                f"{_fmt(rv)}{_e(right_unit)}</text>"
            )
    out.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{W - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="#333" stroke-width="1"/>'
    )
    # bars, side by side within a slot
    if bars:
        bw = slot * 0.7 / len(bars)
        for k, s in enumerate(bars):
            colour = BAR_COLOURS[k % len(BAR_COLOURS)]
            for i, value in enumerate(s.values):
                v = value or 0.0
                x = LEFT + i * slot + slot * 0.15 + k * bw
                top = y(v, s.axis)
                out.append(
                    f'<rect class="bar" data-series="{_e(s.name)}" '
                    f'data-label="{_e(chart.labels[i])}" data-value="{_fmt(v)}" '
                    f'x="{x:.1f}" y="{top:.1f}" width="{bw:.1f}" '
                    f'height="{TOP + plot_h - top:.1f}" fill="{colour}"/>'
                )
                if len(chart.labels) <= 12 and v:
                    out.append(
                        f'<text x="{x + bw / 2:.1f}" y="{top - 4:.1f}" text-anchor="middle" '
                        f'fill="#333">{_fmt(v)}</text>'
                    )
    for k, s in enumerate(lines):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        pts = [
            (LEFT + i * slot + slot / 2, y(v, s.axis), chart.labels[i], v)
            for i, v in enumerate(s.values)
            if v is not None
        ]
        # one polyline per run of consecutive values: a slot without a value is a gap
        runs: list[list[tuple[float, float]]] = []
        last = -2
        for i, v in enumerate(s.values):
            if v is None:
                continue
            if i != last + 1 or not runs:
                runs.append([])
            runs[-1].append((LEFT + i * slot + slot / 2, y(v, s.axis)))
            last = i
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{px:.1f},{py:.1f}" for px, py in run)
                out.append(
                    f'<polyline class="line" data-series="{_e(s.name)}" points="{path}" '
                    f'fill="none" stroke="{colour}" stroke-width="2"/>'
                )
        for px, py, label, v in pts:
            out.append(
                f'<circle class="point" data-series="{_e(s.name)}" data-label="{_e(label)}" '
                f'data-value="{_fmt(v)}" cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>'
            )
    for i, label in enumerate(chart.labels):
        if i % max(1, chart.label_every):
            continue
        out.append(
            f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{TOP + plot_h + 16}" '
            f'text-anchor="middle" fill="#333">{_e(label)}</text>'
        )
    # legend
    lx = LEFT
    for k, s in enumerate(bars):
        out.append(
            f'<rect x="{lx}" y="{H - 16}" width="12" height="10" '
            f'fill="{BAR_COLOURS[k % len(BAR_COLOURS)]}"/>'
        )
        out.append(f'<text x="{lx + 16}" y="{H - 7}">{_e(s.name)}</text>')
        lx += 24 + 13 * len(s.name)
    for k, s in enumerate(lines):
        colour = LINE_COLOURS[k % len(LINE_COLOURS)]
        out.append(
            f'<line x1="{lx}" y1="{H - 11}" x2="{lx + 14}" y2="{H - 11}" '
            f'stroke="{colour}" stroke-width="2"/>'
        )
        out.append(f'<text x="{lx + 18}" y="{H - 7}">{_e(s.name)}</text>')
        lx += 26 + 13 * len(s.name)
    out.append("</svg>")
    return "".join(out)


def flow_svg(flow: Flow) -> str:
    n = max(1, len(flow.steps))
    box_w, box_h, gap = 190.0, 92.0, 36.0
    width = n * box_w + (n - 1) * gap + 20
    height = box_h + 50
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart flow" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" height="{height:.0f}" '
        f'role="img" aria-label="{_e(flow.alt or flow.title)}" font-family="{FONT}" '
        f'font-size="12">',
        f"<title>{_e(flow.title)}</title>",
        f'<rect x="0" y="0" width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="14" '
        f'font-weight="bold">{_e(flow.title)}</text>',
    ]
    for i, step in enumerate(flow.steps):
        x = 10 + i * (box_w + gap)
        top = 34.0
        who = step.who if len(step.who) <= 14 else step.who[:13] + "…"
        out += [
            f'<rect class="step" data-stage="{_e(step.stage)}" data-value="{step.count}" '
            f'x="{x:.0f}" y="{top:.0f}" width="{box_w:.0f}" height="{box_h:.0f}" rx="6" '
            f'fill="#f4f7fb" stroke="#2f5b9a" stroke-width="1.5"/>',
            f'<text x="{x + box_w / 2:.0f}" y="{top + 22:.0f}" text-anchor="middle" '
            f'font-size="14" font-weight="bold" fill="#2f5b9a">{_e(step.stage)}</text>',
            f'<text x="{x + box_w / 2:.0f}" y="{top + 44:.0f}" text-anchor="middle">'
            f"{_e(who)}</text>",
            f'<text x="{x + box_w / 2:.0f}" y="{top + 62:.0f}" text-anchor="middle" '
            f'fill="#555">{_e(step.at)}</text>',
            f'<text x="{x + box_w / 2:.0f}" y="{top + 80:.0f}" text-anchor="middle" '
            f'fill="#555">{step.count} 条</text>',
        ]
        if i:
            ax = x - gap
            ay = top + box_h / 2
            out.append(
                f'<path d="M{ax + 4:.0f},{ay:.0f} L{x - 6:.0f},{ay:.0f} M{x - 12:.0f},'
                f'{ay - 5:.0f} L{x - 6:.0f},{ay:.0f} L{x - 12:.0f},{ay + 5:.0f}" '
                f'stroke="#333" stroke-width="1.5" fill="none"/>'
            )
    out.append("</svg>")
    return "".join(out)


def svg(block: Chart | Flow) -> str:
    return flow_svg(block) if isinstance(block, Flow) else chart_svg(block)


class RasterUnavailable(RuntimeError):
    """PNG output needs Cairo (libcairo2); the message says what to install."""


def png(block: Chart | Flow, scale: float = 2.0) -> bytes:
    """The chart as PNG (for Word), at `scale` × its SVG size so it prints sharply."""
    try:
        import cairosvg
    except (ImportError, OSError) as e:  # OSError: the Cairo library itself is missing
        raise RasterUnavailable(
            f"无法把图表转为图片（{type(e).__name__}）：请安装 Cairo（Debian：apt-get install "
            "libcairo2）。"
        ) from None
    return cairosvg.svg2png(bytestring=svg(block).encode("utf-8"), scale=scale)

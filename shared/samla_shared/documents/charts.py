"""Line charts drawn on the server: indicators over time with baseline and target lines.

SVG is plain text, without a plotting library: a chart here is a few polylines and labels,
and SVG opens in every browser, scales for print, and embeds in a PDF (fpdf2 draws SVG).
Every SVG chart carries <title> and <desc> for screen readers. PNG, for mail clients that
show no SVG, is drawn from the same layout with Pillow (already there for fpdf2) and the
PDF font, so both say the same thing.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

WIDTH, HEIGHT = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 200, 48, 48  # room for the axis labels and the legend on the right
# Colours distinguishable for the common colour-vision deficiencies (Okabe–Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[date, float]]


@dataclass(frozen=True)
class ReferenceLine:
    label: str
    value: float
    dashed: bool = True


@dataclass(frozen=True)
class LineChart:
    title: str
    series: Sequence[Series]
    unit: str = ""
    references: Sequence[ReferenceLine] = field(default_factory=tuple)
    low: float | None = None
    high: float | None = None
    description: str = ""


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".").replace(".", ",")


@dataclass(frozen=True)
class _Layout:
    low: float
    high: float
    first: int
    last: int
    unit: str
    has_days: bool
    ticks: tuple[float, ...]

    def x(self, day: date) -> float:
        return LEFT + (day.toordinal() - self.first) / (self.last - self.first) * (WIDTH - LEFT - RIGHT)

    def y(self, value: float) -> float:
        return TOP + (self.high - value) / (self.high - self.low) * (HEIGHT - TOP - BOTTOM)


def _layout(chart: LineChart) -> _Layout:
    points = [p for s in chart.series for p in s.points]
    values = [v for _, v in points] + [r.value for r in chart.references]
    low = min(values, default=0.0) if chart.low is None else chart.low
    high = max(values, default=1.0) if chart.high is None else chart.high
    if high <= low:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = (low if chart.low is not None else low - pad), (high if chart.high is not None else high + pad)
    days = [d.toordinal() for d, _ in points]
    first, last = (min(days), max(days)) if days else (0, 1)
    if last == first:
        first, last = first - 15, last + 15
    unit = f" {chart.unit}" if chart.unit and chart.unit != "%" else chart.unit
    step = _nice_step((high - low) / 5)
    ticks, tick = [], math.ceil(low / step) * step
    while tick <= high + step * 1e-9:
        ticks.append(round(tick, 10))
        tick += step
    return _Layout(low, high, first, last, unit, bool(days), tuple(ticks))


def _nice_step(rough: float) -> float:
    """1, 2, 2.5 or 5 times a power of ten: grid lines at values a reader can say aloud."""
    power = 10 ** math.floor(math.log10(rough))
    return next(f * power for f in (1, 2, 2.5, 5, 10) if f * power >= rough)


def render_png(chart: LineChart) -> bytes:
    """The same chart as a PNG (twice the SVG's size, for sharp print and high-density screens)."""
    from PIL import Image, ImageDraw, ImageFont  # Pillow: only the PNG path needs it

    from samla_shared.documents.pdf import font_file

    scale = 2
    layout = _layout(chart)
    image = Image.new("RGB", (WIDTH * scale, HEIGHT * scale), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(font_file()), 12 * scale)
    bold = ImageFont.truetype(str(font_file(bold=True)), 16 * scale)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * scale, y * scale

    def dashed(y: float, start: float, end: float) -> None:
        x = start
        while x < end:
            draw.line([at(x, y), at(min(x + 6, end), y)], fill="#555555", width=2 * scale)
            x += 10

    draw.text(at(LEFT, 12), chart.title, fill="black", font=bold)
    for value in layout.ticks:
        draw.line([at(LEFT, layout.y(value)), at(WIDTH - RIGHT, layout.y(value))], fill="#e0e0e0", width=scale)
        draw.text(at(LEFT - 8, layout.y(value)), f"{_number(value)}{layout.unit}", fill="black", font=font,
                  anchor="rm")
    draw.line([at(LEFT, TOP), at(LEFT, HEIGHT - BOTTOM)], fill="#666666", width=scale)
    if layout.has_days:
        for day in (date.fromordinal(layout.first), date.fromordinal(layout.last)):
            draw.text(at(layout.x(day), HEIGHT - BOTTOM + 14), f"{day:%d.%m.%Y}", fill="black", font=font,
                      anchor="mm")
    legend_y = TOP + 4
    for reference in chart.references:
        if reference.dashed:
            dashed(layout.y(reference.value), LEFT, WIDTH - RIGHT)
            dashed(legend_y, WIDTH - RIGHT + 12, WIDTH - RIGHT + 36)
        else:
            draw.line([at(LEFT, layout.y(reference.value)), at(WIDTH - RIGHT, layout.y(reference.value))],
                      fill="#555555", width=2 * scale)
            draw.line([at(WIDTH - RIGHT + 12, legend_y), at(WIDTH - RIGHT + 36, legend_y)], fill="#555555",
                      width=2 * scale)
        draw.text(at(WIDTH - RIGHT + 42, legend_y), f"{reference.label} {_number(reference.value)}{layout.unit}",
                  fill="black", font=font, anchor="lm")
        legend_y += 20
    for n, series in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        ordered = sorted(series.points)
        if len(ordered) > 1:
            draw.line([at(layout.x(d), layout.y(v)) for d, v in ordered], fill=colour, width=3 * scale,
                      joint="curve")
        for d, v in ordered:
            x, y = at(layout.x(d), layout.y(v))
            draw.ellipse([x - 4 * scale, y - 4 * scale, x + 4 * scale, y + 4 * scale], fill=colour)
        draw.rectangle([at(WIDTH - RIGHT + 12, legend_y - 2), at(WIDTH - RIGHT + 36, legend_y + 2)], fill=colour)
        draw.text(at(WIDTH - RIGHT + 42, legend_y), series.name[:24], fill="black", font=font, anchor="lm")
        legend_y += 20
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def render_svg(chart: LineChart) -> str:
    layout = _layout(chart)
    x, y, unit = layout.x, layout.y, layout.unit
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           f"<title>{escape(chart.title)}</title>",
           f"<desc>{escape(chart.description or _describe(chart, unit))}</desc>",
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           f'<text x="{LEFT}" y="28" font-size="16" font-weight="bold">{escape(chart.title)}</text>']
    for value in layout.ticks:  # horizontal grid with value labels
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                   f'stroke="#e0e0e0"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{_number(value)}{unit}</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#666"/>')
    if layout.has_days:
        for day in (date.fromordinal(layout.first), date.fromordinal(layout.last)):
            out.append(f'<text x="{x(day):.1f}" y="{TOP + plot_h + 20}" text-anchor="middle">'
                       f'{day:%d.%m.%Y}</text>')
    legend_y = TOP + 4
    for reference in chart.references:
        dash = ' stroke-dasharray="6 4"' if reference.dashed else ""
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(reference.value):.1f}" '
                   f'y2="{y(reference.value):.1f}" stroke="#555"{dash} stroke-width="1.5"/>')
        out.append(f'<line x1="{WIDTH - RIGHT + 12}" x2="{WIDTH - RIGHT + 36}" y1="{legend_y}" y2="{legend_y}" '
                   f'stroke="#555"{dash} stroke-width="1.5"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 42}" y="{legend_y + 4}">{escape(reference.label)} '
                   f'{_number(reference.value)}{unit}</text>')
        legend_y += 20
    for n, series in enumerate(chart.series):
        colour = PALETTE[n % len(PALETTE)]
        ordered = sorted(series.points)
        if len(ordered) > 1:
            path = " ".join(f"{x(d):.1f},{y(v):.1f}" for d, v in ordered)
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{path}"/>')
        for d, v in ordered:
            out.append(f'<circle cx="{x(d):.1f}" cy="{y(v):.1f}" r="4" fill="{colour}">'
                       f"<title>{escape(series.name)}: {d:%d.%m.%Y} {_number(v)}{unit}</title></circle>")
        out.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{legend_y - 6}" width="24" height="4" fill="{colour}"/>')
        out.append(f'<text x="{WIDTH - RIGHT + 42}" y="{legend_y}">{escape(series.name[:24])}</text>')
        legend_y += 20
    out.append("</svg>")
    return "\n".join(out)


def _describe(chart: LineChart, unit: str) -> str:
    parts = []
    for series in chart.series:
        readings = ", ".join(f"{d:%d.%m.%Y}: {_number(v)}{unit}" for d, v in sorted(series.points))
        parts.append(f"{series.name}: {readings or 'no readings yet'}")
    parts += [f"{r.label}: {_number(r.value)}{unit}" for r in chart.references]
    return ". ".join(parts)

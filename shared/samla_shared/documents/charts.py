"""Line charts as SVG, drawn on the server: indicators over time with baseline and target lines.

Plain SVG text, without a plotting library: a chart here is a few polylines and labels,
and SVG opens in every browser and mail client, scales for print, and embeds in a PDF
(fpdf2 draws SVG). Every chart carries <title> and <desc> for screen readers.
"""

from __future__ import annotations

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


def render_svg(chart: LineChart) -> str:
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
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(day: date) -> float:
        return LEFT + (day.toordinal() - first) / (last - first) * plot_w

    def y(value: float) -> float:
        return TOP + (high - value) / (high - low) * plot_h

    unit = f" {chart.unit}" if chart.unit and chart.unit != "%" else chart.unit
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
           f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">',
           f"<title>{escape(chart.title)}</title>",
           f"<desc>{escape(chart.description or _describe(chart, unit))}</desc>",
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
           f'<text x="{LEFT}" y="28" font-size="16" font-weight="bold">{escape(chart.title)}</text>']
    for n in range(5):  # horizontal grid with value labels
        value = low + (high - low) * n / 4
        out.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                   f'stroke="#e0e0e0"/>')
        out.append(f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end">{_number(value)}{unit}</text>')
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="#666"/>')
    if days:
        for day in (date.fromordinal(first), date.fromordinal(last)):
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

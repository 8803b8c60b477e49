"""Charts as inline SVG: no script, no network, drawn the same in every browser.

Each chart takes plain numbers and labels and returns an ``<svg>`` element. Colours are
passed in, so a page can give each chart its own (the rendering test looks for them).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP, PAD_RIGHT = 760, 240, 70, 28, 14, 14
AXIS, GRID, TEXT = "#555555", "#e4e4e4", "#333333"


def _number(value: float) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:.0f}k"
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"


def _svg(width: int, height: int, body: str, label: str) -> str:
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(label)}' "
        f"font-family='system-ui,sans-serif' font-size='11'>{body}</svg>"
    )


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    label: str,
) -> str:
    """One or more lines over shared x labels; each series ``(name, colour, values)`` gets its
    own scale (left axis: the first series), so revenue and units share one chart. A value
    of None is unknown: the line breaks there and a dashed mark says "incomplete", so an
    unknown day never reads as a zero."""
    if not labels:
        return _empty(label)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(len(labels) - 1, 1)
    parts = []
    first_top = max(max((v for v in series[0][2] if v is not None), default=0), 1e-9)
    for tick in range(5):
        y = PAD_TOP + plot_h * tick / 4
        parts.append(
            f"<line x1='{PAD_LEFT}' y1='{y:.1f}' x2='{WIDTH - PAD_RIGHT}' y2='{y:.1f}' "
            f"stroke='{GRID}'/><text x='{PAD_LEFT - 6}' y='{y + 4:.1f}' text-anchor='end' "
            f"fill='{TEXT}'>{_number(first_top * (4 - tick) / 4)}</text>"
        )
    for index in range(0, len(labels), max(1, len(labels) // 8)):
        x = PAD_LEFT + index * step
        parts.append(
            f"<text x='{x:.1f}' y='{HEIGHT - 8}' text-anchor='middle' fill='{TEXT}'>"
            f"{escape(labels[index])}</text>"
        )
    unknown = sorted({i for _, _, values in series for i, v in enumerate(values) if v is None})
    for index in unknown:
        x = PAD_LEFT + index * step
        parts.append(
            f"<line x1='{x:.1f}' y1='{PAD_TOP + 14}' x2='{x:.1f}' y2='{HEIGHT - PAD_BOTTOM}' "
            f"stroke='{TEXT}' stroke-dasharray='4 3' data-incomplete='{escape(labels[index])}'/>"
            f"<text x='{x - 4:.1f}' y='{PAD_TOP + plot_h / 2:.1f}' text-anchor='end' "
            f"fill='{TEXT}'>incomplete</text>"
        )
    for position, (name, colour, values) in enumerate(series):
        top = max(max((v for v in values if v is not None), default=0), 1e-9)
        for run in _known_runs(values):
            points = " ".join(
                f"{PAD_LEFT + i * step:.1f},{PAD_TOP + plot_h * (1 - v / top):.1f}" for i, v in run
            )
            parts.append(
                f"<polyline points='{points}' fill='none' stroke='{colour}' stroke-width='3' "
                "stroke-linejoin='round'/>"
            )
        legend_x = PAD_LEFT + 10 + position * 190
        parts.append(
            f"<rect x='{legend_x}' y='{PAD_TOP}' width='14' height='10' fill='{colour}'/>"
            f"<text x='{legend_x + 18}' y='{PAD_TOP + 9}' fill='{TEXT}'>{escape(name)} "
            f"(max {_number(top)})</text>"
        )
    return _svg(WIDTH, HEIGHT, "".join(parts), label)


def _known_runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """The stretches of consecutive known values, with their positions."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


def bar_chart(
    rows: Sequence[tuple[str, float]],
    colour: str,
    label: str,
    negative_colour: str | None = None,
    value_format: str = "{:,.0f}",
) -> str:
    """Horizontal bars, one per ``(label, value)``; negative values extend left of zero."""
    if not rows:
        return _empty(label)
    bar_h, gap, name_w = 18, 6, 230
    height = PAD_TOP + len(rows) * (bar_h + gap) + 6
    low = min(0.0, *(v for _, v in rows))
    high = max(0.0, *(v for _, v in rows))
    span = (high - low) or 1.0
    plot_w = WIDTH - name_w - 90
    zero_x = name_w + plot_w * (-low / span)
    parts = [f"<line x1='{zero_x:.1f}' y1='{PAD_TOP - 4}' x2='{zero_x:.1f}' "
             f"y2='{height - 4}' stroke='{AXIS}'/>"]  # fmt: skip
    for index, (name, value) in enumerate(rows):
        y = PAD_TOP + index * (bar_h + gap)
        width = plot_w * abs(value) / span
        x = zero_x if value >= 0 else zero_x - width
        fill = colour if value >= 0 or negative_colour is None else negative_colour
        text_x = zero_x + width + 4 if value >= 0 else zero_x + 4
        parts.append(
            f"<text x='{name_w - 8}' y='{y + 13}' text-anchor='end' fill='{TEXT}'>"
            f"{escape(name[:38])}</text><rect x='{x:.1f}' y='{y}' width='{max(width, 1):.1f}' "
            f"height='{bar_h}' fill='{fill}'/><text x='{text_x:.1f}' y='{y + 13}' "
            f"fill='{TEXT}'>{escape(value_format.format(value))}</text>"
        )
    return _svg(WIDTH, height, "".join(parts), label)


def stacked_columns(
    labels: Sequence[str],
    stacks: Sequence[tuple[str, str, Sequence[float]]],
    label: str,
) -> str:
    """Columns per x label, stacked by series ``(name, colour, values)``, with a legend."""
    if not labels or not stacks:
        return _empty(label)
    legend_h = 14 * ((len(stacks) + 3) // 4)
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM - legend_h
    totals = [sum(s[2][i] for s in stacks) for i in range(len(labels))]
    top = max(max(totals), 1)
    column_w = plot_w / len(labels)
    parts = [
        f"<text x='{PAD_LEFT - 6}' y='{PAD_TOP + legend_h + 4}' text-anchor='end' fill='{TEXT}'>"
        f"{_number(top)}</text><line x1='{PAD_LEFT}' y1='{PAD_TOP + legend_h + plot_h}' "
        f"x2='{WIDTH - PAD_RIGHT}' y2='{PAD_TOP + legend_h + plot_h}' stroke='{AXIS}'/>"
    ]
    for index in range(len(labels)):
        base = float(PAD_TOP + legend_h + plot_h)
        x = PAD_LEFT + index * column_w + column_w * 0.1
        for _, colour, values in stacks:
            height = plot_h * values[index] / top
            if height > 0:
                base -= height
                parts.append(
                    f"<rect x='{x:.1f}' y='{base:.1f}' width='{column_w * 0.8:.1f}' "
                    f"height='{height:.1f}' fill='{colour}'/>"
                )
    for index in range(0, len(labels), max(1, len(labels) // 8)):
        x = PAD_LEFT + (index + 0.5) * column_w
        parts.append(
            f"<text x='{x:.1f}' y='{HEIGHT - 8}' text-anchor='middle' fill='{TEXT}'>"
            f"{escape(labels[index])}</text>"
        )
    for position, (name, colour, values) in enumerate(stacks):  # legend: 4 per row
        legend_x, legend_y = PAD_LEFT + 10 + (position % 4) * 170, 4 + (position // 4) * 14
        parts.append(
            f"<rect x='{legend_x}' y='{legend_y}' width='14' height='10' fill='{colour}'/>"
            f"<text x='{legend_x + 18}' y='{legend_y + 9}' fill='{TEXT}'>"
            f"{escape(name[:22])} ({_number(sum(values))})</text>"
        )
    return _svg(WIDTH, HEIGHT, "".join(parts), label)


def sparkline(values: Sequence[float], colour: str, width: int = 160, height: int = 28) -> str:
    """A tiny line of recent values, with the last value as a dot."""
    if not values:
        return ""
    top = max(max(values), 1e-9)
    step = (width - 6) / max(len(values) - 1, 1)
    points = [(3 + i * step, height - 3 - (height - 6) * v / top) for i, v in enumerate(values)]
    line = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    body = (
        f"<polyline points='{line}' fill='none' stroke='{colour}' stroke-width='2.5'/>"
        f"<circle cx='{last_x:.1f}' cy='{last_y:.1f}' r='3' fill='{colour}'/>"
    )
    return _svg(width, height, body, "units per day")


def _empty(label: str) -> str:
    return f"<p class='empty'>{escape(label)}: no data yet for this period.</p>"

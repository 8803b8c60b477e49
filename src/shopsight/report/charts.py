"""The report's charts, drawn by matplotlib's SVG backend and inlined: no script, no network.

Every chart has a title that states its window, labelled axes with units and several ticks,
and a legend placed outside the plotting area so it never covers data. The SVG scales to
its container (a viewBox, width 100%), so a phone shows the whole chart. Colours are passed
in, so a page can give each chart its own (the rendering test looks for them); axis labels
carry ids (`x-label`, `y-label`) the rendering test reads.
"""

from __future__ import annotations

import io
import itertools
import re
import textwrap
from collections.abc import Sequence
from datetime import date
from html import escape
from typing import Any

import matplotlib

matplotlib.use("svg")  # no display, no GUI toolkit: the SVG backend only

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import ticker  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

WIDTH_INCHES = 5.6  # 538 px at 96 dpi: scaled down to a phone, text stays legible
TEXT, GRID, INCOMPLETE = "#333333", "#e4e4e4", "#9e9e9e"
STYLE: dict[Any, Any] = {
    "font.size": 9.5,
    "font.family": ["DejaVu Sans", "sans-serif"],
    "svg.fonttype": "none",  # text stays text: small, selectable, readable by a test
    "axes.edgecolor": "#777777",
    "axes.labelcolor": TEXT,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_serial = itertools.count()


def _figure(height: float, rows: int = 1) -> tuple[Figure, list[Axes]]:
    figure = Figure(figsize=(WIDTH_INCHES, height), layout="constrained")
    axes = figure.subplots(rows, 1, sharex=True, squeeze=False)[:, 0]
    return figure, list(axes)


def _label(axes: Axes, x: str, y: str) -> None:
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.xaxis.label.set_gid("x-label")
    axes.yaxis.label.set_gid("y-label")
    axes.grid(True, color=GRID, linewidth=0.8)
    axes.set_axisbelow(True)


def _legend_above(axes: Axes, columns: int) -> None:
    """The legend in a row above the plotting area: it never covers data."""
    axes.legend(
        loc="lower left",
        bbox_to_anchor=(0, 1.02, 1, 0.2),
        ncols=max(1, columns),
        frameon=False,
        borderaxespad=0,
        mode="expand" if columns > 2 else None,
    )


def _svg(figure: Figure, label: str, css: str = "chart") -> str:
    """The figure as an inline ``<svg>`` that scales to its container."""
    buffer = io.StringIO()
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": f"shopsight-{next(_serial)}"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", pad_inches=0.05)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r'\swidth="[\d.]+pt"\sheight="[\d.]+pt"', "", svg, count=1)
    return svg.replace(
        "<svg ",
        f"<svg class='{css}' width='100%' role='img' aria-label='{escape(label)}' ",
        1,
    )


def _money_ticks(axes: Axes, axis: str = "y") -> None:
    target = axes.yaxis if axis == "y" else axes.xaxis
    target.set_major_formatter(ticker.FuncFormatter(_short_number))
    target.set_major_locator(ticker.MaxNLocator(nbins=5, min_n_ticks=3))


def _short_number(value: float, _: Any = None) -> str:
    if abs(value) >= 1_000_000:
        return f"{value / 1_000_000:,.1f}M"
    if abs(value) >= 10_000:
        return f"{value / 1_000:,.0f}k"
    return f"{value:,.0f}" if value == int(value) or abs(value) >= 100 else f"{value:,.2f}"


def daily_panels(
    days: Sequence[date],
    panels: Sequence[tuple[str, str, str, Sequence[float | None]]],
    title: str,
) -> str:
    """One panel per series ``(name, y label, colour, values)`` over shared days, each on its
    own axis. A value of None is unknown: the line breaks there and a grey band marks the day
    "incomplete", so an unknown day never reads as a zero."""
    with matplotlib.rc_context(STYLE):
        figure, axes = _figure(2.0 * len(panels) + 0.6, len(panels))
        unknown = sorted({i for *_, values in panels for i, v in enumerate(values) if v is None})
        x = mdates.date2num(list(days))  # days as matplotlib's date numbers (1.0 = one day)
        for number, (panel, (name, y_label, colour, values)) in enumerate(
            zip(axes, panels, strict=True)
        ):
            plotted = [float("nan") if v is None else v for v in values]
            panel.plot(x, plotted, color=colour, linewidth=2.6, label=name)
            for index in unknown:
                panel.axvspan(
                    x[index] - 0.5,
                    x[index] + 0.5,
                    color=INCOMPLETE,
                    alpha=0.35,
                    linewidth=0,
                    label="incomplete day (unknown, not zero)" if index == unknown[0] else None,
                    gid=f"incomplete-{days[index].isoformat()}-{number}",
                )
            panel.set_ylim(bottom=0)
            _label(panel, "day (UTC)", y_label)
            _money_ticks(panel)
            _legend_above(panel, 2)
        axes[-1].xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        for upper in axes[:-1]:
            upper.set_xlabel("")
        figure.suptitle(title, x=0.01, ha="left", fontsize=10.5)
        return _svg(figure, title)


def bar_chart(
    rows: Sequence[tuple[str, float]],
    colour: str,
    title: str,
    x_label: str,
    y_label: str,
    negative_colour: str | None = None,
    value_format: str = "{:,.0f}",
    legend: tuple[str, str] | None = None,
) -> str:
    """Horizontal bars, one per ``(label, value)``, largest first as given; negative values
    extend left of zero in ``negative_colour``. Long labels wrap, never cut; each bar carries
    its value. ``legend`` names the two colours (positive, negative)."""
    if not rows:
        return empty(title)
    with matplotlib.rc_context(STYLE):
        names = [textwrap.fill(name, 26) for name, _ in rows]
        lines = sum(name.count("\n") + 1 for name in names)
        figure, (axes,) = _figure(0.9 + 0.28 * max(lines, len(rows)))
        values = [value for _, value in rows]
        colours = [colour if v >= 0 or negative_colour is None else negative_colour for v in values]
        positions = list(range(len(rows)))
        axes.barh(positions, values, color=colours, height=0.7)
        axes.set_yticks(positions, names)
        axes.invert_yaxis()
        axes.axvline(0, color="#777777", linewidth=0.8)
        # Room beyond the longest bar on each side for its value label (wider when bars run
        # both ways: the span is then shared by two sides).
        low, high = min(values + [0.0]), max(values + [0.0])
        room = (high - low or 1.0) * (0.35 if low < 0 else 0.22)
        axes.set_xlim(low - room * (low < 0), high + room)
        for position, value in zip(positions, values, strict=True):
            axes.annotate(
                value_format.format(value),
                (value, position),
                xytext=(4 if value >= 0 else -4, 0),
                textcoords="offset points",
                ha="left" if value >= 0 else "right",
                va="center",
                color=TEXT,
            )
        _label(axes, x_label, y_label)
        axes.grid(False, axis="y")
        axes.xaxis.set_major_locator(ticker.MaxNLocator(nbins=5, min_n_ticks=3))
        if legend and negative_colour:
            axes.legend(
                handles=[
                    Patch(color=colour, label=legend[0]),
                    Patch(color=negative_colour, label=legend[1]),
                ],
                loc="lower left",
                bbox_to_anchor=(0, 1.02),
                ncols=2,
                frameon=False,
                borderaxespad=0,
            )
        figure.suptitle(title, x=0.01, ha="left", fontsize=10.5)
        return _svg(figure, title)


def stacked_columns(
    days: Sequence[date],
    stacks: Sequence[tuple[str, str, Sequence[float]]],
    title: str,
    y_label: str,
) -> str:
    """Columns per day, stacked by series ``(name, colour, values)``, with a legend above."""
    if not days or not stacks:
        return empty(title)
    with matplotlib.rc_context(STYLE):
        figure, (axes,) = _figure(2.6 + 0.2 * ((len(stacks) + 2) // 3))
        base = [0.0] * len(days)
        for name, colour, values in stacks:
            axes.bar(
                mdates.date2num(list(days)),
                values,
                bottom=base,
                color=colour,
                width=0.8,
                label=f"{name} ({_short_number(sum(values))})",
            )
            base = [b + v for b, v in zip(base, values, strict=True)]
        _label(axes, "day the files cover (UTC)", y_label)
        axes.yaxis.set_major_locator(ticker.MaxNLocator(nbins=5, min_n_ticks=3, integer=True))
        axes.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=4, maxticks=8))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        _legend_above(axes, min(3, len(stacks)))
        figure.suptitle(title, x=0.01, ha="left", fontsize=10.5)
        return _svg(figure, title)


def band_chart(
    series: Sequence[tuple[str, float]],
    band: tuple[float, float, float],
    title: str,
    colour: str,
) -> str:
    """A monitored series over its window with the checked day's band: the usual value as a
    dashed line, the band as a shaded span, the day as a dot (inside or outside it)."""
    x = mdates.date2num([date.fromisoformat(day) for day, _ in series])
    values = [value for _, value in series]
    expected, low, high = band
    with matplotlib.rc_context(STYLE):
        figure, (axes,) = _figure(1.9)
        axes.plot(x, values, color=colour, linewidth=1.8, label="per day")
        axes.axhspan(max(low, 0), high, color=GRID, alpha=0.7, label="usual band, this weekday")
        axes.axhline(expected, color=TEXT, linewidth=1, linestyle="--", label="usual value")
        axes.plot([x[-1]], [values[-1]], "o", color=colour, markersize=7, label="the day")
        # An earlier anomaly in the window (prices x100) would flatten the rest: the axis
        # stops a little above the band and the day, and such a spike leaves the chart.
        top = max(high, values[-1], expected) * 1.3
        if max(values) > top:
            axes.set_ylim(bottom=min(0, min(values)), top=top)
        _money_ticks(axes)
        axes.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))
        axes.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        _label(axes, "day", "")
        _legend_above(axes, 4)
        # The title names a part from the data ("Under $10"): text, never mathtext.
        figure.suptitle(title, x=0.01, ha="left", fontsize=10.5, parse_math=False)
        return _svg(figure, title)


def sparkline(values: Sequence[float], colour: str) -> str:
    """A tiny line of recent values with the last one as a dot (a table cell's chart: the
    column header says what it shows)."""
    if not values:
        return ""
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(1.7, 0.32))
        axes = figure.add_axes((0.02, 0.08, 0.96, 0.84))
        axes.plot(range(len(values)), values, color=colour, linewidth=2.2)
        axes.plot([len(values) - 1], [values[-1]], "o", color=colour, markersize=4)
        axes.set_ylim(bottom=0, top=max(max(values), 1) * 1.1)
        axes.axis("off")
        return _svg(figure, "units per day", css="sparkline")


def empty(title: str) -> str:
    return f"<p class='empty'>{escape(title)}: no data yet for this period.</p>"

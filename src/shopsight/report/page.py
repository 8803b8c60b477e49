"""The daily run report as one self-contained HTML page (inline SVG charts drawn by
matplotlib, inline style, no script) that reads on a phone (390 px) and a desktop."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from html import escape

from shopsight.reconcile.render import money
from shopsight.reconcile.result import Reconciliation
from shopsight.report.charts import (
    band_chart,
    bar_chart,
    daily_panels,
    empty,
    sparkline,
    stacked_columns,
)
from shopsight.report.data import HISTORY_DAYS, ReportData
from shopsight.words import plural

MAX_ANOMALY_CHARTS = 4
# One colour per chart, so a rendering can be checked chart by chart.
COLOURS = {
    "revenue": "#1f77b4",
    "units": "#ff7f0e",
    "funnel": "#2ca02c",
    "stalled": "#d62728",
    "price_up": "#9467bd",
    "price_down": "#8c564b",
    "files_loaded": "#393b79",
    "files_quarantined": "#e7969c",
    "files_skipped": "#c7c7c7",
    "delivery": "#637939",
    "anomaly": "#17becf",
    "reconcile_up": "#843c39",
    "reconcile_down": "#3182bd",
}
REASON_COLOURS = [
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#aec7e8",
    "#ffbb78", "#98df8a", "#ff9896", "#c49c94", "#dbdb8d",
]  # fmt: skip

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}"
    "header{background:#1d2b3a;color:#fff;padding:1.2em 2em}header h1{margin:0;font-size:1.5em}"
    "main{padding:1em 2em;max-width:1100px;box-sizing:border-box}"
    "section{background:#fff;border:1px solid #e2e2e2;"
    "border-radius:6px;padding:1em 1.4em;margin:1em 0}h2{margin-top:0;font-size:1.15em}"
    ".kpis{display:flex;gap:1em;flex-wrap:wrap}.kpi{background:#fff;border:1px solid #e2e2e2;"
    "border-radius:6px;padding:.7em 1em;min-width:150px}.kpi b{display:block;font-size:1.4em}"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border-bottom:1px solid #eee;"
    "padding:.25em .7em;text-align:right;vertical-align:middle}td:first-child,th:first-child"
    "{text-align:left}td+td{white-space:nowrap}"  # a date or a figure never breaks
    ".bad{color:#b00020;font-weight:bold}.good{color:#1b7f3b;font-weight:bold}"
    ".empty{color:#777;font-style:italic}.window{color:#555;font-size:.9em;margin-top:-.4em}"
    "svg.chart{display:block;max-width:720px;height:auto;margin:.4em 0}"
    "svg.sparkline{width:120px;height:auto}.scroll{overflow-x:auto;max-width:100%}"
    "code,p,.status li{overflow-wrap:anywhere}"
    "@media (max-width:600px){header,.status{padding:.8em 1em}main{padding:.5em .6em}"
    "section{padding:.7em .8em}header h1{font-size:1.15em}.kpi{min-width:40%}"
    "td,th{padding:.25em .4em}}"
    ".status{padding:.8em 2em;font-weight:bold}.status ul{margin:.3em 0;font-weight:normal}"
    ".status-green{background:#e3f4e8;color:#1b5e2f}.status-amber{background:#fff4d6;"
    "color:#7a5200}.status-red{background:#fde2e4;color:#8a0016}"
)
STATUS_WORDS = {
    "green": "Green: every file is trusted, every day complete, every test passed.",
    "amber": "Amber: the numbers stand, with warnings.",
    "red": "Red: do not trust these numbers as they stand.",
}


def render_page(
    data: ReportData, reconciliation: Reconciliation | None, generated_at: datetime
) -> str:
    """The whole report page."""
    sections = [
        _kpis(data, reconciliation),
        _anomalies(data),
        _revenue(data),
        _funnel(data),
        _campaigns(data),
        _stalled(data),
        _price_changes(data),
        _pipeline(data),
        _tracking(data),
        _reconciliation(reconciliation),
    ]
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>ShopSight daily report {data.run_date}</title><style>{STYLE}</style></head>"
        f"<body><header><h1>ShopSight daily report: {data.run_date:%A %-d %B %Y}</h1>"
        f"<div>generated {generated_at:%Y-%m-%d %H:%M} UTC</div></header>"
        f"{_status(data)}<main>{''.join(sections)}</main></body></html>\n"
    )


def _status(data: ReportData) -> str:
    """The banner: the day's verdict as the run decided it (green, amber or red, naming
    each untrusted file and incomplete day), its accepted gaps, and what was reported
    before."""
    verdict = data.verdict
    colour, reasons = data.status
    if verdict is not None:
        reasons = verdict.reasons
    words = STATUS_WORDS[colour]
    if colour == "green" and data.tests is None:
        words = "Green: every file is trusted and the day complete (no build's tests counted)."
    if colour == "green" and verdict is not None and verdict.accepted:
        words = "Green, with caveats: the numbers stand; the gaps below are known and owned."
    parts = [_items(reasons)]
    if verdict is not None and verdict.caveats:
        parts.append(f"<p>Accepted gaps (their data stays unknown):</p>{_items(verdict.caveats)}")
    if verdict is not None and verdict.notes:
        parts.append(f"<p>Reported on earlier days:</p>{_items(verdict.notes)}")
    return (
        f"<div class='status status-{colour}' data-status='{colour}'>"
        f"{escape(words)}{''.join(parts)}</div>"
    )


def _items(lines: list[str]) -> str:
    return f"<ul>{''.join(f'<li>{escape(line)}</li>' for line in lines)}</ul>" if lines else ""


def _section(title: str, body: str, window: str = "") -> str:
    said = f"<p class='window'>{escape(window)}</p>" if window else ""
    return f"<section><h2>{escape(title)}</h2>{said}{body}</section>"


def _window(data: ReportData) -> str:
    """The charts' window, stated on each section that draws one."""
    first = data.run_date - timedelta(days=HISTORY_DAYS - 1)
    return f"The {HISTORY_DAYS} days {first:%-d %b} to {data.run_date:%-d %b %Y} (UTC days)."


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A table that scrolls sideways inside its section when a phone is too narrow for it."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f"<div class='scroll'>{table}</div>"


def _kpis(data: ReportData, reconciliation: Reconciliation | None) -> str:
    last = next((row for row in data.revenue if row[0] == data.run_date), None)
    week_days = {data.run_date - timedelta(days=i) for i in range(7)}
    week = sum((net for day, net, _ in data.revenue if day in week_days), Decimal(0))
    incomplete = "<span class='bad'>incomplete</span>"
    boxes = [
        (
            "net revenue, report day",
            incomplete if data.run_date in data.incomplete else money(last[1]) if last else "–",
        ),
        (
            "net revenue, last 7 days",
            incomplete if week_days & set(data.incomplete) else money(week),
        ),
        (
            "units, report day",
            incomplete if data.run_date in data.incomplete else f"{last[2]:,}" if last else "–",
        ),
    ]
    if data.tests is None:
        boxes.append(("data tests", "not run by this command"))
    else:
        failed = data.tests.get("fail", 0) + data.tests.get("error", 0)
        boxes += [
            ("tests passed", f"{data.tests.get('pass', 0):,}"),
            ("tests failed", f"<span class='{'bad' if failed else 'good'}'>{failed:,}</span>"),
        ]
    if reconciliation is not None:
        unexplained = reconciliation.unexplained
        css = "bad" if abs(unexplained) >= Decimal("0.01") else "good"
        boxes.append(
            ("unexplained revenue gap", f"<span class='{css}'>{money(unexplained)}</span>")
        )
    return (
        "<div class='kpis'>"
        + "".join(f"<div class='kpi'>{escape(name)}<b>{value}</b></div>" for name, value in boxes)
        + "</div>"
    )


def _anomalies(data: ReportData) -> str:
    """What the monitors found in the last week: the day's anomalies with a chart of the
    monitored series and its band; earlier days' and acknowledged ones as lines."""
    title = "Anomalies: days unlike their usual weekday"
    if not data.anomalies:
        return _section(
            title,
            "<p>Nothing unusual: every monitor with enough history found the last week "
            "within its usual band (monitors.yaml, docs/anomalies.md).</p>",
        )
    charts: list[str] = []
    lines: list[str] = []
    # The day's first, the marts' before the landed tables'.
    ordered = sorted(
        data.anomalies,
        key=lambda a: (a[0].day != data.run_date.isoformat(), a[0].monitor.startswith("landed.")),
    )
    for found, detail in ordered:
        state = (
            f" (expected: acknowledged by {found.acked_by}: {found.ack_reason})"
            if found.acked
            else f' (open: shopsight anomalies ack {found.anomaly_id} --reason "...")'
        )
        lines.append(f"{found.day}: {found.sentence}{state}")
        if (
            found.day == data.run_date.isoformat()
            and found.kind in ("drop", "rise", "mix")
            and detail.get("series")
            and len(charts) < MAX_ANOMALY_CHARTS
        ):
            charts.append(
                band_chart(
                    [(str(day), float(value)) for day, value in detail["series"]],
                    (float(detail["expected"]), float(detail["low"]), float(detail["high"])),
                    f"{found.monitor}: {found.day}"
                    + (f" ({detail['parts'][0]['name']}'s share)" if found.kind == "mix" else ""),
                    COLOURS["anomaly"],
                )
            )
    return _section(title, _items(lines) + "".join(charts))


def _revenue(data: ReportData) -> str:
    days = [day for day, _, _ in data.revenue]
    chart = (
        daily_panels(
            days,
            [
                (
                    "net revenue",
                    f"net revenue ({data.currency})",
                    COLOURS["revenue"],
                    [None if d in data.incomplete else float(net) for d, net, _ in data.revenue],
                ),
                (
                    "units sold",
                    "units",
                    COLOURS["units"],
                    [None if d in data.incomplete else units for d, _, units in data.revenue],
                ),
            ],
            "Net revenue and units per day",
        )
        if days
        else empty("Net revenue and units per day")
    )
    gaps = [f"{day:%d %b}" for day, _, _ in data.revenue if day in data.incomplete]
    note = (
        f"<p class='bad'>Incomplete, so left out of the lines (not zero): {', '.join(gaps)}. "
        "The banner above says why.</p>"
        if gaps
        else ""
    )
    return _section("Revenue and units per day", chart + note, _window(data))


def _funnel(data: ReportData) -> str:
    rates = [(s, 100.0 * p / n if n else 0.0) for s, n, _, _, p in data.funnel]
    chart = bar_chart(
        rates,
        COLOURS["funnel"],
        "Conversion by traffic source",
        "sessions that purchased (%)",
        "traffic source",
        value_format="{:.2f}%",
    )
    rows = [
        [escape(s), f"{n:,}", f"{v:,}", f"{c:,}", f"{p:,}", f"{100.0 * p / n if n else 0:.2f}%"]
        for s, n, v, c, p in data.funnel
    ]
    header = [
        "traffic source",
        "sessions",
        "viewed a product",
        "added to cart",
        "purchased",
        "conversion",
    ]
    body = chart + (_table(header, rows) if rows else "")
    return _section(
        "Web funnel by traffic source (sessions reaching each step)", body, _window(data)
    )


def _campaigns(data: ReportData) -> str:
    if not data.campaigns:
        return _section("Campaigns by traffic source", "<p class='empty'>No web data.</p>")
    chart = bar_chart(
        [(c.source, float(c.net_revenue)) for c in data.campaigns],
        COLOURS["funnel"],
        "Net revenue by traffic source (last touch)",
        f"net revenue ({data.currency})",
        "traffic source (last touch)",
        value_format="{:,.2f}",
    )
    rows = [
        [
            escape(c.source),
            "–" if c.sessions is None else f"{c.sessions:,}",
            "–" if c.conversion_rate is None else f"{100 * c.conversion_rate:.2f}%",
            f"{c.orders:,}",
            f"{c.net_revenue:,.2f}",
            "–" if c.average_order_value is None else f"{c.average_order_value:,.2f}",
            f"{c.first_touch_revenue:,.2f}",
        ]
        for c in data.campaigns
    ]
    header = [
        "traffic source",
        "sessions",
        "conversion",
        "orders (last touch)",
        "net revenue (last touch)",
        "average order",
        "net revenue (first touch)",
    ]
    customers = _table(
        ["customers", "orders", "net revenue"],
        [[escape(k), f"{n:,}", f"{r:,.2f}"] for k, n, r in data.customer_types],
    )
    note = (
        "<p>Last touch: the session that led to the order; first touch: the customer's first "
        'session (docs/warehouse.md, "Attribution"). New customers place their first order '
        "that counts as revenue (not cancelled, not returned); returning ones a later one. "
        "– : no session known.</p>"
    )
    if data.unattributed_days:
        missing = ", ".join(
            f"{day:%-d %b} ({plural(n, 'order')})" for day, n in data.unattributed_days
        )
        note += (
            f"<p class='bad'>Web events missing on {escape(missing)}: sessions and conversion "
            "leave those days out, and their orders are credited to “Events missing” by last "
            "touch, not guessed from older sessions.</p>"
        )
    return _section(
        "Campaigns by traffic source",
        chart + _table(header, rows) + note + customers,
        _window(data),
    )


def _stalled(data: ReportData) -> str:
    title = f"Products that stopped selling, as of {data.run_date:%-d %b %Y}"
    if not data.stalled:
        return _section(title, "<p class='empty'>None on the report day.</p>")
    rows = [
        [escape(name), f"{since:,}", f"{to_date:,}", sparkline(units, COLOURS["stalled"])]
        for name, since, to_date, units in data.stalled
    ]
    header = ["product", "days since last sale", "units to date", "units per day, last 4 weeks"]
    note = (
        "<p>Flagged by the daily product-sales mart on the report day: sold on more than "
        "30 of the 60 days before it, and on none of the last 7 (dbt vars "
        "<code>stalled_*</code>).</p>"
    )
    return _section(title, note + _table(header, rows))


def _price_changes(data: ReportData) -> str:
    bars = [
        (f"{name} ({day:%d %b})", float(pct) * 100 if abs(pct) <= 1 else float(pct))
        for name, day, _, _, pct in data.price_changes
    ]
    chart = bar_chart(
        bars,
        COLOURS["price_up"],
        "Largest price changes",
        "price change (%)",
        "product (day of the change)",
        COLOURS["price_down"],
        "{:+.1f}%",
        legend=("price rise", "price cut"),
    )
    rows = [
        [escape(name), f"{day}", money(old), money(new), f"{money(new - old)}"]
        for name, day, old, new, _ in data.price_changes
    ]
    table = (
        _table(["product", "changed on", "old price", "new price", "change"], rows) if rows else ""
    )
    return _section("Largest price changes", chart + table, _window(data))


def _pipeline(data: ReportData) -> str:
    days = sorted(set(data.files) | set(data.quarantined))
    files = stacked_columns(
        days,
        [
            (
                status,
                COLOURS[f"files_{status}"],
                [data.files.get(d, {}).get(status, 0) for d in days],
            )
            for status in ("loaded", "quarantined", "skipped")
            if any(data.files.get(d, {}).get(status) for d in days)
        ],
        "Files per day by outcome",
        "files",
    )
    reasons = sorted({r for counts in data.quarantined.values() for r in counts})
    quarantined = stacked_columns(
        days,
        [
            (
                reason,
                REASON_COLOURS[i % len(REASON_COLOURS)],
                [data.quarantined.get(d, {}).get(reason, 0) for d in days],
            )
            for i, reason in enumerate(reasons)
        ],
        "Rows quarantined per day by reason (whole files are in the chart above)",
        "rows",
    )
    tests = (
        "not run by this command (the daily run reports its own build)"
        if data.tests is None
        else ", ".join(f"{count:,} {status}" for status, count in sorted(data.tests.items()))
        or "none ran"
    )
    warned = (
        _table(
            ["table", "rule", "rows"],
            [[escape(t), escape(r), f"{n:,}"] for t, r, n in data.warned],
        )
        if data.warned
        else "<p>none</p>"
    )
    drift = (
        _table(
            ["table", "column", "kind", "first seen"],
            [[escape(t), escape(c), escape(k), escape(d)] for t, c, k, d in data.drift],
        )
        if data.drift
        else "<p>none: every file had the contract's columns</p>"
    )
    return _section(
        "Pipeline health",
        f"<p>Files per day (by the day they cover):</p>{files}"
        f"<p>Rows kept aside in the quarantine, by reason (whole files are counted above, "
        f"not here):</p>{quarantined}"
        "<p>Rows loaded as delivered although they broke a business rule (listed row by "
        f"row by <code>shopsight contracts warnings</code>):</p>{warned}"
        "<p>Columns the files carried that the contracts do not declare, or lacked "
        f"(<code>shopsight contracts drift</code>):</p>{drift}"
        f"<p>Data tests in the build the day's verdict counted: {escape(tests)}.</p>",
        _window(data),
    )


def _tracking(data: ReportData) -> str:
    if data.tracking_latest is None:
        freshness = "<p class='empty'>No tracking updates loaded yet.</p>"
    else:
        age = datetime.combine(data.run_date, datetime.max.time()) - data.tracking_latest
        hours = age.total_seconds() / 3600
        when = (
            f"{hours:,.0f} hours before the end of the report day"
            if hours >= 0
            else "after the report day: tracking runs ahead of the orders"
        )
        freshness = (
            f"<p>Latest tracking update: {data.tracking_latest:%Y-%m-%d %H:%M} ({when}).</p>"
        )
    chart = bar_chart(
        data.delivery_states,
        COLOURS["delivery"],
        "Order lines by delivery state",
        "order lines",
        "delivery state",
    )
    return _section(f"Shipment tracking, as of {data.run_date:%-d %b %Y}", freshness + chart)


def _reconciliation(result: Reconciliation | None) -> str:
    if result is None:
        return _section("Revenue reconciliation", "<p class='empty'>Not run.</p>")
    rows = [(cause, float(amount)) for cause, amount in result.by_cause().items()]
    chart = bar_chart(
        rows,
        COLOURS["reconcile_up"],
        "Revenue gap by cause",
        "amount (sales system minus warehouse)",
        "cause",
        COLOURS["reconcile_down"],
        "{:,.2f}",
        legend=("sales system higher", "warehouse higher"),
    )
    summary = (
        f"<p>{result.start} to {result.end}: the sales system {money(result.source_total)}, "
        f"the warehouse {money(result.warehouse_total)}, gap {money(result.gap)}, of which "
        f"unexplained {money(result.unexplained)} ({escape(result.business_timezone)} days "
        "vs UTC days).</p>"
    )
    return _section(
        f"Revenue reconciliation, {result.start:%-d %b} to {result.end:%-d %b %Y} "
        "(sales system vs warehouse)",
        summary + chart,
    )

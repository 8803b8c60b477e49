"""A reconciliation as Markdown or as an HTML page: totals, causes, per day, drill-down."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from shopsight.reconcile.result import SUMS, ZERO, Reconciliation, cents
from shopsight.reconcile.sales import describe_source

DRILL_DOWN_IDS = 200  # order ids listed per cause in Markdown and HTML; --json has them all


def money(amount: Decimal) -> str:
    """An amount to the cent with separators (never ``-0.00``)."""
    return f"{cents(amount):,.2f}"


def summary_rows(result: Reconciliation) -> list[list[str]]:
    """cause, amount, orders; then the gap (= their sum)."""
    rows = [
        [cause, money(amount), f"{len(result.orders.get(cause, ())):,}"]
        for cause, amount in result.causes_in_cents().items()
    ]
    return [*rows, ["gap (sum of the causes)", money(result.gap), ""]]


def title(result: Reconciliation) -> str:
    return (
        f"Revenue {result.start} to {result.end}: {describe_source(result.source)} "
        f"{money(result.source_total)} vs the warehouse {money(result.warehouse_total)}"
    )


def day_rows(result: Reconciliation) -> tuple[list[str], list[list[str]]]:
    causes = list(result.causes_in_cents())
    header = ["day", "sales system", "warehouse", "gap", *causes]
    rows = []
    for day in result.days():
        source = result.daily_source.get(day, ZERO)
        warehouse = result.daily_warehouse.get(day, ZERO)
        amounts = result.day_in_cents(day)
        rows.append(
            [
                day.isoformat(),
                money(source),
                money(warehouse),
                money(SUMS.subtract(source, warehouse)),
                *[money(amounts[c]) if c in amounts else "" for c in causes],
            ]
        )
    return header, rows


def _ids(result: Reconciliation, cause: str) -> str:
    ids = result.orders[cause]
    shown = ", ".join(str(i) for i in ids.first(DRILL_DOWN_IDS))
    return shown + (
        f" … and {len(ids) - DRILL_DOWN_IDS:,} more" if len(ids) > DRILL_DOWN_IDS else ""
    )


def to_markdown(result: Reconciliation) -> str:
    """The reconciliation as a Markdown document."""

    def table(header: list[str], rows: list[list[str]]) -> list[str]:
        return [
            "| " + " | ".join(header) + " |",
            "|" + "---|" * len(header),
            *["| " + " | ".join(row) + " |" for row in rows],
        ]

    lines = [
        f"# {title(result)}",
        "",
        f"Days are {result.business_timezone} days for the sales system and UTC days for the "
        f"warehouse. Unexplained: {money(result.unexplained)}.",
        "",
        *(
            ["## Incomplete days (revenue unknown, not zero)", ""]
            + [f"- {line}" for line in result.incomplete_days()]
            + [""]
            if result.incomplete
            else []
        ),
        "## By cause",
        "",
        *table(["cause", "amount", "orders"], summary_rows(result)),
        "",
        "## By day",
        "",
        *table(*day_rows(result)),
        "",
        "## Orders per cause",
        "",
    ]
    for cause in result.by_cause():
        lines += [f"- **{cause}**: {_ids(result, cause)}"]
    return "\n".join(lines) + "\n"


def to_html(result: Reconciliation) -> str:
    """The reconciliation as a self-contained HTML page."""

    def table(header: list[str], rows: list[list[str]]) -> str:
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    drill = "".join(
        f"<details><summary>{escape(cause)} ({len(result.orders[cause]):,} orders)</summary>"
        f"<p>{escape(_ids(result, cause))}</p></details>"
        for cause in result.by_cause()
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{escape(title(result))}</title><style>{HTML_STYLE}</style></head><body>"
        f"<h1>{escape(title(result))}</h1>"
        f"<p>Days are {escape(result.business_timezone)} days for the sales system and UTC days "
        f"for the warehouse. Unexplained: <b>{money(result.unexplained)}</b>.</p>"
        + (
            "<h2>Incomplete days (revenue unknown, not zero)</h2><ul>"
            + "".join(f"<li>{escape(line)}</li>" for line in result.incomplete_days())
            + "</ul>"
            if result.incomplete
            else ""
        )
        + f"<h2>By cause</h2>{table(['cause', 'amount', 'orders'], summary_rows(result))}"
        f"<h2>By day</h2>{table(*day_rows(result))}"
        f"<h2>Orders per cause</h2>{drill}</body></html>\n"
    )


HTML_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}"
    "td:first-child,th:first-child{text-align:left}th{background:#f3f3f3}"
)

"""The daily run report on a store with every source (and shipment tracking), rendered by a
real headless Chromium: every chart must draw, the page must stand alone and stay small."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date, timedelta
from html import escape, unescape
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from shopsight.build import build
from shopsight.config import Settings
from shopsight.generate.export import generate_retail_db
from shopsight.generate.faults import read_fault_manifests
from shopsight.generate.thelook_export import generate_thelook
from shopsight.generate.transactions import generate_transactions
from shopsight.ingest.loader import ingest
from shopsight.ingest.warehouse import connect
from shopsight.report.data import HISTORY_DAYS
from shopsight.report.page import COLOURS, REASON_COLOURS
from shopsight.report.publish import PublishedReport, publish_report
from shopsight.storage import Bucket
from shopsight.tracking.simulate import delivery_order, shipped_lines, tracking_events
from shopsight.tracking.spool import Spool
from shopsight.transforms.loyalty_scores import refresh_loyalty_scores
from shopsight.verdict import Verdict, record_verdict

from support import RULE_WARNINGS

START, WEB_START = date(2024, 1, 1), date(2024, 3, 1)  # the web shop: the last 2 weeks
# Each chart's own colour, and the least number of its pixels that shows it drew.
CHARTS = {
    "revenue line": (COLOURS["revenue"], 300),
    "units line": (COLOURS["units"], 300),
    "funnel bars": (COLOURS["funnel"], 2000),
    "stalled products' sparklines": (COLOURS["stalled"], 100),
    "price rises": (COLOURS["price_up"], 500),
    "price cuts": (COLOURS["price_down"], 500),
    "files per day": (COLOURS["files_loaded"], 5000),
    "quarantined rows by reason": (REASON_COLOURS[0], 100),
    "delivery states": (COLOURS["delivery"], 1000),
    "reconciliation causes": (COLOURS["reconcile_up"], 500),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> tuple[Settings, PublishedReport]:
    folder = tmp_path_factory.mktemp("report")
    bucket = Bucket(f"file://{folder}/bucket")
    url = f"duckdb:///{folder}/warehouse.duckdb"
    generate_retail_db(bucket, START, 75, 4000, 5, "default")
    generate_thelook(bucket, WEB_START, 14, 400, 9, "none")
    generate_transactions(bucket, WEB_START, 14, 400, 9, "none")
    warehouse = connect(url)
    for source in ("retail_db", "thelook"):
        ingest(bucket, warehouse, source)
    refresh_loyalty_scores(bucket, warehouse)
    warehouse.close()
    assert build(url).success
    _land_tracking(bucket, folder, url)
    assert build(url, ["stg_aftership__tracking_updates+"]).success
    settings = Settings(bucket=bucket.url, warehouse=url, business_timezone="Asia/Singapore")
    return settings, publish_report(settings)


# Product 50 is delisted on the store's day 49 (the generator's pauses, seed 5): a week
# later, having sold on more than 30 of the 60 days before, it is flagged as stalled.
STALLED_DAY = date(2024, 3, 7)


@pytest.fixture(scope="module")
def stalled_day_report(published) -> PublishedReport:
    """The report of a day with a product that stopped selling (every chart has data)."""
    settings, _ = published
    return publish_report(settings, STALLED_DAY)


def _land_tracking(bucket: Bucket, folder: Path, url: str) -> None:
    """AfterShip webhooks for the web shop's shipped lines, spooled into the bucket and loaded."""
    connection = duckdb.connect(url[len("duckdb:///") :])
    rows = connection.execute(
        "select order_item_id, order_id, shipped_at, delivered_at from web.fct_order_items "
        "where shipped_at is not null order by 1"
    ).fetchall()
    connection.close()
    spool = Spool(folder / "spool", bucket)
    for event in delivery_order(tracking_events(shipped_lines(rows), seed=3), seed=3):
        spool.append("event", {"received_at": "2024-01-15T00:00:00+00:00", "body": event})
    spool.flush()
    warehouse = connect(url)
    ingest(bucket, warehouse, "aftership")
    warehouse.close()


def _screenshot(page: Path, png: Path) -> Image.Image:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is missing: run `make chromium`"
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--force-device-scale-factor=1", "--window-size=1200,9000", f"--screenshot={png}",
        page.as_uri(),
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, timeout=120, check=True)
    return Image.open(png).convert("RGB")


def _pixels(image: Image.Image, colour: str) -> int:
    """Pixels within 2 levels per channel of the colour (anti-aliased edges do not count)."""
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(
        count
        for count, rgb in image.getcolors(maxcolors=1 << 24) or []
        if all(abs(a - b) <= 2 for a, b in zip(rgb, target, strict=True))
    )


def test_every_chart_draws_in_headless_chromium(published, stalled_day_report, tmp_path) -> None:
    settings, _ = published
    report = stalled_day_report
    page = tmp_path / "report.html"
    page.write_bytes(Bucket(settings.bucket).read_bytes(report.key))
    image = _screenshot(page, tmp_path / "report.png")
    drawn = {name: _pixels(image, colour) for name, (colour, _) in CHARTS.items()}
    missing = {name: n for name, n in drawn.items() if n < CHARTS[name][1]}
    assert not missing, f"charts that did not draw (pixels found): {missing}"


def test_the_page_stands_alone_and_stays_small(published) -> None:
    _, report = published
    assert report.key == f"reports/dt={report.run_date}/shopsight-report.html"
    assert report.size_bytes < 2 * 1024 * 1024
    html = report.html
    assert not re.search(r"<(script|link|img|iframe)\b", html)  # nothing to fetch
    assert not re.search(r"""(src|href)=['"]?https?:""", html)
    assert html.count("<svg") >= 8  # the charts and the sparklines, inline


def test_the_page_shows_the_figures_of_the_warehouse(published) -> None:
    settings, latest = published
    # The store's last day lost its order lines (a truncated file): the day before is whole.
    report = publish_report(settings, latest.run_date - timedelta(days=1), {"pass": 1})
    connection = duckdb.connect(settings.warehouse[len("duckdb:///") :])
    (last_day_revenue,) = connection.execute(
        "select sum(net_revenue) from marts.fct_orders where order_date = ?", [report.run_date]
    ).fetchone()
    (passing,) = connection.execute("select count(*) from web.fct_funnel_daily").fetchone()
    connection.close()
    assert f"{last_day_revenue:,.2f}" in report.html
    assert passing > 0 and "Organic" in report.html
    assert "Revenue reconciliation" in report.html and "unexplained" in report.html


def test_the_page_lists_the_rules_rows_broke_as_the_manifests_say(published) -> None:
    """Each business-rule fault injected in the report's window shows as its rule."""
    settings, latest = published
    first = latest.run_date - timedelta(days=HISTORY_DAYS - 1)
    expected = {
        f"{f.reason}:{f.column}" if f.column else f.reason
        for f in read_fault_manifests(Bucket(settings.bucket))
        if f.outcome == "warning"
        and f.reason in RULE_WARNINGS
        and first <= date.fromisoformat(f.path.split("dt=")[1][:10]) <= latest.run_date
    }
    assert expected, "the faulty store has business-rule faults in the window"
    section = latest.html.split("Rows loaded as delivered")[1].split("Data tests")[0]
    for rule in expected:
        assert f"<td>{rule}</td>" in section, rule


def test_the_campaign_section_shows_the_channel_marts_figures(published) -> None:
    settings, latest = published
    first = latest.run_date - timedelta(days=HISTORY_DAYS - 1)
    connection = duckdb.connect(settings.warehouse[len("duckdb:///") :])
    rows = connection.execute(
        "select traffic_source, sum(sessions), sum(last_touch_orders), "
        "sum(last_touch_net_revenue), sum(first_touch_net_revenue) from web.fct_channel_daily "
        "where day between ? and ? group by 1",
        [first, latest.run_date],
    ).fetchall()
    connection.close()
    section = latest.html.split("Campaigns by traffic source")[1].split("<h2")[0]
    assert rows
    for source, sessions, orders, last_revenue, first_revenue in rows:
        cells = [source, f"{sessions:,}", f"{orders:,}", f"{last_revenue:,.2f}"]
        row = next(r for r in section.split("<tr>") if r.startswith(f"<td>{source}</td>"))
        for cell in cells + [f"{first_revenue:,.2f}"]:
            assert f"<td>{cell}</td>" in row, (source, cell)


def test_report_command_prints_where_it_wrote(published, tmp_path) -> None:
    settings, report = published
    original = settings.warehouse[len("duckdb:///") :]
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(original, copy)
    if Path(original + ".wal").exists():
        shutil.copy(original + ".wal", str(copy) + ".wal")
    out = tmp_path / "page.html"
    command = [
        sys.executable, "-m", "shopsight", "report", "--bucket", settings.bucket,
        "--warehouse", f"duckdb:///{copy}", "--out", str(out), "--json",
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["key"] == report.key and summary["file"] == str(out)
    # A link a browser opens: absolute, to the file that is there.
    assert summary["url"].startswith("file:///") and "/./" not in summary["url"]
    assert Path(summary["url"].removeprefix("file://")).is_file()
    assert out.read_text().startswith("<!doctype html>")
    bad = subprocess.run(
        [*command[:4], "--date", "2024-13-01"], capture_output=True, text=True, timeout=300
    )
    assert bad.returncode == 2 and "--date '2024-13-01'" in bad.stderr


def test_a_day_with_lost_order_lines_is_red_and_incomplete_never_zero(published) -> None:
    settings, _ = published
    bucket = Bucket(settings.bucket)
    (lost,) = [
        info.key
        for info in bucket.list("quarantine/retail_db/order_items/")
        if info.key.endswith(".reason.json")
    ]
    day = date.fromisoformat(lost.split("dt=", 1)[1][:10])
    report = publish_report(settings, day, {"pass": 7})
    banner = re.search(r"<div class='status status-(\w+)'[^>]*>(.*?)</div>", report.html)
    assert banner and banner.group(1) == "red"
    assert f"{day} is incomplete" in banner.group(2) and "truncated_gzip" in banner.group(2)
    assert "untrusted file: landing/retail_db/order_items/" in banner.group(2)
    kpi = re.search(r"net revenue, report day<b>(.*?)</b>", report.html)
    assert kpi and "incomplete" in kpi.group(1)
    # The revenue line breaks at that day with a band, instead of dropping to zero.
    assert f'id="incomplete-{day}-0"' in report.html
    assert "Data tests in the build the day's verdict counted: 7 pass." in report.html


def test_a_report_outside_a_run_does_not_borrow_test_counts(published) -> None:
    _, report = published
    assert "not run by this command" in report.html


PROBE = """<script>
addEventListener("load", () => {
  const width = document.documentElement.clientWidth;
  const outside = [];
  for (const element of document.body.querySelectorAll("*")) {
    const inner = element.parentElement && element.parentElement.closest(".scroll, svg");
    if (inner) continue;  // inside a table that scrolls sideways, or inside a chart
    const box = element.getBoundingClientRect();
    const spills = element.scrollWidth > element.clientWidth + 1 && !element.matches(".scroll");
    if (box.width && (box.right > width + 1 || box.left < -1 || spills)) {
      outside.push(`${element.tagName} ${element.className.baseVal ?? element.className}`);
    }
  }
  const charts = [...document.querySelectorAll("svg.chart")].map((svg) => ({
    chart: svg.getAttribute("aria-label"),
    x: [...svg.querySelectorAll("[id='x-label'] text")].map((t) => t.textContent.trim()),
    y: [...svg.querySelectorAll("[id='y-label'] text")].map((t) => t.textContent.trim()),
    yticks: svg.querySelectorAll("[id^='ytick_']").length,
    shown: svg.getBoundingClientRect().width,
  }));
  const probe = parent.document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    width, scrollWidth: document.documentElement.scrollWidth, outside, charts,
    viewport: !!document.querySelector("meta[name=viewport]"),
  });
  parent.document.body.appendChild(probe);
});
</script>"""


def laid_out(html: str, width: int, folder: Path) -> dict:
    """The probe's findings on the page laid out ``width`` pixels wide: in an iframe of that
    width (headless Chromium's window is at least 500 pixels wide), whose srcdoc keeps the
    page same-origin so the probe can report to the frame around it."""
    framed = html.replace("</body>", PROBE + "</body>")
    wrapper = folder / f"framed-{width}.html"
    wrapper.write_text(
        "<!doctype html><html><body style='margin:0'><iframe style='border:0;"
        f'width:{width}px;height:900px\' srcdoc="{escape(framed, quote=True)}"></iframe>'
        "</body></html>"
    )
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is missing: run `make chromium`"
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
        "--force-device-scale-factor=1", f"--window-size={max(width, 500) + 20},1000",
        "--virtual-time-budget=5000", "--dump-dom", wrapper.as_uri(),
    ]  # fmt: skip
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    found = re.search(r"<pre id=\"probe\">(.*?)</pre>", dom, flags=re.S)
    assert found, "the probe did not run"
    return json.loads(unescape(found.group(1)))


@pytest.mark.parametrize("width", [390, 1400])
def test_the_page_fits_a_phone_and_a_desktop_and_every_chart_has_labelled_axes(
    published, tmp_path, width
) -> None:
    """Nothing overflows the viewport or spills out of its box (tables scroll inside their
    section; a long test name wraps), and every chart is drawn whole at the width with both
    axes labelled and ticked."""
    settings, _ = published
    warned = "1 data test warns: retail_db_line_subtotal_is_quantity_times_price: 2 rows"
    verdict = Verdict("2024-03-15", "amber", [warned], tests={"pass": 200, "warn": 1})
    report = publish_report(settings, None, verdict=verdict)
    probe = laid_out(report.html, width, tmp_path)
    assert probe["viewport"] and probe["width"] == width
    assert probe["scrollWidth"] <= width, probe["outside"]
    assert probe["outside"] == []
    assert len(probe["charts"]) >= 7
    for chart in probe["charts"]:
        assert chart["x"] and all(chart["x"]), chart
        assert chart["y"] and all(chart["y"]), chart
        assert chart["yticks"] >= 2, chart
        assert 0 < chart["shown"] <= width, chart


def _net_units_by_product_and_day(bucket: Bucket) -> dict[tuple[str, date], int]:
    """A recount from the landed files: units of net-revenue order lines per product name
    and order day (the latest delivered status of each order decides)."""
    import csv
    import gzip
    import io

    def rows(prefix: str) -> list[list[str]]:
        found = []
        for info in sorted(bucket.list(prefix), key=lambda i: i.key):
            data = bucket.read_bytes(info.key)
            try:
                text = (gzip.decompress(data) if info.key.endswith(".gz") else data).decode()
            except (OSError, EOFError, UnicodeDecodeError):
                continue  # a file the loader quarantined whole
            found += [r for r in csv.reader(io.StringIO(text)) if r]
        return found

    names = {r[0]: r[2] for r in rows("landing/retail_db/products/") if len(r) > 2}
    orders = {r[0]: (r[1][:10], r[3]) for r in rows("landing/retail_db/orders/") if len(r) == 4}
    units: dict[tuple[str, date], int] = {}
    for line in rows("landing/retail_db/order_items/"):
        if len(line) != 6 or line[1] not in orders or not line[3].isdigit():
            continue
        day, status = orders[line[1]]
        if status in ("CANCELED", "SUSPECTED_FRAUD") or line[2] not in names:
            continue
        try:
            key = (names[line[2]], date.fromisoformat(day))
        except ValueError:  # a faulty timestamp the loader quarantines
            continue
        units[key] = units.get(key, 0) + int(line[3])
    return units


def test_the_stalled_products_are_those_of_the_report_day(published, stalled_day_report) -> None:
    settings, _ = published
    report = stalled_day_report
    section = report.html.split("Products that stopped selling, as of ", 1)[1]
    assert section.startswith(f"{report.run_date:%-d %b %Y}")
    table = section.split("</table>", 1)[0]
    listed = [unescape(n) for n in re.findall(r"<tr><td>([^<]+)</td><td>", table)]
    units = _net_units_by_product_and_day(Bucket(settings.bucket))
    quiet = [report.run_date - timedelta(days=n) for n in range(7)]
    assert listed, f"the store has a product that stopped selling on {STALLED_DAY}"
    for name in listed:  # none of them sold in the 7 days ending on the report day...
        assert all(units.get((name, day), 0) == 0 for day in quiet), name
        # ...and each sold on more than 30 of the 60 days before those 7
        sold_on = {day for (product, day), n in units.items() if product == name and n}
        lookback = {quiet[-1] - timedelta(days=n) for n in range(1, 54)}
        assert len(sold_on & lookback) > 30, name


def test_a_report_outside_a_run_shows_the_verdict_the_run_recorded(published) -> None:
    """One verdict: `shopsight report --date D` shows the one the daily run of D decided
    (the same colour, reasons, caveats and test counts), not one of its own."""
    settings, _ = published
    day = STALLED_DAY - timedelta(days=1)
    decided = Verdict(
        day.isoformat(),
        "amber",
        ["1 data test warns: assert_charged_price_is_the_list_price: 1 row"],
        ["accepted: landing/x.csv (truncated_gzip) accepted by ana on 2024-03-07: lost"],
        tests={"pass": 120, "warn": 1},
    )
    warehouse = connect(settings.warehouse)
    record_verdict(warehouse, decided, "run-of-the-day")
    warehouse.close()
    done = subprocess.run(
        [
            sys.executable, "-m", "shopsight", "report", "--date", day.isoformat(),
            "--bucket", settings.bucket, "--warehouse", settings.warehouse,
        ],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    html = Bucket(settings.bucket).read_bytes(f"reports/dt={day}/shopsight-report.html").decode()
    banner = re.search(r"<div class='status status-(\w+)'[^>]*>(.*?)</div>", html)
    assert banner and banner.group(1) == "amber"
    assert "assert_charged_price_is_the_list_price: 1 row" in unescape(banner.group(2))
    assert "accepted by ana" in unescape(banner.group(2))
    assert "verdict counted: 120 pass, 1 warn." in html and "not run by this command" not in html

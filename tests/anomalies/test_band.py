"""The band and the drill-down on series whose answer is known by construction."""

from __future__ import annotations

import random
from datetime import date, timedelta

from shopsight.anomalies.band import BandRule, draw_band
from shopsight.anomalies.detect import judge_landed, judge_mart
from shopsight.anomalies.monitors import MartMonitor, Monitors, load_monitors

DAY = date(2024, 4, 30)  # a Tuesday
WEEKLY = [100.0, 140.0, 90.0, 95.0, 100.0, 180.0, 200.0]  # Monday .. Sunday


def weekly_series(days: int, noise: float = 0.05, seed: int = 1) -> dict[date, float]:
    rng = random.Random(seed)
    return {
        DAY - timedelta(days=n): WEEKLY[(DAY - timedelta(days=n)).weekday()]
        * (1 + rng.uniform(-noise, noise))
        for n in range(1, days + 1)
    }


def test_the_centre_is_the_same_weekday_and_the_band_follows_the_noise() -> None:
    band = draw_band(weekly_series(28), DAY)
    assert band is not None
    assert abs(band.expected - 140.0) <= 140.0 * 0.05  # Tuesdays, not the week's average
    assert band.holds(140.0) and band.holds(150.0)
    assert not band.holds(70.0) and not band.holds(280.0)  # -50 %, +100 %


def test_an_outlier_already_in_the_window_moves_the_band_little() -> None:
    clean = weekly_series(28)
    dirty = dict(clean)
    dirty[DAY - timedelta(days=7)] = 14_000.0  # last Tuesday: prices x 100
    before, after = draw_band(clean, DAY), draw_band(dirty, DAY)
    assert before and after
    assert abs(after.expected - before.expected) <= 0.05 * before.expected
    assert not after.holds(70.0)


def test_a_new_feeds_days_at_zero_are_not_usual_days() -> None:
    """A web shop's first Tuesdays sold nothing: by ratio, their log is not a usual value
    (averaged with a real Tuesday it put the usual one near zero, and every later Tuesday
    was a rise of millions of per cent). They leave the window: learning, not an alert."""
    young = weekly_series(28)
    for weeks in (3, 4):
        young[DAY - timedelta(days=7 * weeks)] = 0.0
    assert draw_band(young, DAY) is None  # two Tuesdays left: the centre needs three
    young[DAY - timedelta(days=7 * 3)] = 140.0
    band = draw_band(young, DAY)
    assert band is not None and abs(band.expected - 140.0) <= 140.0 * 0.05


def test_a_feed_ramping_up_is_banded_by_its_whole_window() -> None:
    """A young feed that grew fourfold in four weeks: carried forward a week, its trend
    called an ordinary Tuesday a drop of half (the demo's transactions, 2024-02-06). Its
    band is what the window saw: a collapse or a hundredfold day still alerts."""
    ramp = {d: v * 4 ** (1 - (DAY - d).days / 28) for d, v in weekly_series(28).items()}
    band = draw_band(ramp, DAY)
    assert band is not None
    last_tuesday = ramp[DAY - timedelta(days=7)]
    assert abs(band.expected - 140.0 * 4) <= 140.0 * 4 * 0.05  # the trend's Tuesday
    assert band.holds(last_tuesday / 2) and band.holds(140.0 * 4 * 1.3)
    assert not band.holds(0.0) and not band.holds(last_tuesday * 100)
    growing = {d: v * 1.5 ** (1 - (DAY - d).days / 28) for d, v in weekly_series(28).items()}
    band = draw_band(growing, DAY)
    assert band is not None and abs(band.expected - 140.0 * 1.5) <= 140.0 * 1.5 * 0.05


def test_too_little_history_is_learning_not_an_alert() -> None:
    assert draw_band(weekly_series(13), DAY) is None
    assert draw_band(weekly_series(14), DAY) is None  # two Tuesdays: the centre needs three
    assert draw_band(weekly_series(21), DAY) is not None


def test_a_steady_series_has_a_floor() -> None:
    flat = {d: 100.0 for d in weekly_series(28)}
    band = draw_band(flat, DAY)
    assert band and band.holds(105.0) and not band.holds(80.0)


def test_a_rate_is_banded_by_difference() -> None:
    rates = {d: 0.03 + 0.001 * (d.day % 3) for d in weekly_series(28)}
    band = draw_band(rates, DAY, BandRule(scale="absolute", floor=0.02))
    assert band and band.holds(0.045) and not band.holds(0.0)


def revenue_rows(lost: str | None) -> list[tuple]:
    """A month of revenue by category; on DAY, `lost` sold nothing."""
    shares = {"Footwear": 0.4, "Outerwear": 0.35, "Accessories": 0.25}
    rows = []
    for day, total in {**weekly_series(28), DAY: WEEKLY[DAY.weekday()]}.items():
        for category, share in shares.items():
            if not (day == DAY and category == lost):
                rows.append((day, category, total * share * 50))
    return rows


def monitor(**kwargs: object) -> MartMonitor:
    return MartMonitor("net_revenue", "net revenue", "category", "-", BandRule(), **kwargs)


def test_a_lost_category_is_named_with_its_share_of_the_drop() -> None:
    (found,) = judge_mart(monitor(), revenue_rows("Footwear"), DAY, set())
    assert (found.kind, found.monitor) == ("drop", "net_revenue")
    assert found.parts[0].name == "Footwear" and found.parts[0].change == -1.0
    assert found.parts[0].explains >= 0.9
    # 40 % of the day's 7,000 is gone; the usual Tuesday is about 7,000 (noise of 5 %).
    assert found.sentence.startswith("net revenue -3") and "% vs the usual Tuesday (4,200" in (
        found.sentence
    )
    assert "category Footwear -100 % (explains" in found.sentence


def test_a_clean_day_raises_nothing_and_the_mix_sees_a_vanished_part() -> None:
    assert judge_mart(monitor(mix="vanish"), revenue_rows(None), DAY, set()) == []
    # Accessories gone but the total held (the others made up for it): only the mix sees it.
    rows = [
        (d, c, v * (1 / 0.75) if d == DAY and c != "Accessories" else v)
        for d, c, v in revenue_rows("Accessories")
    ]
    (mix,) = judge_mart(monitor(mix="vanish"), rows, DAY, set())
    assert mix.monitor == "net_revenue.mix" and mix.parts[0].name == "Accessories"
    assert "category Accessories 0 % of the total (usual Tuesday 25 %)" in mix.sentence


def test_a_counted_part_gone_is_news_only_when_chance_cannot_explain_it() -> None:
    """Orders by country, the total steady; on DAY the first country has none. Usually
    a quarter of the day: none of 15 orders is news, none of 3 orders (5 % of days) is not."""

    def rows(per_day: float) -> list[tuple]:
        days = [*weekly_series(28), DAY]
        shares = {"China": 0.25, "Brasil": 0.35, "France": 0.40}
        return [
            (d, c, round(per_day * (0.0 if d == DAY and c == "China" else s / 0.75 ** (d == DAY))))
            for d in days
            for c, s in shares.items()
        ]

    counted = monitor(mix="vanish", total=False, min_share=0.10, counts=True)
    (gone,) = judge_mart(counted, rows(60), DAY, set())
    assert gone.monitor == "net_revenue.mix" and gone.parts[0].name == "China"
    assert judge_mart(counted, rows(12), DAY, set()) == []
    # Without `counts`, the same small store's ordinary zero is called a country gone.
    assert judge_mart(monitor(mix="vanish", total=False, min_share=0.10), rows(12), DAY, set())


def test_acknowledged_days_leave_the_band() -> None:
    rows = revenue_rows(None)
    # Every Tuesday of the window was a sale at three times the usual: acknowledged, those
    # days are left out, and the centre needs three Tuesdays, so the monitor is learning.
    tuesdays = {d for d, _, _ in rows if d.weekday() == 1 and d != DAY}
    sale = [(d, c, v * 3 if d in tuesdays else v) for d, c, v in rows]
    assert judge_mart(monitor(), sale, DAY, set())  # against the sale Tuesdays: a drop
    assert judge_mart(monitor(), sale, DAY, tuesdays) == []


def test_an_empty_daily_file_is_an_anomaly_without_history() -> None:
    monitors = Monitors([], BandRule(), daily_tables=["thelook.events"])
    (empty,) = judge_landed(monitors, "thelook.events", {DAY: 0}, {DAY}, DAY, set())
    assert empty.kind == "empty" and "thelook.events delivered no rows" in empty.sentence
    # A dimension table may send an empty delta: not an anomaly.
    assert judge_landed(monitors, "thelook.products", {DAY: 0}, {DAY}, DAY, set()) == []


def test_the_shipped_monitors_load() -> None:
    monitors = load_monitors()
    names = {m.name for m in monitors.marts}
    assert {"net_revenue", "orders", "units", "average_order_value", "sessions"} <= names
    assert "thelook.events" in monitors.daily_tables


def test_a_part_name_with_dollar_signs_is_drawn_as_text() -> None:
    """The report's chart title names a part from the data: never parsed as mathtext."""
    from shopsight.report.charts import band_chart

    svg = band_chart(
        [("2024-04-01", 0.2), ("2024-04-02", 0.0)],
        (0.2, 0.1, 0.3),
        "mix: Under $5 & $10",
        "#123456",
    )
    assert "Under $5 &amp; $10" in svg and "#123456" in svg


def test_a_rate_of_few_trials_gets_a_binomial_band() -> None:
    """Conversion steady at 25 % for a month; today 10 %: news on 4,000 sessions, chance on
    40 (four binomial standard deviations are 27 points there)."""
    rate = MartMonitor(
        "conversion",
        "session conversion",
        "traffic source",
        "-",
        BandRule(scale="absolute", floor=0.02),
    )

    def rows(today_sessions: int) -> list[tuple]:
        month = [(d, "Email", 0.25 * 4000, 4000) for d in weekly_series(28)]
        return [*month, (DAY, "Email", 0.10 * today_sessions, today_sessions)]

    assert [a.monitor for a in judge_mart(rate, rows(4000), DAY, set())] == ["conversion"]
    assert judge_mart(rate, rows(40), DAY, set()) == []


def test_a_monitor_without_enough_history_says_it_is_learning() -> None:
    """Too little history is not "nothing unusual": the check names the monitor."""
    learning: list[str] = []
    recent = [r for r in revenue_rows("Footwear") if r[0] >= DAY - timedelta(days=10)]
    assert judge_mart(monitor(), recent, DAY, set(), learning) == []
    assert learning == ["net_revenue"]
    judge_mart(monitor(), revenue_rows(None), DAY, set(), learning)
    assert learning == ["net_revenue"]  # a month of history: judged, not learning

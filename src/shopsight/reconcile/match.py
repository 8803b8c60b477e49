"""Revenue reconciliation: why the sales system's daily revenue differs from the warehouse's.

The sales system counts gross order value, every status, by order time in the business time
zone, in floating point. The warehouse (``marts.fct_orders``) counts net revenue, exact
decimals, by the UTC day. Matching is per order; each order's difference is split into named
causes (see ``result.py``) whose amounts add up exactly to the gap:

- the float part of a sales amount beyond the cent is ``rounding``;
- extra listings of one order in the sales source are ``duplicates removed``;
- an order missing from (or short in) the marts is explained, in this order, by the
  quarantine (its rows kept aside, with the reason), a line of it that loaded although it
  broke a business rule (``loaded with a warning: <rule>``, e.g. a subtotal that is not
  quantity × price: the marts count quantity × price), a file that arrived but is not loaded, a
  file quarantined whole for its day, no file delivered yet for its day, the landing tables
  (loaded, not built), and otherwise stays ``unexplained``;
- gross value the revenue definition leaves out is ``excluded: <STATUS>``;
- an order the two sides count on different days is ``day boundary`` (out on one day, in on
  the other, so each day's causes add up to that day's gap too).

The matching is set-based SQL in the warehouse (DuckDB or PostgreSQL), beside the marts: the
sales orders, the marts' orders and the evidence become temporary tables, one query splits
every order into its causes, and only the sums per day and cause, and the ids per cause, come
back. Amounts are ``numeric(38, 20)``: exact for every stored float and every cent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from shopsight.ingest.warehouse import Warehouse, require_built
from shopsight.reconcile.evidence import EVIDENCE_TABLES, gather_evidence, stage_evidence
from shopsight.reconcile.result import (
    DAY_BOUNDARY,
    DUPLICATES,
    EXCLUDED,
    NOT_ARRIVED,
    NOT_BUILT,
    QUARANTINED,
    QUARANTINED_FILE,
    ROUNDING,
    SUMS,
    UNEXPLAINED,
    WAITING,
    WARNED,
    OrderIds,
    Reconciliation,
    trimmed,
)
from shopsight.reconcile.sales import SALES_TABLE, stage_sales
from shopsight.storage import Bucket

# The stages' amounts: whole cents, and exact for any float. DuckDB's union of two decimal
# types of different scales keeps the smaller scale (it rounds), so every branch of a union
# is cast to one of the two.
EXACT = "numeric(38, 20)"
CENTS = "numeric(18, 2)"
# Orders are read two days before the period and three after (UTC): every order whose
# business day falls in the period, in any time zone, and its counterpart on the other side.
BEFORE, AFTER = timedelta(days=2), timedelta(days=3)


def reconcile(
    warehouse: Warehouse,
    start: date,
    end: date,
    business_timezone: str = "UTC",
    source: str = "landing",
    bucket: Bucket | None = None,
) -> Reconciliation:
    """Reconcile revenue per day from ``start`` to ``end`` (inclusive, business days).

    Args:
        source: ``landing``, a PostgreSQL URL of the sales database, or a sales export file.
        bucket: where to look for files that arrived but are not loaded (optional).

    Raises:
        SalesSourceError: the sales export cannot be read.
        KeyError: ``business_timezone`` is not a known time zone.
        WarehouseError: the marts are not built yet.
    """
    zone = ZoneInfo(business_timezone)
    require_built(warehouse, "marts.fct_orders")
    low = datetime.combine(start - BEFORE, datetime.min.time())
    high = datetime.combine(end + AFTER, datetime.min.time())
    evidence = gather_evidence(warehouse, bucket)
    stages = _stages(Period(start, end, low, high, evidence.last_delivered, business_timezone))
    try:
        stage_sales(source, warehouse, zone, low, high)
        stage_evidence(warehouse, evidence)
        for table, sql in stages.items():
            warehouse.execute(f"drop table if exists {table}")
            warehouse.execute(f"create temp table {table} as {sql}")
        result = Reconciliation(start, end, business_timezone, source)
        _fill(result, warehouse)
        return result
    finally:
        for table in [SALES_TABLE, *EVIDENCE_TABLES, *stages]:
            warehouse.execute(f"drop table if exists {table}")


@dataclass
class Period:
    """The period's bounds as SQL literals (dates and times made here, never user text)."""

    first: date
    last: date
    low_time: datetime
    high_time: datetime
    delivered: date | None
    timezone: str

    @property
    def start(self) -> str:
        return f"date '{self.first.isoformat()}'"

    @property
    def end(self) -> str:
        return f"date '{self.last.isoformat()}'"

    @property
    def days(self) -> str:
        """``between`` the period's first and last day (inclusive)."""
        return f"between {self.start} and {self.end}"

    @property
    def low(self) -> str:
        return f"timestamp '{self.low_time.isoformat(sep=' ')}'"

    @property
    def high(self) -> str:
        return f"timestamp '{self.high_time.isoformat(sep=' ')}'"

    @property
    def last_delivered(self) -> str:
        return "null" if self.delivered is None else f"date '{self.delivered.isoformat()}'"

    @cached_property
    def steps(self) -> list[tuple[datetime, int]]:
        """The zone's offsets over the period, found once for every stage that needs them."""
        return offsets(ZoneInfo(self.timezone), self.low_time, self.high_time)

    def local_day(self, column: str) -> str:
        """The business day of a UTC time: its date after the zone's offset, which changes
        at the moments :func:`offsets` finds (Python's zone rules on both engines; a
        per-row time-zone conversion costs about a microsecond a row in DuckDB)."""
        steps = self.steps
        shift = f"interval '{steps[-1][1]} seconds'"
        if len(steps) > 1:
            shift = (
                "case "
                + " ".join(
                    f"when {column} < timestamp '{until.isoformat(sep=' ')}' "
                    f"then interval '{seconds} seconds'"
                    for (_, seconds), (until, _) in zip(steps, steps[1:], strict=False)
                )
                + f" else {shift} end"
            )
        return f"cast({column} + {shift} as date)"


def offsets(zone: ZoneInfo, low: datetime, high: datetime) -> list[tuple[datetime, int]]:
    """The zone's UTC offset (seconds) over ``[low, high)`` (naive UTC): (from, offset) pairs,
    the first from ``low``; found hour by hour, each change pinned to its second."""

    def offset(moment: datetime) -> int:
        delta = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    steps = [(low, offset(low))]
    moment = low
    while moment < high:
        following = min(moment + timedelta(hours=1), high)
        if offset(following) != steps[-1][1]:
            before, after = moment, following  # the change lies in (before, after]
            while after - before > timedelta(seconds=1):
                middle = before + (after - before) / 2
                middle = middle.replace(microsecond=0)
                if middle == before:
                    break
                before, after = (
                    (before, middle) if offset(middle) != steps[-1][1] else (middle, after)
                )
            steps.append((after, offset(after)))
        moment = following
    return steps


def _stages(period: Period) -> dict[str, str]:
    """The stages, in order, each a temporary table."""
    return {
        # The sales listings whose business day is in the period; ``nth`` > 1: listed again.
        "reconcile_listings": f"""
        select order_id, ordered_at, total, approx, day,
            row_number() over (partition by order_id order by ordered_at, listing) as nth
        from (select *, {period.local_day("ordered_at")} as day from {SALES_TABLE}) listings
        where day {period.days}""",
        # The marts' orders around the period. An incomplete order's revenue is unknown in the
        # marts; what its loaded lines add up to is compared, and the causes explain the rest.
        "reconcile_marts": f"""
        select order_id, cast(ordered_at as date) as utc_day,
            {period.local_day("ordered_at")} as local_day, order_status as status,
            cast(loaded_line_value as {CENTS}) as gross,
            cast(case when is_net_revenue then loaded_line_value else 0 end as {CENTS}) as net,
            incomplete_reason
        from marts.fct_orders where ordered_at >= {period.low} and ordered_at < {period.high}""",
        # Each order listed in the period (first listing), beside its marts counterpart, with
        # the reason the marts lack it or hold a different amount.
        "reconcile_matched": f"""
        select s.order_id, s.day, s.total, s.cents, s.sales_day, m.order_id is not null
            as in_marts, m.gross, m.net, m.status, m.utc_day
        from (
            select order_id, day, total, cast(ordered_at as date) as sales_day,
                -- The cent, half to even (Python's Decimal.quantize), from the float where it
                -- is clear of a half cent (rounding a 38-digit decimal costs a microsecond),
                -- else from the exact value (SQL's round() goes half away from zero).
                case
                    when abs(approx * 100 - round(approx * 100)) < 0.49
                        then cast(round(approx * 100) / 100 as {CENTS})
                    when abs(total - round(total, 2)) = 0.005
                        and abs(cast(round(total, 2) * 100 as bigint)) % 2 = 1
                        then cast(round(total, 2) - sign(total) * 0.01 as {CENTS})
                    else cast(round(total, 2) as {CENTS}) end as cents
            from reconcile_listings where nth = 1
        ) s
        left join reconcile_marts m on m.order_id = s.order_id""",
        # The orders the marts lack or hold a different amount of (few), and why.
        "reconcile_why": f"""
        select s.order_id,
            case
                when q.reason is not null then '{QUARANTINED}: ' || q.reason
                when v.reason is not null and s.in_marts then '{WARNED}: ' || v.reason
                when w.order_id is not null then '{WAITING}'
                when d.reason is not null then '{QUARANTINED_FILE}: ' || d.reason
                when s.in_marts then '{UNEXPLAINED}'
                when cast({period.last_delivered} as date) is null
                    or s.sales_day > cast({period.last_delivered} as date) then '{NOT_ARRIVED}'
                when l.order_id is not null then '{NOT_BUILT}'
                else '{UNEXPLAINED}'
            end as why
        from (
            select order_id, sales_day, in_marts from reconcile_matched
            where not in_marts or cents <> gross
        ) s
        left join reconcile_quarantined q on q.order_id = s.order_id
        left join reconcile_warned v on v.order_id = s.order_id
        left join (select distinct order_id, day from reconcile_waiting) w
            on w.order_id = s.order_id and w.day = s.sales_day
        left join reconcile_quarantined_days d on d.day = s.sales_day
        left join (
            select distinct order_id from retail_db.orders
            where order_date >= {period.low} and order_date < {period.high}
            and order_id in (select order_id from reconcile_matched where not in_marts)
        ) l on l.order_id = s.order_id""",
        # Every cause's share of every order in whole cents: (day, cause, amount, order),
        # amounts not zero.
        "reconcile_causes": f"""
        select day, cause, amount, order_id from (
            select day, why as cause,
                cast(case when in_marts then cents - gross else cents end as {CENTS}) as amount,
                order_id
                from reconcile_matched inner join reconcile_why using (order_id)
            union all
            select day, '{EXCLUDED}: ' || status, cast(gross - net as {CENTS}), order_id
                from reconcile_matched where in_marts
            union all
            select day, '{DAY_BOUNDARY}', net, order_id
                from reconcile_matched where in_marts and utc_day <> day
            union all
            select utc_day, '{DAY_BOUNDARY}', -net, order_id
                from reconcile_matched
                where in_marts and utc_day <> day and utc_day {period.days}
            union all  -- counted by the warehouse in the period, by the sales system outside it
            select utc_day, '{DAY_BOUNDARY}', -net, order_id from reconcile_marts
                where utc_day {period.days} and local_day not {period.days}
            union all  -- in the warehouse only
            select utc_day, '{UNEXPLAINED}', -net, order_id from reconcile_marts m
                where utc_day {period.days} and local_day {period.days}
                and not exists (
                    select 1 from reconcile_listings s where s.order_id = m.order_id
                )
        ) shares where amount <> 0""",
        # The causes whose shares are fractions of a cent or whole listings, exactly.
        "reconcile_fractions": f"""
        select day, cause, amount, order_id from (
            select day, '{ROUNDING}' as cause, cast(total - cents as {EXACT}) as amount, order_id
                from reconcile_matched
            union all
            select day, '{DUPLICATES}', cast(total as {EXACT}), order_id
                from reconcile_listings where nth > 1
        ) shares where amount <> 0""",
    }


def _fill(result: Reconciliation, warehouse: Warehouse) -> None:
    """Read the totals, the causes and the incomplete days back from the stages."""
    start, end = result.start, result.end
    for day, total, orders in warehouse.query(
        "select day, sum(total), sum(case when nth = 1 then 1 else 0 end) "
        "from reconcile_listings group by day"
    ):
        result.daily_source[day] = trimmed(total)
        result.source_total = SUMS.add(result.source_total, trimmed(total))
        result.source_orders += int(orders)
    for day, net, orders in warehouse.query(
        "select utc_day, sum(net), sum(case when net <> 0 then 1 else 0 end) "
        "from reconcile_marts where utc_day >= ? and utc_day <= ? group by utc_day",
        [start, end],
    ):
        result.daily_warehouse[day] = trimmed(net)
        result.warehouse_total = SUMS.add(result.warehouse_total, trimmed(net))
        result.warehouse_orders += int(orders)
    for table in ("reconcile_causes", "reconcile_fractions"):
        for day, cause, amount in warehouse.query(
            f"select day, cause, sum(amount) from {table} group by day, cause"
        ):
            result.causes[(day, str(cause))] = trimmed(amount)
    for cause, ids in _ids_by_cause(warehouse).items():
        result.orders[cause] = OrderIds(ids)
    incomplete: dict[date, dict[str, int]] = defaultdict(dict)
    for day, reason, orders in warehouse.query(
        "select local_day, incomplete_reason, count(*) from reconcile_marts "
        "where incomplete_reason is not null and local_day >= ? and local_day <= ? "
        "group by local_day, incomplete_reason",
        [start, end],
    ):
        incomplete[day][str(reason)] = int(orders)
    result.incomplete = dict(incomplete)


def _ids_by_cause(warehouse: Warehouse) -> dict[str, np.ndarray]:
    """Each cause's distinct order ids, ascending; tens of millions come back as arrays.

    One query per cause (there are a handful): the ids arrive as one int64 column, never
    beside a text column repeated on every row (at 30 M orders that column, as Python
    strings, was most of the step's memory)."""
    shares = (
        "(select cause, order_id from reconcile_causes "
        "union all select cause, order_id from reconcile_fractions) shares"
    )
    causes = [str(c) for (c,) in warehouse.query(f"select distinct cause from {shares} order by 1")]
    ids_by_cause = {}
    for cause in causes:
        table = warehouse.query_arrow(
            f"select distinct order_id from {shares} where cause = ? order by order_id", [cause]
        )
        ids_by_cause[cause] = table.column("order_id").to_numpy().astype(np.int64, copy=False)
    return ids_by_cause

"""The draft email to the sales team: the reconciliation's figures in plain business words.

It acknowledges the concern, explains the main causes without technical words (the test
keeps a list of them out), proposes next steps dated from today in working days, and promises
a follow-up. Plain text and HTML carry the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from html import escape

from shopsight.reconcile.render import money
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
    Reconciliation,
    cause_family,
)
from shopsight.words import plural

STATUS_WORDS = {
    "CANCELED": "cancelled orders",
    "SUSPECTED_FRAUD": "orders on hold for a fraud check",
    "PENDING_PAYMENT": "orders still waiting for payment",
    "PAYMENT_REVIEW": "orders whose payment is under review",
    "ON_HOLD": "orders on hold",
}


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str

    def to_json(self) -> dict[str, str]:
        return {"subject": self.subject, "text": self.text, "html": self.html}


def working_days_after(today: date, count: int) -> date:
    day = today
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


def _zone_words(zone: str) -> str:
    if zone.upper() in ("UTC", "GMT", "ETC/UTC"):
        return "Greenwich time"
    return zone.rsplit("/", 1)[-1].replace("_", " ") + " time"


def _explanations(result: Reconciliation) -> list[tuple[Decimal, str]]:
    """(amount, sentence) per group of causes in business terms, largest first."""
    groups: dict[str, tuple[Decimal, int]] = {}
    for cause, amount in result.by_cause().items():
        family = cause_family(cause)
        key = cause if family == EXCLUDED else family
        if family in (QUARANTINED, QUARANTINED_FILE):
            key = QUARANTINED
        if family in (NOT_ARRIVED, WAITING, NOT_BUILT):
            key = NOT_ARRIVED
        total, orders = groups.get(key, (Decimal(0), 0))
        groups[key] = (SUMS.add(total, amount), orders + len(result.orders[cause]))
    local = _zone_words(result.business_timezone)
    sentences = []
    for key, (amount, orders) in groups.items():
        if key == UNEXPLAINED or abs(amount) < Decimal("0.005"):  # below a cent: not news
            continue
        count = plural(orders, "order")
        if cause_family(key) == EXCLUDED:
            what = STATUS_WORDS.get(key.split(": ", 1)[1], key.split(": ", 1)[1].lower())
            text = (
                f"{what.capitalize()} ({count}, {money(amount)}): your report counts every "
                "order placed; the new report counts only revenue we expect to keep."
            )
        elif key == DAY_BOUNDARY:
            text = (
                f"Orders placed between midnight {local} and midnight Greenwich time ({count}, "
                f"{money(amount)} in the balance): your report counts them on one day and the "
                f"new report on the neighbouring day, because your days end at midnight {local} "
                "and ours at midnight Greenwich time. Only the first and last day of a period "
                "move the total; over a longer period it evens out."
            )
        elif key == NOT_ARRIVED:
            text = (
                f"Orders still on their way to us ({count}, {money(amount)}): the latest orders "
                "reach the new report the morning after; they will appear in tomorrow's figures."
            )
        elif key == QUARANTINED:
            text = (
                f"Orders set aside for a check ({count}, {money(amount)}): some of their details "
                "reached us incomplete or garbled. We keep them aside rather than guess, and "
                "add them back once corrected."
            )
        elif cause_family(key) == WARNED:
            text = (
                f"Order lines whose own figures disagree ({count}, {money(amount)}): for "
                "example a line total that is not the quantity times the price. The new report "
                "counts the quantity times the price; we have listed these lines for the "
                "people who keep the order system."
            )
        elif key == DUPLICATES:
            text = (
                f"Orders listed twice in the sales report's download ({count}, "
                f"{money(amount)}): the new report counts each order once."
            )
        elif key == ROUNDING:
            text = f"Rounding of cents ({money(amount)} in all)."
        else:
            text = f"{key.capitalize()} ({count}, {money(amount)})."
        sentences.append((amount, text))
    return sorted(sentences, key=lambda pair: -abs(pair[0]))


# Why an order's revenue is unknown (fct_orders.incomplete_reason), in the sales team's words.
INCOMPLETE_WORDS = [
    ("order lines file accepted as lost", "that day's order details were lost at the source"),
    ("order lines file quarantined", "that day's file of order details reached us damaged"),
    ("order lines quarantined, accepted", "some of their details were lost at the source"),
    ("order lines quarantined", "some of their details reached us garbled"),
    ("order lines not loaded yet", "their details have not reached us yet"),
]


def _incomplete_in_words(result: Reconciliation) -> list[str]:
    """One phrase per incomplete day: "30 March, 190 orders (that day's file of order
    details reached us damaged)"."""
    phrases = []
    for day, reasons in sorted(result.incomplete.items()):
        why: dict[str, int] = {}
        for reason, orders in reasons.items():
            words = next((w for prefix, w in INCOMPLETE_WORDS if reason.startswith(prefix)), None)
            key = words or "some of their details are still missing"
            why[key] = why.get(key, 0) + orders
        because = "; ".join(
            text if len(why) == 1 else f"{plural(n, 'order')}: {text}" for text, n in why.items()
        )
        phrases.append(f"{day:%-d %B}, {plural(sum(reasons.values()), 'order')} ({because})")
    return phrases


def draft_email(result: Reconciliation, today: date, sender: str = "The data team") -> Email:
    """The email to the sales team about the difference ``result`` explains."""
    period = f"{result.start:%-d %B %Y} to {result.end:%-d %B %Y}"
    direction = "less" if result.gap >= 0 else "more"
    subject = f"Why the new revenue report differs from the sales system ({period})"
    steps = [
        (working_days_after(today, 1), "we send you the list of orders behind each difference"),
        (
            working_days_after(today, 3),
            "a half-hour meeting to agree one shared meaning of revenue: which orders count "
            "(cancelled? held for a fraud check?) and which clock closes the day",
        ),
        (
            working_days_after(today, 5),
            "both figures shown side by side in the new report, clearly labelled, so nobody "
            "has to compare them by hand",
        ),
        (
            working_days_after(today, 6),
            "an automatic check every morning at 06:00 compares the two and tells us about "
            "any difference we cannot explain before you open the report",
        ),
    ]
    unexplained = result.unexplained
    remainder = (
        "Nothing is left unexplained: every cent of the difference is accounted for above."
        if abs(unexplained) < Decimal("0.01")
        else f"A remainder of {money(unexplained)} we cannot explain yet; we are on it and "
        "will tell you what it is."
    )
    paragraphs = [
        "Hello sales team,",
        "Thank you for flagging that the new revenue report shows a different total from "
        "the sales system. You are right to ask: you plan and report on these figures, and "
        "they have to be ones you can trust.",
        f"For {period}, the sales system shows {money(result.source_total)} and the new report "
        f"{money(result.warehouse_total)}: {money(abs(result.gap))} {direction}. We went "
        f"through every order, and the difference comes from these reasons:",
    ]
    reasons = [text for _, text in _explanations(result)]
    incomplete = _incomplete_in_words(result)
    closing = [
        *(
            [
                "Some days are not complete on our side, so their revenue is shown as "
                "unknown rather than as zero: "
                + "; ".join(incomplete)
                + ". "
                + (
                    "Those details cannot be recovered, so these orders stay unknown in the "
                    "new report."
                    if all("lost at the source" in line for line in incomplete)
                    else "We will send the corrected figures as soon as the missing data is loaded."
                )
            ]
            if incomplete
            else []
        ),
        remainder,
        "Both figures are correct for what they measure; they measure different things. "
        "Here is what we propose:",
    ]
    step_lines = [f"By {day:%A %-d %B}: {what}." for day, what in steps]
    follow_up = working_days_after(today, 3)
    ending = [
        f"I will follow up with you on {follow_up:%A %-d %B} with the agreed definition and "
        "the list of orders. If anything in your numbers looks off before then, reply to this "
        "email and we will look at it the same day.",
        f"Best regards,\n{sender}",
    ]
    text = "\n\n".join(
        [
            *paragraphs,
            "\n".join(f"- {r}" for r in reasons),
            *closing,
            "\n".join(f"- {s}" for s in step_lines),
            *ending,
        ]
    )
    html = (
        "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
        + "<ul>"
        + "".join(f"<li>{escape(r)}</li>" for r in reasons)
        + "</ul>"
        + "".join(f"<p>{escape(p)}</p>" for p in closing)
        + "<ul>"
        + "".join(f"<li>{escape(s)}</li>" for s in step_lines)
        + "</ul>"
        + "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in ending)
    )
    return Email(subject, f"Subject: {subject}\n\n{text}\n", f"<html><body>{html}</body></html>\n")

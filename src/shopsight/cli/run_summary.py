"""The end of `shopsight run` in words: the verdict first, one line per step, then what to do."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shopsight import console
from shopsight.words import plural

if TYPE_CHECKING:
    from shopsight.pipeline import StepOutcome
    from shopsight.verdict import Verdict

STATUS_WORDS = {"success": "ok", "failed": "FAILED", "skipped": "skipped"}
TEST_WORDS = {"pass": "passed", "warn": "warned", "fail": "failed", "error": "errored"}


def counted(counts: dict[str, int], words: dict[str, str]) -> str:
    """`{'pass': 74, 'warn': 3}` as `74 passed, 3 warned`."""
    return ", ".join(f"{n:,} {words.get(status, status)}" for status, n in counts.items())


def ingest_outcome(summary: dict[str, Any]) -> str:
    loaded = sum(s.get("rows_loaded", 0) for s in summary.values())
    rejected = sum(s.get("rows_rejected", 0) for s in summary.values())
    files = sum(s.get("files_loaded", 0) + s.get("files_quarantined", 0) for s in summary.values())
    untrusted = sum(len(s.get("untrusted_files", [])) for s in summary.values())
    tables = plural(len(summary), "table")
    if not files:
        return f"nothing new in {tables}"
    said = f"{plural(files, 'new file')} in {tables}: {loaded:,} rows loaded"
    said += f", {rejected:,} quarantined" if rejected else ""
    return said + (f"; {plural(untrusted, 'file')} untrusted" if untrusted else "")


def dbt_outcome(summary: dict[str, Any]) -> str:
    models = sum(summary.get("models", {}).values())
    tests = counted(
        summary.get("tests", {}), {"pass": "passed", "warn": "warned", "fail": "failed"}
    )
    said = f"{plural(models, 'model')} built; tests: {tests or 'none'}"
    return said + (" (named below)" if summary.get("warnings") else "")


def reconcile_outcome(summary: dict[str, Any]) -> str:
    period = (
        summary["from"]
        if summary["from"] == summary["to"]
        else f"{summary['from']} to {summary['to']}"
    )
    gap = Decimal(summary["gap"])
    unexplained = Decimal(summary["unexplained"])
    if not gap:
        said = f"{period}: the sales system and the marts agree"
    else:
        said = (
            f"{period}: gap {gap:,.2f} explained by {plural(len(summary['causes']), 'cause')}"
            f", {unexplained:,.2f} unexplained"
        )
    if summary.get("incomplete_days"):
        said += f"; {plural(len(summary['incomplete_days']), 'day')} incomplete (below)"
    return said


def step_outcome(outcome: StepOutcome) -> str:
    """What one step did, in words."""
    from shopsight.verdict import Verdict

    summary = outcome.summary
    if outcome.status == "skipped":
        return f"not run: {outcome.error}"
    if outcome.name == "check_trust" and outcome.untrusted:
        return "red: the data is not whole (below)"
    if outcome.error:
        return outcome.error
    if outcome.name == "wait_for_landing":
        day = summary.get("day")
        return f"every file of {day} has landed" if day else "no day given: loads what landed"
    if outcome.name.startswith("ingest_"):
        return ingest_outcome(summary)
    if outcome.name == "loyalty":
        scored = f"{summary['users']:,} users scored"
        return scored + ("" if summary.get("rescored") else ": no new transactions, scores kept")
    if outcome.name.startswith("dbt_"):
        return dbt_outcome(summary)
    if outcome.name == "anomalies":
        return anomalies_outcome(summary)
    if outcome.name == "source_freshness":
        checked = counted(summary.get("sources", {}), {"pass": "fresh", "warn": "late"})
        return f"sources: {checked}" if checked else "no source has delivered yet"
    if outcome.name == "reconcile" and "gap" in summary:
        return reconcile_outcome(summary)
    if summary.get("skipped"):
        return f"skipped: {summary['skipped']}"
    if outcome.name == "report":
        return f"written ({summary['size_bytes']:,} bytes), link below"
    if outcome.name == "verdict":
        return verdict_outcome(Verdict.from_json(summary))
    if outcome.name == "check_trust":
        if summary.get("colour") == "amber":
            return "amber: the numbers stand, with warnings (below)"
        if summary.get("accepted_gaps"):
            return f"green, with {plural(summary['accepted_gaps'], 'accepted gap')} (below)"
        return "green: every file trusted, the day complete"
    return str(summary.get("message") or "")


def anomalies_outcome(summary: dict[str, Any]) -> str:
    """The anomalies step in words: what it checked and how many it found."""
    found = len(summary.get("anomalies", []))
    if summary.get("skipped"):
        said = "; ".join(summary["skipped"])
    elif summary.get("day"):
        said = f"{plural(summary['monitors'], 'monitor')} on {summary['day']}"
        if summary.get("learning"):
            said += f" ({len(summary['learning'])} still learning: too little history)"
    else:
        said = "no day in the marts yet"
    said += (
        f"; {found} {'anomaly' if found == 1 else 'anomalies'} (below)"
        if found
        else ("; nothing unusual")
    )
    if summary.get("errors"):
        said += f"; {plural(len(summary['errors']), 'monitor')} could not run (below)"
    return said


def verdict_outcome(judged: Verdict) -> str:
    """The verdict step in words: its colour and how many reasons and caveats."""
    said = f"{judged.colour} for {judged.day}"
    parts = []
    if judged.reasons:
        parts.append(plural(len(judged.reasons), "reason"))
    if judged.accepted:
        parts.append(plural(judged.accepted, "accepted gap"))
    return said + (f": {', '.join(parts)} (below)" if parts else "")


def run_day(outcomes: list[StepOutcome]) -> str | None:
    for outcome in outcomes:
        for key in ("day", "run_date"):
            if outcome.summary.get(key):
                return str(outcome.summary[key])
    return None


def verdict(outcomes: list[StepOutcome]) -> str:
    from shopsight.verdict import HEADLINES, Verdict

    failed = [o for o in outcomes if o.status == "failed" and not o.untrusted]
    if failed:
        skipped = sum(o.status == "skipped" for o in outcomes)
        return f"FAILED at {', '.join(o.name for o in failed)}" + (
            f"; {plural(skipped, 'step')} after it skipped." if skipped else "."
        )
    judged = next((o for o in outcomes if o.name == "verdict" and o.status == "success"), None)
    if judged is not None:
        return Verdict.from_json(judged.summary).headline
    if any(o.untrusted for o in outcomes):
        return HEADLINES["red"]
    return HEADLINES["green"]


def print_verdict_details(outcomes: list[StepOutcome]) -> None:
    """Why the verdict is amber (red is said by the untrusted files and incomplete days),
    the accepted gaps it names, and the warnings reported on earlier days."""
    from shopsight.verdict import Verdict

    judged = next((o for o in outcomes if o.name == "verdict" and o.status == "success"), None)
    if judged is None:
        return
    verdict = Verdict.from_json(judged.summary)
    if verdict.colour == "amber":
        console.say("")
        console.say("Amber because:")
        for reason in verdict.reasons:
            console.say_wrapped(reason, indent=2)
    gaps = [c.removeprefix("accepted: ") for c in verdict.caveats if c.startswith("accepted: ")]
    if gaps:
        console.say("")
        console.say_wrapped(
            f"{plural(len(gaps), 'accepted gap')} (known and owned: their data stays "
            "missing, and keeps no run red):"
        )
        for gap in gaps:
            console.say_wrapped(gap, indent=2)
    if verdict.notes:
        console.say("")
        console.say("Reported on earlier days (listed, not amber again):")
        for note in verdict.notes:
            console.say_wrapped(note.removeprefix("still warns (reported before): "), indent=2)


def print_run_summary(
    run_date: date | None,
    outcomes: list[StepOutcome],
    problems: list[Any],
    bucket: str,
    warehouse: str,
) -> None:
    """The verdict, a line per step, then the untrusted files and incomplete days with what
    resolves each, and where the report and the warehouse are."""
    from shopsight.cli.ingest import print_problem_list

    day = run_date.isoformat() if run_date else run_day(outcomes)
    console.say_wrapped(f"Daily run of {day or 'what has landed'}: {verdict(outcomes)}")
    console.say("")
    name_width = max(len(o.name) for o in outcomes)
    for outcome in outcomes:
        status = "red" if outcome.untrusted else STATUS_WORDS.get(outcome.status, outcome.status)
        head = f"  {status:<7} {outcome.name:<{name_width}} {outcome.seconds:5.1f} s  "
        console.say_hanging(head, step_outcome(outcome))
    if problems:
        console.say("")
        console.say_wrapped(
            f"{plural(len(problems), 'untrusted file')} keep the run red until each is "
            "re-admitted (fixed) or accepted as it is:"
        )
        print_problem_list(problems)
    print_verdict_details(outcomes)
    reported = {
        note.split(": ", 2)[1]
        for o in outcomes
        if o.name == "verdict"
        for note in o.summary.get("notes", [])
        if note.startswith("still warns")
    }
    warned = [
        w for o in outcomes for w in o.summary.get("warnings", []) if w["test"] not in reported
    ]
    if warned:
        console.say("")
        console.say("Tests that warned (data worth a look; they do not fail the run):")
        for warning in warned:
            console.say(f"  {warning['test']}: {plural(warning['failing_rows'], 'row')}")
    for outcome in outcomes:
        for incomplete_day, reasons in outcome.summary.get("incomplete_days", {}).items():
            lost = "; ".join(
                f"{plural(n, 'order')} of unknown revenue ({why})" for why, n in reasons.items()
            )
            console.say("")
            until = (
                ": a person accepted the loss"
                if all("accepted as lost" in why for why in reasons)
                else ", until the files are resolved"
            )
            console.say_wrapped(
                f"{incomplete_day} is incomplete: {lost}. Its revenue shows as unknown, "
                f"never as zero{until}."
            )
    console.say("")
    for outcome in outcomes:
        if outcome.name == "report" and outcome.status == "success":
            console.say("Report:")
            console.say(f"  {outcome.summary['url']}")
    console.say(f"Warehouse: {warehouse}")
    console.say(f"Bucket: {bucket}")

"""Alerts: a Slack message (incoming webhook) and an email (SMTP) about a run.

Sending never raises: a failing channel is logged and reported back, so a broken notifier
can never hide the failure it was reporting. Secrets (the webhook URL, the SMTP password,
anything that looks like a credential in an error text) never appear in a message or a log.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from shopsight.config import Settings
from shopsight.redact import redact as redact_text
from shopsight.words import plural

log = logging.getLogger("shopsight.alerts")


@dataclass
class Alert:
    """One alert: a subject line and a plain-text body (Slack gets both)."""

    subject: str
    body: str


def redact(text: str, settings: Settings) -> str:
    """``text`` without the configured secrets or anything shaped like a credential."""
    secrets = (settings.slack_webhook_url, settings.smtp_password)
    return redact_text(text, (s.get_secret_value() for s in secrets if s is not None))


def failure_alert(
    dag_id: str,
    run_id: str,
    task_id: str,
    try_number: int,
    error: str,
    log_url: str,
) -> Alert:
    """What the team is told when a task has failed for good (after its retries)."""
    last_lines = "\n".join(error.strip().splitlines()[-8:])
    return Alert(
        subject=f"[ShopSight] FAILED {dag_id}.{task_id} (run {run_id})",
        body=(
            f"Task {task_id} of {dag_id} failed on try {try_number}; "
            "downstream tasks did not run.\n"
            f"Run: {run_id}\n"
            f"Error (last lines):\n{last_lines}\n"
            f"Log: {log_url}\n"
            "Runbook: docs/orchestration.md#when-an-alert-arrives"
        ),
    )


def success_alert(dag_id: str, run_id: str, results: dict[str, Any], seconds: float) -> Alert:
    """One message summing up a successful run: files loaded, rows quarantined, tests."""
    files = rows = quarantined = tests = 0
    for summary in ingest_summaries(results):
        files += summary.get("files_loaded", 0)
        rows += summary.get("rows_loaded", 0)
        quarantined += summary.get("rows_rejected", 0)
    for name, summary in results.items():
        if name.startswith("dbt_") and isinstance(summary, dict):
            tests += summary.get("tests", {}).get("pass", 0)
    verdict = results.get("verdict") or {}
    colour = str(verdict.get("colour", "green")).upper()
    details = "".join(f"\n- {line}" for line in verdict.get("reasons", []))
    details += "".join(f"\n- {line}" for line in verdict.get("caveats", []))
    return Alert(
        subject=f"[ShopSight] {'OK' if colour == 'GREEN' else colour} {dag_id} (run {run_id})",
        body=(
            f"{dag_id} run {run_id} succeeded in {seconds:,.0f} s: {files} files loaded "
            f"({rows:,} rows), {quarantined:,} rows quarantined, {tests} tests passed. "
            f"Verdict for {verdict.get('day', 'the day')}: {colour}.{details}"
        ),
    )


def untrusted_alert(run_id: str, new: list[Any], open_problems: list[Any]) -> Alert:
    """What the team is told once per newly untrusted file (the run stays red meanwhile)."""
    lines = [f"- {p.summary}\n  resolve: {p.resolve_command}" for p in new]
    older = len(open_problems) - len(new)
    return Alert(
        subject=f"[ShopSight] UNTRUSTED: the daily run stays red ({plural(len(new), 'new file')})",
        body=(
            f"Run {run_id} found {plural(len(new), 'newly untrusted file')}:\n"
            + "\n".join(lines)
            + (f"\n{plural(older, 'older problem')} still open." if older else "")
            + "\nThe run stays red until each is re-admitted or accepted "
            "(`shopsight quarantine accept ID --reason ...`); `shopsight status` lists them."
        ),
    )


def ingest_summaries(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The ingest summaries among a run's step results (per table, and the loyalty feed)."""
    found = []
    for name, summary in results.items():
        if name.startswith("ingest_") and isinstance(summary, dict):
            found += [s for s in summary.values() if isinstance(s, dict)]
        elif name == "loyalty" and isinstance(summary, dict):
            found.append(summary.get("ingest", {}))
    return found


def send(alert: Alert, settings: Settings) -> dict[str, str]:
    """Send to every configured channel; returns channel → "sent" or the (redacted) error."""
    alert = Alert(redact(alert.subject, settings), redact(alert.body, settings))
    outcome = {}
    if settings.slack_webhook_url is not None:
        outcome["slack"] = _attempt("slack", lambda: _slack(alert, settings), settings)
    if settings.smtp_host and settings.alert_email_to:
        outcome["email"] = _attempt("email", lambda: _email(alert, settings), settings)
    return outcome


def _attempt(channel: str, send_it: Any, settings: Settings) -> str:
    try:
        send_it()
    except Exception as error:  # noqa: BLE001 - a notifier must never raise
        message = redact(f"{type(error).__name__}: {error}", settings)
        log.error("alert via %s failed: %s", channel, message)
        return f"failed: {message}"
    return "sent"


def _slack(alert: Alert, settings: Settings) -> None:
    assert settings.slack_webhook_url is not None
    payload = json.dumps({"text": f"*{alert.subject}*\n{alert.body}"}).encode()
    request = urllib.request.Request(
        settings.slack_webhook_url.get_secret_value(),
        data=payload,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status >= 300:
            raise RuntimeError(f"Slack answered HTTP {response.status}")


def _email(alert: Alert, settings: Settings) -> None:
    message = EmailMessage()
    message["Subject"] = alert.subject
    message["From"] = settings.alert_email_from
    message["To"] = settings.alert_email_to
    message.set_content(alert.body)
    assert settings.smtp_host is not None
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user and settings.smtp_password is not None:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        smtp.send_message(message)

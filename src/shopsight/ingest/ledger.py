"""The ingest ledger and the quarantine table: what was loaded, and what was kept aside;
the rows that loaded with a warning, and the columns files carried that the contract does
not declare (or lacked).

The ledger is keyed by object path + content checksum; a file is loaded exactly once because
its ledger row commits in the same transaction as its rows.
"""

from __future__ import annotations

OPS_SCHEMA = "shopsight_ops"

OPS_DDL = f"""
create schema if not exists {OPS_SCHEMA};
create table if not exists {OPS_SCHEMA}.ingest_ledger (
    ingest_id varchar(64) primary key,
    run_id varchar(64) not null,
    source varchar(64) not null,
    table_name varchar(64) not null,
    path varchar(1024) not null,
    checksum varchar(64) not null,
    size_bytes bigint not null,
    file_dt date,
    status varchar(16) not null,
    reason varchar(64),
    message varchar(2048),
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_rejected bigint not null,
    warnings varchar(4096) not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    unique (path, checksum)
);
-- The fingerprint (ingest/fingerprint.py) came after the first ledgers: added where missing.
alter table {OPS_SCHEMA}.ingest_ledger add column if not exists fingerprint varchar(160);
create table if not exists {OPS_SCHEMA}.quarantine (
    quarantine_id varchar(128) primary key,
    ingest_id varchar(64) not null,
    source varchar(64) not null,
    table_name varchar(64) not null,
    path varchar(1024) not null,
    line_number bigint,
    column_name varchar(64),
    reason varchar(64) not null,
    message varchar(2048) not null,
    raw_line text,
    quarantine_object varchar(1024) not null,
    quarantined_at timestamp not null,
    readmitted_in varchar(1024)
);
create table if not exists {OPS_SCHEMA}.row_warnings (
    ingest_id varchar(64) not null,
    source varchar(64) not null,
    table_name varchar(64) not null,
    path varchar(1024) not null,
    line_number bigint not null,
    row_key varchar(1024) not null,
    column_name varchar(64),
    reason varchar(64) not null,
    message varchar(2048) not null
);
create table if not exists {OPS_SCHEMA}.column_drift (
    ingest_id varchar(64) not null,
    source varchar(64) not null,
    table_name varchar(64) not null,
    column_name varchar(64) not null,
    kind varchar(16) not null,
    path varchar(1024) not null,
    file_dt date
);
create table if not exists {OPS_SCHEMA}.accepted_problems (
    ingest_id varchar(64) primary key,
    path varchar(1024) not null,
    reason varchar(2048) not null,
    accepted_by varchar(128) not null,
    accepted_at timestamp not null
);
-- What the anomaly monitors found (anomalies/record.py), one row per day and monitor. A
-- person's acknowledgement (who, when, why) keeps the row and leaves the day out of the
-- monitor's later bands.
create table if not exists {OPS_SCHEMA}.anomalies (
    anomaly_id varchar(16) primary key,
    run_day date not null,
    monitor varchar(256) not null,
    kind varchar(16) not null,
    severity varchar(8) not null,
    sentence varchar(4096) not null,
    detail text not null,
    found_at timestamp not null,
    acked_by varchar(128),
    ack_reason varchar(2048),
    acked_at timestamp
);
-- The landed tables' column profiles per file day (anomalies/profile.py), kept with a
-- marker of the day's loaded files: a check profiles only the days whose files changed.
create table if not exists {OPS_SCHEMA}.landed_profiles (
    table_name varchar(128) not null,
    file_dt date not null,
    marker varchar(64) not null,
    measure varchar(128) not null,
    numerator double precision not null,
    denominator double precision not null
);
create table if not exists {OPS_SCHEMA}.file_withdrawals (
    ingest_id varchar(64) not null,
    path varchar(1024) not null,
    action varchar(16) not null,
    reason varchar(2048) not null,
    acted_by varchar(128) not null,
    acted_at timestamp not null
);
create table if not exists {OPS_SCHEMA}.full_refresh_requests (
    requested_at timestamp not null,
    reason varchar(2048) not null,
    done_at timestamp
);
create table if not exists {OPS_SCHEMA}.day_verdicts (
    run_day date not null,
    run_id varchar(256) not null,
    colour varchar(8) not null,
    verdict text not null,
    decided_at timestamp not null
);
create table if not exists {OPS_SCHEMA}.warned_tests (
    test_name varchar(512) not null,
    failing_rows bigint not null,
    first_day date not null,
    primary key (test_name, failing_rows)
);
create table if not exists {OPS_SCHEMA}.problem_alerts (
    ingest_id varchar(64) primary key,
    alerted_at timestamp not null
);
"""

LEDGER_COLUMNS = [
    "ingest_id",
    "run_id",
    "source",
    "table_name",
    "path",
    "checksum",
    "size_bytes",
    "file_dt",
    "status",
    "reason",
    "message",
    "rows_read",
    "rows_loaded",
    "rows_rejected",
    "warnings",
    "started_at",
    "finished_at",
    "fingerprint",
]
QUARANTINE_COLUMNS = [
    "quarantine_id",
    "ingest_id",
    "source",
    "table_name",
    "path",
    "line_number",
    "column_name",
    "reason",
    "message",
    "raw_line",
    "quarantine_object",
    "quarantined_at",
    "readmitted_in",
]
ROW_WARNING_COLUMNS = [
    "ingest_id",
    "source",
    "table_name",
    "path",
    "line_number",
    "row_key",
    "column_name",
    "reason",
    "message",
]
DRIFT_COLUMNS = ["ingest_id", "source", "table_name", "column_name", "kind", "path", "file_dt"]

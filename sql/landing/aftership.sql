-- Generated from src/shopsight/contracts/aftership.yaml by `shopsight contracts ddl`.
-- Do not edit: change the contract and regenerate.
create schema if not exists aftership;

-- webhook_events: current state (latest delivery per key)
create table if not exists aftership.webhook_events (
    event_id varchar(64) not null,
    event varchar(64) not null,
    received_at timestamp not null,
    event_ts int not null,
    tracking_id varchar(64) not null,
    tracking_number varchar(128) not null,
    slug varchar(64) not null,
    tag varchar(32) not null,
    subtag varchar(64),
    updated_at timestamp not null,
    order_id varchar(64),
    order_item_id varchar(64),
    failed_delivery_attempts int,
    checkpoints varchar(1000000),
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (event_id)
);
-- webhook_events: the versions that are not current (replaced or withdrawn)
create table if not exists aftership.webhook_events_superseded (
    event_id varchar(64) not null,
    event varchar(64) not null,
    received_at timestamp not null,
    event_ts int not null,
    tracking_id varchar(64) not null,
    tracking_number varchar(128) not null,
    slug varchar(64) not null,
    tag varchar(32) not null,
    subtag varchar(64),
    updated_at timestamp not null,
    order_id varchar(64),
    order_item_id varchar(64),
    failed_delivery_attempts int,
    checkpoints varchar(1000000),
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists webhook_events_superseded_key on aftership.webhook_events_superseded (event_id);
-- webhook_events: every delivered version, each stored once
create or replace view aftership.webhook_events_history as select * from aftership.webhook_events union all select * from aftership.webhook_events_superseded;

-- api_trackings: current state (latest delivery per key)
create table if not exists aftership.api_trackings (
    tracking_id varchar(64) not null,
    tracking_number varchar(128) not null,
    slug varchar(64) not null,
    tag varchar(32) not null,
    subtag varchar(64),
    updated_at timestamp not null,
    order_id varchar(64),
    order_item_id varchar(64),
    failed_delivery_attempts int,
    checkpoints varchar(1000000),
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (tracking_id, updated_at)
);
-- api_trackings: the versions that are not current (replaced or withdrawn)
create table if not exists aftership.api_trackings_superseded (
    tracking_id varchar(64) not null,
    tracking_number varchar(128) not null,
    slug varchar(64) not null,
    tag varchar(32) not null,
    subtag varchar(64),
    updated_at timestamp not null,
    order_id varchar(64),
    order_item_id varchar(64),
    failed_delivery_attempts int,
    checkpoints varchar(1000000),
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists api_trackings_superseded_key on aftership.api_trackings_superseded (tracking_id, updated_at);
-- api_trackings: every delivered version, each stored once
create or replace view aftership.api_trackings_history as select * from aftership.api_trackings union all select * from aftership.api_trackings_superseded;

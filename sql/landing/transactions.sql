-- Generated from src/shopsight/contracts/transactions.yaml by `shopsight contracts ddl`.
-- Do not edit: change the contract and regenerate.
create schema if not exists transactions;

-- transactions: current state (latest delivery per key)
create table if not exists transactions.transactions (
    transaction_id int not null,
    user_id int not null,
    transaction_amount decimal(18,2) not null,
    is_repeat_purchase boolean not null,
    transacted_at timestamp not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (transaction_id)
);
-- transactions: the versions that are not current (replaced or withdrawn)
create table if not exists transactions.transactions_superseded (
    transaction_id int not null,
    user_id int not null,
    transaction_amount decimal(18,2) not null,
    is_repeat_purchase boolean not null,
    transacted_at timestamp not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists transactions_superseded_key on transactions.transactions_superseded (transaction_id);
-- transactions: every delivered version, each stored once
create or replace view transactions.transactions_history as select * from transactions.transactions union all select * from transactions.transactions_superseded;

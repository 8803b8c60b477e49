-- Generated from src/shopsight/contracts/thelook.yaml by `shopsight contracts ddl`.
-- Do not edit: change the contract and regenerate.
create schema if not exists thelook;

-- distribution_centers: current state (latest delivery per key)
create table if not exists thelook.distribution_centers (
    id int not null,
    name varchar(255) not null,
    latitude float not null,
    longitude float not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (id)
);
-- distribution_centers: the versions that are not current (replaced or withdrawn)
create table if not exists thelook.distribution_centers_superseded (
    id int not null,
    name varchar(255) not null,
    latitude float not null,
    longitude float not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists distribution_centers_superseded_key on thelook.distribution_centers_superseded (id);
-- distribution_centers: every delivered version, each stored once
create or replace view thelook.distribution_centers_history as select * from thelook.distribution_centers union all select * from thelook.distribution_centers_superseded;

-- products: current state (latest delivery per key)
create table if not exists thelook.products (
    id int not null,
    cost float not null,
    category varchar(255) not null,
    name varchar(255),
    brand varchar(255),
    retail_price float not null,
    department varchar(255) not null,
    sku varchar(255) not null,
    distribution_center_id int not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (id)
);
-- products: the versions that are not current (replaced or withdrawn)
create table if not exists thelook.products_superseded (
    id int not null,
    cost float not null,
    category varchar(255) not null,
    name varchar(255),
    brand varchar(255),
    retail_price float not null,
    department varchar(255) not null,
    sku varchar(255) not null,
    distribution_center_id int not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists products_superseded_key on thelook.products_superseded (id);
-- products: every delivered version, each stored once
create or replace view thelook.products_history as select * from thelook.products union all select * from thelook.products_superseded;

-- users: current state (latest delivery per key)
create table if not exists thelook.users (
    id int not null,
    first_name varchar(255) not null,
    last_name varchar(255) not null,
    email varchar(255) not null,
    age int not null,
    gender varchar(255) not null,
    state varchar(255) not null,
    street_address varchar(255) not null,
    postal_code varchar(255) not null,
    city varchar(255) not null,
    country varchar(255) not null,
    latitude float not null,
    longitude float not null,
    traffic_source varchar(255) not null,
    created_at timestamp not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (id)
);
-- users: the versions that are not current (replaced or withdrawn)
create table if not exists thelook.users_superseded (
    id int not null,
    first_name varchar(255) not null,
    last_name varchar(255) not null,
    email varchar(255) not null,
    age int not null,
    gender varchar(255) not null,
    state varchar(255) not null,
    street_address varchar(255) not null,
    postal_code varchar(255) not null,
    city varchar(255) not null,
    country varchar(255) not null,
    latitude float not null,
    longitude float not null,
    traffic_source varchar(255) not null,
    created_at timestamp not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists users_superseded_key on thelook.users_superseded (id);
-- users: every delivered version, each stored once
create or replace view thelook.users_history as select * from thelook.users union all select * from thelook.users_superseded;

-- orders: current state (latest delivery per key)
create table if not exists thelook.orders (
    order_id int not null,
    user_id int not null,
    status varchar(255) not null,
    gender varchar(255) not null,
    created_at timestamp not null,
    returned_at timestamp,
    shipped_at timestamp,
    delivered_at timestamp,
    num_of_item int not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (order_id)
);
-- orders: the versions that are not current (replaced or withdrawn)
create table if not exists thelook.orders_superseded (
    order_id int not null,
    user_id int not null,
    status varchar(255) not null,
    gender varchar(255) not null,
    created_at timestamp not null,
    returned_at timestamp,
    shipped_at timestamp,
    delivered_at timestamp,
    num_of_item int not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists orders_superseded_key on thelook.orders_superseded (order_id);
-- orders: every delivered version, each stored once
create or replace view thelook.orders_history as select * from thelook.orders union all select * from thelook.orders_superseded;

-- inventory_items: current state (latest delivery per key)
create table if not exists thelook.inventory_items (
    id int not null,
    product_id int not null,
    created_at timestamp not null,
    sold_at timestamp,
    cost float not null,
    product_category varchar(255) not null,
    product_name varchar(255),
    product_brand varchar(255),
    product_retail_price float not null,
    product_department varchar(255) not null,
    product_sku varchar(255) not null,
    product_distribution_center_id int not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (id)
);
-- inventory_items: the versions that are not current (replaced or withdrawn)
create table if not exists thelook.inventory_items_superseded (
    id int not null,
    product_id int not null,
    created_at timestamp not null,
    sold_at timestamp,
    cost float not null,
    product_category varchar(255) not null,
    product_name varchar(255),
    product_brand varchar(255),
    product_retail_price float not null,
    product_department varchar(255) not null,
    product_sku varchar(255) not null,
    product_distribution_center_id int not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists inventory_items_superseded_key on thelook.inventory_items_superseded (id);
-- inventory_items: every delivered version, each stored once
create or replace view thelook.inventory_items_history as select * from thelook.inventory_items union all select * from thelook.inventory_items_superseded;

-- order_items: current state (latest delivery per key)
create table if not exists thelook.order_items (
    id int not null,
    order_id int not null,
    user_id int not null,
    product_id int not null,
    inventory_item_id int not null,
    status varchar(255) not null,
    created_at timestamp not null,
    shipped_at timestamp,
    delivered_at timestamp,
    returned_at timestamp,
    sale_price float not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (id)
);
-- order_items: the versions that are not current (replaced or withdrawn)
create table if not exists thelook.order_items_superseded (
    id int not null,
    order_id int not null,
    user_id int not null,
    product_id int not null,
    inventory_item_id int not null,
    status varchar(255) not null,
    created_at timestamp not null,
    shipped_at timestamp,
    delivered_at timestamp,
    returned_at timestamp,
    sale_price float not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists order_items_superseded_key on thelook.order_items_superseded (id);
-- order_items: every delivered version, each stored once
create or replace view thelook.order_items_history as select * from thelook.order_items union all select * from thelook.order_items_superseded;

-- events: current state (latest delivery per key)
create table if not exists thelook.events (
    id int not null,
    user_id int,
    sequence_number int not null,
    session_id varchar(255) not null,
    created_at timestamp not null,
    ip_address varchar(255) not null,
    city varchar(255) not null,
    state varchar(255) not null,
    postal_code varchar(255) not null,
    browser varchar(255) not null,
    traffic_source varchar(255) not null,
    uri varchar(1024) not null,
    event_type varchar(255) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (id)
);
-- events: the versions that are not current (replaced or withdrawn)
create table if not exists thelook.events_superseded (
    id int not null,
    user_id int,
    sequence_number int not null,
    session_id varchar(255) not null,
    created_at timestamp not null,
    ip_address varchar(255) not null,
    city varchar(255) not null,
    state varchar(255) not null,
    postal_code varchar(255) not null,
    browser varchar(255) not null,
    traffic_source varchar(255) not null,
    uri varchar(1024) not null,
    event_type varchar(255) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists events_superseded_key on thelook.events_superseded (id);
-- events: every delivered version, each stored once
create or replace view thelook.events_history as select * from thelook.events union all select * from thelook.events_superseded;

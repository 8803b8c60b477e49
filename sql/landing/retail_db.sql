-- Generated from src/shopsight/contracts/retail_db.yaml by `shopsight contracts ddl`.
-- Do not edit: change the contract and regenerate.
create schema if not exists retail_db;

-- departments: current state (latest delivery per key)
create table if not exists retail_db.departments (
    department_id int not null,
    department_name varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (department_id)
);
-- departments: the versions that are not current (replaced or withdrawn)
create table if not exists retail_db.departments_superseded (
    department_id int not null,
    department_name varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists departments_superseded_key on retail_db.departments_superseded (department_id);
-- departments: every delivered version, each stored once
create or replace view retail_db.departments_history as select * from retail_db.departments union all select * from retail_db.departments_superseded;

-- categories: current state (latest delivery per key)
create table if not exists retail_db.categories (
    category_id int not null,
    category_department_id int not null,
    category_name varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (category_id)
);
-- categories: the versions that are not current (replaced or withdrawn)
create table if not exists retail_db.categories_superseded (
    category_id int not null,
    category_department_id int not null,
    category_name varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists categories_superseded_key on retail_db.categories_superseded (category_id);
-- categories: every delivered version, each stored once
create or replace view retail_db.categories_history as select * from retail_db.categories union all select * from retail_db.categories_superseded;

-- products: current state (latest delivery per key)
create table if not exists retail_db.products (
    product_id int not null,
    product_category_id int not null,
    product_name varchar(45) not null,
    product_description varchar(255) not null,
    product_price float not null,
    product_image varchar(255) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (product_id)
);
-- products: the versions that are not current (replaced or withdrawn)
create table if not exists retail_db.products_superseded (
    product_id int not null,
    product_category_id int not null,
    product_name varchar(45) not null,
    product_description varchar(255) not null,
    product_price float not null,
    product_image varchar(255) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists products_superseded_key on retail_db.products_superseded (product_id);
-- products: every delivered version, each stored once
create or replace view retail_db.products_history as select * from retail_db.products union all select * from retail_db.products_superseded;

-- customers: current state (latest delivery per key)
create table if not exists retail_db.customers (
    customer_id int not null,
    customer_fname varchar(45) not null,
    customer_lname varchar(45) not null,
    customer_email varchar(45) not null,
    customer_password varchar(45) not null,
    customer_street varchar(255) not null,
    customer_city varchar(45) not null,
    customer_state varchar(45) not null,
    customer_zipcode varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (customer_id)
);
-- customers: the versions that are not current (replaced or withdrawn)
create table if not exists retail_db.customers_superseded (
    customer_id int not null,
    customer_fname varchar(45) not null,
    customer_lname varchar(45) not null,
    customer_email varchar(45) not null,
    customer_password varchar(45) not null,
    customer_street varchar(255) not null,
    customer_city varchar(45) not null,
    customer_state varchar(45) not null,
    customer_zipcode varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists customers_superseded_key on retail_db.customers_superseded (customer_id);
-- customers: every delivered version, each stored once
create or replace view retail_db.customers_history as select * from retail_db.customers union all select * from retail_db.customers_superseded;

-- orders: current state (latest delivery per key)
create table if not exists retail_db.orders (
    order_id int not null,
    order_date timestamp not null,
    order_customer_id int not null,
    order_status varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (order_id)
);
-- orders: the versions that are not current (replaced or withdrawn)
create table if not exists retail_db.orders_superseded (
    order_id int not null,
    order_date timestamp not null,
    order_customer_id int not null,
    order_status varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists orders_superseded_key on retail_db.orders_superseded (order_id);
-- orders: every delivered version, each stored once
create or replace view retail_db.orders_history as select * from retail_db.orders union all select * from retail_db.orders_superseded;

-- order_items: current state (latest delivery per key)
create table if not exists retail_db.order_items (
    order_item_id int not null,
    order_item_order_id int not null,
    order_item_product_id int not null,
    order_item_quantity int not null,
    order_item_subtotal float not null,
    order_item_product_price float not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp,
    primary key (order_item_id)
);
-- order_items: the versions that are not current (replaced or withdrawn)
create table if not exists retail_db.order_items_superseded (
    order_item_id int not null,
    order_item_order_id int not null,
    order_item_product_id int not null,
    order_item_quantity int not null,
    order_item_subtotal float not null,
    order_item_product_price float not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);
create index if not exists order_items_superseded_key on retail_db.order_items_superseded (order_item_id);
-- order_items: every delivered version, each stored once
create or replace view retail_db.order_items_history as select * from retail_db.order_items union all select * from retail_db.order_items_superseded;

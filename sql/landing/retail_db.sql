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
-- departments: every delivered version, never updated
create table if not exists retail_db.departments_history (
    department_id int not null,
    department_name varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);

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
-- categories: every delivered version, never updated
create table if not exists retail_db.categories_history (
    category_id int not null,
    category_department_id int not null,
    category_name varchar(45) not null,
    _ingest_id varchar(64),
    _file_path varchar(1024),
    _file_dt date,
    _line_number bigint,
    _loaded_at timestamp
);

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
-- products: every delivered version, never updated
create table if not exists retail_db.products_history (
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
-- customers: every delivered version, never updated
create table if not exists retail_db.customers_history (
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
-- orders: every delivered version, never updated
create table if not exists retail_db.orders_history (
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
-- order_items: every delivered version, never updated
create table if not exists retail_db.order_items_history (
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

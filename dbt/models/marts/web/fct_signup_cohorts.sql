{#- Grain: signup week × weeks since signup (0 = the week they signed up). Weeks start on
    Monday. cohort_size: users who signed up that week; active_users: those of them with a
    session or an order in that week; net revenue of their orders that week (by order day)
    and cumulated since signup; retention_rate = active_users / cohort_size. Every week from
    the signup week to the latest week with activity has a row, active or not, so the
    cumulative revenue never skips a week. acquisition channel: how the cohort's users first
    came (users.traffic_source), so cohorts compare channels by who comes back. -#}
with users as (
    select user_id, acquisition_source, {{ week_of('signed_up_at') }} as cohort_week
    from {{ ref('stg_thelook__users') }}
),

sources as (
    select traffic_source, channel from {{ ref('dim_traffic_sources') }}
),

activity as (
    select user_id, {{ week_of('started_at') }} as week
    from {{ ref('int_web_sessions') }} where user_id is not null
    union
    select user_id, {{ week_of('ordered_at') }} as week
    from {{ ref('stg_thelook__orders') }}
),

revenue as (
    select
        orders.user_id,
        {{ week_of('orders.ordered_at') }} as week,
        count(*) as orders,
        coalesce(sum(attributed.net_revenue), 0) as net_revenue
    from {{ ref('stg_thelook__orders') }} as orders
    inner join {{ ref('web_fct_orders') }} as attributed on attributed.order_id = orders.order_id
    group by 1, 2
),

cohorts as (
    select cohort_week, coalesce(sources.channel, 'Unknown') as acquisition_channel,
        count(*) as cohort_size
    from users
    left join sources on sources.traffic_source = users.acquisition_source
    group by 1, 2
),

weeks as (
    select distinct week from activity
),

grid as (
    select cohorts.cohort_week, cohorts.acquisition_channel, cohorts.cohort_size, weeks.week
    from cohorts
    inner join weeks on weeks.week >= cohorts.cohort_week
),

per_week as (
    select
        users.cohort_week,
        coalesce(sources.channel, 'Unknown') as acquisition_channel,
        activity.week,
        count(distinct activity.user_id) as active_users,
        coalesce(sum(revenue.orders), 0) as orders,
        coalesce(sum(revenue.net_revenue), 0) as net_revenue
    from activity
    inner join users on users.user_id = activity.user_id
    left join sources on sources.traffic_source = users.acquisition_source
    left join revenue on revenue.user_id = activity.user_id and revenue.week = activity.week
    group by 1, 2, 3
)

select
    grid.cohort_week,
    cast(grid.acquisition_channel as {{ text_type() }}) as acquisition_channel,
    cast({{ dbt.datediff('grid.cohort_week', 'grid.week', 'day') }} / 7 as integer)
        as weeks_since_signup,
    grid.week,
    cast(grid.cohort_size as bigint) as cohort_size,
    cast(coalesce(per_week.active_users, 0) as bigint) as active_users,
    cast(coalesce(per_week.orders, 0) as bigint) as orders,
    cast(coalesce(per_week.net_revenue, 0) as decimal(18, 2)) as net_revenue,
    cast(sum(coalesce(per_week.net_revenue, 0)) over (
        partition by grid.cohort_week, grid.acquisition_channel order by grid.week
        rows between unbounded preceding and current row
    ) as decimal(18, 2)) as cumulative_net_revenue,
    cast(round(cast(coalesce(per_week.active_users, 0) as decimal(18, 6)) / grid.cohort_size, 4)
        as decimal(9, 4)) as retention_rate
from grid
left join per_week
    on per_week.cohort_week = grid.cohort_week
    and per_week.acquisition_channel = grid.acquisition_channel
    and per_week.week = grid.week

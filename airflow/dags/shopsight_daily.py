"""ShopSight's daily run at 06:00: wiring only; the steps live in shopsight.pipeline and the
DAG is assembled by shopsight.airflow_dag (see docs/orchestration.md)."""

from shopsight.airflow_dag import build_daily_dag

dag = build_daily_dag()

"""Anomaly monitors: the day against its usual weekday (docs/anomalies.md)."""

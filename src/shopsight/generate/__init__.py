"""Deterministic synthetic sources with injectable faults."""

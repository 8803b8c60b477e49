"""Exactly-once, contract-validated ingestion of landed files into the warehouse."""

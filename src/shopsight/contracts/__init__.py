"""Landing-table contracts: one YAML declaration per source drives DDL, reader and validator."""

from shopsight.contracts.model import Column, Contract, Table, load_contract

__all__ = ["Column", "Contract", "Table", "load_contract"]

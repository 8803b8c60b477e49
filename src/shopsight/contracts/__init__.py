"""Landing-table contracts: one YAML declaration per source drives DDL, reader and validator
(``shopsight.contracts.model``). This package imports nothing itself, so that naming the
sources (``sources.known_sources``) costs no more than listing its files."""

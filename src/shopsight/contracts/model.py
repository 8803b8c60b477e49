"""The contract model: what a source's landing tables look like and which rows are valid."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from shopsight.contracts.sources import known_sources

BaseType = Literal["int", "float", "timestamp", "varchar", "decimal", "bool"]
_VARCHAR = re.compile(r"varchar\((\d+)\)")
_DECIMAL = re.compile(r"decimal\((\d+),\s*(\d+)\)")


class ContractError(ValueError):
    """A contract file is missing or does not describe a valid source."""


Severity = Literal["reject", "warn"]


class Rules(BaseModel):
    """Per-column value rules; every rule is optional.

    ``severity`` says what a row that breaks one does: ``reject`` quarantines it (only for
    what the landing table cannot store as the source defines it, e.g. a key outside the
    warehouse's key domain), ``warn`` loads it and records a warning per row and rule
    (business expectations). A column with rules must name it: no rule is placed by default.
    """

    severity: Severity | None = None
    min: float | None = None
    min_exclusive: float | None = None
    max: float | None = None
    accepted_values: list[str] | None = None
    pattern: str | None = None

    @model_validator(mode="after")
    def _severity_stated(self) -> Rules:
        placed = self.model_dump(exclude={"severity"}, exclude_none=True)
        if placed and self.severity is None:
            raise ValueError(f"rules {sorted(placed)} need a severity: reject or warn")
        return self


class Column(BaseModel):
    """One landing column: its name, declared type, rules, and whether it may be empty
    (NOT NULL unless ``nullable``; an empty field of a nullable column is NULL)."""

    name: str
    type: str
    nullable: bool = False
    rules: Rules = Field(default_factory=Rules)
    # JSON-lines sources: where the value sits in the record (default: the top-level key of
    # the column's name), e.g. ``$.body.msg.tag``. An object or array is kept as JSON text.
    path: str | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value in ("int", "float", "timestamp", "bool"):
            return value
        if _VARCHAR.fullmatch(value) or _DECIMAL.fullmatch(value):
            return value
        raise ValueError(
            f"unknown column type {value!r}: use int, float, timestamp, bool, varchar(N), "
            "decimal(P,S)"
        )

    @property
    def base_type(self) -> BaseType:
        return self.type.split("(")[0]  # type: ignore[return-value]

    @property
    def scale(self) -> int | None:
        """Digits after the point a decimal column keeps (more are rejected, never rounded)."""
        match = _DECIMAL.fullmatch(self.type)
        return int(match.group(2)) if match else None

    @property
    def max_length(self) -> int | None:
        match = _VARCHAR.fullmatch(self.type)
        return int(match.group(1)) if match else None


class ForeignKey(BaseModel):
    """A soft foreign key: checked and counted at landing, never enforced."""

    column: str
    references: str

    @property
    def parent_table(self) -> str:
        return self.references.split(".")[0]

    @property
    def parent_column(self) -> str:
        return self.references.split(".")[1]


class RowRule(BaseModel):
    """A rule over several columns, as a SQL boolean expression over the typed row."""

    reason: str
    message: str
    holds_when: str
    severity: Severity  # as for column rules: reject or warn, always stated


class Table(BaseModel):
    """One landing table."""

    name: str = ""
    primary_key: list[str]
    columns: list[Column]
    # Where the table's files land (default ``landing/<source>/<table>/``).
    location: str | None = None
    foreign_keys: list[ForeignKey] = Field(default_factory=list)
    row_rules: list[RowRule] = Field(default_factory=list)
    # Columns that say when a copy was delivered, not what it says (a webhook's receive
    # time): rows of one file with one key that differ only there are redeliveries of one
    # record (at-least-once delivery), not a conflict. All copies stay in the history.
    redelivery_columns: list[str] = Field(default_factory=list)

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    @property
    def content_columns(self) -> list[str]:
        """The columns that make two rows different records (all but redelivery columns)."""
        return [name for name in self.column_names if name not in self.redelivery_columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


class FileFormat(BaseModel):
    """How the source's files are written: CSV lines, or one JSON object per line (``jsonl``,
    fields by name, so ``header``/``delimiter``/``quote`` do not apply)."""

    kind: Literal["csv", "jsonl"] = "csv"
    header: bool = False
    delimiter: str = ","
    quote: str = '"'
    encoding: str = "utf-8"
    timestamp_pattern: str
    timestamp_example: str
    timestamp_suffix: str | None = None  # e.g. " UTC": stripped before the cast
    timestamp_with_offset: bool = False  # ISO 8601 with Z or ±HH:MM, converted to UTC
    # The text the source writes for a missing value in a nullable field (besides an empty
    # field), e.g. ``null`` in BigQuery's exports. In a required field it stays text.
    null_text: str | None = None
    # A compressed file may inflate to at most this many bytes, and (once past
    # ``ratio_checked_after_bytes``) to at most this many times its own size; beyond either
    # it is quarantined whole as ``decompression_limit``, never inflated into memory.
    max_inflated_bytes: int = Field(2 << 30, gt=0)
    max_inflation_ratio: float = Field(100.0, gt=1)
    ratio_checked_after_bytes: int = Field(16 << 20, ge=0)
    # A header may name at most this many columns (default: four times a table's declared
    # columns, at least 1,024); a wider one is quarantined whole as ``header_too_wide``.
    max_columns: int | None = Field(None, gt=0)


class Contract(BaseModel):
    """A source: its file format and its tables, in load order (parents first)."""

    source: str
    description: str
    format: FileFormat
    max_reject_ratio: float = 0.05
    tables: dict[str, Table]

    def model_post_init(self, __context: object) -> None:
        for name, table in self.tables.items():
            table.name = name
            for key in table.primary_key + table.redelivery_columns:
                table.column(key)
            for foreign_key in table.foreign_keys:
                self.tables[foreign_key.parent_table].column(foreign_key.parent_column)

    def location(self, table: Table) -> str:
        """The bucket prefix the table's files land under."""
        return table.location or f"landing/{self.source}/{table.name}/"

    def table(self, name: str) -> Table:
        try:
            return self.tables[name]
        except KeyError:
            known = ", ".join(self.tables)
            raise ContractError(
                f"source {self.source!r} has no table {name!r} (known: {known})"
            ) from None


@cache
def load_contract(source: str) -> Contract:
    """Load the packaged contract of a source, e.g. ``load_contract("retail_db")``.

    Raises:
        ContractError: no contract exists for that source, or it is invalid.
    """
    path = resources.files("shopsight.contracts").joinpath(f"{source}.yaml")
    if not path.is_file():
        raise ContractError(
            f"unknown source {source!r}; the sources are: {', '.join(known_sources())}"
        )
    try:
        return Contract.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValueError, KeyError) as error:
        raise ContractError(f"contract {path} is invalid: {error}") from error

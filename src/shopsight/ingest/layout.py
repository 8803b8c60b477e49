"""Where a file's fields sit: columns mapped by the names in its header.

A header source's file may carry its columns in another order, carry columns the contract
does not declare (they load as text into columns the landing table gains), or lack a
nullable column (it loads as null). Only a missing required column refuses the file.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass

from shopsight.contracts.model import Table
from shopsight.ingest.reader import FileRejected

_UNSAFE = re.compile(r"[^a-z0-9_]")
MAX_NAME = 63  # PostgreSQL's identifier limit


@dataclass(frozen=True)
class Layout:
    """A file's shape: ``positions`` holds, per contract column, its 1-based field (None when
    the file lacks it); ``extras`` the undeclared columns as (landing name, field)."""

    width: int
    positions: tuple[int | None, ...]
    extras: tuple[tuple[str, int], ...] = ()
    missing: tuple[str, ...] = ()

    @classmethod
    def declared(cls, table: Table) -> Layout:
        """The contract's own order (headerless files, and headers that match it)."""
        n = len(table.columns)
        return cls(n, tuple(range(1, n + 1)))

    @classmethod
    def from_header(
        cls, table: Table, header: str, delimiter: str, quote: str, max_columns: int | None = None
    ) -> Layout:
        """Map the header's names onto the contract's columns.

        ``max_columns`` bounds the header's width (default: four times the declared columns,
        at least 1,024): each undeclared column becomes a landing column, so a header of
        thousands would cost memory and time before a single row loads.

        Raises:
            FileRejected: ``missing_column`` (a required column is absent, named),
                ``header_too_wide`` (more columns than the bound), or ``header_mismatch``
                (a name appears twice, or the header cannot be read).
        """
        limit = max_columns or max(1024, 4 * len(table.columns))
        width = header.count(delimiter) + 1  # an upper bound of the fields, before parsing
        if width > limit:
            raise FileRejected(
                "header_too_wide",
                f"the header has up to {width:,} columns, more than the {limit:,} this table "
                "allows (the contract's max_columns)",
            )
        try:
            names = next(csv.reader([header], delimiter=delimiter, quotechar=quote, strict=True))
        except (csv.Error, StopIteration) as error:
            raise FileRejected("header_mismatch", f"the header cannot be read: {error}") from None
        found: dict[str, int] = {}
        for position, raw in enumerate(names, start=1):
            name = landing_name(raw, position)
            if name in found:
                raise FileRejected(
                    "header_mismatch",
                    f"column {raw.strip()!r} appears twice in the header "
                    f"(fields {found[name]} and {position})",
                )
            found[name] = position
        declared = set(table.column_names)
        absent = [c for c in table.columns if c.name not in found]
        required = [c.name for c in absent if not c.nullable]
        if required:
            raise FileRejected(
                "missing_column",
                f"the header lacks required column{'s' if len(required) > 1 else ''} "
                f"{', '.join(required)} (found: {', '.join(names)[:300]})",
            )
        return cls(
            width=len(names),
            positions=tuple(found.get(name) for name in table.column_names),
            extras=tuple((n, p) for n, p in found.items() if n not in declared),
            missing=tuple(c.name for c in absent),
        )


def landing_name(raw: str, position: int) -> str:
    """The column name a header field becomes: lower case, letters, digits and ``_`` only,
    starting with a letter (a landing table's lineage columns start with ``_``)."""
    name = _UNSAFE.sub("_", raw.strip().lower())[:MAX_NAME]
    if not name or not name[0].isalpha():
        name = f"x{name}"[:MAX_NAME] if name else f"column_{position}"
    return name

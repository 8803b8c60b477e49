"""A new DuckDB warehouse starts from a parse of the project dbt already made.

dbt keeps its parse of the project (``partial_parse.msgpack``) in each warehouse's state
folder, and reuses it only when the connection it was made with is the same, key by key.
For DuckDB that includes the file's path, although what dbt parses depends on the database's
name (the file's stem, in every node's relation), not on the folder holding the file. So the
first build of every new warehouse parsed the whole project again: 7-8 s of a 2-core
machine, against 0.7 s from a kept parse (decision 0060).

Two changes, both local to ShopSight's own dbt invocations:

- dbt's check of a kept parse leaves out a DuckDB warehouse's path, and keeps every other
  connection key (the database's name among them);
- a warehouse whose state folder holds no parse yet gets a copy of the newest one of a
  warehouse with the same label (engine and name) in the same state folder. dbt then checks
  that copy as it checks its own (dbt's version, the vars, the connection, every file's
  hash) and parses again whatever differs, or everything when it cannot use it.
"""

from __future__ import annotations

import os
import pprint
import shutil
import tempfile
from pathlib import Path
from typing import Any

PARSE_FILE = "partial_parse.msgpack"
_PATCHED = "_shopsight_path_free"


def use_parses_across_paths() -> None:
    """Make dbt's check of a kept parse leave out a DuckDB warehouse's path (idempotent)."""
    from dbt.artifacts.resources import FileHash
    from dbt.parser.manifest import ManifestLoader

    original = getattr(ManifestLoader, "build_manifest_state_check", None)
    if original is None or getattr(original, _PATCHED, False):
        return  # another dbt: its own check stands, and a copied parse is parsed again

    def state_check(loader: Any) -> Any:
        check = original(loader)
        credentials = loader.root_project.credentials
        if credentials.type == "duckdb":
            # dbt's own hash, as dbt computes it, over every key but the path.
            keys = sorted((k, v) for k, v in credentials.connection_info() if k != "path")
            check.profile_hash = FileHash.from_contents(pprint.pformat(keys))
        return check

    setattr(state_check, _PATCHED, True)
    setattr(ManifestLoader, "build_manifest_state_check", state_check)  # noqa: B010


def seed_parse(state_dir: Path) -> Path | None:
    """Copy into ``state_dir/target`` the newest kept parse of a sibling state folder of the
    same label (``<label>-<digest>``), when it has none of its own; return the copy's
    source, or None. A copy dbt cannot use costs only the full parse it would have made."""
    own = state_dir / "target" / PARSE_FILE
    if own.exists():
        return None
    label = state_dir.name.rsplit("-", 1)[0]
    siblings = [
        candidate
        for candidate in state_dir.parent.glob(f"{label}-*/target/{PARSE_FILE}")
        if candidate.parent.parent.name.rsplit("-", 1)[0] == label
    ]
    newest = max(siblings, key=_modified, default=None)
    if newest is None:
        return None
    own.parent.mkdir(parents=True, exist_ok=True)
    handle, staged = tempfile.mkstemp(dir=own.parent, prefix=f".{PARSE_FILE}.")
    os.close(handle)
    try:
        shutil.copyfile(newest, staged)
        os.replace(staged, own)  # never a half-copied file under dbt's name
    except OSError:  # the sibling went away or was being written: parse in full
        Path(staged).unlink(missing_ok=True)
        return None
    return newest


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0

"""The sources ShopSight has a contract for: one packaged YAML file each."""

from __future__ import annotations

from importlib import resources


def known_sources() -> list[str]:
    """Names of the sources that have a packaged contract."""
    folder = resources.files("shopsight.contracts")
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))

"""Which store a command means: ``--store``, else ``KG_STORE``, else ``data/store``."""

from __future__ import annotations

import os
from pathlib import Path

from kg.store.embedded import OxigraphStore
from kg.store.interface import Store

DEFAULT_STORE = "data/store"
"""Where the embedded store lives when neither ``--store`` nor ``KG_STORE`` says otherwise."""


def resolve_store_spec(spec: str | None) -> str:
    """``--store`` value, else ``KG_STORE``, else the default embedded store."""
    return spec or os.environ.get("KG_STORE") or DEFAULT_STORE


def open_store(spec: str | None = None, *, read_only: bool = False) -> Store:
    """Open the store named by ``spec`` (a path, ``memory:`` or an ``http(s)://`` endpoint URL)."""
    location = resolve_store_spec(spec)
    if location == "memory:":
        return OxigraphStore(None)
    if location.startswith(("http://", "https://")):
        from kg.store import remote  # the remote backend imports requests: only when named

        return remote.open_remote_store(location)
    return OxigraphStore(Path(location), read_only=read_only)

"""Shared fixtures: a socket guard, the seed page from ../shared, and ready-made stores."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

from kg.paths import REPO_ROOT
from kg.store import OxigraphStore

SHARED = REPO_ROOT.parent / "shared"
SEED_PAGE = SHARED / "seeds" / "000_0d5d85432c5b2d87.txt"
EUTILS_FIXTURES = SHARED / "fixtures" / "eutils"
FIXTURES = Path(__file__).parent / "fixtures"

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    """Fail any connection that leaves the machine: tests talk to loopback servers only."""
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise RuntimeError(f"test tried to reach {host}: only 127.0.0.1 is allowed")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def socket_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture
def seed_page() -> Path:
    if not SEED_PAGE.is_file():
        pytest.skip(f"seed page not found at {SEED_PAGE} (../shared is absent)")
    return SEED_PAGE


@pytest.fixture
def memory_store() -> OxigraphStore:
    return OxigraphStore(None)


@pytest.fixture
def seed_store(tmp_path: Path) -> OxigraphStore:
    """The graph `kg build` makes from the bundled data, in a temporary on-disk store."""
    from ingest.build import SEED_DIR, build

    location = tmp_path / "store"
    build(str(location), SEED_DIR, [])
    store = OxigraphStore(location)
    yield store
    store.close()

"""Shared fixtures: a socket guard, the seed page from ../shared, a ``kg`` runner, and stores on each backend."""

from __future__ import annotations

import ipaddress
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from kg.store import OxigraphStore

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA = REPO_ROOT / "data"
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


def require_shared(*paths: Path, module: bool = False) -> None:
    """Skip a test whose input from ``../shared`` is missing; with ``CI=true`` fail instead.

    A developer's checkout may lack ``../shared``; CI must not, so there a missing
    input is an error and a green run means these tests ran. ``module=True`` skips
    a whole test module (called at import time).
    """
    missing = [path for path in paths if not path.exists()]
    if not missing:
        return
    reason = f"{missing[0]} not found (../shared is absent)"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(f"{reason}; CI=true needs it", pytrace=False)
    pytest.skip(reason, allow_module_level=module)


@pytest.fixture
def seed_page() -> Path:
    require_shared(SEED_PAGE)
    return SEED_PAGE


def run_kg(*args: str | Path, store: str | Path | None = None, timeout: float = 300, cwd: Path = REPO_ROOT,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``kg ARGS [--store STORE]`` as a user runs it: a separate process, output captured as text.

    ``env`` adds variables to (or overrides) the test process's environment.
    """
    command = [sys.executable, "-m", "kg", *map(str, args)]
    if store is not None:
        command += ["--store", str(store)]
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def kg() -> Callable[..., subprocess.CompletedProcess[str]]:
    """The ``kg`` runner (``run_kg``) for tests that take it as a fixture."""
    return run_kg


@pytest.fixture
def memory_store() -> OxigraphStore:
    return OxigraphStore(None)


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory):
    """A private Virtuoso on loopback for the whole session (skips, with the reason, where it cannot run)."""
    from virtuoso import start_virtuoso

    server = start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    if isinstance(server, str):
        pytest.skip(f"Virtuoso unavailable: {server}")
    yield server
    server.stop()


@pytest.fixture
def virtuoso_env(virtuoso_server, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty cohort-kg dataset on the Virtuoso server; credentials in the environment; returns its URL."""
    from kg.store.remote import open_remote_store

    for name, value in virtuoso_server.environment().items():
        monkeypatch.setenv(name, value)
    store = open_remote_store(virtuoso_server.query_url)
    store.drop_graphs(store.graph_sizes())
    store.close()
    return virtuoso_server.query_url


BACKENDS = ["embedded", pytest.param("virtuoso", marks=pytest.mark.virtuoso)]


@pytest.fixture(params=BACKENDS)
def store_spec(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store on each backend: a temporary embedded folder, then the Virtuoso server."""
    if request.param == "virtuoso":
        return request.getfixturevalue("virtuoso_env")
    return str(tmp_path / "store")


@pytest.fixture
def seed_store(store_spec: str):
    """The graph `kg build` makes from the bundled data, on each backend."""
    from ingest.build import SEED_DIR, build
    from kg.store import open_store

    build(store_spec, SEED_DIR, [])
    store = open_store(store_spec)
    yield store
    store.close()


BUNDLED_STUDY_PMID = "28494518"  # the study of the bundled tables (data/seed)
PMID_DOI_COLUMNS = (("pmid", "doi"), ("source_pmid", "source_doi"), ("cites_pmid", "cites_doi"))


@pytest.fixture
def title_only_seed(tmp_path: Path) -> Path:
    """The bundled tables with the study known by its title alone (its PMID and DOI blanked everywhere).

    A page or table often names a study only by title; refresh must resolve it to one PubMed record.
    """
    import csv

    from ingest.build import SEED_DIR

    folder = tmp_path / "title-only-seed"
    folder.mkdir()
    for table in SEED_DIR.glob("*.csv"):
        with table.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            for pmid_column, doi_column in PMID_DOI_COLUMNS:
                if row.get(pmid_column) == BUNDLED_STUDY_PMID:
                    row[pmid_column] = row[doi_column] = ""
        with (folder / table.name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return folder


@pytest.fixture
def title_only_store(store_spec: str, title_only_seed: Path):
    from ingest.build import build
    from kg.store import open_store

    build(store_spec, title_only_seed, [])
    store = open_store(store_spec)
    yield store
    store.close()


@contextmanager
def endpoint_in_thread(store: object, config: object = None) -> Iterator[str]:
    """``kg serve``'s server on a free loopback port, in a thread of the test process; yields its query URL."""
    from kg.serve import EndpointServer, ServeConfig

    server = EndpointServer(store, config or ServeConfig(port=0, workers=0))  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host}:{port}/sparql"
    finally:
        server.shutdown()
        server.server_close()

"""``prov:wasDerivedFrom`` names the bytes read (a ``urn:sha256:`` digest), never the user's file path."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from conftest import DATA as DATA_DIR
from conftest import FIXTURES

from kg.cli import main
from kg.store import OxigraphStore

SOURCES = "SELECT DISTINCT ?source WHERE { GRAPH ?g { ?g prov:wasDerivedFrom ?source } }"


def sources(store_path: Path) -> set[str]:
    store = OxigraphStore(store_path)
    try:
        return {str(row[0]) for row in store.query(SOURCES).rows}
    finally:
        store.close()


def test_no_source_graph_names_a_local_path(tmp_path):
    folder = tmp_path / "private-user-folder"
    folder.mkdir()
    table = shutil.copy(next(DATA_DIR.glob("seed/*-findings.csv")), folder / "mine-findings.csv")
    xml = shutil.copy(FIXTURES / "eutils" / "efetch_edge_cases.xml", folder / "records.xml")
    store = tmp_path / "store"
    assert main(["build", "--store", str(store)]) == 0
    assert main(["ingest", "findings", str(table), "--store", str(store)]) == 0
    assert main(["ingest", "pubmed-xml", str(xml), "--store", str(store)]) == 0
    found = sources(store)
    assert not [s for s in found if s.startswith("file:") or str(tmp_path) in s or "/" in s.split(":", 2)[-1]]
    assert f"urn:sha256:{hashlib.sha256(Path(table).read_bytes()).hexdigest()}" in found
    assert f"urn:sha256:{hashlib.sha256(Path(xml).read_bytes()).hexdigest()}" in found


def test_export_carries_no_local_path(tmp_path, capsysbinary):
    store = tmp_path / "store"
    assert main(["build", "--store", str(store)]) == 0
    capsysbinary.readouterr()
    assert main(["export", "--format", "nquads", "--store", str(store)]) == 0
    exported = capsysbinary.readouterr().out.decode()
    assert "file://" not in exported
    assert str(DATA_DIR) not in exported

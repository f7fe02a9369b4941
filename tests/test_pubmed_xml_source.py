"""``kg ingest pubmed-xml``: plain and gzip files, idempotent, bad files leave the store unchanged."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from conftest import FIXTURES

from kg.cli import main
from kg.store import OxigraphStore

HAND = FIXTURES / "eutils"
PUBMED_GRAPHS = 'SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?g ckg:sourceKind "pubmed" } }'


def count(store_path: Path, query: str) -> int:
    store = OxigraphStore(store_path)
    try:
        return int(store.query(query).values()[0]["n"])
    finally:
        store.close()


def test_plain_and_gzip_files_one_graph_per_record(tmp_path: Path, capsys):
    gz = tmp_path / "pubmed26n0001.xml.gz"
    with (HAND / "efetch_seed_study_and_citing.xml").open("rb") as src, gzip.open(gz, "wb") as out:
        shutil.copyfileobj(src, out)
    store = tmp_path / "store"
    assert main(["ingest", "pubmed-xml", str(gz), str(HAND / "efetch_edge_cases.xml"), "--store", str(store)]) == 0
    assert "10 graph(s) written" in capsys.readouterr().out
    assert count(store, PUBMED_GRAPHS) == 10
    assert count(store, "SELECT (COUNT(*) AS ?n) WHERE { <https://pubmed.ncbi.nlm.nih.gov/40075627> "
                        "cito:cites <https://pubmed.ncbi.nlm.nih.gov/90000001> }") >= 1
    assert main(["ingest", "pubmed-xml", str(gz), "--store", str(store)]) == 0
    assert "0 graph(s) written" in capsys.readouterr().out


@pytest.mark.parametrize("bad", ["truncated", "entities", "wrong-root", "bad-gzip"])
def test_bad_file_is_refused_and_store_unchanged(tmp_path: Path, capsys, bad: str):
    store = tmp_path / "store"
    assert main(["ingest", "pubmed-xml", str(HAND / "efetch_edge_cases.xml"), "--store", str(store)]) == 0
    before = OxigraphStore(store)
    quads = before.quad_count()
    before.close()
    good = (HAND / "efetch_seed_study_and_citing.xml").read_bytes()
    path = tmp_path / "bad.xml"
    if bad == "truncated":
        path.write_bytes(good[: len(good) * 2 // 3])  # several whole records, then cut
    elif bad == "entities":
        path.write_bytes(good.replace(b"<PubmedArticleSet>", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><PubmedArticleSet>'))
    elif bad == "wrong-root":
        path.write_bytes(b"<eSearchResult><Count>1</Count></eSearchResult>")
    else:
        path = tmp_path / "bad.xml.gz"
        path.write_bytes(gzip.compress(good)[:400])
    capsys.readouterr()
    assert main(["ingest", "pubmed-xml", str(HAND / "efetch_seed_study_and_citing.xml"), str(path),
                 "--store", str(store)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kg: error: {path}") and err.count("\n") == 1
    after = OxigraphStore(store)
    assert after.quad_count() == quads  # the good file before it was not stored either
    after.close()

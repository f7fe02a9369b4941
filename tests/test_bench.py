"""The benchmark corpus generator, the bounded citation query, the load guarantees and bench/run.py --quick."""

import subprocess
import sys
from collections import Counter

import pytest
from conftest import REPO_ROOT
from rdflib import Dataset, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from bench.generate import (
    FIRST_PMID,
    GENERATED_AT,
    generate_documents,
    publications_for,
    write_nquads,
)
from kg.cli import main as kg_main
from kg.counts import COUNTS_GRAPH
from kg.ids import publication_iri
from kg.model import Citation, Finding
from kg.paths import ONTOLOGY_DIR
from kg.pipeline import Pipeline
from kg.queries import run_named
from kg.store import OxigraphStore


def _records(docs, kind):
    return [r for doc in docs for r in doc.records if isinstance(r, kind)]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    write_nquads(tmp_path / "a.nq", 30, seed=3)
    write_nquads(tmp_path / "b.nq", 30, seed=3)
    write_nquads(tmp_path / "c.nq", 30, seed=4)
    assert (tmp_path / "a.nq").read_bytes() == (tmp_path / "b.nq").read_bytes()
    assert (tmp_path / "a.nq").read_bytes() != (tmp_path / "c.nq").read_bytes()


@pytest.mark.parametrize("target", [5_000, 40_000])
def test_size_within_ten_percent_of_target(tmp_path, target):
    quads = write_nquads(tmp_path / "c.nq", publications_for(target), seed=7)
    assert abs(quads - target) <= target // 10
    assert quads == sum(1 for _ in (tmp_path / "c.nq").open("rb"))


def test_nquads_is_what_the_mapping_stores(tmp_path):
    """The file equals vocabulary + the pipeline's write of docs, graph by graph."""
    docs = list(generate_documents(25, seed=11))
    store = OxigraphStore(None)
    with Pipeline(store, now=GENERATED_AT) as pipeline:
        pipeline.write_rdf_files([ONTOLOGY_DIR / "vocabulary.ttl"], "vocabulary")
        pipeline.write(docs)
    stored = Dataset()
    stored.parse(data="".join(f"{q} .\n" for q in store.iter_quads()), format="nquads")
    write_nquads(tmp_path / "c.nq", 25, seed=11)
    written = Dataset()
    written.parse(tmp_path / "c.nq", format="nquads")
    # The counts graph is derived after a load (kg load computes it from the file), so the file leaves it out.
    names = {g.identifier for g in stored.graphs()} - {stored.default_graph.identifier, URIRef(COUNTS_GRAPH)}
    assert names == {g.identifier for g in written.graphs()} - {written.default_graph.identifier}
    assert len(names) == 26
    for name in names:
        ours, theirs = written.graph(name), stored.graph(name)
        if not isomorphic(ours, theirs):
            _, only_ours, only_theirs = graph_diff(to_isomorphic(ours), to_isomorphic(theirs))
            pytest.fail(f"{name}: only in file {sorted(only_ours)[:3]}, only stored {sorted(only_theirs)[:3]}")


def test_corpus_is_realistic():
    docs = list(generate_documents(400, seed=7))
    citations = _records(docs, Citation)
    in_degree = Counter(c.cited.pmid for c in citations)
    degrees = sorted(in_degree.values(), reverse=True)
    # Heavy tail: the most-cited paper gets far more than the median one; citations point back in time.
    assert degrees[0] >= 10 * degrees[len(degrees) // 2]
    assert all(int(c.cited.pmid) < int(c.citing.pmid) for c in citations)
    findings = _records(docs, Finding)
    assert len(findings) >= 150
    assert {f.direction for f in findings} >= {"increases", "decreases", "no_effect"}
    assert any(f.p_value is not None for f in findings) and any(f.percentage is not None for f in findings)
    pubs = [r for doc in docs for r in doc.records if type(r).__name__ == "Publication"]
    assert 4 <= sum(len(p.authors) for p in pubs) / len(pubs) <= 8
    assert all(p.doi and p.pmid and p.mesh and p.year for p in pubs)


@pytest.fixture(scope="module")
def bench_store(tmp_path_factory):
    docs = list(generate_documents(120, seed=5))
    store = OxigraphStore(None)
    with Pipeline(store, now=GENERATED_AT) as pipeline:
        pipeline.write_rdf_files([ONTOLOGY_DIR / "vocabulary.ttl"], "vocabulary")
        pipeline.write(docs)
    return store, docs


@pytest.mark.parametrize("target", [FIRST_PMID, FIRST_PMID + 40])
def test_citing_within_two_steps_matches_a_walk(bench_store, target):
    store, docs = bench_store
    cites: dict[str, set[str]] = {}
    for c in _records(docs, Citation):
        cites.setdefault(c.cited.pmid, set()).add(c.citing.pmid)
    direct = cites.get(str(target), set())
    two = {p for d in direct for p in cites.get(d, set())}
    rows = run_named(store, "citing-within-two-steps", {"study": f"pubmed:{target}", "limit": "0"}).values()
    expected = direct | two
    page = run_named(store, "citing-within-two-steps", {"study": f"pubmed:{target}"}).values()
    assert len(page) == min(100, len(expected)) and {r["pmid"] for r in page} <= expected
    assert {r["pmid"] for r in rows} == expected
    assert {r["pmid"] for r in rows if r["steps"] == 1} == direct
    assert all(r["study"] == publication_iri_of(target) for r in rows)


def publication_iri_of(pmid: int) -> str:
    from kg.model import PublicationRef

    return publication_iri(PublicationRef(pmid=str(pmid)))


def test_catalog_queries_answer_on_generated_data(bench_store):
    store, _ = bench_store
    for name in ("risk-factors-for-outcome", "risk-factors-for-phenotype", "resistance-phenotypes", "findings",
                 "citing-publications", "graph-stats"):
        assert run_named(store, name).rows, name
    assert run_named(store, "concept", {"term": "EM-ALL"}).rows


def test_load_into_empty_store_with_syntax_error_leaves_it_empty(tmp_path, capsys):
    good = "".join(f"<http://e/s{i}> <http://e/p> \"{i}\" <http://e/g{i % 3}> .\n" for i in range(2000))
    bad = tmp_path / "bad.nq"
    bad.write_text(good + "<bad iri> <http://e/p> \"x\" <http://e/g> .\n")
    store_dir = tmp_path / "store"
    assert kg_main(["load", str(bad), "--store", str(store_dir)]) == 1
    assert "nothing loaded" in capsys.readouterr().err
    store = OxigraphStore(store_dir)
    assert store.quad_count() == 0
    store.close()


def test_load_into_existing_store_with_syntax_error_keeps_it(tmp_path, capsys):
    store_dir = tmp_path / "store"
    first = tmp_path / "first.nq"
    first.write_text("<http://e/a> <http://e/p> \"kept\" <http://e/g> .\n")
    assert kg_main(["load", str(first), "--store", str(store_dir)]) == 0
    for name, text in (("bad.nq", "<http://e/b> <http://e/p> \"x\" <http://e/g> .\n<bad iri> <http://e/p> \"x\" .\n"),
                       ("first.nt", "<http://e/b> <http://e/p> \"x\" .\n<bad iri> <http://e/p> \"x\" .\n")):
        (tmp_path / name).write_text(text)
        assert kg_main(["load", str(tmp_path / name), "--store", str(store_dir)]) == 1
    store = OxigraphStore(store_dir)
    assert store.query("SELECT ?o WHERE { GRAPH <http://e/g> { ?s ?p ?o } }").values() == [{"o": "kept"}]
    assert store.query("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER (?g != <http://e/g>) } LIMIT 1").values() \
        == [{"g": COUNTS_GRAPH}]  # nothing else came in: only the derived counts of the first load
    store.close()


def test_quick_benchmark_writes_a_table(tmp_path):
    out = tmp_path / "bench.md"
    out.write_text("# Benchmarks\n\nhand-written text stays\n")
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--quick", "--output", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=170)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert "hand-written text stays" in text
    assert "| 10k |" in text and "rdflib" in text
    for name in ("risk-factors-for-outcome", "graph-stats", "citing-within-two-steps"):
        assert f"| {name} |" in text

"""Re-ingesting an unchanged page too big for one transaction is recognised before anything is staged.

A staged write stores the emission digest (``kg.rdf.EmissionDigest``) beside the content hash; a
replacement whose stored emission digest matches the document as mapped again stages nothing. A
batch of 1,000 triples makes a 300-entry page take the staged path, as a 300,000-entry page does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from rdflib import URIRef

from bench.memory_bench import write_page
from ingest.enrich import enrich_document
from ingest.pubmed_page import read_page, stream_page
from kg import namespaces
from kg.loader import stored_emission
from kg.pipeline import Pipeline
from kg.rdf import EmissionDigest, records_triples, triples_hash
from kg.store import OxigraphStore
from kg.store.staged import StagedGraph

CONTENT_HASH = str(namespaces.CKG.contentHash)
EMISSION_DIGEST = str(namespaces.CKG.emissionDigest)
CLOCK = (str(namespaces.PROV.generatedAtTime), EMISSION_DIGEST)


def counting_stages(store: OxigraphStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the name of every graph the store is asked to stage."""
    calls: list[str] = []
    real: Callable[[str], StagedGraph] = store.stage_graph

    def stage_graph(name: str) -> StagedGraph:
        calls.append(name)
        return real(name)

    monkeypatch.setattr(store, "stage_graph", stage_graph)
    return calls


def page_graph(store: OxigraphStore) -> set[tuple[str, str, str]]:
    """The page graph's triples, without the timestamp and the emission digest."""
    rows = store.query("SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), '/graph/page/')) }")
    return {(str(s), str(p), str(o)) for s, p, o in rows.rows if str(p) not in CLOCK}


def test_unchanged_reingest_stages_nothing_and_a_changed_page_is_written(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "page.txt"
    write_page(path, 300)
    store = OxigraphStore(tmp_path / "store")
    try:
        staged = counting_stages(store, monkeypatch)
        with Pipeline(store, enrich=enrich_document, batch_triples=1_000) as pipeline:
            first = pipeline.write(stream_page(path, part_entries=20))
            assert (first.written, len(staged)) == (1, 1)
            [name] = staged
            emission = stored_emission(store, name)
            assert emission is not None and len(emission) == 64
            generation = store.generation
            again = pipeline.write(stream_page(path, part_entries=20))
            assert (again.written, again.unchanged, len(staged)) == (0, 1, 1)  # no second stage_graph call
            assert store.generation == generation  # not even the derived data was marked pending
            assert "0 graph(s) written" in again.describe("page") and "1 unchanged" in again.describe("page")

            write_page(path, 310)
            changed = pipeline.write(stream_page(path, part_entries=20))
        assert (changed.written, changed.unchanged, len(staged)) == (1, 0, 2)
        whole = records_triples(enrich_document(next(read_page(path))).records)
        rows = store.query(f"SELECT ?h WHERE {{ GRAPH <{name}> {{ <{name}> <{CONTENT_HASH}> ?h }} }}").rows
        assert [str(row[0]) for row in rows] == [triples_hash(whole)]
        assert stored_emission(store, name) not in (None, emission)
    finally:
        store.close()


def test_a_staged_first_ingest_adds_only_the_emission_digest(tmp_path: Path):
    """The same page written whole and staged gives the same graph, but for the emission digest."""
    path = tmp_path / "page.txt"
    write_page(path, 300)
    graphs = []
    emissions = []
    for batch in (1_000_000, 1_000):
        store = OxigraphStore(tmp_path / f"store-{batch}")
        try:
            with Pipeline(store, enrich=enrich_document, batch_triples=batch) as pipeline:
                pipeline.write(stream_page(path, part_entries=20))
            graphs.append(page_graph(store))
            emissions.append(store.query(f"SELECT ?e WHERE {{ GRAPH ?g {{ ?g <{EMISSION_DIGEST}> ?e }} }}").rows)
        finally:
            store.close()
    assert graphs[0] == graphs[1] and len(graphs[0]) > 6_000
    assert emissions[0] == [] and len(emissions[1]) == 1  # a graph written whole has none


def test_emission_digest_depends_on_parts_and_their_order_not_on_order_within_a_part():
    a, b, c = (tuple(f"urn:x:{i}{j}" for j in "spo") for i in range(3))
    def part(*triples: tuple[str, str, str]) -> set:
        return {tuple(URIRef(term) for term in triple) for triple in triples}

    def digest(*parts: set) -> str:
        emitted = EmissionDigest()
        for p in parts:
            emitted.add_part(p)
        return emitted.hexdigest()

    assert digest(part(a, b), part(c)) == digest(part(b, a), part(c))
    assert digest(part(a, b), part(c)) != digest(part(c), part(a, b))
    assert digest(part(a, b), part(c)) != digest(part(a), part(b, c))

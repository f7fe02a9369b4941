"""The pipeline (``kg.pipeline``): sources only parse, the enrich stage is named, derive runs once per command."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from eutils_server import EutilsStandIn, RunningStandIn
from pubmed_helpers import FakeClock

import kg.pipeline
from ingest.enrich import enrich_document
from ingest.pubmed.client import EutilsClient
from ingest.pubmed.refresh import refresh
from ingest.pubmed_page import read_page
from ingest.sources import BIBLIOGRAPHY, FINDINGS, PAGE
from kg.cli import main
from kg.counts import GRAPH_COUNTS, derived_current, is_pending
from kg.model import Finding, Mention, Publication, SourceDocument
from kg.pipeline import Pipeline, run_pipeline
from kg.queries import get_query
from kg.store import OxigraphStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PAGE_TEXT = """Blinatumomab in adults with relapsed acute lymphoblastic leukemia
PMID: 12345678
Abstract
We reviewed 40 adults treated with blinatumomab for relapsed B-cell acute lymphoblastic leukemia. Complete
remission was reached in 20 of 40 patients (50%). Patients with more than 50% bone marrow blasts had a lower rate
of complete remission (P = 0.02). Extramedullary relapse occurred in 8 patients.
"""
FINDINGS_ASK = "ASK { ?f a ckg:Finding ; ckg:method ckg:Extracted }"


@pytest.fixture
def page(tmp_path: Path) -> Path:
    path = tmp_path / "page.txt"
    path.write_text(PAGE_TEXT.replace("Complete\nremission", "Complete remission").replace("rate\nof", "rate of"))
    return path


def counted_derives(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the derive stage's runs (each is a scan of the whole graph)."""
    calls: list[int] = []
    original = kg.pipeline.refresh_derived

    def counting(*args: object, **kwargs: object) -> bool:
        calls.append(1)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(kg.pipeline, "refresh_derived", counting)
    return calls


def stored_equals_live(store: OxigraphStore) -> bool:
    stored = store.query(get_query("graph-stats").text).values()[0]
    live = store.query(GRAPH_COUNTS).values()[0]
    return {name: stored[name] for name in live} == live


def test_sources_only_parse_and_the_enrich_stage_adds_what_the_text_says(page: Path):
    parsed = list(read_page(page))
    assert [type(r) for r in parsed[0].records] == [Publication]  # the parse stage reads no findings
    plain, enriched = OxigraphStore(None), OxigraphStore(None)
    run_pipeline(plain, parsed)
    run_pipeline(enriched, parsed, enrich=enrich_document)
    assert not plain.query(FINDINGS_ASK).boolean
    assert enriched.query(FINDINGS_ASK).boolean
    assert enriched.query("ASK { ?p ckg:mentions ?c }").boolean


def test_the_file_sources_name_their_enrich_stage():
    assert PAGE.enrich is enrich_document and BIBLIOGRAPHY.enrich is enrich_document
    assert FINDINGS.enrich is None  # a curated table holds no text to read findings from


def test_kg_ingest_page_runs_the_enrich_stage(page: Path, tmp_path: Path):
    store_dir = tmp_path / "store"
    assert main(["ingest", "page", str(page), "--store", str(store_dir)]) == 0
    store = OxigraphStore(store_dir)
    try:
        assert store.query(FINDINGS_ASK).boolean
        assert derived_current(store) and stored_equals_live(store)
    finally:
        store.close()


def documents(count: int) -> list[SourceDocument]:
    return [SourceDocument(kind="pubmed", key=str(n), source=f"file:///{n}.xml",
                           records=(Publication(pmid=str(n), title=f"Paper {n}"),)) for n in range(1, count + 1)]


def test_many_batches_and_writes_derive_once(monkeypatch: pytest.MonkeyPatch):
    derives = counted_derives(monkeypatch)
    batches: list[int] = []
    store = OxigraphStore(None)
    with Pipeline(store, now=NOW, batch_size=2, progress=lambda summary: batches.append(summary.written)) as pipeline:
        pipeline.write(documents(5))
        pipeline.write(documents(7)[5:])
        assert is_pending(store) and not derives  # written, not yet derived
    assert batches == [2, 4, 5, 7]  # the running total after each batch
    assert derives == [1]
    assert derived_current(store) and stored_equals_live(store)
    assert pipeline.summary.written == 7


def test_an_error_inside_the_pipeline_still_derives_what_was_stored(monkeypatch: pytest.MonkeyPatch):
    derives = counted_derives(monkeypatch)
    store = OxigraphStore(None)
    with pytest.raises(RuntimeError, match="network gone"), Pipeline(store, now=NOW) as pipeline:
        pipeline.write(documents(3))
        raise RuntimeError("network gone")
    assert derives == [1]
    assert not is_pending(store) and derived_current(store) and stored_equals_live(store)


def test_a_failure_of_the_store_while_deriving_keeps_the_original_error(monkeypatch: pytest.MonkeyPatch):
    store = OxigraphStore(None)

    def broken(*args: object, **kwargs: object) -> bool:
        raise OSError("disk full")

    monkeypatch.setattr(kg.pipeline, "refresh_derived", broken)
    with pytest.raises(RuntimeError, match="first"), Pipeline(store, now=NOW) as pipeline:
        pipeline.write(documents(1))
        raise RuntimeError("first")
    assert is_pending(store)  # the next writing command (or kg stats) derives


def test_a_refresh_of_many_batches_derives_once(monkeypatch: pytest.MonkeyPatch):
    writes: list[int] = []
    original_write = Pipeline.write

    def counting_write(self: Pipeline, docs: object) -> object:
        writes.append(1)
        return original_write(self, docs)  # type: ignore[arg-type]

    monkeypatch.setattr(Pipeline, "write", counting_write)
    derives = counted_derives(monkeypatch)
    store = OxigraphStore(None)
    with RunningStandIn(EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()) as running:
        client = EutilsClient(base_url=running.url, email="tests@example.org", clock=FakeClock())
        summary = refresh(store, client, pmids=["40075627", "39995843", "39800374"], depth=1, now=NOW)
    assert summary.records_written > 0 and len(writes) >= 3  # links both ways, then the records
    assert derives == [1]
    assert derived_current(store) and stored_equals_live(store)
    assert summary.new_publications == store.query(GRAPH_COUNTS).values()[0]["publications"]


def test_extracted_records_keep_the_document_they_came_from(page: Path):
    store = OxigraphStore(None)
    run_pipeline(store, read_page(page), enrich=enrich_document)
    graphs = {str(row[0]) for row in store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?f a ckg:Finding } }").rows}
    assert len(graphs) == 1 and "/graph/page/" in graphs.pop()
    assert {Finding, Mention} <= {type(r) for r in enrich_document(next(read_page(page))).records}

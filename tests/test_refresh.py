"""``kg refresh`` against the loopback stand-in: metadata, links both ways, resolution, idempotence."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from eutils_server import EutilsStandIn, RunningStandIn
from pubmed_helpers import FakeClock

from ingest.enrich import enrich_document
from ingest.http import RemoteError
from ingest.pubmed.client import EutilsClient
from ingest.pubmed.refresh import ProgressEvent, refresh
from ingest.pubmed_page import read_page
from kg.cli import main
from kg.pipeline import run_pipeline
from kg.queries import get_query
from kg.store import FORMATS, OxigraphStore

SEED = {"40075627", "39995843", "39800374", "39692275", "39386214"}
STUDY = "https://pubmed.ncbi.nlm.nih.gov/90000001"
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def relaxed():
    with RunningStandIn(EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()) as running:
        yield running


def client_for(url: str) -> EutilsClient:
    return EutilsClient(base_url=url, email="tests@example.org", clock=FakeClock())


def dump(store: OxigraphStore) -> bytes:
    out = io.BytesIO()
    store.dump(out, FORMATS["nquads"])
    return b"\n".join(sorted(out.getvalue().splitlines()))


def page_store(seed_page: Path) -> OxigraphStore:
    store = OxigraphStore(None)
    run_pipeline(store, read_page(seed_page), enrich=enrich_document)
    return store


def ask(store: OxigraphStore, query: str) -> bool:
    return bool(store.query(query).boolean)


def test_seed_page_then_refresh_via_cli(seed_page: Path, tmp_path: Path, capsys, monkeypatch):
    """The "done when" scenario: `kg ingest page` + `kg refresh`, then the catalog query shows full metadata."""
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    store = str(tmp_path / "store")
    with RunningStandIn(EutilsStandIn().load_fixtures()) as standin:  # NCBI's 3/s limit enforced
        assert main(["ingest", "page", str(seed_page), "--store", store]) == 0
        assert main(["refresh", "--store", store, "--eutils-url", standin.url]) == 0
        out = capsys.readouterr().out
        assert standin.state.throttled == 0
        assert "resolved by title/DOI: 1" in out and "requests: 5 " in out
    assert main(["query", "citing-publications", "--format", "json", "--store", store]) == 0
    bindings = json.loads(capsys.readouterr().out)["results"]["bindings"]  # the SPARQL 1.1 JSON results format
    rows = [{name: term["value"] for name, term in row.items()} for row in bindings]
    by_pmid = {str(r["pmid"]): r for r in rows}
    assert set(by_pmid) >= SEED
    for pmid in SEED:
        row = by_pmid[pmid]
        assert row["study"] == STUDY and row["pmcid"].startswith("PMC") and row["doi"].startswith("10.")
        assert row["year"] and row["title"]
    assert by_pmid["39800374"]["title"].startswith("Stand-in title")  # filled in from PubMed, absent on the page
    assert str(by_pmid[next(iter(SEED))]["study"]) == STUDY
    assert any(r["citing"] == STUDY for r in rows)  # the study's own references: the other direction
    opened = OxigraphStore(Path(store))
    try:
        assert not ask(opened, "ASK { ?p ckg:provisional true }")
        assert ask(opened, f"ASK {{ <{STUDY}> dcterms:creator ?a ; ckg:hasMeshHeading ?m ; ckg:lastRefreshed ?t }}")
    finally:
        opened.close()


def test_refresh_is_idempotent_and_incremental(seed_page: Path, relaxed: RunningStandIn):
    store = page_store(seed_page)
    first = refresh(store, client_for(relaxed.url), now=NOW)
    assert first.records_written == 7 and first.resolved == 1 and first.new_publications == 1
    after_first = dump(store)

    again = refresh(store, client := client_for(relaxed.url), now=NOW + timedelta(hours=3))
    assert client.requests == 0 and again.records_written == 0 and again.skipped_fresh == 7
    assert dump(store) == after_first

    forced = refresh(store, client := client_for(relaxed.url), force=True, now=NOW + timedelta(hours=5))
    assert client.requests > 0 and forced.records_unchanged == 7 and forced.records_written == 0
    assert dump(store) == after_first  # day-precision lastRefreshed: same day, same triples

    # A week later the records are stale: fetched again; a new citing paper has appeared meanwhile.
    state = relaxed.state
    state.records["90000500"] = state.records["90000002"].replace(b"90000002", b"90000500")
    state.links[("pubmed_pubmed_citedin", "90000001")] += ("90000500",)
    later = refresh(store, client_for(relaxed.url), now=NOW + timedelta(days=8))
    assert later.new_publications == 1 and later.new_citation_links == 1
    assert later.records_written == 8  # lastRefreshed moved on every record
    assert ask(store, f"ASK {{ <https://pubmed.ncbi.nlm.nih.gov/90000500> cito:cites <{STUDY}> }}")


def test_faults_during_refresh_lose_nothing(seed_page: Path, relaxed: RunningStandIn):
    clean = page_store(seed_page)
    refresh(clean, client_for(relaxed.url), now=NOW)
    faulty = page_store(seed_page)
    # One fault on every E-utility call of the run (esearch, efetch, elink x2, efetch), each retried once.
    relaxed.state.faults.extend(["500", None, "truncate", None, "429-retry-after", None, "drop", None, "empty"])
    summary = refresh(faulty, client := client_for(relaxed.url), now=NOW)
    assert client.http.stats.retries == 5 and summary.retries == 5 and summary.throttled == 1
    assert dump(faulty) == dump(clean)


def test_failure_keeps_finished_batches_and_rerun_completes(seed_page: Path, relaxed: RunningStandIn):
    store = page_store(seed_page)
    client = EutilsClient(base_url=relaxed.url, email="t@example.org", clock=FakeClock(), max_tries=2)
    relaxed.state.faults.extend([None, None, None, None, "500", "500"])  # resolve (2), elink (2), then efetch fails
    with pytest.raises(RemoteError, match=r"gave up after 2 tries.*kept"):
        refresh(store, client, now=NOW)
    assert ask(store, f"ASK {{ GRAPH ?g {{ ?g ckg:sourceKind 'elink' . <https://pubmed.ncbi.nlm.nih.gov/40075627> "
                      f"cito:cites <{STUDY}> }} }}")
    summary = refresh(store, client_for(relaxed.url), now=NOW)
    assert summary.records_written == 6  # the study's record was stored before the failure
    reference = page_store(seed_page)
    refresh(reference, client_for(relaxed.url), now=NOW)
    assert dump(store) == dump(reference)


def test_named_pmids_and_unknown_pmid(relaxed: RunningStandIn):
    store = OxigraphStore(None)
    summary = refresh(store, client_for(relaxed.url), pmids=["39386214", "31999999"], depth=0, now=NOW)
    assert summary.missing == ["31999999"]
    assert summary.records_written == 1
    assert ask(store, "ASK { <https://pubmed.ncbi.nlm.nih.gov/39386214> prism:doi '10.3389/fimmu.2024.1423487' }")


def test_provisional_study_with_findings_is_resolved_and_stays_resolved(title_only_store: OxigraphStore,
                                                                         title_only_seed: Path,
                                                                         relaxed: RunningStandIn):
    seed_store = title_only_store
    findings = "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?pub ckg:reportsFinding ?f }"
    before = seed_store.query(findings).values()[0]["n"]
    assert before > 0 and ask(seed_store, "ASK { ?p ckg:provisional true }")
    summary = refresh(seed_store, client_for(relaxed.url), now=NOW)
    assert summary.resolved == 1
    assert not ask(seed_store, "ASK { ?p ckg:provisional true }")
    assert not ask(seed_store, f"ASK {{ ?p ckg:reportsFinding ?f FILTER (STR(?p) != '{STUDY}') }}")
    assert seed_store.query(findings).values()[0]["n"] == before
    titles = seed_store.query(f"SELECT DISTINCT ?t WHERE {{ <{STUDY}> dcterms:title ?t }}").values()
    assert len(titles) == 1  # the page/table spelling was folded into PubMed's
    # The seed files are re-derived at the next build: the provisional node must not come back.
    snapshot = dump(seed_store)
    from ingest.curated import read_findings

    run_pipeline(seed_store, read_findings(next(title_only_seed.glob("*findings*.csv"))))
    assert not ask(seed_store, "ASK { ?p ckg:provisional true }")
    assert dump(seed_store) == snapshot  # unchanged source, unchanged graph


def test_refresh_result_conforms_to_shapes(seed_store: OxigraphStore, relaxed: RunningStandIn):
    from rdflib import Graph

    from kg.validate import validate_graph

    refresh(seed_store, client_for(relaxed.url), now=NOW)
    graph = Graph()
    for triple in seed_store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").triples or []:
        graph.add(triple)
    report = validate_graph(graph)
    assert report.conforms, report


def test_cli_reports_ncbi_error_and_exits_1(tmp_path: Path, relaxed: RunningStandIn, capsys, monkeypatch):
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    relaxed.state.faults.append("error")
    code = main(["refresh", "--pmid", "39386214", "--store", str(tmp_path / "s"), "--eutils-url", relaxed.url])
    err = capsys.readouterr().err
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("kg: error:")]
    assert len(errors) == 1 and errors[0].startswith("kg: error: elink: NCBI reported an error")
    assert err.splitlines()[-1] == errors[0] and "Traceback" not in err


def test_progress_callback_counts_up(seed_page: Path, relaxed: RunningStandIn):
    seen: list[ProgressEvent] = []
    relaxed.state.faults.extend([None, None, "500"])  # the first elink request fails once
    refresh(page_store(seed_page), client_for(relaxed.url), now=NOW, progress=seen.append)
    phases = list(dict.fromkeys(e.phase for e in seen if e.phase != "retry"))
    assert phases == ["resolve", "links", "records", "done"]
    assert all(e.done <= e.planned for e in seen)
    for phase, count in (("resolve", 1), ("links", 2), ("records", 6)):
        last = [e for e in seen if e.phase == phase][-1]
        assert last.done == last.planned == count, (phase, last)
    retries = [e for e in seen if e.phase == "retry"]
    assert len(retries) == 1 and "elink.fcgi: HTTP 500" in retries[0].message
    assert seen.index(retries[0]) < seen.index(next(e for e in seen if e.phase == "records"))  # as it happens


def test_catalog_query_matches_graph(seed_page: Path, relaxed: RunningStandIn):
    store = page_store(seed_page)
    refresh(store, client_for(relaxed.url), now=NOW)
    rows = store.query(get_query("citing-publications").text).values()
    citing_study = {r["pmid"] for r in rows if r["study"] == STUDY}
    assert citing_study == SEED


def test_doi_only_publication_is_resolved_and_near_miss_title_is_not(relaxed: RunningStandIn):
    from ingest.pubmed.resolve import Unresolved, find_pmid
    from kg.ids import normalize_title
    from kg.model import Publication, SourceDocument

    store = OxigraphStore(None)
    doc = SourceDocument(kind="bibliography", key="t", source="file:///t.csv", records=(
        Publication(doi="10.3389/FIMMU.2024.1423487", title="A DOI-only entry"),
        Publication(title="A different paper that esearch ranks first"),
    ))
    run_pipeline(store, [doc])
    # esearch answers the near-miss title with a PMID whose record has another title: must be refused.
    relaxed.state.titles[normalize_title("A different paper that esearch ranks first")] = "39995843"
    client = client_for(relaxed.url)
    assert find_pmid(client, Unresolved("x", title="A different paper that esearch ranks first")) is None
    summary = refresh(store, client, now=NOW)
    assert summary.resolved == 1
    assert ask(store, "ASK { <https://pubmed.ncbi.nlm.nih.gov/39386214> prism:doi '10.3389/fimmu.2024.1423487' }")
    assert not ask(store, "ASK { <https://doi.org/10.3389/fimmu.2024.1423487> ?p ?o FILTER (?p != owl:sameAs) }")
    assert ask(store, "ASK { ?p ckg:provisional true ; dcterms:title 'A different paper that esearch ranks first' }")


def test_title_missing_from_phrase_index_is_found_by_its_words(seed_page: Path, relaxed: RunningStandIn):
    relaxed.state.phrase_index = False
    store = page_store(seed_page)
    summary = refresh(store, client_for(relaxed.url), now=NOW)
    assert summary.resolved == 1
    terms = [dict(s.params)["term"] for s in relaxed.state.requests_to("esearch.fcgi")]
    assert terms[0].endswith('"[ti]') and " AND " in terms[1]
    assert not ask(store, "ASK { ?p ckg:provisional true }")


def test_ctrl_c_while_the_progress_display_starts_stays_an_interrupt(monkeypatch):
    """A Ctrl-C inside tqdm's first ``write`` (while it builds its lock) surfaced as AttributeError: a traceback."""
    import tqdm.std

    from ingest.pubmed.commands import _Display

    def interrupted() -> None:
        raise KeyboardInterrupt

    monkeypatch.delattr(tqdm.std.tqdm, "_lock", raising=False)
    monkeypatch.setattr(tqdm.std, "TqdmDefaultWriteLock", interrupted)
    with pytest.raises(KeyboardInterrupt):
        display = _Display()
        display(ProgressEvent("resolve", 0, 1, "resolving publications known by title or DOI"))

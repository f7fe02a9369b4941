"""A refresh that converges and resumes, against the loopback stand-in serving real PubMed records.

The corpus (``eutils_server.link_corpus``) is real metapub efetch answers with
their real, long reference lists, linked into a citation graph three steps deep
around one seed. Graphs are compared as sorted N-Quads without the provenance
timestamps (``prov:generatedAtTime``, ``ckg:lastRefreshed``).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import EUTILS_FIXTURES, require_shared
from eutils_server import EutilsStandIn, RunningStandIn, link_corpus, load_real_records
from pubmed_helpers import FakeClock

from ingest.pubmed.client import EutilsClient
from ingest.pubmed.refresh import plan_refresh, refresh
from kg.cli import main
from kg.model import Cohort, Finding, Publication, PublicationRef, SourceDocument
from kg.pipeline import run_pipeline
from kg.store import FORMATS, OxigraphStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TIMESTAMPS = (b"prov#generatedAtTime>", b"lastRefreshed>")
STAMP_DERIVED = (*TIMESTAMPS, b"contentHash>", b"basisHash>", b"prov#wasGeneratedBy>", b"/id/activity/")
"""A record's hash and activity change with its refresh day, and so does the derived counts' digest of those
hashes; the data does not."""
METAPUB = EUTILS_FIXTURES / "metapub"


def make_corpus(generated_per_node: int = 0) -> tuple[EutilsStandIn, str, list[str]]:
    require_shared(METAPUB)
    state = EutilsStandIn(limit=10_000, keyed_limit=10_000)
    real = load_real_records(state, METAPUB)
    return state, link_corpus(state, real, generated_per_node), real


@pytest.fixture
def corpus():
    state, seed, real = make_corpus()
    with RunningStandIn(state) as running:
        yield running, seed, real


def client_for(url: str) -> EutilsClient:
    return EutilsClient(base_url=url, email="tests@example.org", clock=FakeClock())


def quads(store: OxigraphStore) -> list[bytes]:
    out = io.BytesIO()
    store.dump(out, FORMATS["nquads"])
    return sorted(line for line in out.getvalue().splitlines() if not any(t in line for t in TIMESTAMPS))


def data_quads(store: OxigraphStore) -> list[bytes]:
    out = io.BytesIO()
    store.dump(out, FORMATS["nquads"])
    return sorted(line for line in out.getvalue().splitlines() if not any(t in line for t in STAMP_DERIVED))


def full_dump(store: OxigraphStore) -> bytes:
    out = io.BytesIO()
    store.dump(out, FORMATS["nquads"])
    return b"\n".join(sorted(out.getvalue().splitlines()))


def curated_study(store: OxigraphStore, pmid: str) -> None:
    """The seed as a curated study (a cohort in a curated table), as `kg build` would store it."""
    ref = PublicationRef(pmid=pmid)
    run_pipeline(store, [SourceDocument(kind="curated", key="t", source="file:///t.csv", records=(
        Publication(pmid=pmid), Cohort(publication=ref, label="all patients", size=40)))], now=NOW)


def asked(state: EutilsStandIn, utility: str) -> set[str]:
    ids: set[str] = set()
    for seen in state.requests_to(f"{utility}.fcgi"):
        ids.update(i for k, v in seen.params if k == "id" for i in v.split(","))
    return ids


def test_second_refresh_changes_nothing_and_asks_nothing(corpus):
    running, seed, _ = corpus
    store = OxigraphStore(None)
    first = refresh(store, client_for(running.url), pmids=[seed], depth=2, now=NOW)
    assert first.in_scope == 56 and first.records_written == 56 and not first.missing
    after_first = full_dump(store)

    again = refresh(store, client := client_for(running.url), pmids=[seed], depth=2, now=NOW + timedelta(hours=2))
    assert client.requests == 0  # target: at most 1 per E-utility per 200 publications in scope
    assert again.records_written == again.link_sets_written == again.new_publications == 0
    assert again.link_sets_reused == 2 * 6 and again.skipped_fresh == 56
    assert full_dump(store) == after_first  # byte for byte, timestamps included

    forced = refresh(store, client := client_for(running.url), pmids=[seed], depth=2, force=True,
                     now=NOW + timedelta(hours=4))
    assert client.requests > 0 and forced.records_unchanged == 56 and forced.link_sets_unchanged == 12
    assert forced.records_written == forced.link_sets_written == 0
    assert full_dump(store) == after_first


def test_reference_heavy_corpus_does_not_grow_across_three_refreshes(corpus):
    """Three default refreshes, the last two after the records went stale: the same publications each time."""
    running, seed, real = corpus
    store = OxigraphStore(None)
    curated_study(store, seed)
    publications = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a bibo:Document }"
    records = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p ckg:lastRefreshed ?t }"
    counts, dumps = [], []
    for run, when in enumerate((NOW, NOW + timedelta(days=8), NOW + timedelta(days=16))):
        summary = refresh(store, client_for(running.url), now=when)
        counts.append((store.query(publications).values()[0]["n"], store.query(records).values()[0]["n"]))
        dumps.append(data_quads(store))
        if run == 0:
            assert summary.in_scope == 6 and summary.records_written == 6
    assert counts[0] == counts[1] == counts[2]
    assert dumps[0] == dumps[1] == dumps[2]
    total, fetched = counts[0]
    assert fetched == 6 and total > 20 * fetched, counts  # hundreds of reference-only publications, none fetched
    assert asked(running.state, "efetch") == {seed, *real[1:6]}


def test_extracted_only_papers_are_expanded_only_when_asked(corpus):
    running, seed, real = corpus
    store = OxigraphStore(None)
    curated_study(store, seed)
    extracted = real[100]
    ref = PublicationRef(pmid=extracted)
    run_pipeline(store, [SourceDocument(kind="pubmed", key=extracted, source="file:///x.xml", records=(
        Publication(pmid=extracted, title="An abstract with a finding"),
        Finding(publication=ref, relation="associated with", method="extracted", p_value=Decimal("0.01"))))],
        now=NOW)
    refresh(store, client_for(running.url), depth=1, now=NOW)
    assert seed in asked(running.state, "elink") and extracted not in asked(running.state, "elink")
    assert extracted not in asked(running.state, "efetch")
    refresh(store, client_for(running.url), depth=1, expand_extracted=True, now=NOW)
    assert extracted in asked(running.state, "elink") and extracted in asked(running.state, "efetch")


def test_dry_run_plans_without_sending(corpus, tmp_path: Path, capsys, monkeypatch):
    running, seed, _ = corpus
    store_dir = str(tmp_path / "store")
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    args = ["refresh", "--pmid", seed, "--depth", "2", "--store", store_dir, "--eutils-url", running.url]
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "links, step 1: 1 publication(s) asked" in out and "1 more step(s)" in out
    assert "requests per E-utility: esearch 0, elink 2, epost 0, efetch 1" in out
    assert "time at 3 requests/s: 1.1 s" in out and "at 10 requests/s (API key): 0.3 s" in out
    assert running.state.seen == []  # nothing sent
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "new publications:" in out and "PubMed records written (new or changed): 56" in out
    assert "requests: 5 (0 retried, 0 answered 429): efetch 1, elink 4" in out
    sent = len(running.state.seen)
    assert main([*args, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "links, step 2: 0 publication(s) asked (elink citedin + refs), 5 from stored link graphs" in out
    assert "estimated requests: 0;" in out and len(running.state.seen) == sent


def test_plan_matches_what_the_run_asks(corpus):
    running, seed, _ = corpus
    store = OxigraphStore(None)
    refresh(store, client_for(running.url), pmids=[seed], depth=1, now=NOW)
    plan = plan_refresh(store, pmids=[seed], depth=2, now=NOW + timedelta(hours=1))
    assert plan.link_steps == [(0, 1), (5, 0)] and plan.records == 0 and plan.open_reach
    assert "+ those new links reach" in plan.describe() and "or more" in plan.describe()
    refresh(store, client := client_for(running.url), pmids=[seed], depth=2, now=NOW + timedelta(hours=1))
    sent = client.http.stats.per_path
    assert sent["elink"] == plan.requests()["elink"] == 2 and sent["efetch"] == 1  # the 50 publications step 2 found


# ---- resume after kill -9 at every request index ----------------------------------------------------------------


def run_cli(store: str, url: str, seed: str) -> subprocess.Popen:
    env = {**os.environ, "NCBI_EMAIL": "tests@example.org", "KG_EUTILS_URL": url}
    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, "refresh", "--pmid", seed, "--depth", "2", "--store", store],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def stored_quads(path: str) -> list[bytes]:
    store = OxigraphStore(Path(path))
    try:
        return quads(store)
    finally:
        store.close()


@pytest.mark.slow
def test_killed_at_every_request_then_rerun_gives_the_uninterrupted_graph(tmp_path: Path):
    """Depth 2 with 256 publications in scope: elink x4, epost, efetch x2. Kill -9 at request k, re-run."""
    state, seed, _ = make_corpus(generated_per_node=40)
    with RunningStandIn(state) as running:
        reference_dir = str(tmp_path / "reference")
        process = run_cli(reference_dir, running.url, seed)
        _, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        total = len(state.seen)
        assert total == 7 and [s.path.rsplit("/", 1)[-1] for s in state.seen].count("epost.fcgi") == 1
        reference = stored_quads(reference_dir)
        missing: dict[int, int] = {}
        for k in range(1, total + 1):
            state.seen.clear()
            state.arrivals = 0
            store_dir = str(tmp_path / f"killed-{k}")
            holder: dict[str, subprocess.Popen] = {}

            def kill_at(number: int, path: str, k: int = k, holder: dict = holder) -> bool:
                if number == k:
                    os.kill(holder["process"].pid, signal.SIGKILL)
                    return True
                return False

            state.on_arrival = kill_at
            holder["process"] = run_cli(store_dir, running.url, seed)
            holder["process"].communicate(timeout=300)
            assert holder["process"].returncode == -signal.SIGKILL, k
            state.on_arrival = None
            rerun = run_cli(store_dir, running.url, seed)
            _, err = rerun.communicate(timeout=300)
            assert rerun.returncode == 0, err.decode()
            got = stored_quads(store_dir)
            missing[k] = len(set(reference) - set(got))
            assert got == reference, (k, missing[k], len(set(got) - set(reference)))
    print(f"quads missing after resume, by kill index: {missing}")


def test_help_states_the_scope(capsys):
    with pytest.raises(SystemExit):
        main(["refresh", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for phrase in ("curated studies", "--expand-extracted", "known only from a reference list",
                   "--depth citation steps", "--dry-run", "a second run right after a first changes nothing"):
        assert phrase in text, phrase


def test_cancel_event_stops_between_requests_and_keeps_what_was_stored(corpus):
    import threading

    from ingest.pubmed.refresh import RefreshCancelled

    running, seed, _ = corpus
    store = OxigraphStore(None)
    cancel = threading.Event()
    running.state.on_arrival = lambda number, path: cancel.set() if number == 3 else False  # during step 2
    with pytest.raises(RefreshCancelled, match="run it again to continue"):
        refresh(store, client := client_for(running.url), pmids=[seed], depth=2, cancel=cancel, now=NOW)
    assert client.requests == 3  # the request in flight finished; nothing after it was sent
    running.state.on_arrival = None
    refresh(store, client_for(running.url), pmids=[seed], depth=2, now=NOW)
    reference = OxigraphStore(None)
    refresh(reference, client_for(running.url), pmids=[seed], depth=2, now=NOW)
    assert full_dump(store) == full_dump(reference)


def test_cli_shows_phases_and_each_retry_as_it_happens(corpus, tmp_path: Path, capsys, monkeypatch):
    running, seed, _ = corpus
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    running.state.faults.extend([None, "500", None, None, "short"])
    args = ["refresh", "--pmid", seed, "--depth", "2", "--store", str(tmp_path / "s"), "--eutils-url", running.url]
    assert main(args) == 0
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("kg refresh:")]
    assert lines[0].startswith("kg refresh: links: 1 seed(s), depth 2")
    retries = [line for line in lines if "retry:" in line]
    assert len(retries) == 2 and "HTTP 500" in retries[0] and "broke off" in retries[1]
    assert any(line.startswith("kg refresh: records: 56 record(s) to fetch") for line in lines)
    assert lines.index(retries[0]) < next(i for i, line in enumerate(lines) if "records:" in line)


def test_bad_deadline_and_depth_are_one_line_errors(tmp_path: Path, capsys):
    for option, value, message in (("--deadline", "0", "--deadline must be more than 0 seconds"),
                                   ("--depth", "-1", "--depth must be 0 or more")):
        assert main(["refresh", option, value, "--store", str(tmp_path / "s"), "--dry-run"]) == 1
        err = capsys.readouterr().err
        assert err == f"kg: error: {message}\n"


def test_dry_run_on_the_seed_graph_counts_what_to_resolve(seed_store: OxigraphStore):
    plan = plan_refresh(seed_store, now=NOW)
    assert plan.resolve == 0 and plan.seeds == 1  # the bundled study has its PMID: a seed, nothing to resolve
    assert plan.requests().get("esearch", 0) == 0


def test_dry_run_counts_a_study_known_by_title_only(title_only_store: OxigraphStore):
    plan = plan_refresh(title_only_store, now=NOW)
    assert plan.resolve == 1 and plan.seeds == 0  # known by title only until it is resolved
    assert plan.requests()["esearch"] == 1 and "or more" in plan.describe()


def test_a_title_pubmed_does_not_know_is_not_searched_again_until_stale():
    from ingest.pubmed.resolve import lookup_graph
    from kg.ids import normalize_title

    store = OxigraphStore(None)
    title = "A paper PubMed has not indexed yet"
    run_pipeline(store, [SourceDocument(kind="bibliography", key="b", source="file:///b.csv",
                                          records=(Publication(title=title),))], now=NOW)
    (node,) = [str(r[0]) for r in store.query("SELECT ?p WHERE { ?p ckg:provisional true }").rows]
    with RunningStandIn(EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()) as running:
        first = refresh(store, client := client_for(running.url), now=NOW)
        assert first.resolved == 0 and client.requests >= 1
        after_first = full_dump(store)
        refresh(store, client := client_for(running.url), now=NOW + timedelta(hours=3))
        assert client.requests == 0 and full_dump(store) == after_first
        refresh(store, client := client_for(running.url), force=True, now=NOW + timedelta(hours=4))
        assert client.requests >= 1 and full_dump(store) == after_first  # asked again, same answer, same graph
        # Later PubMed has it (the stand-in answers this title with a record of the same title).
        state = running.state
        record = state.records["39386214"]
        start, end = record.index(b"<ArticleTitle>") + 14, record.index(b"</ArticleTitle>")
        state.records["39386214"] = record[:start] + title.encode() + record[end:]
        state.titles[normalize_title(title)] = "39386214"
        later = refresh(store, client_for(running.url), now=NOW + timedelta(days=8))
    assert later.resolved == 1
    assert not store.query(f"ASK {{ GRAPH <{lookup_graph(node)}> {{ ?s ?p ?o }} }}").boolean
    stamps = store.query("SELECT ?t WHERE { <https://pubmed.ncbi.nlm.nih.gov/39386214> ckg:lastRefreshed ?t }")
    assert len(stamps.rows) == 1  # the miss's stamp did not follow the node onto its PubMed IRI

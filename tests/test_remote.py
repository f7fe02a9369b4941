"""The remote store: the same commands and answers on Virtuoso as on the embedded store, and its failure modes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pyoxigraph as ox
import pytest
import requests
from conftest import REPO_ROOT
from conftest import run_kg as kg
from rdflib import BNode, Literal, URIRef

from kg.counts import COUNTS_GRAPH
from kg.errors import InputError, StoreError
from kg.queries import catalog, run_named
from kg.store import OxigraphStore
from kg.store.remote import RemoteStore, derive_endpoints, json_term, open_remote_store, with_prefixes

A, P = URIRef("http://example.org/a"), URIRef("http://example.org/p")
G = "https://w3id.org/cohort-kg/graph/test/remote"


def answers(store) -> dict[str, list[str]]:
    return {name: sorted(json.dumps(row, sort_keys=True, default=str) for row in run_named(store, name).values())
            for name in catalog()}


# -- the same commands on both backends -----------------------------------------------------------


def test_cli_flow_on_each_backend(store_spec, tmp_path, seed_page):
    build = kg("build", store=store_spec)
    assert build.returncode == 0, build.stderr
    again = kg("build", store=store_spec)
    assert "0 graph(s) written" in again.stdout, again.stdout + again.stderr
    page = kg("ingest", "page", str(seed_page), store=store_spec)
    assert page.returncode == 0 and "1 graph(s) written" in page.stdout, page.stderr
    assert "1 unchanged" in kg("ingest", "page", str(seed_page), store=store_spec).stdout
    stats = kg("stats", store=store_spec)
    assert stats.returncode == 0 and "publications:" in stats.stdout, stats.stderr
    query = kg("query", "citing-publications", "--format", "json", store=store_spec)
    bindings = json.loads(query.stdout)["results"]["bindings"]  # the SPARQL 1.1 JSON results format
    assert {row["pmid"]["value"] for row in bindings} >= {"40075627", "39386214"}
    validate = kg("validate", store=store_spec)
    assert validate.returncode == 0, validate.stdout + validate.stderr
    out = tmp_path / "export.nq"
    assert kg("export", "--format", "nquads", "-o", str(out), store=store_spec).returncode == 0
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    quad_line = next(line for line in stats.stdout.splitlines() if line.startswith("quads:"))
    assert len(quads) == int(quad_line.split(": ")[1]) > 1000


def test_both_backends_give_the_same_catalog_answers(virtuoso_env, tmp_path):
    from ingest.build import SEED_DIR, build

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # one provenance time, so last-refresh agrees too
    build(virtuoso_env, SEED_DIR, [], now=when)
    build(str(tmp_path / "embedded"), SEED_DIR, [], now=when)
    remote, embedded = open_remote_store(virtuoso_env), OxigraphStore(tmp_path / "embedded")
    try:
        assert remote.quad_count() == embedded.quad_count()
        assert answers(remote) == answers(embedded)
        for term in ("EM-ALL", "NCIT:C62528"):
            assert run_named(remote, "concept", {"term": term}).values() != []
    finally:
        remote.close()
        embedded.close()


def test_load_and_export_round_trip(store_spec, tmp_path):
    source = tmp_path / "data.nq"
    source.write_text(f'<{A}> <{P}> "one" <{G}> .\n<{A}> <{P}> "two"@en <{G}2> .\n', encoding="utf-8")
    loaded = kg("load", str(source), store=store_spec)
    assert loaded.returncode == 0 and "2 new quads" in loaded.stdout, loaded.stdout + loaded.stderr
    out = tmp_path / "out.nq"
    assert kg("export", "--format", "nquads", "-o", str(out), store=store_spec).returncode == 0
    exported = set(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
    counts = {q for q in exported if q.graph_name == ox.NamedNode(COUNTS_GRAPH)}
    assert counts, "the derived counts graph written after the load is part of the store, so of the export"
    assert exported - counts == set(ox.parse(path=str(source), format=ox.RdfFormat.N_QUADS))
    as_jsonld = tmp_path / "out.jsonld"
    assert kg("export", "--format", "jsonld", "-o", str(as_jsonld), store=store_spec).returncode == 0
    assert set(ox.parse(path=str(as_jsonld), format=ox.RdfFormat.JSON_LD)) == exported  # graph names kept


# -- graph replacement on the server --------------------------------------------------------------


@pytest.mark.virtuoso
def test_large_graph_is_staged_then_swapped(virtuoso_env):
    store = open_remote_store(virtuoso_env)
    store._chunk = 10  # force the staged path with a small graph
    old = [(A, P, Literal(i)) for i in range(5)]
    new = [(A, P, Literal(f"n{i}")) for i in range(35)] + [(BNode("b1"), P, A), (BNode("b1"), P, Literal("x"))]
    store.replace_graphs({G: old})
    store.replace_graphs({G: new})
    sizes = store.graph_sizes()
    assert sizes == {G: 37}  # no staging graph left behind
    blank = f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?b <{P}> ?o FILTER isBlank(?b) }} }}"
    objects = {row[0] for row in store.query(blank).rows}
    assert objects == {A, Literal("x")}  # both blank-node triples kept one node
    store.close()


@pytest.mark.virtuoso
def test_failed_chunk_leaves_the_old_graph(virtuoso_env):
    store = open_remote_store(virtuoso_env)
    store._chunk = 10
    store.replace_graphs({G: [(A, P, Literal("kept"))]})
    bad = [(A, P, Literal(i)) for i in range(25)] + [(A, P, URIRef("http://example.org/bad iri"))]
    with pytest.raises(InputError, match="nothing written"):
        store.replace_graphs({G: bad})
    assert store.graph_sizes() == {G: 1}
    assert store.query(f"SELECT ?o WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}").rows == [(Literal("kept"),)]
    store.close()


@pytest.mark.virtuoso
def test_updates_need_credentials(virtuoso_env, monkeypatch):
    monkeypatch.delenv("KG_STORE_PASSWORD")
    store = open_remote_store(virtuoso_env)
    with pytest.raises(StoreError, match="KG_STORE_USER and KG_STORE_PASSWORD"):
        store.replace_graphs({G: [(A, P, Literal(1))]})


@pytest.mark.virtuoso
def test_serve_on_virtuoso_answers_like_the_catalog(virtuoso_env, tmp_path):
    from endpoint_process import start_endpoint
    from SPARQLWrapper import JSON, SPARQLWrapper

    from ingest.build import SEED_DIR, build
    from kg.queries import bindings_for
    from kg.sparql import bind_values

    build(virtuoso_env, SEED_DIR, [])
    remote = open_remote_store(virtuoso_env)
    endpoint = start_endpoint(virtuoso_env)
    try:
        client = SPARQLWrapper(endpoint.url)
        client.setReturnFormat(JSON)
        for name, query in catalog().items():
            client.setQuery(bind_values(query.text, bindings_for(query, {})))
            rows = client.queryAndConvert()["results"]["bindings"]
            expected = run_named(remote, name).rows
            assert len(rows) == len(expected), name
    finally:
        endpoint.stop()
        remote.close()


# -- a misbehaving or absent server ---------------------------------------------------------------


class FakeServer(BaseHTTPRequestHandler):
    """Answers every request with the class's canned status, headers and body."""

    status = 200
    fail_from = 10**9  # requests from this one on get HTTP 500
    headers_out: ClassVar[dict[str, str]] = {}
    body = b""
    received: ClassVar[list[bytes]] = []
    accepts: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        FakeServer.received.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        FakeServer.accepts.append(self.headers.get("Accept", ""))
        self.send_response(500 if len(FakeServer.received) > self.fail_from else self.status)
        for name, value in self.headers_out.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeServer.received = []
    FakeServer.accepts = []
    yield f"http://127.0.0.1:{server.server_address[1]}/sparql", FakeServer
    server.shutdown()
    server.server_close()


def results(rows: int) -> bytes:
    bindings = [{"s": {"type": "uri", "value": f"http://e/{i}"}} for i in range(rows)]
    return json.dumps({"head": {"vars": ["s"]}, "results": {"bindings": bindings}}).encode()


def test_server_error_is_one_line(fake, monkeypatch):
    url, handler = fake
    monkeypatch.setattr(handler, "status", 503)
    monkeypatch.setattr(handler, "body", b"Service Unavailable\nmore detail\n")
    with pytest.raises(StoreError, match=r"answered HTTP 503: Service Unavailable$"):
        open_remote_store(url, {}).query("SELECT * WHERE { ?s ?p ?o }")


def test_silent_truncation_is_detected(fake, monkeypatch):
    url, handler = fake
    monkeypatch.setattr(handler, "headers_out", {"Content-Type": "application/sparql-results+json",
                                                 "X-SPARQL-MaxRows": "3"})
    monkeypatch.setattr(handler, "body", results(3))
    store = open_remote_store(url, {})
    with pytest.raises(StoreError, match="cut the answer at 3 rows"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }")
    capped = store.query("SELECT ?s WHERE { ?s ?p ?o }", max_rows=2)
    assert len(capped.rows) == 2 and capped.truncated


def test_partial_answer_at_time_limit_is_an_error(fake, monkeypatch):
    url, handler = fake
    monkeypatch.setattr(handler, "status", 206)
    monkeypatch.setattr(handler, "headers_out", {"Content-Type": "application/sparql-results+json",
                                                 "X-SQL-State": "S1TAT", "X-SQL-Message": "incomplete results"})
    monkeypatch.setattr(handler, "body", results(1))
    with pytest.raises(StoreError, match="partial answer"):
        open_remote_store(url, {}).query("SELECT ?s WHERE { ?s ?p ?o }")


def test_server_failing_mid_staging_never_swaps(fake, monkeypatch):
    url, handler = fake
    monkeypatch.setattr(handler, "fail_from", 2)  # the stage drop and one chunk pass, the next chunk fails
    store = open_remote_store(url, {})
    store._chunk = 10
    with pytest.raises(StoreError, match="HTTP 500"):
        store.replace_graphs({G: [(A, P, Literal(i)) for i in range(25)]})
    sent = [body.decode() for body in handler.received]
    assert len(sent) == 4  # drop stage, chunk 1, failed chunk 2, clean-up drop of the stage
    assert all(f"<{G}>" not in body for body in sent)  # the live graph was never touched
    assert "DROP SILENT GRAPH" in sent[-1] and "kg-staging" in sent[-1]


def test_store_that_is_down(tmp_path):
    from virtuoso import free_port

    store = open_remote_store(f"http://127.0.0.1:{free_port()}/sparql", {})
    with pytest.raises(StoreError, match="cannot reach the store"):
        store.replace_graphs({G: [(A, P, Literal(1))]})


def test_queries_get_the_prefixes_they_use(fake, monkeypatch):
    url, handler = fake
    monkeypatch.setattr(handler, "headers_out", {"Content-Type": "application/sparql-results+json"})
    monkeypatch.setattr(handler, "body", results(0))
    query = "PREFIX skos: <http://example.org/mine#>\nSELECT ?s WHERE { ?s a ckg:Study ; skos:x 1 }"
    open_remote_store(url, {}).query(query)
    sent = handler.received[-1].decode()
    assert "PREFIX+ckg%3A" in sent and sent.count("PREFIX+skos%3A") == 1


# -- pure parts -----------------------------------------------------------------------------------


def test_endpoint_urls_are_derived_or_taken_from_the_environment():
    virtuoso = derive_endpoints("http://h:8890/sparql", {})
    assert (virtuoso.update, virtuoso.gsp) == ("http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth")
    oxigraph = derive_endpoints("http://h:7878/query", {})
    assert (oxigraph.update, oxigraph.gsp) == ("http://h:7878/update", None)
    fuseki = derive_endpoints("http://h:3030/ds/query", {"KG_STORE_GSP_URL": "http://h:3030/ds/data"})
    assert (fuseki.update, fuseki.gsp) == ("http://h:3030/ds/update", "http://h:3030/ds/data")
    assert derive_endpoints("http://h/sparql", {"KG_STORE_UPDATE_URL": "http://h/u"}).update == "http://h/u"


def test_prefixes_are_added_only_when_used_and_not_declared():
    text = with_prefixes("PREFIX ckg: <http://other#>\nSELECT * WHERE { ?s ckg:p ?o ; skos:prefLabel ?l }")
    assert text.count("PREFIX ckg:") == 1 and "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>" in text
    assert "PREFIX cito:" not in text


def test_json_terms():
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert json_term({"type": "uri", "value": "http://e/x"}) == URIRef("http://e/x")
    assert json_term({"type": "typed-literal", "value": "1", "datatype": xsd + "integer"}) == Literal(1)
    assert json_term({"type": "literal", "value": "a", "datatype": xsd + "string"}) == Literal("a")
    assert json_term({"type": "literal", "value": "a", "xml:lang": "en"}) == Literal("a", lang="en")
    assert isinstance(json_term({"type": "bnode", "value": "b0"}), BNode)


def test_bad_auth_scheme_is_refused():
    with pytest.raises(InputError, match="KG_STORE_AUTH"):
        open_remote_store("http://127.0.0.1:1/sparql", {"KG_STORE_USER": "u", "KG_STORE_PASSWORD": "p",
                                                        "KG_STORE_AUTH": "kerberos"})


def test_remote_store_is_a_store():
    store: RemoteStore = open_remote_store("http://127.0.0.1:1/sparql", {})
    for method in ("query", "replace_graphs", "drop_graphs", "load_file", "dump", "quad_count", "close"):
        assert callable(getattr(store, method))


@pytest.mark.virtuoso
def test_explorer_runs_on_virtuoso(virtuoso_env):
    from streamlit.testing.v1 import AppTest

    from ingest.build import SEED_DIR, build

    build(virtuoso_env, SEED_DIR, [])
    app = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=120).run()
    assert not app.exception
    # The explorer names its store in a sidebar caption (the first main-area caption is the refresh stamp).
    assert f"store: {virtuoso_env}" in [caption.value for caption in app.sidebar.caption]
    # The app opens on the Questions page; the findings table is on its own page.
    app.switch_page("explorer/pages/findings.py").run()
    assert not app.exception
    findings = app.dataframe[0].value
    assert len(findings) == 18 and "P" in findings.columns
    assert {"P = 0.005", "P = 0.02"} <= set(findings["P"])


# -- one kind of answer per query form, read by its Content-Type ----------------------------------------


@pytest.mark.parametrize(("query", "accept"), [
    ("SELECT ?s WHERE { ?s ?p ?o }", "application/sparql-results+json"),
    ("PREFIX x: <http://e/> ASK { ?s x:p 'CONSTRUCT' }", "application/sparql-results+json"),
    ("# CONSTRUCT in a comment\nSELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json"),
    ("CONSTRUCT WHERE { ?s ?p ?o }", "application/n-triples"),
    ("DESCRIBE <http://e/a>", "application/n-triples"),
])
def test_each_query_form_asks_for_one_kind(fake, monkeypatch, query, accept):
    url, handler = fake
    graph = accept == "application/n-triples"
    monkeypatch.setattr(handler, "headers_out", {"Content-Type": accept})
    monkeypatch.setattr(handler, "body", b"<http://e/a> <http://e/p> <http://e/b> .\n" if graph else results(1))
    open_remote_store(url, {}).query(query)
    asked = handler.accepts[-1]
    assert asked.startswith(accept)
    assert ("sparql-results" in asked) != graph  # never both kinds in one Accept


def test_construct_answered_with_result_rows_is_an_error(fake, monkeypatch):
    url, handler = fake
    monkeypatch.setattr(handler, "headers_out", {"Content-Type": "application/sparql-results+json"})
    monkeypatch.setattr(handler, "body", results(2))
    with pytest.raises(StoreError, match="answered a CONSTRUCT query with application/sparql-results"):
        open_remote_store(url, {}).query("CONSTRUCT WHERE { ?s ?p ?o }")


def test_graph_answers_are_read_by_their_content_type(fake, monkeypatch):
    url, handler = fake
    monkeypatch.setattr(handler, "headers_out", {"Content-Type": "text/turtle; charset=utf-8"})
    monkeypatch.setattr(handler, "body", b"@prefix e: <http://e/> . e:a e:p e:b, e:c .\n")
    result = open_remote_store(url, {}).query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert sorted(str(o) for _, _, o in result.triples) == ["http://e/b", "http://e/c"]
    monkeypatch.setattr(handler, "headers_out", {"Content-Type": "application/n-triples"})
    with pytest.raises(StoreError, match="answered a SELECT query with application/n-triples"):
        open_remote_store(url, {}).query("SELECT * WHERE { ?s ?p ?o }")


# -- validation and counts on both backends -------------------------------------------------------------

BAD_FINDING = """@prefix ckg: <https://w3id.org/cohort-kg/ontology#> .
<https://w3id.org/cohort-kg/id/finding/bad> a ckg:Finding ; ckg:relation "r" ;
  ckg:direction ckg:Increases ; ckg:method ckg:Curated ; ckg:objectLabel "o" ;
  ckg:count 9 ; ckg:denominator 3 .
"""


def test_validate_fails_on_an_invalid_finding_on_each_backend(store_spec, tmp_path):
    assert kg("build", store=store_spec).returncode == 0
    clean = kg("validate", store=store_spec)
    assert clean.returncode == 0 and "Conforms" in clean.stdout, clean.stdout + clean.stderr
    bad = tmp_path / "bad.ttl"
    bad.write_text(BAD_FINDING)
    assert kg("load", str(bad), store=store_spec).returncode == 0
    result = kg("validate", store=store_spec)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Does NOT conform" in result.stdout and "id:finding/bad" in result.stdout
    assert "denominator" in result.stdout and "ckg:hasEvidence" in result.stdout


@pytest.mark.virtuoso
def test_counts_leave_virtuoso_system_graphs_out(virtuoso_env, tmp_path):
    from endpoint_process import start_endpoint

    from ingest.build import SEED_DIR, build

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    build(virtuoso_env, SEED_DIR, [], now=when)
    build(str(tmp_path / "embedded"), SEED_DIR, [], now=when)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    remote, embedded = open_remote_store(virtuoso_env), OxigraphStore(tmp_path / "embedded")
    try:
        expected = embedded.query(count).rows[0][0].toPython()
        assert remote.query(count).rows[0][0].toPython() == expected == embedded.quad_count()
        construct = remote.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").triples
        assert len(set(construct)) == len(set(embedded.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").triples))
    finally:
        remote.close()
        embedded.close()
    stats = {line.split(": ")[0]: line.split(": ")[1] for line in kg("stats", store=virtuoso_env).stdout.splitlines()}
    local = {line.split(": ")[0]: line.split(": ")[1]
             for line in kg("stats", store=str(tmp_path / "embedded")).stdout.splitlines()}
    assert stats["quads"] == local["quads"] and stats["distinct triples"] == local["distinct triples"]
    endpoint = start_endpoint(virtuoso_env)
    try:
        answer = requests.get(endpoint.url, params={"query": count}, timeout=60).json()
        assert int(answer["results"]["bindings"][0]["n"]["value"]) == expected
        construct = requests.get(endpoint.url, params={"query": "CONSTRUCT WHERE { ?s a ?t }"}, timeout=60,
                                 headers={"Accept": "application/n-triples"})
        assert construct.status_code == 200, construct.text
        assert len(list(ox.parse(construct.content, format=ox.RdfFormat.N_TRIPLES))) > 100
    finally:
        endpoint.stop()

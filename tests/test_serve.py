"""``kg serve`` over HTTP: the SPARQL 1.1 Protocol, formats, refusals and limits, and real clients."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
from conftest import endpoint_in_thread
from endpoint_process import start_endpoint
from rdflib import Literal, URIRef

from kg.queries import bindings_for, catalog
from kg.sparql import bind_values
from kg.store import OxigraphStore, python_value

RESULTS = "http://www.w3.org/2005/sparql-results#"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"  # ~1e9 rows on the seed graph
MAX_ROWS = 50


def catalog_text(name: str) -> str:
    """A catalog query as a client would send it: defaults bound through the VALUES block."""
    query = catalog()[name]
    return bind_values(query.text, bindings_for(query, {}))


def answer_set(rows: list[dict[str, object]]) -> set[tuple[tuple[str, str], ...]]:
    return {tuple(sorted((k, str(v)) for k, v in row.items() if v is not None)) for row in rows}


def json_value(binding: dict[str, str]) -> object:
    """The plain value of one SPARQL JSON binding, as ``QueryResult.values()`` gives it.

    Compared by value, not by lexical form: the endpoint sends pyoxigraph's canonical lexical form
    (``2026-01-02T03:04:05Z``) while rdflib, which the catalog answers go through, writes the same
    xsd:dateTime as ``2026-01-02T03:04:05+00:00`` (last-refresh.rq is the catalog query that shows it).
    """
    if binding["type"] != "literal":
        return binding["value"]
    datatype = binding.get("datatype")
    return python_value(Literal(binding["value"], lang=binding.get("xml:lang"),
                                datatype=URIRef(datatype) if datatype else None))


def rdflib_values(result) -> list[dict[str, object]]:
    """Rows as plain values after rdflib's normalization of lexical forms (what rdflib-based clients see)."""
    def value(term: object) -> object:
        if isinstance(term, Literal):
            term = Literal(str(term), lang=term.language, datatype=term.datatype)
        return python_value(term)

    return [{name: value(term) for name, term in zip(result.variables, row, strict=True)} for row in result.rows]


@pytest.fixture(scope="module")
def built_store(tmp_path_factory) -> Path:
    from ingest.build import SEED_DIR, build

    location = tmp_path_factory.mktemp("serve") / "store"
    build(str(location), SEED_DIR, [])
    return location


@pytest.fixture(scope="module")
def expected(built_store) -> dict[str, set]:
    """Every catalog answer straight from the embedded store (before the server locks it)."""
    store = OxigraphStore(built_store)
    try:
        return {name: answer_set(rdflib_values(store.query(catalog_text(name)))) for name in catalog()}
    finally:
        store.close()


@pytest.fixture(scope="module")
def endpoint(built_store, expected):
    server = start_endpoint(str(built_store), "--timeout", "2", "--max-rows", str(MAX_ROWS),
                            "--max-request-bytes", "100000", "--workers", "2")
    yield server
    server.stop()


def get(endpoint, query: str, accept: str | None = None, **params: str) -> requests.Response:
    headers = {"Accept": accept} if accept else {}
    return requests.get(endpoint.url, params={"query": query, **params}, headers=headers, timeout=30)


def json_rows(response: requests.Response) -> list[dict[str, str]]:
    data = response.json()
    return [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]


# -- the protocol --------------------------------------------------------------------------------


def test_get_post_form_and_post_query_agree(endpoint):
    query = "SELECT ?study WHERE { ?study a ckg:Study }"
    by_get = get(endpoint, query)
    by_form = requests.post(endpoint.url, data={"query": query}, timeout=30)
    by_body = requests.post(endpoint.url, data=query.encode(), timeout=30,
                            headers={"Content-Type": "application/sparql-query"})
    for response in (by_get, by_form, by_body):
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("application/sparql-results+json")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert json_rows(by_get) == json_rows(by_form) == json_rows(by_body)
    assert len(json_rows(by_get)) == 1


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        ("application/sparql-results+xml", "application/sparql-results+xml"),
        ("text/csv", "text/csv"),
        ("text/tab-separated-values", "text/tab-separated-values"),
        ("text/html;q=0.9, text/csv;q=0.5", "text/csv"),
        ("*/*", "application/sparql-results+json"),
    ],
)
def test_select_formats(endpoint, accept, content_type):
    response = get(endpoint, "SELECT DISTINCT ?pmid WHERE { ?p fabio:hasPubMedId ?pmid } ORDER BY ?pmid", accept)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == content_type
    if content_type.endswith("json"):
        pmids = [row["pmid"] for row in json_rows(response)]
    elif content_type.endswith("xml"):
        root = ET.fromstring(response.content)
        pmids = [b.findtext(f"{{{RESULTS}}}literal") for b in root.iter(f"{{{RESULTS}}}binding")]
    elif content_type == "text/csv":
        pmids = [row["pmid"] for row in csv.DictReader(io.StringIO(response.text))]
    else:
        lines = response.text.splitlines()
        assert lines[0] == "?pmid"
        pmids = [line.strip('"') for line in lines[1:]]
    assert "40075627" in pmids and len(pmids) == len(set(pmids)) == 6  # the study and its five citing papers


@pytest.mark.parametrize(
    ("accept", "content_type", "rdf_format"),
    [
        ("text/turtle", "text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", "application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/ld+json", "application/ld+json", ox.RdfFormat.JSON_LD),
        ("application/rdf+xml", "application/rdf+xml", ox.RdfFormat.RDF_XML),
    ],
)
def test_construct_formats(endpoint, accept, content_type, rdf_format):
    response = get(endpoint, "CONSTRUCT { ?s cito:cites ?o } WHERE { ?s cito:cites ?o }", accept)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].split(";")[0] == content_type
    triples = {q.triple for q in ox.parse(response.content, format=rdf_format)}
    assert len(triples) >= 5
    assert all(t.predicate.value == "http://purl.org/spar/cito/cites" for t in triples)


def test_ask_and_format_parameter(endpoint):
    response = get(endpoint, "ASK { ?s a ckg:Finding }", format="xml")
    assert response.headers["Content-Type"].startswith("application/sparql-results+xml")
    assert ET.fromstring(response.content).findtext(f"{{{RESULTS}}}boolean") == "true"
    assert get(endpoint, "ASK { ?s a ckg:Nothing }").json() == {"head": {}, "boolean": False}


def test_dataset_parameters(endpoint):
    vocabulary = "https://w3id.org/cohort-kg/graph/vocabulary/vocabulary"
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    in_graph = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{vocabulary}> {{ ?s ?p ?o }} }}"
    whole = int(json_rows(get(endpoint, count))[0]["n"])
    only = int(json_rows(get(endpoint, count, **{"default-graph-uri": vocabulary}))[0]["n"])
    assert 0 < only == int(json_rows(get(endpoint, in_graph))[0]["n"]) < whole
    graphs = get(endpoint, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", **{"named-graph-uri": vocabulary})
    assert [row["g"] for row in json_rows(graphs)] == [vocabulary]


def test_service_description(endpoint):
    response = requests.get(endpoint.url, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/turtle")
    triples = {q.triple for q in ox.parse(response.content, format=ox.RdfFormat.TURTLE)}
    service = ox.NamedNode(endpoint.url)
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert ox.Triple(service, ox.NamedNode(sd + "endpoint"), service) in triples
    assert ox.Triple(service, ox.NamedNode(sd + "supportedLanguage"), ox.NamedNode(sd + "SPARQL11Query")) in triples
    as_nt = requests.get(endpoint.url, headers={"Accept": "application/n-triples"}, timeout=30)
    assert {q.triple for q in ox.parse(as_nt.content, format=ox.RdfFormat.N_TRIPLES)} == triples


def test_cors_preflight(endpoint):
    response = requests.options(endpoint.url, timeout=30, headers={
        "Origin": "http://example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


# -- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("request_kwargs", "status", "message"),
    [
        ({"params": {"query": "SELEC ?x WHERE { ?x ?p ?o }"}}, 400, "SPARQL syntax error"),
        ({"params": {"query": "DROP ALL"}}, 400, "DROP is not allowed"),
        ({"params": {"query": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"}}, 403,
         "SERVICE is not allowed"),
        ({"method": "post", "data": {"update": "INSERT DATA { <http://a> <http://b> <http://c> }"}}, 403, "read-only"),
        ({"method": "post", "data": b"CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}}, 403,
         "read-only"),
        ({"method": "post", "data": b"ASK {}", "headers": {"Content-Type": "text/plain"}}, 415, "POST"),
        ({"params": {"query": "ASK {}"}, "headers": {"Accept": "text/turtle"}}, 406, "SPARQL results"),
        ({"params": {"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "csv"}}, 406, "RDF graph"),
        ({"params": {"query": ["ASK {}", "ASK {}"]}}, 400, "once"),
        ({"method": "post", "data": {"query": "ASK {} #" + "x" * 200_000}}, 413, "over the limit"),
    ],
)
def test_refusals(endpoint, request_kwargs, status, message):
    kwargs = dict(request_kwargs)
    method = kwargs.pop("method", "get")
    response = requests.request(method, endpoint.url, timeout=30, **kwargs)
    assert response.status_code == status, response.text
    assert message in response.text
    assert response.headers["Content-Type"].startswith("text/plain")


def test_unknown_path_is_404(endpoint):
    assert requests.get(endpoint.base + "/update", timeout=30).status_code == 404


def test_row_cap_is_announced(endpoint):
    response = get(endpoint, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(json_rows(response)) == MAX_ROWS
    assert response.headers["X-Result-Truncated"] == f"max-rows={MAX_ROWS}"
    small = get(endpoint, "SELECT ?s WHERE { ?s a ckg:Study }")
    assert "X-Result-Truncated" not in small.headers


def test_slow_query_times_out_and_server_stays_up(endpoint):
    response = get(endpoint, SLOW)
    assert response.status_code == 503
    assert "time limit" in response.text
    for _ in range(3):  # the stopped worker was replaced: every worker answers again
        assert get(endpoint, "ASK { ?s a ckg:Study }").json()["boolean"] is True


# -- the page ------------------------------------------------------------------------------------


def test_query_page_lists_the_catalog_escaped(endpoint):
    page = requests.get(endpoint.base + "/", timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    for name in catalog():
        assert f"/?example={name}" in page.text
    concept = requests.get(endpoint.base + "/", params={"example": "concept"}, timeout=30).text
    assert '&quot;mentioned by&quot;, &quot;cohort&quot;' in concept  # the query text, HTML-escaped
    hostile = requests.get(endpoint.base + "/", params={"example": "<script>alert(1)</script>"}, timeout=30)
    assert hostile.status_code == 200 and "<script>" not in hostile.text
    assert "<script" not in page.text and "http://" not in page.text.split("</style>")[0]


# -- real clients --------------------------------------------------------------------------------


def test_sparqlwrapper_gets_the_catalog_answers(endpoint, expected):
    from SPARQLWrapper import JSON, SPARQLWrapper

    client = SPARQLWrapper(endpoint.url)
    client.setReturnFormat(JSON)
    for name in catalog():
        client.setQuery(catalog_text(name))
        data = client.queryAndConvert()
        rows = [{k: json_value(v) for k, v in b.items()} for b in data["results"]["bindings"]]
        assert answer_set(rows) == expected[name], name


def test_rdflib_sparqlstore_gets_the_catalog_answers(endpoint, expected):
    from rdflib import Graph
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    graph = Graph(store=SPARQLStore(endpoint.url, returnFormat="json"))
    for name in catalog():
        result = graph.query(catalog_text(name))
        rows = [{str(var): value for var, value in zip(result.vars, row, strict=True)} for row in result]
        got = answer_set([{k: python_value(v) for k, v in row.items()} for row in rows])
        assert got == expected[name], name


# -- SPARQL 1.1 dataset semantics ----------------------------------------------------------------

D1, D2, D3 = (f"http://example.org/data{i}" for i in (1, 2, 3))
DATASET_NT = "".join(f"<{g}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://example.org/Doc> <{g}> .\n"
                     for g in (D1, D2, D3))


@pytest.fixture(scope="module")
def dataset_store(tmp_path_factory) -> OxigraphStore:
    path = tmp_path_factory.mktemp("dataset") / "data.nq"
    path.write_text(DATASET_NT)
    store = OxigraphStore(None)
    store.load_file(path, ox.RdfFormat.N_QUADS, None)
    return store


@pytest.fixture(scope="module")
def local(dataset_store):
    """An in-process endpoint over three one-triple graphs, with a short header timeout."""
    from kg.serve import ServeConfig

    with endpoint_in_thread(dataset_store, ServeConfig(port=0, workers=0, header_timeout=1.0)) as url:
        yield url


def test_from_in_the_query_defines_the_default_graph(dataset_store):
    assert dataset_store.query(f"ASK FROM <{D1}> {{ <{D2}> a ?t }}").boolean is False
    assert dataset_store.query(f"ASK FROM <{D1}> {{ <{D1}> a ?t }}").boolean is True
    assert dataset_store.query(f"ASK {{ <{D2}> a ?t }}").boolean is True  # no dataset named: the union
    named = dataset_store.query(f"SELECT ?g FROM NAMED <{D2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}")
    assert [str(g) for (g,) in named.rows] == [D2]


def test_protocol_dataset_replaces_from_and_leaves_out_what_it_does_not_name(local):
    graphs = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    only_default = requests.get(local, params={"query": graphs, "default-graph-uri": D1}, timeout=30)
    assert only_default.status_code == 200 and json_rows(only_default) == []
    named = requests.get(local, params={"query": graphs, "default-graph-uri": D1, "named-graph-uri": D3}, timeout=30)
    assert [row["g"] for row in json_rows(named)] == [D3]
    overridden = requests.get(local, params={"query": f"ASK FROM <{D1}> {{ <{D2}> a ?t }}",
                                             "default-graph-uri": D2}, timeout=30)
    assert overridden.json()["boolean"] is True
    through_endpoint = requests.get(local, params={"query": f"ASK FROM <{D1}> {{ <{D2}> a ?t }}"}, timeout=30)
    assert through_endpoint.json()["boolean"] is False


@pytest.mark.parametrize("graph", ["not an iri", "relative/path", "http://exa mple.org/"])
def test_invalid_dataset_iri_is_400(local, graph):
    response = requests.get(local, params={"query": "ASK {}", "default-graph-uri": graph}, timeout=30)
    assert response.status_code == 400, response.text
    assert "default-graph-uri" in response.text
    named = requests.get(local, params={"query": "ASK {}", "named-graph-uri": graph}, timeout=30)
    assert named.status_code == 400


# -- protocol details: methods, missing queries, long URLs, base IRI, formats ------------------------


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_are_405_with_allow(local, method):
    response = requests.request(method, local, data="ASK {}", timeout=30)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "post", "data": {"format": "json"}},
        {"method": "post", "data": b"", "headers": {"Content-Type": "application/sparql-query"}},
        {"method": "get", "params": {"default-graph-uri": D1}},
    ],
)
def test_a_request_without_a_query_is_400(local, request_kwargs):
    kwargs = dict(request_kwargs)
    response = requests.request(kwargs.pop("method"), local, timeout=30, **kwargs)
    assert response.status_code == 400, response.text
    assert "no query" in response.text
    assert requests.get(local, timeout=30).headers["Content-Type"].startswith("text/turtle")  # a bare GET: the SD


def test_long_get_is_the_endpoints_own_414_with_cors(local):
    response = requests.get(local, params={"query": "ASK {} #" + "x" * 70_000}, timeout=30)
    assert response.status_code == 414
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Content-Type"].startswith("text/plain") and "POST" in response.text
    posted = requests.post(local, data={"query": "ASK {} #" + "x" * 70_000}, timeout=30)
    assert posted.status_code == 200  # the same query by POST is fine


def test_relative_iris_resolve_against_the_endpoint(local):
    response = requests.post(local, data=b"CONSTRUCT { <s> <p> 1 } WHERE {}", timeout=30,
                             headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"})
    assert response.status_code == 200, response.text
    (triple,) = [q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES)]
    base = local.rsplit("/", 1)[0]
    assert (triple.subject.value, triple.predicate.value) == (f"{base}/s", f"{base}/p")


def test_application_wildcard_on_construct_is_a_real_rdf_type(local):
    response = requests.get(local, params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
                            headers={"Accept": "application/*"}, timeout=30)
    assert response.status_code == 200
    media = response.headers["Content-Type"].split(";")[0]
    assert media == "application/n-triples"
    assert len(list(ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))) == 3


def test_triple_terms_on_the_row_capped_path(local):
    query = "SELECT ?t WHERE { VALUES ?x { 1 2 } BIND(<<( <http://a> <http://b> ?x )>> AS ?t) }"
    response = requests.get(local, params={"query": query}, timeout=30)
    assert response.status_code == 200, response.text
    values = [b["t"] for b in response.json()["results"]["bindings"]]
    assert [v["type"] for v in values] == ["triple", "triple"]
    assert {v["value"]["object"]["value"] for v in values} == {"1", "2"}


@pytest.mark.parametrize("host", ['evil.example> <x> "y', "a b{c}", "127.0.0.1:1\\n"])
def test_host_header_is_escaped_in_the_service_description(local, host):
    for accept, fmt in (("text/turtle", ox.RdfFormat.TURTLE), ("application/n-triples", ox.RdfFormat.N_TRIPLES)):
        response = requests.get(local, headers={"Host": host, "Accept": accept}, timeout=30)
        assert response.status_code == 200, response.text
        subjects = {q.subject.value for q in ox.parse(response.content, format=fmt)}
        assert len(subjects) == 1 and subjects.pop().startswith("http://")


@pytest.mark.parametrize(
    ("form", "query", "check"),
    [
        ("JSON", "SELECT ?s WHERE { ?s a <http://example.org/Doc> }", lambda r: len(r["results"]["bindings"]) == 3),
        ("XML", "SELECT ?s WHERE { ?s a <http://example.org/Doc> }",
         lambda r: len(r.getElementsByTagName("result")) == 3),
        ("CSV", "SELECT ?s WHERE { ?s a <http://example.org/Doc> }", lambda r: len(r.splitlines()) == 4),
        ("TSV", "SELECT ?s WHERE { ?s a <http://example.org/Doc> }", lambda r: len(r.splitlines()) == 4),
        ("JSONLD", "CONSTRUCT WHERE { ?s ?p ?o }", lambda r: len(r) == 3),
        ("RDFXML", "CONSTRUCT WHERE { ?s ?p ?o }", lambda r: len(r) == 3),
        ("TURTLE", "CONSTRUCT WHERE { ?s ?p ?o }", lambda r: b"example.org/Doc" in r),
        ("N3", "CONSTRUCT WHERE { ?s ?p ?o }", lambda r: b"example.org/Doc" in r),
    ],
)
def test_sparqlwrapper_default_settings_for_every_format(local, form, query, check):
    import SPARQLWrapper

    client = SPARQLWrapper.SPARQLWrapper(local)
    client.setReturnFormat(getattr(SPARQLWrapper, form))
    client.setQuery(query)
    result = client.queryAndConvert()
    if isinstance(result, bytes) and form in ("CSV", "TSV"):
        result = result.decode()
    assert check(result), result


def test_repeated_format_values_must_agree(local):
    same = requests.get(local + "?query=ASK%20%7B%7D&format=tsv&format=text/tab-separated-values&output=tsv",
                        timeout=30)
    assert same.status_code == 200 and same.headers["Content-Type"].startswith("text/tab-separated-values")
    different = requests.get(local + "?query=ASK%20%7B%7D&format=json&format=xml", timeout=30)
    assert different.status_code == 400 and "different formats" in different.text


# -- stalled and vanishing clients ---------------------------------------------------------------


def test_stalled_connection_is_closed_after_the_header_timeout(local):
    import socket
    import time

    host, port = local.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /sparql?query=ASK%20%7B%7D HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
        started = time.monotonic()
        assert sock.recv(1024) == b""  # the server hung up
        assert time.monotonic() - started < 5


def test_client_gone_while_the_answer_is_written_is_one_info_line(local, caplog, capsys):
    """A client that resets the connection while a large answer is being written: INFO, never an ERROR."""
    import logging
    import socket
    import struct
    import time
    from urllib.parse import quote

    numbers = " ".join(str(i) for i in range(100))
    query = f'SELECT * WHERE {{ VALUES ?a {{ {numbers} }} VALUES ?b {{ {numbers} }} BIND("{"x" * 1000}" AS ?c) }}'
    host, port = local.split("//")[1].split("/")[0].split(":")
    with caplog.at_level(logging.INFO, logger="kg.serve"):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.settimeout(10)
        sock.connect((host, int(port)))
        sock.sendall(f"GET /sparql?query={quote(query)} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        assert sock.recv(12).startswith(b"HTTP/1.")  # the server is writing the answer (about 10 MB)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any("went away" in r.getMessage() for r in caplog.records):
            time.sleep(0.05)
    assert [r.levelno for r in caplog.records if "went away" in r.getMessage()] == [logging.INFO]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in capsys.readouterr().err


def test_client_disconnect_is_one_info_line(local, caplog, capsys):
    import logging
    import socket
    import struct
    import time

    host, port = local.split("//")[1].split("/")[0].split(":")
    with caplog.at_level(logging.INFO, logger="kg.serve"):
        sock = socket.create_connection((host, int(port)), timeout=10)
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 100\r\n\r\nASK")
        time.sleep(0.2)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        sock.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not any("went away" in r.getMessage() for r in caplog.records):
            time.sleep(0.05)
    gone = [r for r in caplog.records if "went away" in r.getMessage()]
    assert len(gone) == 1 and gone[0].levelno == logging.INFO
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in capsys.readouterr().err

"""``kg serve`` over HTTP: the SPARQL 1.1 Protocol, formats, refusals and limits, and real clients."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
import requests
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
        return {name: answer_set(store.query(catalog_text(name)).values()) for name in catalog()}
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

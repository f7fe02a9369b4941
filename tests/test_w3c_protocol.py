"""The W3C SPARQL 1.1 Protocol test suite, generated from its manifest, on the embedded store and on Virtuoso.

Every ``mf:ProtocolTest`` of ``../shared/fixtures/w3c-sparql-protocol/manifest.ttl`` becomes one test per
backend: its HTTP requests are sent byte for byte (method, headers, body in the stated encoding) to an
in-process ``kg serve`` whose store holds the manifest's graph data, and the answer is checked against the
expected status class, format and boolean. The query-side tests must pass as written; the endpoint is
read-only, so the update-side tests must be refused (403 for a recognizable update, or the 4xx the
manifest expects for a malformed one) and leave the data as it was.
"""

from __future__ import annotations

import http.client
import json
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from conftest import SHARED, require_shared
from rdflib import Graph, Namespace
from rdflib.collection import Collection
from rdflib.term import Node

from kg.serve import EndpointServer, ServeConfig
from kg.store import OxigraphStore

SUITE = SHARED / "fixtures" / "w3c-sparql-protocol"
MANIFEST = SUITE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
RESULTS = "{http://www.w3.org/2005/sparql-results#}"
RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = RESULT_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"application/rdf+xml": ox.RdfFormat.RDF_XML, "text/turtle": ox.RdfFormat.TURTLE,
             "application/n-triples": ox.RdfFormat.N_TRIPLES}
QUERY_SIDE = 20


@dataclass(frozen=True)
class Step:
    """One HTTP request of a test and what its response must be."""

    method: str
    path: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    statuses: frozenset[int]  # the hundreds digit of each accepted status class
    expected_format: str | None
    expected_boolean: bool | None


@dataclass(frozen=True)
class Case:
    """One ``mf:ProtocolTest``: its requests in order and the graphs to load first."""

    name: str
    steps: tuple[Step, ...]
    graphs: tuple[tuple[str, Path], ...] = field(default=())

    @property
    def update_side(self) -> bool:
        return "update" in self.name


def _items(graph: Graph, head: Node | None) -> list[Node]:
    return list(Collection(graph, head)) if head is not None else []


def _step(graph: Graph, request: Node) -> Step:
    response = graph.value(request, HT.resp)
    body_node = graph.value(request, HT.body)
    body = None
    if body_node is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    headers = tuple((str(graph.value(h, HT.fieldName)), str(graph.value(h, HT.fieldValue)))
                    for h in _items(graph, graph.value(request, HT.headers)))
    statuses = frozenset(int(str(s).rsplit("StatusCode", 1)[1][0]) for s in graph.objects(response, MF.expectedStatus))
    boolean = graph.value(response, MF.expectedBoolean)
    expected_format = graph.value(response, MF.expectedFormat)
    return Step(
        method=str(graph.value(request, HT.methodName)),
        path=str(graph.value(request, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
        headers=headers,
        body=body,
        statuses=statuses,
        expected_format=None if expected_format is None else str(expected_format),
        expected_boolean=None if boolean is None else bool(boolean.toPython()),
    )


def load_cases() -> list[Case]:
    """Every protocol test of the manifest, in manifest order (empty when ../shared is absent)."""
    if not MANIFEST.is_file():
        return []
    graph = Graph().parse(MANIFEST, format="turtle")
    manifest = next(graph.subjects(MF.entries, None))
    cases = []
    for entry in _items(graph, graph.value(manifest, MF.entries)):
        action = graph.value(entry, MF.action)
        steps = tuple(_step(graph, r) for r in _items(graph, graph.value(action, HT.requests)))
        graphs = tuple(sorted((str(graph.value(d, RDFS.label)), Path(str(graph.value(d, UT.graph)).removeprefix("file://")))
                              for d in graph.objects(entry, UT.graphData)))
        cases.append(Case(str(entry).rsplit("#", 1)[1], steps, graphs))
    return cases


CASES = load_cases()


def need_suite() -> None:
    """Skip with the reason when ../shared is absent; fail in CI, where it must be present."""
    require_shared(MANIFEST)
    assert CASES, f"no cases read from {MANIFEST}"


# -- running a step ------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    media_type: str
    body: bytes
    headers: dict[str, str]


def send(base: tuple[str, int], method: str, path: str, headers: tuple[tuple[str, str], ...] = (),
         body: bytes | None = None) -> Reply:
    """One raw HTTP request (http.client adds nothing but Host and Content-Length)."""
    connection = http.client.HTTPConnection(*base, timeout=60)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        data = response.read()
        media = (response.getheader("Content-Type") or "").split(";")[0].strip()
        return Reply(response.status, media, data, {k.lower(): v for k, v in response.getheaders()})
    finally:
        connection.close()


def boolean_of(reply: Reply) -> bool:
    if reply.media_type == "application/sparql-results+json":
        return json.loads(reply.body)["boolean"]
    return ET.fromstring(reply.body).findtext(f"{RESULTS}boolean") == "true"


def check(step: Step, reply: Reply) -> None:
    """The response against the manifest's expectations."""
    text = reply.body[:300].decode("utf-8", "replace")
    assert reply.status // 100 in step.statuses, f"{step.method} {step.path}: HTTP {reply.status}: {text}"
    if step.expected_format == "boolean":
        assert reply.media_type in RESULT_TYPES, reply.media_type
        if step.expected_boolean is not None:
            assert boolean_of(reply) is step.expected_boolean, text
    elif step.expected_format == "tabular":
        assert reply.media_type in TABULAR_TYPES, reply.media_type
        assert b"value" in reply.body
    elif step.expected_format == "RDF":
        assert reply.media_type in RDF_TYPES, reply.media_type
        list(ox.parse(reply.body, format=RDF_TYPES[reply.media_type]))  # parses as what it says it is


# -- the backends --------------------------------------------------------------------------------


def graph_files() -> dict[str, Path]:
    """Every graph any test loads, by name (the suite's tests share three small graphs)."""
    return {name: SUITE / path.name for case in CASES for name, path in case.graphs}


def serve_in_thread(store: object) -> Iterator[tuple[str, int]]:
    server = EndpointServer(store, ServeConfig(port=0, workers=0, timeout=30, header_timeout=10))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[:2]  # type: ignore[misc]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def embedded() -> Iterator[tuple[str, int]]:
    need_suite()
    store = OxigraphStore(None)
    for name, path in graph_files().items():
        store.load_file(path, ox.RdfFormat.N_TRIPLES, name)
    yield from serve_in_thread(store)


@pytest.fixture
def on_virtuoso(virtuoso_env: str) -> Iterator[tuple[str, int]]:
    from kg.store.remote import open_remote_store

    need_suite()
    store = open_remote_store(virtuoso_env)
    for name, path in graph_files().items():
        store.load_file(path, ox.RdfFormat.N_TRIPLES, name)
    try:
        yield from serve_in_thread(store)
    finally:
        store.close()


@pytest.fixture(params=["embedded", pytest.param("virtuoso", marks=pytest.mark.virtuoso)])
def endpoint(request: pytest.FixtureRequest) -> tuple[str, int]:
    return request.getfixturevalue("embedded" if request.param == "embedded" else "on_virtuoso")


def run(case: Case, base: tuple[str, int]) -> None:
    if case.update_side:
        step = case.steps[0]
        reply = send(base, step.method, step.path, step.headers, step.body)
        refused = {403} if case.name.startswith("update_") else {code for code in range(400, 500)}
        assert reply.status in refused, f"{case.name}: HTTP {reply.status}: {reply.body[:200]!r}"
        assert reply.headers.get("access-control-allow-origin") == "*"
        still = send(base, "GET", "/sparql?query=ASK%20%7B%20GRAPH%20%3Fg%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D")
        assert boolean_of(still) is True, "an update-side request changed the data"
        return
    for step in case.steps:
        check(step, send(base, step.method, step.path, step.headers, step.body))


def case_ids() -> list[str]:
    return [case.name for case in CASES] or ["suite-missing"]


@pytest.mark.parametrize("name", case_ids())
def test_w3c_protocol(endpoint, name):
    need_suite()
    run(next(case for case in CASES if case.name == name), endpoint)


def test_the_suite_has_twenty_query_side_tests():
    need_suite()
    query_side = [case.name for case in CASES if not case.update_side]
    assert len(query_side) == QUERY_SIDE, query_side
    assert len(CASES) - QUERY_SIDE == 14


def test_manifest_requests_are_read_faithfully():
    need_suite()
    cases = {case.name: case for case in CASES}
    utf16 = cases["bad_query_non_utf8"].steps[0]
    assert utf16.body == "ASK {}".encode("utf-16") and utf16.statuses == {4}
    full = cases["query_dataset_full"]
    assert [name for name, _ in full.graphs] == [f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)]
    assert full.steps[0].expected_boolean is True and full.steps[0].statuses == {2, 3}
    assert cases["query_get"].steps[0].path.startswith("/sparql?query=ASK")

"""A store on a remote SPARQL 1.1 server (Virtuoso, Fuseki, GraphDB, Oxigraph server).

``--store https://host/sparql`` names the query URL; the update and Graph Store
Protocol URLs are derived from it (Virtuoso ``/sparql`` -> ``/sparql-auth`` and
``/sparql-graph-crud-auth``; ``.../query`` -> ``.../update``) or given in
``KG_STORE_UPDATE_URL`` / ``KG_STORE_GSP_URL``. Credentials come from
``KG_STORE_USER`` / ``KG_STORE_PASSWORD``, sent with HTTP Digest (Virtuoso)
unless ``KG_STORE_AUTH=basic``.

What stays true on a remote server:

* Every query is sent as text with the cohort-kg PREFIX lines it does not
  declare itself (servers do not know our default prefixes).
* Replacing a source graph is one update request (``DROP SILENT GRAPH; INSERT
  DATA``), which the server runs as one transaction. A graph above
  ``CHUNK_TRIPLES`` (Virtuoso refuses much larger requests) is first written
  to a staging graph in chunks, then swapped in by one final request: readers
  see the old graph or the new one; a failure before the swap leaves the old
  graph untouched. Several graphs in one call are replaced one after the other
  (each atomic, not all together); a re-run skips the graphs already written.
* An answer the server cut short (Virtuoso's ``ResultSetMaxRows`` or a partial
  answer at its time limit: HTTP 206, ``X-SQL-State``) is an error, never
  silently a smaller answer, unless the caller asked for ``max_rows``.
* Each query asks for one kind of answer: SPARQL results for SELECT and ASK,
  RDF for CONSTRUCT and DESCRIBE; the answer is read by its Content-Type and
  an answer of the other kind is an error (Virtuoso, asked for both at once,
  answers a CONSTRUCT as s/p/o result rows).
* The graphs a Virtuoso server keeps for itself (its schemas, DAV, service
  description) are not part of the dataset: a query that reads the whole
  default graph (no ``FROM``, ``GRAPH``, ``LIMIT``, ``OFFSET`` or protocol
  dataset) gets Virtuoso's ``input:default-graph-exclude`` pragma for each, so
  counts (``COUNT(*)``), ``CONSTRUCT`` dumps and validation see the cohort-kg
  graphs only. Virtuoso 7.2 answers nothing for ``GRAPH <g>`` once a default
  graph is excluded, and pages differently, so those queries go without the
  pragma; ``graph_sizes`` leaves the system graphs out by name.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
import requests
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError, StoreError
from kg.namespaces import PREFIXES, XSD
from kg.sparql import bind_values
from kg.sparql import with_prefixes as add_prefixes
from kg.sparql_syntax import structure_of, tokenize
from kg.store.interface import QUAD_FORMATS, QueryResult, Triple, from_ox, to_ox, triples_to_ntriples

log = logging.getLogger(__name__)

CHUNK_TRIPLES = 1000
"""Triples per update request (Virtuoso answers "query too large" well above this)."""

SYSTEM_GRAPHS = (
    "http://www.openlinksw.com/",
    "http://localhost:8890/",
    "http://www.w3.org/ns/ldp#",
    "http://www.w3.org/2002/07/owl#",
)
"""Graphs a Virtuoso server holds for itself: not part of the cohort-kg dataset (counts, dumps)."""

RESULTS_JSON = "application/sparql-results+json"
RESULTS_TYPES = (RESULTS_JSON, "application/json")
GRAPH_ACCEPT = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/ntriples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
"""RDF answers the remote store can read, by media type."""
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")
_XSD_STRING = str(XSD.string)


@dataclass(frozen=True)
class Endpoints:
    """The three URLs of a SPARQL 1.1 server."""

    query: str
    update: str
    gsp: str | None


def derive_endpoints(query_url: str, environ: Mapping[str, str]) -> Endpoints:
    """Update and Graph Store URLs from the environment, else from the query URL's usual layout."""
    update, gsp = environ.get("KG_STORE_UPDATE_URL"), environ.get("KG_STORE_GSP_URL")
    base = query_url.split("?", 1)[0].rstrip("/")
    if base.endswith("/sparql"):  # Virtuoso: the authenticated twins of /sparql
        guessed_update, guessed_gsp = base + "-auth", base + "-graph-crud-auth"
    elif base.endswith("/query"):  # Oxigraph server, Fuseki
        guessed_update, guessed_gsp = base[: -len("/query")] + "/update", None
    else:  # GraphDB (/repositories/x) and others answer updates at /statements or at the query URL
        guessed_update, guessed_gsp = base, None
    return Endpoints(query_url, update or guessed_update, gsp or guessed_gsp)


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE, from the query's structure."""
    return structure_of(query).form


def excludes_system_graphs(query: str) -> bool:
    """Whether a query gets Virtuoso's system-graph exclusion: no ``FROM``, ``GRAPH``, ``LIMIT`` or ``OFFSET``.

    A query naming graphs must go without it (see the module docstring), and so must a page: with a
    graph excluded, Virtuoso 7.2 changes its plan between ``OFFSET`` values, and pages read in storage
    order (the catalog's paging) repeat some rows and miss others.
    """
    return not any(token.word in ("FROM", "GRAPH", "LIMIT", "OFFSET") for token in tokenize(query))


def with_prefixes(query: str) -> str:
    """The query with PREFIX lines for the cohort-kg prefixes its prefixed names use but it does not declare."""
    return add_prefixes(query, PREFIXES)


def json_term(value: Mapping[str, str]) -> Node:
    """A SPARQL JSON results term as an rdflib term (plain literals for xsd:string)."""
    kind, text = value["type"], value["value"]
    if kind == "uri":
        return _bnode(text) if text.startswith("nodeID://") else URIRef(text)
    if kind == "bnode":
        return _bnode(text)
    lang = value.get("xml:lang")
    if lang:
        return Literal(text, lang=lang)
    datatype = value.get("datatype")
    if datatype and datatype != _XSD_STRING:
        return Literal(text, datatype=URIRef(datatype), normalize=False)  # the server's lexical form, as sent
    return Literal(text)


def _bnode(label: str) -> BNode:
    """A blank node with a label N-Triples accepts (Virtuoso labels look like ``nodeID://b10007``)."""
    return BNode(re.sub(r"[^A-Za-z0-9_]", "_", label.removeprefix("nodeID://")))


def parse_results_json(data: Mapping[str, object], max_rows: int | None) -> QueryResult:
    """A SPARQL JSON results document as a QueryResult, keeping at most ``max_rows`` rows."""
    if "boolean" in data:
        return QueryResult(boolean=bool(data["boolean"]))
    variables = tuple(data["head"]["vars"])  # type: ignore[index]
    bindings = data["results"]["bindings"]  # type: ignore[index]
    rows = [tuple(json_term(b[v]) if v in b else None for v in variables) for b in bindings]
    truncated = max_rows is not None and len(rows) > max_rows
    return QueryResult(variables=variables, rows=rows[:max_rows] if truncated else rows, truncated=truncated)


def insert_data(graph: str, triples: list[Triple]) -> str:
    """An update adding triples to a graph.

    Triples with blank nodes go through ``INSERT { } WHERE { }`` (Virtuoso refuses blank
    nodes in INSERT DATA); one template keeps each label one node.
    """
    body = triples_to_ntriples(triples)
    if any(isinstance(term, BNode) for triple in triples for term in triple):
        return f"INSERT {{ GRAPH <{graph}> {{\n{body}}} }} WHERE {{ }}"
    return f"INSERT DATA {{ GRAPH <{graph}> {{\n{body}}} }}"


def _stage_name(graph: str) -> str:
    return f"{graph}#kg-staging-{hashlib.sha1(graph.encode()).hexdigest()[:8]}"


def _chunks(triples: list[Triple], size: int) -> Iterator[list[Triple]]:
    """Chunks of triples; all triples with a blank node go in the first chunk (one request keeps their identity)."""
    with_bnodes = [t for t in triples if any(isinstance(term, BNode) for term in t)]
    rest = iter([t for t in triples if not any(isinstance(term, BNode) for term in t)])
    first = with_bnodes + list(islice(rest, max(0, size - len(with_bnodes))))
    if first:
        yield first
    while chunk := list(islice(rest, size)):
        yield chunk


class RemoteStore:
    """The Store protocol over HTTP (SPARQL 1.1 Protocol, Update and Graph Store Protocol)."""

    def __init__(self, endpoints: Endpoints, auth: requests.auth.AuthBase | None = None, *,
                 timeout: float = 300.0, chunk_triples: int = CHUNK_TRIPLES) -> None:
        self.location = endpoints.query
        self.endpoints = endpoints
        self._session = requests.Session()
        self._session.auth = auth
        self._timeout = timeout
        self._chunk = chunk_triples
        self._pragmas: str | None = None  # Virtuoso's system-graph exclusions, found on first use

    # -- HTTP ------------------------------------------------------------------------------

    def _post(self, url: str, *, what: str, **kwargs: object) -> requests.Response:
        try:
            response = self._session.post(url, timeout=self._timeout, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise StoreError(f"cannot reach the store at {url}: {type(exc).__name__}") from exc
        if response.status_code in (401, 403):
            raise StoreError(f"{what}: the store at {url} refused access (HTTP {response.status_code}); "
                             "set KG_STORE_USER and KG_STORE_PASSWORD")
        if response.status_code >= 500:
            raise StoreError(f"{what}: the store at {url} answered HTTP {response.status_code}: "
                             f"{_first_line(response.text)}")
        if response.status_code >= 400:
            raise InputError(f"{what}: the store refused it (HTTP {response.status_code}): "
                             f"{_first_line(response.text)}")
        return response

    def _check_complete(self, response: requests.Response) -> None:
        state = response.headers.get("X-SQL-State")
        if response.status_code == 206 or state:
            message = response.headers.get("X-SQL-Message", "")
            raise StoreError(f"the store returned a partial answer (HTTP {response.status_code}, "
                             f"X-SQL-State {state}: {message}); raise its time limit or narrow the query")

    # -- Store protocol --------------------------------------------------------------------

    def _system_pragmas(self) -> str:
        """Virtuoso pragmas leaving its own graphs out of a query's dataset ("" on other servers)."""
        if self._pragmas is None:
            probe = self._post(self.endpoints.query, what="query", data={"query": "ASK {}"},
                               headers={"Accept": RESULTS_JSON})
            self._pragmas = ""
            if probe.headers.get("Server", "").lower().startswith("virtuoso"):
                listed = self._post(self.endpoints.query, what="query", headers={"Accept": RESULTS_JSON},
                                    data={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"})
                graphs = [b["g"]["value"] for b in listed.json()["results"]["bindings"]]
                system = sorted(g for g in graphs if g.startswith(SYSTEM_GRAPHS))
                self._pragmas = "".join(f"DEFINE input:default-graph-exclude <{g}>\n" for g in system)
        return self._pragmas

    def query(self, sparql: str, bindings: Mapping[str, Node] | None = None, *, max_rows: int | None = None,
              default_graphs: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None,
              base_iri: str | None = None) -> QueryResult:
        """Run a query; ``base_iri`` resolves its relative IRIs unless it declares its own ``BASE``."""
        text = with_prefixes(bind_values(sparql, bindings))
        if base_iri and not any(token.word == "BASE" for token in tokenize(text)):
            text = f"BASE <{base_iri}>\n{text}"  # first: Virtuoso refuses a BASE after a PREFIX
        data: dict[str, object] = {"query": text}
        if default_graphs:
            data["default-graph-uri"] = list(default_graphs)
        if named_graphs:
            data["named-graph-uri"] = list(named_graphs)
        pragmas = ""
        if default_graphs is None and named_graphs is None and excludes_system_graphs(text):
            pragmas = self._system_pragmas()
        form = query_form(text)
        accept = GRAPH_ACCEPT if form in GRAPH_FORMS else RESULTS_JSON
        try:
            response = self._post(self.endpoints.query, what="query", data={**data, "query": pragmas + text},
                                  headers={"Accept": accept})
        except StoreError as exc:
            # Virtuoso 7.2's compiler overflows its stack on a few large queries (two catalog queries with
            # many OPTIONAL groups) once it excludes more than one graph. Their patterns name cohort-kg terms,
            # which no system graph holds, so the answer without the exclusions is the same.
            if not pragmas or "SQ200" not in str(exc):
                raise
            log.info("the store could not compile the query with its system graphs excluded; sent without")
            response = self._post(self.endpoints.query, what="query", data=data, headers={"Accept": accept})
        self._check_complete(response)
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        readable = GRAPH_TYPES if form in GRAPH_FORMS else RESULTS_TYPES
        if media not in readable:
            raise StoreError(f"the store answered a {form} query with {media or 'no Content-Type'} "
                             f"(asked for {accept})")
        if media in RESULTS_TYPES:
            result = parse_results_json(response.json(), max_rows)
            cap = response.headers.get("X-SPARQL-MaxRows")
            if cap and len(result.rows) >= int(cap) and not result.truncated:
                if max_rows is None:
                    raise StoreError(f"the store cut the answer at {cap} rows (Virtuoso ResultSetMaxRows): "
                                     "raise that limit or page the query with LIMIT/OFFSET")
                result.truncated = True
            return result
        try:
            parsed = ox.parse(response.content, format=GRAPH_TYPES[media])
            triples = [(from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
                       for q in islice(parsed, None if max_rows is None else max_rows + 1)]
        except SyntaxError as exc:
            raise StoreError(f"unreadable answer from the store ({media}): {exc}") from exc
        truncated = max_rows is not None and len(triples) > max_rows
        return QueryResult(triples=triples[:max_rows] if truncated else triples,  # type: ignore[arg-type]
                           truncated=truncated)

    def update(self, sparql: str, *, what: str = "update") -> None:
        """Send one SPARQL update request (one transaction on the server)."""
        response = self._post(self.endpoints.update, what=what, data=sparql.encode("utf-8"),
                              headers={"Content-Type": "application/sparql-update; charset=utf-8"})
        self._check_complete(response)

    def replace_graphs(self, graphs: Mapping[str, Iterable[Triple]]) -> None:
        for name, triples in graphs.items():
            self._replace_one(name, list(triples))

    def _replace_one(self, graph: str, triples: list[Triple]) -> None:
        stage = _stage_name(graph)
        try:  # write every request body first: a term that cannot be written stops us before any request
            bodies = [insert_data(graph if len(triples) <= self._chunk else stage, chunk)
                      for chunk in _chunks(triples, self._chunk)] or [""]
        except Exception as exc:
            raise InputError(f"cannot write graph {graph}: {exc}; nothing written") from exc
        if len(bodies) == 1:
            self.update(f"DROP SILENT GRAPH <{graph}> ;\n{bodies[0]}", what=f"replacing {graph}")
            return
        self.update(f"DROP SILENT GRAPH <{stage}>", what=f"staging {graph}")
        try:
            for body in bodies:
                self.update(body, what=f"staging {graph}")
        except Exception:
            self._drop_quietly(stage)
            raise
        # The one request that makes the new graph visible: the old graph until it commits, then the new one.
        self.update(
            f"DROP SILENT GRAPH <{graph}> ;\n"
            f"INSERT {{ GRAPH <{graph}> {{ ?s ?p ?o }} }} WHERE {{ GRAPH <{stage}> {{ ?s ?p ?o }} }} ;\n"
            f"DROP SILENT GRAPH <{stage}>",
            what=f"replacing {graph}",
        )

    def _drop_quietly(self, graph: str) -> None:
        try:
            self.update(f"DROP SILENT GRAPH <{graph}>")
        except StoreError as exc:
            log.warning("could not remove staging graph %s: %s", graph, exc)

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        names = list(graphs)
        if names:
            self.update(" ;\n".join(f"DROP SILENT GRAPH <{name}>" for name in names), what="dropping graphs")

    def load_file(self, path: Path, fmt: ox.RdfFormat, graph: str | None, base_iri: str | None = None) -> int:
        before = self.quad_count()
        target = None if fmt in QUAD_FORMATS else graph
        grouped: dict[str, list[Triple]] = defaultdict(list)
        try:
            for quad in ox.parse(path=str(path), format=fmt, base_iri=base_iri):
                name = target or (quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else None)
                if name is None:
                    raise InputError(f"{path}: a quad in the default graph; cohort-kg keeps triples in named graphs")
                grouped[name].append((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from exc
        for name, triples in grouped.items():
            self._add(name, triples)
        return self.quad_count() - before

    def _add(self, graph: str, triples: list[Triple]) -> None:
        """Add triples to a graph: one Graph Store POST when the server has one, else chunked INSERT DATA."""
        if self.endpoints.gsp and not any(isinstance(t, BNode) for triple in triples for t in triple):
            body = triples_to_ntriples(triples).encode("utf-8")
            self._post(self.endpoints.gsp, what=f"loading {graph}", params={"graph": graph}, data=body,
                       headers={"Content-Type": "application/n-triples"})
            return
        for chunk in _chunks(triples, self._chunk):
            self.update(insert_data(graph, chunk), what=f"loading {graph}")

    def graph_sizes(self) -> dict[str, int]:
        """Quads per cohort-kg graph (the server's own graphs left out)."""
        result = self.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {str(g): int(n) for g, n in result.rows if not str(g).startswith(SYSTEM_GRAPHS)}  # type: ignore[arg-type]

    def dump(self, out: BinaryIO, fmt: ox.RdfFormat) -> None:
        quads: list[ox.Quad] = []
        batch: list[str] = []
        size = 0
        sizes = self.graph_sizes()
        for graph, count in sorted(sizes.items()):
            batch.append(graph)
            size += count
            if size >= 50_000:
                quads.extend(self._fetch_quads(batch))
                batch, size = [], 0
        if batch:
            quads.extend(self._fetch_quads(batch))
        if fmt.supports_datasets:  # N-Quads, TriG and JSON-LD keep the graph names
            ox.serialize(quads, out, fmt, prefixes=PREFIXES)
        else:
            unique = dict.fromkeys(q.triple for q in quads)
            ox.serialize(list(unique), out, fmt, prefixes=PREFIXES)

    def _fetch_quads(self, graphs: list[str]) -> Iterator[ox.Quad]:
        values = " ".join(f"<{g}>" for g in graphs)
        result = self.query(f"SELECT ?g ?s ?p ?o WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
        for g, s, p, o in result.rows:
            yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), ox.NamedNode(str(g)))  # type: ignore[arg-type]

    def quad_count(self) -> int:
        return sum(self.graph_sizes().values())

    def close(self) -> None:
        self._session.close()


def _first_line(text: str) -> str:
    lines = [line.strip() for line in io.StringIO(text) if line.strip()]
    return (lines[0] if lines else "(empty body)")[:300]


def open_remote_store(location: str, environ: Mapping[str, str] | None = None) -> RemoteStore:
    """The store behind a SPARQL endpoint URL, with credentials and URLs from the environment."""
    env = os.environ if environ is None else environ
    auth: requests.auth.AuthBase | None = None
    user, password = env.get("KG_STORE_USER"), env.get("KG_STORE_PASSWORD")
    if user and password is not None:
        scheme = env.get("KG_STORE_AUTH", "digest").lower()
        if scheme not in ("digest", "basic"):
            raise InputError(f"KG_STORE_AUTH must be digest or basic, not {scheme!r}")
        auth = requests.auth.HTTPDigestAuth(user, password) if scheme == "digest" else \
            requests.auth.HTTPBasicAuth(user, password)
    return RemoteStore(derive_endpoints(location, env), auth)

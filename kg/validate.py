"""Validate cohort-kg data against the SHACL shapes in ``ontology/shapes.ttl``.

The ontology and the vocabulary are merged into (a copy of) the data before validation, so
``sh:class`` follows their ``rdfs:subClassOf`` links (a ``ckg:Study`` counts as a
``bibo:Document``, a ``ckg:Therapy`` as a ``skos:Concept``) and concepts referenced by data are
known to be concepts. pySHACL's own ``ont_graph`` option is not used because it copies only
RDFS/OWL axioms, not the SKOS concepts of the vocabulary. RDFS inference is deliberately *not*
switched on: it
would use the ``rdfs:range`` declarations to type whatever sits at the end of
``ckg:sourcePublication`` as a ``bibo:Document``, which would make exactly the class checks we
want (e.g. "evidence points at a real publication") pass vacuously. It is also several times
slower. The price is that every node must carry its own ``rdf:type``.

Results are turned into plain frozen dataclasses so that callers (CLI, tests, ingest) never
have to query pySHACL's report graph themselves.

A whole store is validated source graph by source graph (``validate_store``), a batch of
graphs of at most ``BATCH_QUADS`` quads at a time, so memory follows the batch, not the
store. Each batch carries the ``rdf:type`` of every IRI it points at, read from the whole
store: a finding's evidence may cite a publication described in another graph, and
``sh:class`` must see that it is one. A node described by another graph can become a focus
node through such a type; its results are left to the batch that describes it (results
are kept only for nodes that are subjects in the batch).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import rdflib
from pyshacl import validate as shacl_validate
from rdflib import Graph
from rdflib.namespace import RDF, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.query import Result
from rdflib.term import Literal, Node, URIRef

from kg.namespaces import PREFIXES
from kg.paths import ONTOLOGY_DIR

if TYPE_CHECKING:
    from kg.store import Store

log = logging.getLogger(__name__)

BATCH_QUADS = 50_000
"""Quads of source graphs validated together: memory follows this, not the store's size."""

ONTOLOGY_FILES: tuple[str, ...] = ("cohort-kg.ttl", "vocabulary.ttl")
"""Files merged into the ontology graph handed to pySHACL."""

SHAPES_FILE = "shapes.ttl"

_REPORT_PREFIXES: dict[str, str] = {**PREFIXES, "ckgsh": "https://w3id.org/cohort-kg/shapes#"}
"""Project prefixes plus the shapes namespace, so shape names print compactly too."""


@dataclass(frozen=True)
class Violation:
    """One SHACL result, already rendered as compact strings for people and logs."""

    focus_node: str
    path: str
    value: str
    message: str
    severity: str
    shape: str


@dataclass(frozen=True)
class ValidationReport:
    """Outcome of a validation run.

    ``conforms`` ignores warnings (e.g. a percentage that does not match count/denominator),
    because those flag things to look at rather than data that is wrong; they still appear in
    ``violations`` so they get reported.
    """

    conforms: bool
    violations: tuple[Violation, ...]


@lru_cache(maxsize=256)
def _prepared(query_text: str) -> Query:
    """Parse a SPARQL query once; parsing dominates the cost of a SHACL-SPARQL check."""
    return prepareQuery(query_text)


class _QueryCachingGraph(Graph):
    """A Graph that reuses parsed SPARQL queries.

    pySHACL runs every SPARQL constraint once per focus node with the same query text (only the
    ``$this`` binding changes), and rdflib re-parses the text on each call: about 20 ms per
    call, which made a few dozen findings take seconds. Caching the parse keeps SPARQL
    constraints affordable.
    """

    def query(  # type: ignore[override]
        self,
        query_object: str | Query,
        processor: str = "sparql",
        result: str = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Node] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Result:
        # Parameter names mirror rdflib's Graph.query, which pySHACL calls positionally.
        if isinstance(query_object, str) and not initNs:
            query_object = _prepared(query_object)
        options = (processor, result, initNs, initBindings, use_store_provided)
        return super().query(query_object, *options, **kwargs)


@lru_cache(maxsize=1)
def _ontology_triples() -> tuple[tuple[Node, Node, Node], ...]:
    """Parse the ontology and vocabulary once per process; they only change between runs.

    Kept as an immutable tuple of triples so that no caller can modify the cached copy.
    """
    graph = Graph()
    for name in ONTOLOGY_FILES:
        graph.parse(ONTOLOGY_DIR / name, format="turtle")
    return tuple(graph)


@lru_cache(maxsize=1)
def _shapes_graph() -> Graph:
    """Parse the shapes once per process."""
    return Graph().parse(ONTOLOGY_DIR / SHAPES_FILE, format="turtle")


def _working_graph(data: Graph | rdflib.Dataset) -> Graph:
    """Build the graph pySHACL sees: the data (all named graphs merged) plus ontology and vocabulary.

    pySHACL would validate each named graph of a dataset on its own, but our data links across
    graphs (evidence in a findings graph points at a publication in a PubMed graph, source-graph
    metadata lives apart from the content), so shapes must see the union. Building a new graph
    also leaves the caller's data untouched.
    """
    union = _QueryCachingGraph()
    if getattr(data, "context_aware", False):
        for s, p, o, _ctx in data.quads((None, None, None, None)):  # type: ignore[union-attr]
            union.add((s, p, o))
    else:
        for triple in data:
            union.add(triple)
    for triple in _ontology_triples():
        union.add(triple)
    return union


def _compact(node: Node | None) -> str:
    """Render a term with the project prefixes, e.g. ``ckg:count`` instead of the full IRI."""
    if node is None:
        return ""
    if isinstance(node, URIRef):
        text = str(node)
        matches = [(ns, prefix) for prefix, ns in _REPORT_PREFIXES.items() if text.startswith(ns)]
        if matches:
            namespace, prefix = max(matches, key=lambda match: len(match[0]))
            return f"{prefix}:{text[len(namespace) :]}"
        return f"<{text}>"
    if isinstance(node, Literal):
        return repr(str(node)) if node.datatype is None else f"{str(node)!r}^^{_compact(node.datatype)}"
    return f"_:{node}"


def _shape_name(shape: Node | None) -> str:
    """Name the source shape; anonymous property shapes are named by their node shape and sh:name."""
    if shape is None:
        return ""
    if isinstance(shape, URIRef):
        return _compact(shape)
    shapes = _shapes_graph()
    parent = shapes.value(predicate=SH.property, object=shape)
    parent = parent or shapes.value(predicate=SH.sparql, object=shape)
    name = shapes.value(shape, SH.name)
    if parent is not None:
        return f"{_compact(parent)}/{name}" if name is not None else _compact(parent)
    return _compact(shape)


def _violations(results: Graph) -> tuple[Violation, ...]:
    """Convert pySHACL's report graph into sorted Violation records (sorted for stable output)."""
    found: list[Violation] = []
    for result in results.subjects(RDF.type, SH.ValidationResult):
        messages = sorted(str(m) for m in results.objects(result, SH.resultMessage))
        found.append(
            Violation(
                focus_node=_compact(results.value(result, SH.focusNode)),
                path=_compact(results.value(result, SH.resultPath)),
                value=_compact(results.value(result, SH.value)),
                message=" ".join(messages),
                severity=_compact(results.value(result, SH.resultSeverity)).removeprefix("sh:"),
                shape=_shape_name(results.value(result, SH.sourceShape)),
            )
        )
    return tuple(sorted(found, key=_sort_key))


def validate_graph(data: Graph | rdflib.Dataset) -> ValidationReport:
    """Check ``data`` against the project's SHACL shapes and return a plain report."""
    return _validate_working(_working_graph(data))


def _validate_working(union: Graph) -> ValidationReport:
    """Validate a working graph (data plus ontology) in place."""
    conforms, results_graph, _text = shacl_validate(
        union,
        shacl_graph=_shapes_graph(),
        inference="none",
        inplace=True,
        allow_warnings=True,
        abort_on_first=False,
    )
    return ValidationReport(conforms=bool(conforms), violations=_violations(results_graph))


def _graph_sizes(store: Store) -> dict[str, int]:
    """Quads per named graph (a remote store leaves its server's own graphs out)."""
    sizes = getattr(store, "graph_sizes", None)
    if callable(sizes):
        return dict(sizes())
    result = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {str(g): int(n) for g, n in result.rows}  # type: ignore[call-overload]


def _batches(sizes: Mapping[str, int], limit: int) -> Iterator[list[str]]:
    """Graph names in batches of at most ``limit`` quads (a bigger graph is a batch of its own)."""
    batch: list[str] = []
    total = 0
    for graph, size in sorted(sizes.items()):
        if batch and total + size > limit:
            yield batch
            batch, total = [], 0
        batch.append(graph)
        total += size
    if batch:
        yield batch


TYPE_LOOKUP = 500
"""IRIs per query when reading the types of the nodes a batch points at (keeps each query small)."""


def _batch_graph(store: Store, graphs: list[str]) -> tuple[Graph, set[Node]]:
    """The batch's triples plus the types of the IRIs they point at, and the batch's subjects."""
    values = " ".join(f"<{g}>" for g in graphs)
    data = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}")
    graph = _QueryCachingGraph()  # the working graph itself: no second copy of the batch
    subjects: set[Node] = set()
    targets: set[URIRef] = set()
    typed: set[Node] = set()
    for triple in data.triples or []:
        graph.add(triple)
        subjects.add(triple[0])
        if triple[1] == RDF.type:
            typed.add(triple[0])
        elif isinstance(triple[2], URIRef):
            targets.add(triple[2])
    # Only nodes the batch does not type itself (a cited paper is typed where it is cited), looked up
    # by IRI (an index lookup each), not by joining the batch with every type in the store.
    ordered = sorted(targets - typed)
    for start in range(0, len(ordered), TYPE_LOOKUP):
        nodes = " ".join(node.n3() for node in ordered[start : start + TYPE_LOOKUP])
        types = store.query(f"SELECT DISTINCT ?o ?t WHERE {{ VALUES ?o {{ {nodes} }} GRAPH ?h {{ ?o a ?t }} }}")
        for node, kind in types.rows:
            graph.add((node, RDF.type, kind))  # type: ignore[arg-type]
    for triple in _ontology_triples():
        graph.add(triple)
    return graph, subjects


def validate_store(store: Store, *, batch_quads: int = BATCH_QUADS) -> ValidationReport:
    """Validate every named graph of a store, a batch of graphs at a time (see the module docstring)."""
    found: list[Violation] = []
    conforms = True
    sizes = _graph_sizes(store)
    for number, graphs in enumerate(_batches(sizes, batch_quads), start=1):
        data, subjects = _batch_graph(store, graphs)
        log.info("validating batch %d: %d graph(s), %d triples", number, len(graphs), len(data))
        kept = {_compact(node) for node in subjects}
        report = _validate_working(data)
        for violation in report.violations:
            if violation.focus_node in kept:
                found.append(violation)
                conforms = conforms and violation.severity != "Violation"
    return ValidationReport(conforms=conforms, violations=tuple(sorted(set(found), key=_sort_key)))


def _sort_key(v: Violation) -> tuple[str, str, str, str]:
    return (v.focus_node, v.path, v.message, v.value)


def format_report(report: ValidationReport) -> str:
    """One readable line per problem, for the CLI and for test failure messages."""
    if not report.violations:
        return "Conforms: no problems found."
    header = "Conforms (warnings only)." if report.conforms else "Does NOT conform."
    lines = [f"{header} {len(report.violations)} problem(s):"]
    for v in report.violations:
        where = f"{v.focus_node} {v.path}".strip()
        value = f" [value {v.value}]" if v.value else ""
        lines.append(f"{v.severity}: {where}{value}: {v.message} ({v.shape})")
    return "\n".join(lines)


def format_summary(report: ValidationReport, examples: int = 3) -> str:
    """Problems grouped by shape, with counts and a few examples each: readable at any number of problems."""
    if not report.violations:
        return "Conforms: no problems found."
    header = "Conforms (warnings only)." if report.conforms else "Does NOT conform."
    # Grouped by shape and path, not by message: messages quote the offending values.
    members: dict[tuple[str, str, str], list[Violation]] = {}
    for v in report.violations:
        members.setdefault((v.severity, v.shape, v.path), []).append(v)
    lines = [f"{header} {len(report.violations)} problem(s) in {len(members)} group(s):"]
    for (severity, shape, _path), group in sorted(members.items(), key=lambda item: (-len(item[1]), item[0])):
        lines.append(f"{len(group):>7} x {severity}: {shape or '(no shape)'}: {group[0].message}")
        for v in group[:examples]:
            value = f" [value {v.value}]" if v.value else ""
            lines.append(f"          e.g. {v.focus_node} {v.path}{value}".rstrip())
    return "\n".join(lines)


__all__ = ["ValidationReport", "Violation", "format_report", "format_summary", "validate_graph", "validate_store"]

"""The W3C SPARQL 1.1 query tests of ``../shared/fixtures/w3c-sparql11-query``: manifests and comparable answers.

Answers are compared as canonical values: the variables, and the rows as tuples of N-Triples
terms (exact lexical forms), sorted unless the query orders them. Blank nodes become one label
``_:b`` (labels are the engine's to choose); answers of queries that call NOW(), RAND(), UUID()
or STRUUID() keep only their shape (variables and row count), since two evaluations differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph, Namespace
from rdflib.collection import Collection

from kg.sparql_syntax import QuerySyntaxError, tokenize

SUITE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "w3c-sparql11-query"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
EVALUATION = {"QueryEvaluationTest", "CSVResultFormatTest"}
SYNTAX = {"PositiveSyntaxTest11": True, "NegativeSyntaxTest11": False}
VOLATILE = {"NOW", "RAND", "UUID", "STRUUID"}
_BNODE = re.compile(r"_:[^\s,)\]]+")


@dataclass(frozen=True)
class Case:
    """One test of the suite."""

    name: str  # folder/test-name
    kind: str  # the mf: type's local name
    query: Path
    data: tuple[Path, ...] = ()
    graph_data: tuple[Path, ...] = ()
    result: Path | None = None

    @property
    def positive(self) -> bool:
        return SYNTAX.get(self.kind, True)

    def __str__(self) -> str:
        return self.name


def _path(node: object) -> Path:
    return Path(str(node).removeprefix("file://"))


def cases() -> list[Case]:
    """Every evaluation and syntax test of every manifest, in manifest order."""
    found: list[Case] = []
    for manifest in sorted(SUITE.glob("*/manifest.ttl")):
        graph = Graph().parse(manifest, format="turtle", publicID=manifest.resolve().as_uri())
        for head in graph.objects(None, MF.entries):
            for entry in Collection(graph, head):
                kind = str(graph.value(entry, RDF.type)).rsplit("#", 1)[-1]
                name = f"{manifest.parent.name}/{str(entry).rsplit('#', 1)[-1]}"
                action = graph.value(entry, MF.action)
                result = graph.value(entry, MF.result)
                if kind in SYNTAX:
                    found.append(Case(name, kind, _path(action)))
                elif kind in EVALUATION:
                    found.append(Case(
                        name, kind, _path(graph.value(action, QT.query)),
                        tuple(_path(d) for d in graph.objects(action, QT.data)),
                        tuple(sorted(_path(d) for d in graph.objects(action, QT.graphData))),
                        _path(result) if result is not None else None,
                    ))
    return found


def words(query: str) -> set[str]:
    """The query's keywords (for ORDER BY and the volatile functions); empty when it does not tokenize."""
    try:
        return {token.word for token in tokenize(query) if token.kind == "WORD"}
    except QuerySyntaxError:
        return set()


def _term(term: object) -> str:
    return "" if term is None else _BNODE.sub("_:b", str(term))


def canonical(answer: object, query: str) -> object:
    """A comparable value for a pyoxigraph answer (solutions, boolean or triples)."""
    used = words(query)
    if isinstance(answer, ox.QueryBoolean):
        return ("boolean", bool(answer))
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        rows = [tuple(_term(solution[v]) for v in variables) for solution in answer]
        if used & VOLATILE:
            return ("solutions", variables, len(rows))
        return ("solutions", variables, rows if "ORDER" in used else sorted(rows))
    triples = sorted(_term(triple) for triple in answer)  # type: ignore[attr-defined]
    return ("triples", len(triples)) if used & VOLATILE else ("triples", triples)


def parse_answer(body: bytes, media_type: str, query: str) -> object:
    """The canonical value of a serialized answer (SPARQL results or an RDF graph)."""
    media_type = media_type.split(";")[0].strip()
    results = {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }
    if media_type in results:
        return canonical(ox.parse_query_results(body, format=results[media_type]), query)
    graphs = {"application/n-triples": ox.RdfFormat.N_TRIPLES, "text/turtle": ox.RdfFormat.TURTLE}
    triples = [quad.triple for quad in ox.parse(body, format=graphs[media_type])]
    return canonical(triples, query)


def csv_lines(body: bytes, query: str) -> object:
    """CSV answers carry no datatypes: compared as rows of (column, text) pairs, sorted unless ordered."""
    import csv
    import io

    table = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    header = table[0] if table else []
    rows = [tuple(sorted(zip(header, (_BNODE.sub("_:b", cell) for cell in row), strict=False)))
            for row in table[1:]]
    if words(query) & VOLATILE:
        return ("csv", sorted(header), len(rows))
    return ("csv", sorted(header), rows if "ORDER" in words(query) else sorted(rows))


def rdf_format(path: Path) -> ox.RdfFormat:
    return {".ttl": ox.RdfFormat.TURTLE, ".nt": ox.RdfFormat.N_TRIPLES, ".rdf": ox.RdfFormat.RDF_XML}[path.suffix]


RS = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")


def multiset(value: object) -> object:
    """A canonical value with its rows sorted (the expected results fix no order among ties)."""
    if isinstance(value, tuple) and value and value[0] == "solutions" and isinstance(value[2], list):
        return (value[0], tuple(sorted(value[1])), sorted(tuple(sorted(zip(value[1], row, strict=True)))
                                                          for row in value[2]))
    return value


def expected_answer(case: Case, query: str) -> object | None:
    """The canonical value of the test's expected result, None for a format not compared here."""
    assert case.result is not None
    body = case.result.read_bytes()
    suffix = case.result.suffix
    formats = {".srx": ox.QueryResultsFormat.XML, ".srj": ox.QueryResultsFormat.JSON,
               ".tsv": ox.QueryResultsFormat.TSV}
    if suffix in formats:
        return multiset(canonical(ox.parse_query_results(body, format=formats[suffix]), query))
    if suffix == ".csv":
        return csv_lines(body, query)
    if suffix in (".ttl", ".nt", ".rdf"):
        graph = Graph().parse(data=body, format={".ttl": "turtle", ".nt": "nt", ".rdf": "xml"}[suffix],
                              publicID=case.result.resolve().as_uri())
        result_set = graph.value(None, RDF.type, RS.ResultSet)
        if result_set is None:
            return ("graph", graph)
        variables = tuple(sorted(str(v) for v in graph.objects(result_set, RS.resultVariable)))
        rows = []
        for solution in graph.objects(result_set, RS.solution):
            row = {str(graph.value(b, RS.variable)): graph.value(b, RS.value)
                   for b in graph.objects(solution, RS.binding)}
            rows.append(tuple(sorted((name, _term(_ox_of(row.get(name)))) for name in variables)))
        return ("solutions", variables, sorted(rows))
    return None


def _ox_of(term: object) -> object:
    from kg.store import to_ox

    return None if term is None else to_ox(term)  # type: ignore[arg-type]


_TYPED = re.compile(r'^"(.*)"\^\^<http://www\.w3\.org/2001/XMLSchema#(\w+)>$')
_DECIMALS = {"decimal", "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger",
             "negativeInteger", "nonPositiveInteger", "unsignedInt", "unsignedLong"}


def _value_term(text: str) -> str:
    """A numeric literal as its datatype and value (``1.0E0`` and ``1`` as xsd:double are one value)."""
    from decimal import Decimal, InvalidOperation

    match = _TYPED.match(text)
    if not match:
        return text
    lexical, datatype = match.groups()
    try:
        if datatype in _DECIMALS:
            return f"{datatype}:{Decimal(lexical).normalize()}"
        if datatype in ("double", "float"):
            return f"{datatype}:{float(lexical)!r}"
    except (InvalidOperation, ValueError):
        return text
    return text


def by_value(value: object) -> object:
    """A canonical value with numeric literals compared by value (for the engine-vs-expected check)."""
    if isinstance(value, tuple) and value and value[0] == "solutions" and isinstance(value[2], list):
        rows = sorted(tuple((name, _value_term(term)) for name, term in row) for row in value[2])
        return (value[0], value[1], rows)
    return value

"""Render query results for people (a table) and for scripts (the SPARQL 1.1 JSON, XML, CSV and TSV formats)."""

from __future__ import annotations

import json

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.namespaces import PREFIXES
from kg.store import QueryResult, to_ox
from kg.terminal import printable

OUTPUT_FORMATS = ("table", "csv", "tsv", "json", "xml")
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))




def compact(term: Node | None) -> str:
    """A short display form: prefixed names for known namespaces, lexical forms for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in _BY_LENGTH:
            if text.startswith(namespace) and len(text) > len(namespace):
                return f"{prefix}:{text[len(namespace):]}"
        return text
    return str(term)


def plain(term: Node | None) -> str:
    """The SPARQL CSV form: full IRIs, lexical forms of literals, empty for unbound."""
    return "" if term is None else str(term)


_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}


def json_binding(term: Node) -> dict[str, str]:
    """One term in the SPARQL 1.1 JSON results form, lexical form untouched."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    if isinstance(term, Literal):
        binding = {"type": "literal", "value": str(term)}
        if term.language:
            binding["xml:lang"] = term.language
        elif term.datatype is not None:
            binding["datatype"] = str(term.datatype)
        return binding
    raise TypeError(f"not an RDF term: {term!r}")


def to_results(result: QueryResult) -> ox.QuerySolutions | ox.QueryBoolean:
    """The answer as pyoxigraph query results, so pyoxigraph's own serializers write every format.

    Built from SPARQL JSON text (exact escaping of any character) rather than from Python terms, which
    pyoxigraph offers no constructor for.
    """
    if result.boolean is not None:
        document: dict[str, object] = {"head": {}, "boolean": result.boolean}
    else:
        bindings = [{name: json_binding(term) for name, term in zip(result.variables, row, strict=True)
                     if term is not None} for row in result.rows]
        document = {"head": {"vars": list(result.variables)}, "results": {"bindings": bindings}}
    return ox.parse_query_results(json.dumps(document).encode("utf-8"), format=ox.QueryResultsFormat.JSON)


def render(result: QueryResult, fmt: str, *, width: int = 60) -> str:
    """The result in the given output format: SPARQL 1.1 results (json, xml, csv, tsv) or a table.

    Graph answers (CONSTRUCT, DESCRIBE) are N-Triples in every format but the table.
    """
    if result.triples is not None:
        triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in result.triples]  # type: ignore[arg-type]
        return (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    if fmt in _RESULT_FORMATS:
        text = (to_results(result).serialize(format=_RESULT_FORMATS[fmt]) or b"").decode("utf-8")
        return text if text.endswith("\n") else text + "\n"
    if result.boolean is not None:
        return str(result.boolean).lower() + "\n"
    return table(result, width=width)


def table(result: QueryResult, *, width: int = 60) -> str:
    """A fixed-width text table with compact IRIs and the literals' lexical forms; long cells are cut."""

    def cell(term: Node | None) -> str:
        text = printable(compact(term))
        return text if len(text) <= width else text[: width - 1] + "…"
    header = list(result.variables)
    body = [[cell(term) for term in row] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"

"""How terms, answers and errors cross the owner channel (``kg.store.owner`` <-> ``kg.store.client``).

Whole answers go as pyoxigraph serializes them (SPARQL JSON results, N-Triples); answers cut at
``max_rows`` and the triples of a write go as short JSON lists that round-trip rdflib terms
exactly (typed literals keep their lexical form, as ``kg.store.interface.from_ox`` keeps it).
"""

from __future__ import annotations

from typing import Any

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError, KGError, StoreError
from kg.store.interface import QueryResult

RESULTS_MEDIA_TYPE = "application/sparql-results+json"
TRIPLES_MEDIA_TYPE = "application/n-triples"
"""How ``/query`` sends a whole answer: SELECT and ASK as SPARQL JSON results, CONSTRUCT as N-Triples."""


def encode_term(term: Node | None) -> list[str | None] | None:
    """An rdflib term as a short JSON list: ``["u", iri]``, ``["b", id]``, ``["l", text, datatype, lang]``."""
    if term is None:
        return None
    if isinstance(term, URIRef):
        return ["u", str(term)]
    if isinstance(term, BNode):
        return ["b", str(term)]
    if isinstance(term, Literal):
        return ["l", str(term), str(term.datatype) if term.datatype is not None else None, term.language]
    raise TypeError(f"cannot send {term!r}")


def decode_term(value: list[str | None] | None) -> Node | None:
    """The inverse of ``encode_term``; typed literals keep their lexical form, as ``from_ox`` does."""
    if value is None:
        return None
    kind = value[0]
    if kind == "u":
        return URIRef(str(value[1]))
    if kind == "b":
        return BNode(str(value[1]))
    if kind == "l":
        text, datatype, language = str(value[1]), value[2], value[3]
        if language:
            return Literal(text, lang=language)
        if datatype:
            return Literal(text, datatype=URIRef(datatype), normalize=False)
        return Literal(text)
    raise ValueError(f"unknown term kind {kind!r}")


def encode_result(result: QueryResult) -> dict[str, Any]:
    """A ``QueryResult`` as JSON-ready data."""
    return {
        "variables": list(result.variables),
        "rows": [[encode_term(term) for term in row] for row in result.rows],
        "boolean": result.boolean,
        "triples": None if result.triples is None else [[encode_term(t) for t in triple] for triple in result.triples],
        "truncated": result.truncated,
    }


def decode_result(data: dict[str, Any]) -> QueryResult:
    """The inverse of ``encode_result``."""
    triples = data.get("triples")
    return QueryResult(
        variables=tuple(data["variables"]),
        rows=[tuple(decode_term(term) for term in row) for row in data["rows"]],
        boolean=data.get("boolean"),
        triples=None if triples is None else [tuple(decode_term(t) for t in triple) for triple in triples],  # type: ignore[misc]
        truncated=bool(data.get("truncated")),
    )


ERROR_KINDS: dict[str, type[KGError]] = {"InputError": InputError, "StoreError": StoreError, "KGError": KGError}
"""Exception types that cross the channel by name; the client adds the endpoint's (timeout, busy)."""


def error_kind(exc: KGError) -> str:
    """The name an exception crosses the channel under: its own class name."""
    return type(exc).__name__

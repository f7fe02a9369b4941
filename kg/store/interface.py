"""The store interface every backend offers, and the types and conversions they share.

The CLI, the endpoint, the explorer and the pipeline use a ``Store`` and nothing
else: SPARQL in, backend-neutral rdflib terms out (``QueryResult``), atomic
replacement of whole named graphs, bulk loading of RDF files and a dump. The
embedded backend (``kg.store.embedded``) and the remote one (``kg.store.remote``)
both build on the conversions here, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError
from kg.namespaces import XSD

Triple = tuple[Node, Node, Node]

FORMATS: dict[str, ox.RdfFormat] = {
    "turtle": ox.RdfFormat.TURTLE,
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
    "json-ld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "rdf": ox.RdfFormat.RDF_XML,
    "owl": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = {ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG}


def rdf_format(name_or_path: str) -> ox.RdfFormat:
    """The RDF format named by a format name or a file's extension (``.gz`` is not supported)."""
    key = name_or_path.lower()
    if "." in key:
        key = key.rsplit(".", 1)[1]
    try:
        return FORMATS[key]
    except KeyError:
        raise InputError(
            f"unknown RDF format {name_or_path!r} (known: turtle, nt, nquads, trig, jsonld, rdfxml)"
        ) from None


@dataclass
class QueryResult:
    """A backend-neutral query answer: SELECT rows, an ASK boolean or CONSTRUCT triples."""

    variables: tuple[str, ...] = ()
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[Triple] | None = None
    truncated: bool = False

    def values(self) -> list[dict[str, object]]:
        """Rows with literals turned into Python values and IRIs into strings (for tables and JSON)."""
        return [
            {name: python_value(term) for name, term in zip(self.variables, row, strict=True)}
            for row in self.rows
        ]


def python_value(term: Node | None) -> object:
    """A plain Python value for a term: numbers for numeric literals, text otherwise."""
    if term is None:
        return None
    if isinstance(term, Literal):
        if term.datatype == XSD.gYear and str(term).isdigit():
            return int(str(term))
        value = term.toPython()
        return value if isinstance(value, (int, float, bool)) else str(term)
    return str(term)


class Store(Protocol):
    """What every backend offers; the CLI, the endpoint and the app use nothing else."""

    location: str

    def query(
        self, sparql: str, bindings: Mapping[str, Node] | None = None, *, max_rows: int | None = None
    ) -> QueryResult:
        """Run a SPARQL query (default graph: the union of all graphs, unless it has ``FROM``); ``bindings`` bind.

        With ``max_rows``, at most that many rows (or triples) are read and ``truncated`` says if more existed.
        """
        ...

    def replace_graphs(self, graphs: Mapping[str, Iterable[Triple]]) -> None:
        """Replace each named graph by the given triples, all in one transaction."""
        ...

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        """Remove the given named graphs, all in one transaction."""
        ...

    def load_file(self, path: Path, fmt: ox.RdfFormat, graph: str | None, base_iri: str | None = None) -> int:
        """Bulk-load an RDF file (triples into ``graph``, quads as given); return the quads added.

        ``base_iri`` resolves relative IRIs in the file (Turtle, TriG, RDF/XML, JSON-LD).
        """
        ...

    def dump(self, out: BinaryIO, fmt: ox.RdfFormat) -> None:
        """Write the whole store (quads for quad formats, the merged triples otherwise)."""
        ...

    def quad_count(self) -> int:
        """Number of quads in all named graphs."""
        ...

    def close(self) -> None:
        """Release the store (locks, connections)."""
        ...


# -- term conversion -----------------------------------------------------------------------

_XSD_STRING = str(XSD.string)


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """Rdflib term -> pyoxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"cannot store {term!r}")


def from_ox(term: object) -> Node | None:
    """Pyoxigraph term -> rdflib term (xsd:string literals become plain literals, as in RDF 1.1).

    Typed literals keep the engine's lexical form (``normalize=False``): rdflib would otherwise
    rewrite ``30000``^^xsd:double as ``30000.0``, ``PT0S`` as ``P0D`` and ``Z`` as ``+00:00``.
    """
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype), normalize=False)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unexpected term {term!r}")


def one_line(exc: BaseException) -> str:
    """An engine message on one line (pyoxigraph's syntax errors list expected tokens over several lines)."""
    return " ".join(str(exc).split())


def triples_to_ntriples(triples: Iterable[Triple]) -> str:
    """Triples as N-Triples text (rdflib's ``n3()`` of IRIs and literals is valid N-Triples)."""
    return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in triples)

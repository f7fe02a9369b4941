"""Result formats of the SPARQL endpoint and HTTP content negotiation.

SELECT and ASK answers are SPARQL results (JSON, XML, CSV, TSV); CONSTRUCT and
DESCRIBE answers are RDF graphs (Turtle, N-Triples, JSON-LD, RDF/XML). Both are
written by pyoxigraph's own serializers, so the endpoint never round-trips
through rdflib. A client picks a format with the ``Accept`` header (with
q-values) or, as many endpoints allow, with a ``format=`` parameter.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox


@dataclass(frozen=True)
class Format:
    """One serialization the endpoint can write."""

    media_type: str
    aliases: tuple[str, ...]
    names: tuple[str, ...]
    results: ox.QueryResultsFormat | None = None
    rdf: ox.RdfFormat | None = None


RESULT_FORMATS = (
    Format("application/sparql-results+json", ("application/json",), ("json", "srj"),
           results=ox.QueryResultsFormat.JSON),
    Format("application/sparql-results+xml", ("application/xml", "text/xml"), ("xml", "srx"),
           results=ox.QueryResultsFormat.XML),
    Format("text/csv", (), ("csv",), results=ox.QueryResultsFormat.CSV),
    Format("text/tab-separated-values", (), ("tsv",), results=ox.QueryResultsFormat.TSV),
)
GRAPH_FORMATS = (
    # Turtle is a subset of N3, so an N3 request is answered in Turtle.
    Format("text/turtle", ("application/x-turtle", "application/turtle", "text/n3", "text/rdf+n3", "application/n3"),
           ("turtle", "ttl", "n3"), rdf=ox.RdfFormat.TURTLE),
    Format("application/n-triples", ("text/plain",), ("nt", "ntriples", "n-triples"), rdf=ox.RdfFormat.N_TRIPLES),
    Format("application/ld+json", ("application/json",), ("jsonld", "json-ld", "json"), rdf=ox.RdfFormat.JSON_LD),
    Format("application/rdf+xml", ("application/xml", "text/xml"), ("rdfxml", "rdf+xml", "xml"),
           rdf=ox.RdfFormat.RDF_XML),
)
GRAPH_FORMS = {"CONSTRUCT", "DESCRIBE"}


class NotAcceptable(ValueError):
    """No format the client accepts can carry this kind of answer (HTTP 406)."""


def parse_accept(header: str) -> list[tuple[str, float]]:
    """``Accept`` media ranges with their q-values, best first (order kept among equals)."""
    ranges: list[tuple[str, float, int]] = []
    for index, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranges.append((media, quality, index))
    ranges.sort(key=lambda r: (-r[1], r[2]))
    return [(media, quality) for media, quality, _ in ranges]


def _matches(media_range: str, fmt: Format) -> bool:
    """Whether a media range covers a format; a wildcard is matched against the type the answer is sent as."""
    if media_range == "*/*":
        return True
    if media_range.endswith("/*"):
        return fmt.media_type.startswith(media_range[:-1])
    return media_range in (fmt.media_type, *fmt.aliases)


def format_for(media_type: str) -> Format:
    """The format with this (main) media type."""
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        if fmt.media_type == media_type:
            return fmt
    raise NotAcceptable(f"unknown format {media_type}")


def negotiate(form: str, accept: str | None, name: str | None = None) -> Format:
    """The format for a query form (SELECT, ASK, CONSTRUCT, DESCRIBE) given ``Accept`` or a ``format=`` name."""
    choices = GRAPH_FORMATS if form in GRAPH_FORMS else RESULT_FORMATS
    kind = "RDF graph" if form in GRAPH_FORMS else "SPARQL results"
    offered = ", ".join(f.media_type for f in choices)
    if name:
        key = name.strip().lower()
        for fmt in choices:
            if key in fmt.names or key in (fmt.media_type, *fmt.aliases):
                return fmt
        raise NotAcceptable(f"format {name!r} cannot carry {form} answers ({kind}: {offered})")
    if not accept or not accept.strip():
        return choices[0]
    for media_range, quality in parse_accept(accept):
        if quality <= 0:
            continue
        for fmt in choices:
            if _matches(media_range, fmt):
                return fmt
    raise NotAcceptable(f"none of the accepted types ({accept}) can carry {form} answers ({kind}: {offered})")

"""Derived graphs: computed from the source graphs, never parsed from a source document.

The derive stage of the pipeline (``kg.pipeline``) keeps two of them, the
supersession links (``kg.supersede``) and the whole-graph counts
(``kg.counts``), plus a one-triple marker saying the derived data is behind
the data (``PENDING_GRAPH``: see ``kg.counts`` for the crash-consistency
design). This module is the one place that writes a derived graph, so every
derived graph is described, hashed and skipped-when-unchanged the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from rdflib import Literal, URIRef

from kg.ids import PENDING_GRAPH, graph_iri
from kg.namespaces import CKG, PROV, RDF, XSD
from kg.rdf import Triple, triples_hash
from kg.store import Store

log = logging.getLogger(__name__)

COUNTS_GRAPH = graph_iri("derived", "counts")
SUPERSEDES_GRAPH = graph_iri("derived", "supersedes")
DERIVED_GRAPHS = (COUNTS_GRAPH, SUPERSEDES_GRAPH, PENDING_GRAPH)
"""Graphs computed from the others; they are not part of the basis they are computed from."""

_PENDING = f"ASK {{ GRAPH <{PENDING_GRAPH}> {{ ?s ?p ?o }} }}"


def _description_query(graph: str) -> str:
    return (f"SELECT ?hash ?basis WHERE {{ GRAPH <{graph}> {{ <{graph}> <{CKG.contentHash}> ?hash "
            f"OPTIONAL {{ <{graph}> <{CKG.basisHash}> ?basis }} }} }}")


def stored_description(store: Store, graph: str) -> tuple[str, str | None] | None:
    """The content hash and basis a derived graph was written with, or None when it is absent."""
    rows = store.query(_description_query(graph)).rows
    if not rows:
        return None
    content, basis = rows[0]
    return str(content), str(basis) if basis is not None else None


def write_derived_graph(store: Store, graph: str, triples: Iterable[Triple], *, basis: str | None = None,
                        now: datetime | None = None, keep_empty: bool = True) -> bool:
    """Hash the computed triples and replace the graph only if they (or their basis) changed.

    The graph describes itself: ``prov:Entity``, ``ckg:contentHash`` of the
    triples, ``ckg:basisHash`` when the caller records what it was computed from,
    and ``prov:generatedAtTime``. With ``keep_empty=False`` an empty result drops
    the graph instead of storing a description of nothing. Returns whether the
    store was written.
    """
    content = set(triples)
    digest = triples_hash(content)
    stored = stored_description(store, graph)
    if not content and not keep_empty:
        if stored is None:
            return False
        store.drop_graphs([graph])
        return True
    if stored == (digest, basis):
        return False
    node = URIRef(graph)
    stamp = Literal((now or datetime.now(UTC)).isoformat(timespec="seconds"), datatype=XSD.dateTime)
    about: list[Triple] = [(node, RDF.type, PROV.Entity), (node, CKG.contentHash, Literal(digest)),
                           (node, PROV.generatedAtTime, stamp)]
    if basis is not None:
        about.append((node, CKG.basisHash, Literal(basis)))
    store.replace_graphs({graph: [*content, *about]})
    log.debug("derived graph %s rewritten (%d triples)", graph, len(content))
    return True


def mark_pending(store: Store) -> None:
    """Say, before writing data, that the derived data will be behind it until the derive stage runs."""
    node = URIRef(PENDING_GRAPH)
    store.replace_graphs({PENDING_GRAPH: [(node, RDF.type, PROV.Entity)]})


def is_pending(store: Store) -> bool:
    """Whether a write marked the derived data pending and did not get to derive it."""
    return bool(store.query(_PENDING).boolean)

"""Whole-graph counts and the derive stage: recomputed once per writing command, kept in derived graphs.

Counting every publication, finding and citation link means scanning the whole
graph: about 150 ms at 1M triples and over a second at 10M, while the explorer's
overview, `kg stats` and the endpoint's users ask for those figures all the time.
They are derived data, like the supersession links (``kg.supersede``): the pipeline's
derive stage (``kg.pipeline``) recomputes them once at the end of any command that changed
the store, each derived graph in one transaction (``kg.derived.write_derived_graph``), and
leaves the graph alone when nothing changed. The catalog queries ``graph-stats``
and ``top-concepts`` read them, so they answer in a few milliseconds at any size.

The counts graph describes itself (``GRAPH g { g ckg:publicationCount n ... }``),
and each concept that something refers to gets ``ckg:findingCount`` and
``ckg:publicationCount`` in it. It is not a source graph: it has no source and is
not counted among them. A store written by another tool than ``kg`` shows the
counts of kg's last write until the next one (or ``kg stats --recount``).

Consistency after a crash: oxigraph offers no transaction spanning the data write
and the derived write, so two records are kept. The counts graph records what it
was computed from, its *basis*: a digest of every source graph's content hash
(``ckg:basisHash``). And every kg write first marks the derived data pending (a
one-triple graph, ``PENDING_GRAPH``, written before the data and dropped after the
derived write), which also covers ``kg load`` of plain RDF files, whose graphs
carry no content hash. ``refresh_derived`` recomputes when either says the derived
data is behind: a process killed between the data write and the derived write
leaves the mark, and the next kg write (or ``kg stats --recount``) recomputes
supersessions and counts; ``kg stats`` meanwhile shows live counts. Both checks
are small queries; counting quads instead would walk an index (about 2.5 s at
1.6M quads).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from rdflib import Literal, URIRef

from kg.derived import (
    COUNTS_GRAPH,
    DERIVED_GRAPHS,
    PENDING_GRAPH,
    is_pending,
    mark_pending,
    stored_description,
    write_derived_graph,
)
from kg.loader import stored_hashes
from kg.namespaces import CKG
from kg.rdf import Triple
from kg.store import Store
from kg.supersede import link_supersessions

__all__ = ["COUNTS_GRAPH", "DERIVED_GRAPHS", "GRAPH_COUNTS", "PENDING_GRAPH", "derived_current", "is_pending",
           "live_counts", "mark_pending", "refresh_counts", "refresh_derived", "stored_basis"]

log = logging.getLogger(__name__)

GRAPH_COUNTS = """
SELECT ?publications ?studies ?findings ?concepts ?citationLinks ?sourceGraphs
WHERE {
  # One counting subquery per figure, each a single index scan (a UNION of them made every citation link a
  # string to count it as distinct: 1 s at 1M triples).
  { SELECT (COUNT(DISTINCT ?publication) AS ?publications) WHERE { ?publication a bibo:Document } }
  { SELECT (COUNT(DISTINCT ?study) AS ?studies) WHERE { ?study a ckg:Study } }
  { SELECT (COUNT(DISTINCT ?finding) AS ?findings) WHERE { ?finding a ckg:Finding } }
  { SELECT (COUNT(DISTINCT ?concept) AS ?concepts) WHERE { ?concept a skos:Concept } }
  { SELECT (COUNT(*) AS ?citationLinks) WHERE { SELECT DISTINCT ?citing ?cited WHERE { ?citing cito:cites ?cited } } }
  { SELECT (COUNT(DISTINCT ?graph) AS ?sourceGraphs) WHERE { GRAPH ?graph { ?graph a ckg:SourceGraph } } }
}
"""
"""The live whole-graph counts (``graph-stats`` reads the stored copy, ``live_counts`` runs this)."""

CONCEPT_USE = """
SELECT ?concept (MAX(?findingCount_) AS ?findings) (MAX(?publicationCount) AS ?publications)
WHERE {
  # Two grouped subqueries, each one pass over the links it counts, joined on the concept afterwards.
  {
    SELECT ?concept (COUNT(DISTINCT ?publication) AS ?publicationCount) WHERE {
      { ?finding ckg:subject|ckg:object ?concept . ?publication ckg:reportsFinding ?finding }
      UNION { ?publication ckg:mentions ?concept }
    }
    GROUP BY ?concept
  }
  OPTIONAL {
    SELECT ?concept (COUNT(DISTINCT ?finding) AS ?findingCount) WHERE { ?finding ckg:subject|ckg:object ?concept }
    GROUP BY ?concept
  }
  BIND(COALESCE(?findingCount, 0) AS ?findingCount_)
  ?concept a skos:Concept .
}
GROUP BY ?concept
"""
"""The live use of each concept: findings about it, publications that mention it or report a finding on it."""

_FIGURES = (("publications", CKG.publicationCount), ("studies", CKG.studyCount), ("findings", CKG.findingCount),
            ("concepts", CKG.conceptCount), ("citationLinks", CKG.citationLinkCount),
            ("sourceGraphs", CKG.sourceGraphCount))


def derivation_basis(store: Store) -> str:
    """Digest of what the derived graphs are computed from: the content hash of every source graph."""
    pairs = sorted((graph, content) for graph, content in stored_hashes(store).items() if graph not in DERIVED_GRAPHS)
    digest = hashlib.sha256()
    for graph, content in pairs:
        digest.update(f"{graph} {content}\n".encode())
    return digest.hexdigest()


def stored_basis(store: Store) -> str | None:
    """The basis the stored counts were computed from, or None when there are none."""
    stored = stored_description(store, COUNTS_GRAPH)
    return stored[1] if stored else None


def derived_current(store: Store) -> bool:
    """Whether the stored counts and supersessions were computed from the store as it is."""
    return not is_pending(store) and stored_basis(store) == derivation_basis(store)


def live_counts(store: Store) -> dict[str, int]:
    """The whole-graph figures computed now (``GRAPH_COUNTS``), by name: publications, findings, ..."""
    figures = store.query(GRAPH_COUNTS).values()[0]
    return {name: int(figures[name] or 0) for name, _ in _FIGURES}


def count_triples(store: Store) -> set[Triple]:
    """The counts as triples, computed live from the store."""
    graph = URIRef(COUNTS_GRAPH)
    figures = live_counts(store)
    triples: set[Triple] = {(graph, prop, Literal(figures[name])) for name, prop in _FIGURES}
    for concept, findings, publications in store.query(CONCEPT_USE).rows:
        node = URIRef(str(concept))
        triples.add((node, CKG.findingCount, Literal(int(findings or 0))))
        triples.add((node, CKG.publicationCount, Literal(int(publications or 0))))
    return triples


def refresh_counts(store: Store, now: datetime | None = None, *, basis: str | None = None) -> bool:
    """Recompute the counts; rewrite the counts graph only if they or their basis changed.

    Returns whether it was written. ``basis`` is ``derivation_basis`` taken before the
    supersessions were linked (computed here when not given).
    """
    return write_derived_graph(store, COUNTS_GRAPH, count_triples(store), basis=basis or derivation_basis(store),
                               now=now)


def refresh_derived(store: Store, now: datetime | None = None, *, force: bool = False) -> bool:
    """Bring supersessions and counts up to date with the data; returns whether anything was recomputed.

    Cheap when they are current (three small queries), so the pipeline's derive
    stage calls it at the end of every writing command, whether or not it changed
    anything: a write that was killed before its derive stage is repaired by the
    next one. The pending mark goes last, once both are written.
    """
    basis = derivation_basis(store)
    pending = is_pending(store)
    if not force and not pending and stored_basis(store) == basis:
        return False
    link_supersessions(store, now)
    refresh_counts(store, now, basis=basis)
    if pending:
        store.drop_graphs([PENDING_GRAPH])
    return True

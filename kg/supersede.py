"""Curated findings supersede extracted findings of the same statement: a small post-load step.

A curated table and an abstract page are separate source documents, each in
its own named graph, so neither ingest alone can see that they state the same
thing. After every load that changed the store, this step joins findings on
``ckg:statementKey`` (``kg.ids.statement_key``: publication, subject, relation,
object, subgroup, direction, numbers) and writes ``curated ckg:supersedes
extracted`` into one derived graph, replaced atomically. Both findings stay in
the graph with their own method and provenance; queries that want one answer
per statement skip findings that something supersedes.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rdflib import URIRef

from kg.ids import graph_iri
from kg.namespaces import CKG
from kg.rdf import Triple, provenance_triples, triples_hash
from kg.store import Store

SUPERSEDES_GRAPH = graph_iri("derived", "supersedes")

_PAIRS = f"""
SELECT DISTINCT ?curated ?extracted WHERE {{
  ?curated <{CKG.method}> <{CKG.Curated}> ; <{CKG.statementKey}> ?key .
  ?extracted <{CKG.method}> <{CKG.Extracted}> ; <{CKG.statementKey}> ?key .
}}
"""
_HASH = f"SELECT ?hash WHERE {{ GRAPH <{SUPERSEDES_GRAPH}> {{ <{SUPERSEDES_GRAPH}> <{CKG.contentHash}> ?hash }} }}"


def supersession_triples(store: Store) -> set[Triple]:
    """``curated ckg:supersedes extracted`` for every pair of findings with the same statement key."""
    return {(URIRef(str(row[0])), CKG.supersedes, URIRef(str(row[1]))) for row in store.query(_PAIRS).rows}


def link_supersessions(store: Store, now: datetime | None = None) -> int:
    """Rewrite the derived graph when the pairs changed; return how many links it holds."""
    triples = supersession_triples(store)
    digest = triples_hash(triples)
    stored = [str(row[0]) for row in store.query(_HASH).rows]
    if stored == [digest] or (not triples and not stored):
        return len(triples)
    if not triples:
        store.drop_graphs([SUPERSEDES_GRAPH])
        return 0
    generated_at = now or datetime.now(UTC)
    provenance = provenance_triples(SUPERSEDES_GRAPH, "derived", "", digest, generated_at)
    store.replace_graphs({SUPERSEDES_GRAPH: [*triples, *provenance]})
    return len(triples)



"""Curated findings supersede extracted findings of the same statement: part of the derive stage.

A curated table and an abstract page are separate source documents, each in
its own named graph, so neither ingest alone can see that they state the same
thing. Once per command that changed the store (``kg.pipeline``), this step joins findings on
``ckg:statementKey`` (``kg.ids.statement_key``: publication, subject, relation,
object, subgroup, direction, numbers) and writes ``curated ckg:supersedes
extracted`` into one derived graph, replaced atomically. Both findings stay in
the graph with their own method and provenance; queries that want one answer
per statement skip findings that something supersedes.
"""

from __future__ import annotations

from datetime import datetime

from rdflib import URIRef

from kg.derived import SUPERSEDES_GRAPH, write_derived_graph
from kg.namespaces import CKG
from kg.rdf import Triple
from kg.store import Store

__all__ = ["SUPERSEDES_GRAPH", "link_supersessions", "supersession_triples"]

_PAIRS = f"""
SELECT DISTINCT ?curated ?extracted WHERE {{
  ?curated <{CKG.method}> <{CKG.Curated}> ; <{CKG.statementKey}> ?key .
  ?extracted <{CKG.method}> <{CKG.Extracted}> ; <{CKG.statementKey}> ?key .
}}
"""


def supersession_triples(store: Store) -> set[Triple]:
    """``curated ckg:supersedes extracted`` for every pair of findings with the same statement key."""
    return {(URIRef(str(row[0])), CKG.supersedes, URIRef(str(row[1]))) for row in store.query(_PAIRS).rows}


def link_supersessions(store: Store, now: datetime | None = None) -> int:
    """Rewrite the derived graph when the pairs changed (dropping it when there are none); return how many."""
    triples = supersession_triples(store)
    write_derived_graph(store, SUPERSEDES_GRAPH, triples, now=now, keep_empty=False)
    return len(triples)

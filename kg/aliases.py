"""Publication identities that were merged: a provisional (title) or DOI IRI replaced by a PubMed IRI.

When ``kg refresh`` finds the PMID of a publication known only by title or DOI,
it records ``<old> owl:sameAs <new>`` in a graph of kind ``resolution`` and
rewrites every graph that mentioned ``<old>``. Source graphs are re-derived
from their files at the next ingest, so the loader applies the same mapping to
every document it stores: re-ingesting the page yields the PubMed IRI, never
the provisional node again, and an unchanged page hashes the same and is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rdflib import URIRef

from kg.namespaces import CKG, DCTERMS, OWL
from kg.rdf import Triple
from kg.store import Store

RESOLUTION_KIND = "resolution"

_ALIASES = f"""
SELECT DISTINCT ?old ?new WHERE {{
  GRAPH ?g {{ ?g <{CKG.sourceKind}> "{RESOLUTION_KIND}" . ?old <{OWL.sameAs}> ?new }}
}}"""


def stored_aliases(store: Store) -> dict[str, str]:
    """Every recorded replacement, old IRI -> current IRI (chains followed to their end)."""
    pairs = {str(row[0]): str(row[1]) for row in store.query(_ALIASES).rows}
    resolved: dict[str, str] = {}
    for old, new in pairs.items():
        seen = {old}
        while new in pairs and new not in seen:
            seen.add(new)
            new = pairs[new]
        resolved[old] = new
    return resolved


def apply_aliases(triples: Iterable[Triple], aliases: Mapping[str, str]) -> set[Triple]:
    """The triples with replaced IRIs renamed.

    The old node's ``ckg:provisional`` flag and its title are dropped: a merge is
    only recorded when the PubMed record's title (or DOI) matched, and the PubMed
    record, stored beside, spells the title authoritatively; keeping the page's
    spelling too would give the publication two titles differing in punctuation.
    """
    if not aliases:
        return set(triples)
    renamed: set[Triple] = set()
    for s, p, o in triples:
        if p in (CKG.provisional, DCTERMS.title) and str(s) in aliases:
            continue
        s2 = URIRef(aliases[str(s)]) if isinstance(s, URIRef) and str(s) in aliases else s
        o2 = URIRef(aliases[str(o)]) if isinstance(o, URIRef) and str(o) in aliases else o
        renamed.add((s2, p, o2))
    return renamed

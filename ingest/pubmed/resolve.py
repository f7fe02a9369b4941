"""Find the PMID of publications known only by title or DOI, and merge them into the PubMed node.

A hit is accepted only when the fetched record's normalized title (or DOI)
equals the one we hold: esearch ranks by relevance, and a near miss must not
silently take over a study's findings. The merge rewrites every graph that
mentions the old node in one transaction and records ``<old> owl:sameAs
<new>`` in a ``resolution`` graph, which the loader applies to later
ingests (see ``kg.aliases``), so re-ingesting the page does not bring the
provisional node back.

A lookup that finds nothing is remembered: ``<node> ckg:lastRefreshed <day>`` in
``graph/lookup/<hash>``, so a refresh right after does not search again (the
node counts as fresh like a fetched record); a later resolution drops that
graph in the same transaction as the merge.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from rdflib import Literal, URIRef

from ingest.pubmed import api
from ingest.pubmed.client import EutilsClient
from ingest.pubmed.parser import PubmedRecord, parse_pubmed_xml
from kg.aliases import RESOLUTION_KIND, apply_aliases
from kg.ids import AGENT_IRI, content_key, graph_iri, normalize_doi, normalize_title
from kg.loader import stored_hashes
from kg.namespaces import CKG, ID, OWL, PUBMED, XSD
from kg.rdf import Triple, provenance_triples, triples_hash
from kg.store import Store

LOOKUP_KIND = "lookup"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unresolved:
    """A publication without PMID, as the graph knows it."""

    iri: str
    title: str | None = None
    doi: str | None = None


@dataclass(frozen=True)
class Resolution:
    """``iri`` is the publication PubMed knows as ``pmid``."""

    iri: str
    pmid: str
    record: PubmedRecord


def _matches(wanted: Unresolved, record: PubmedRecord) -> bool:
    pub = record.publication
    if wanted.doi and pub.doi and normalize_doi(wanted.doi) == pub.doi:
        return True
    return bool(wanted.title and pub.title and normalize_title(wanted.title) == normalize_title(pub.title))


def _term(wanted: Unresolved) -> str:
    if wanted.doi:
        return f"{normalize_doi(wanted.doi)}[doi]"
    # Quotes and brackets would end the phrase early; the title match below is what decides anyway.
    words = " ".join(normalize_title(wanted.title or "").split())
    return f'"{words}"[ti]'


def find_pmid(client: EutilsClient, wanted: Unresolved) -> Resolution | None:
    """Esearch on the DOI (else the title), then accept only a fetched record that matches."""
    if not wanted.doi and not (wanted.title and normalize_title(wanted.title)):
        return None
    found = api.esearch(client, _term(wanted), retmax=5)
    if not found.ids and wanted.doi and wanted.title:
        found = api.esearch(client, _term(Unresolved(wanted.iri, title=wanted.title)), retmax=5)
    if not found.ids and wanted.title:
        # A quoted phrase that is not in PubMed's phrase index finds nothing (PhraseNotFound):
        # ask for every word in the title instead; the title match below still decides.
        words = normalize_title(wanted.title).split()
        found = api.esearch(client, " AND ".join(f"{word}[ti]" for word in words), retmax=5)
    if not found.ids:
        log.info("no PubMed record for %s (%s)", wanted.iri, "; ".join(found.notes) or "no hits")
        return None
    for body in api.efetch(client, list(found.ids)):
        for record in parse_pubmed_xml(body, where="efetch answer"):
            if _matches(wanted, record):
                return Resolution(iri=wanted.iri, pmid=record.publication.pmid or "", record=record)
    log.warning("PubMed hits for %s did not match its title/DOI; left as it is", wanted.iri)
    return None


def lookup_graph(iri: str) -> str:
    """The graph that remembers when ``iri`` was last looked up in PubMed without a match."""
    return graph_iri(LOOKUP_KIND, content_key(iri))


def record_misses(store: Store, iris: Sequence[str], stamp: str, source: str, now: datetime) -> int:
    """Remember the day each of ``iris`` was looked up and not found; return the graphs written.

    A graph whose content is unchanged (looked up again the same day) is not rewritten.
    """
    known = stored_hashes(store)
    graphs: dict[str, list[Triple]] = {}
    for iri in iris:
        name = lookup_graph(iri)
        data = {(URIRef(iri), CKG.lastRefreshed, Literal(stamp, datatype=XSD.dateTime))}
        digest = triples_hash(data)
        if known.get(name) != digest:
            graphs[name] = [*data, *provenance_triples(name, LOOKUP_KIND, source, digest, now)]
    store.replace_graphs(graphs)
    return len(graphs)


_GRAPHS_MENTIONING = """
SELECT DISTINCT ?g WHERE { VALUES ?node { %s } GRAPH ?g { { ?node ?p ?o } UNION { ?s ?p ?node } } }"""
_GRAPH_TRIPLES = "SELECT ?s ?p ?o WHERE { GRAPH <%s> { ?s ?p ?o } }"


def _is_provenance(graph: str, triple: Triple) -> bool:
    subject = str(triple[0])
    return subject in (graph, AGENT_IRI) or subject.startswith(f"{ID}activity/")


def merge_resolutions(store: Store, resolutions: Sequence[Resolution], now: datetime) -> int:
    """Move every statement about each resolved node onto its PubMed IRI, in one transaction.

    Returns the number of graphs rewritten. Each rewritten graph keeps its kind
    and source, gets a new content hash (so a re-ingest of its unchanged source,
    mapped the same way by the loader, is recognised as unchanged).
    """
    aliases = {r.iri: f"{PUBMED}{r.pmid}" for r in resolutions}
    if not aliases:
        return 0
    nodes = " ".join(f"<{iri}>" for iri in aliases)
    graphs = [str(row[0]) for row in store.query(_GRAPHS_MENTIONING % nodes).rows]
    rewritten: dict[str, list[Triple]] = {}
    for graph in graphs:
        triples = [tuple(row) for row in store.query(_GRAPH_TRIPLES % graph).rows]
        data = [t for t in triples if not _is_provenance(graph, t)]
        meta = {(str(p), str(o)) for s, p, o in triples if str(s) == graph}
        kind = next((o for p, o in meta if p == str(CKG.sourceKind)), "unknown")
        source = next((o for p, o in meta if p.endswith("wasDerivedFrom")), "")
        mapped = apply_aliases(data, aliases)
        rewritten[graph] = [*mapped, *provenance_triples(graph, kind, source, triples_hash(mapped), now)]
    for old in aliases:
        rewritten[lookup_graph(old)] = []  # an earlier miss is history now: dropped with the merge
    for old, new in aliases.items():
        name = graph_iri(RESOLUTION_KIND, content_key(old))
        data = {(URIRef(old), OWL.sameAs, URIRef(new))}
        rewritten[name] = [*data, *provenance_triples(name, RESOLUTION_KIND, new, triples_hash(data), now)]
    store.replace_graphs(rewritten)
    log.info("merged %d publication(s) into PubMed records; %d graph(s) rewritten", len(aliases), len(graphs))
    return len(graphs)

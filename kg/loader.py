"""Write parsed source documents to a store: one named graph each, replaced atomically.

A document whose triples are unchanged since the last ingest is left alone
(its content hash is stored in its graph), so re-running an ingest changes
nothing, not even the provenance timestamp.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_canonical_graph
from rdflib.util import guess_format

from kg.aliases import apply_aliases, stored_aliases
from kg.counts import mark_pending, refresh_derived
from kg.errors import InputError
from kg.faults import crash_point, pause_point
from kg.ids import graph_iri, source_file_iri
from kg.model import SourceDocument
from kg.namespaces import CKG
from kg.rdf import Triple, provenance_triples, records_triples, triples_hash
from kg.store import Store

log = logging.getLogger(__name__)

_HASHES = f"SELECT ?g ?hash WHERE {{ GRAPH ?g {{ ?g <{CKG.contentHash}> ?hash }} }}"


@dataclass
class LoadSummary:
    """What an ingest did to the store."""

    written: int = 0
    unchanged: int = 0
    triples: int = 0
    skipped: tuple[str, ...] = ()

    def describe(self, what: str) -> str:
        """One line for the user; each skipped item is logged as a warning."""
        for reason in self.skipped:
            log.warning("skipped: %s", reason)
        return (
            f"{what}: {self.written} graph(s) written ({self.triples} triples), "
            f"{self.unchanged} unchanged, {len(self.skipped)} item(s) skipped"
        )

    def merge(self, other: LoadSummary) -> None:
        """Add another batch's counts to this one."""
        self.written += other.written
        self.unchanged += other.unchanged
        self.triples += other.triples
        self.skipped += other.skipped


def stored_hashes(store: Store) -> dict[str, str]:
    """Content hash of every source graph in the store."""
    return {str(row[0]): str(row[1]) for row in store.query(_HASHES).rows}


def _write(store: Store, payloads: Iterable[tuple[str, str, str, set[Triple]]], summary: LoadSummary,
           known: dict[str, str], now: datetime | None) -> None:
    """Replace the graphs whose triples changed, in one transaction (marking the derived data pending first)."""
    graphs: dict[str, list[Triple]] = {}
    generated_at = now or datetime.now(UTC)
    for name, kind, source, triples in payloads:
        digest = triples_hash(triples)
        if known.get(name) == digest:
            summary.unchanged += 1
            continue
        graphs[name] = [*triples, *provenance_triples(name, kind, source, digest, generated_at)]
        known[name] = digest
        summary.written += 1
        summary.triples += len(triples)
    if graphs:
        mark_pending(store)  # one triple, its own transaction: the derived data is behind until refreshed
    store.replace_graphs(graphs)
    log.debug("wrote %d graphs", len(graphs))


BATCH_TRIPLES = 40_000
"""Triples above which a batch is written even before it holds ``batch_size`` documents.

A batch's write costs memory in proportion to its triples (their rdflib and
pyoxigraph forms and the transaction): about 300 MB for 500 PubMed records of
10 kB with their extracted findings, about 110 MB for 40,000 triples. Bounding
triples rather than documents keeps the peak the same whatever the records' size.
"""


def load_documents(
    store: Store,
    docs: Iterable[SourceDocument],
    *,
    batch_size: int = 500,
    batch_triples: int = BATCH_TRIPLES,
    now: datetime | None = None,
) -> LoadSummary:
    """Store each document in its own named graph; each batch is one transaction.

    A batch ends at ``batch_size`` documents or ``batch_triples`` triples. Mapping
    happens before anything is written for a batch, so a document that fails to
    map leaves the store exactly as it was for that batch.
    """
    summary = LoadSummary()
    known = stored_hashes(store)
    aliases = stored_aliases(store)  # publications merged by a refresh keep their merged identity
    payloads: list[tuple[str, str, str, set[Triple]]] = []
    pending = 0
    for doc in docs:
        summary.skipped += doc.skipped
        triples = apply_aliases(records_triples(doc.records), aliases)
        payloads.append((graph_iri(doc.kind, doc.key), doc.kind, doc.source, triples))
        pending += len(triples)
        if len(payloads) >= batch_size or pending >= batch_triples:
            _write(store, payloads, summary, known, now)
            pause_point("after-batch")
            payloads, pending = [], 0
    if payloads:
        _write(store, payloads, summary, known, now)
        pause_point("after-batch")
    if summary.written:
        crash_point("after-data")
    refresh_derived(store, now)  # also repairs derived data left stale by an earlier, interrupted write
    return summary


def load_rdf_files(store: Store, paths: Iterable[Path], kind: str, *, now: datetime | None = None) -> LoadSummary:
    """Load small RDF files (ontology, vocabulary) into one graph each, named ``kind/<file stem>``.

    Blank nodes get canonical labels first, so re-loading an unchanged file is a no-op.
    """
    summary = LoadSummary()
    payloads = []
    for path in paths:
        graph = Graph()
        try:
            graph.parse(path, format=guess_format(str(path)) or "turtle")
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from exc
        triples = set(to_canonical_graph(graph))
        payloads.append((graph_iri(kind, path.stem), kind, source_file_iri(path), triples))
    _write(store, payloads, summary, stored_hashes(store), now)
    refresh_derived(store, now)
    return summary

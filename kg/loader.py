"""The write stage of the pipeline: one named graph per source document, replaced atomically.

A document whose triples are unchanged since the last ingest is left alone
(its content hash is stored in its graph), so re-running an ingest changes
nothing, not even the provenance timestamp. A document too big to hold
(``StreamedDocument``: a page with 300,000 cited-by entries) is mapped part by
part; if it stays under ``batch_triples`` it is written like the others, else
through a staged write (``kg.store.staged``) that keeps its replacement atomic.
Writing does not derive: the
pipeline (``kg.pipeline``) runs the derive stage once, after the last batch,
and every batch first marks the derived data pending (``kg.derived``) so a
process killed in between leaves a mark the next command repairs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph
from rdflib.compare import to_canonical_graph
from rdflib.util import guess_format

from kg.aliases import apply_aliases
from kg.derived import mark_pending
from kg.errors import InputError
from kg.faults import crash_point, pause_point
from kg.ids import graph_iri, source_file_iri
from kg.model import Record, SourceDocument
from kg.namespaces import CKG
from kg.rdf import EmissionDigest, GraphDigest, Triple, provenance_triples, records_triples, triples_hash
from kg.store import Store

Payload = tuple[str, str, str, set[Triple]]
"""One graph to write: its name, source kind, source IRI and triples."""

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


@dataclass
class StreamedDocument:
    """A source document too big to hold whole: its records come in parts, one part held at a time.

    ``parts`` starts a new reading of the records each time it is called.
    ``skipped`` is filled as the parts are read, so it is complete only once
    they have all been read. ``kind``, ``key`` and ``source`` are those of a
    ``SourceDocument``: the graph is named and described the same way.
    """

    kind: str
    key: str
    source: str
    parts: Callable[[], Iterator[tuple[Record, ...]]]
    skipped: list[str] = field(default_factory=list)


def stored_hashes(store: Store) -> dict[str, str]:
    """Content hash of every source graph in the store."""
    return {str(row[0]): str(row[1]) for row in store.query(_HASHES).rows}


def write_payloads(store: Store, payloads: Iterable[Payload], summary: LoadSummary, known: dict[str, str],
                   now: datetime | None) -> None:
    """Replace the graphs whose triples changed, in one transaction (marking the derived data pending first).

    ``known`` maps graph names to the content hashes stored; it is updated once the write succeeded.
    """
    graphs: dict[str, list[Triple]] = {}
    digests: dict[str, str] = {}
    generated_at = now or datetime.now(UTC)
    for name, kind, source, triples in payloads:
        digest = triples_hash(triples)
        if known.get(name) == digest:
            summary.unchanged += 1
            continue
        graphs[name] = [*triples, *provenance_triples(name, kind, source, digest, generated_at)]
        digests[name] = digest
        summary.written += 1
        summary.triples += len(triples)
    if graphs:
        mark_pending(store)  # one triple, its own transaction: the derived data is behind until derived
        store.replace_graphs(graphs)
        known.update(digests)
    log.debug("wrote %d graphs", len(graphs))


BATCH_TRIPLES = 40_000
"""Triples above which a batch is written even before it holds ``batch_size`` documents.

A batch's write costs memory in proportion to its triples (their rdflib and
pyoxigraph forms and the transaction): about 300 MB for 500 PubMed records of
10 kB with their extracted findings, about 110 MB for 40,000 triples. Bounding
triples rather than documents keeps the peak the same whatever the records' size.
"""


def write_documents(
    store: Store,
    docs: Iterable[SourceDocument | StreamedDocument],
    *,
    known: dict[str, str],
    aliases: dict[str, str],
    batch_size: int = 500,
    batch_triples: int = BATCH_TRIPLES,
    now: datetime | None = None,
    after_batch: Callable[[LoadSummary], None] | None = None,
) -> LoadSummary:
    """Store each document in its own named graph; each batch is one transaction.

    A batch ends at ``batch_size`` documents or ``batch_triples`` triples. Mapping
    happens before anything is written for a batch, so a document that fails to
    map leaves the store exactly as it was for that batch. ``known`` (stored
    content hashes) and ``aliases`` (``kg.aliases.stored_aliases``) are read once
    per command by the caller; ``after_batch`` sees the running summary.
    """
    summary = LoadSummary()
    payloads: list[Payload] = []
    pending = 0

    def flush() -> None:
        write_payloads(store, payloads, summary, known, now)
        pause_point("after-batch")
        if after_batch is not None:
            after_batch(summary)

    for doc in docs:
        if isinstance(doc, StreamedDocument):
            if payloads:  # documents keep their order: the ones before are written first
                flush()
                payloads, pending = [], 0
            write_streamed(store, doc, summary, known=known, aliases=aliases, batch_triples=batch_triples, now=now)
            pause_point("after-batch")
            if after_batch is not None:
                after_batch(summary)
            continue
        summary.skipped += doc.skipped
        triples = apply_aliases(records_triples(doc.records), aliases)
        payloads.append((graph_iri(doc.kind, doc.key), doc.kind, doc.source, triples))
        pending += len(triples)
        del doc  # its records are mapped: a page's records are not held through its write
        if len(payloads) >= batch_size or pending >= batch_triples:
            flush()
            payloads, pending = [], 0
    if payloads:
        flush()
    return summary


def write_streamed(store: Store, doc: StreamedDocument, summary: LoadSummary, *, known: dict[str, str],
                   aliases: dict[str, str], batch_triples: int = BATCH_TRIPLES, now: datetime | None = None) -> None:
    """Write a document read in parts: in one transaction if it is small, else staged in bounded batches.

    Parts are mapped until they pass ``batch_triples``; a document that ends
    before takes the path of every other document. A bigger one goes to a
    staged write, digested as it is staged (the store says
    which triples an earlier batch gave), and is committed only if its content
    hash differs from the stored one; otherwise the staged copy is dropped and
    the stored graph is left as it was. A staged graph also stores its emission
    digest (``kg.rdf.EmissionDigest``); when the graph being replaced has one, a
    first pass maps the parts without staging, and equal digests end the write
    as unchanged before anything is staged. Stores with a ``stage_graph`` (the embedded
    store, and a store's owner through ``OwnerClient``) stage it; other backends get
    the whole graph in one call, as they have no staged write.
    """
    name = graph_iri(doc.kind, doc.key)
    parts = doc.parts()
    emitted = EmissionDigest()
    held, whole = _first_parts(parts, aliases, batch_triples, emitted)
    if whole:
        summary.skipped += tuple(doc.skipped)
        write_payloads(store, [(name, doc.kind, doc.source, held)], summary, known, now)
        return
    stage_graph = getattr(store, "stage_graph", None)
    if stage_graph is None:
        for part in parts:
            held |= apply_aliases(records_triples(part), aliases)
        summary.skipped += tuple(doc.skipped)
        write_payloads(store, [(name, doc.kind, doc.source, held)], summary, known, now)
        return
    stored = stored_emission(store, name) if name in known else None
    if stored is not None:  # a first pass maps the rest without staging: equal digests mean an unchanged graph
        del held
        for part in parts:
            emitted.add_part(apply_aliases(records_triples(part), aliases))
        if emitted.hexdigest() == stored:
            summary.unchanged += 1
            summary.skipped += tuple(doc.skipped)
            return
        parts = doc.parts()
        emitted = EmissionDigest()
        held, _ = _first_parts(parts, aliases, batch_triples, emitted)
    mark_pending(store)  # before anything is staged: a crash from here on leaves the derived data marked behind
    staged = stage_graph(name)
    digest = GraphDigest()
    count = 0
    try:
        for triple in staged.add(held):
            digest.add(triple)
            count += 1
        del held
        crash_point("staged-part")
        pause_point("staged-part")
        for part in parts:
            triples = apply_aliases(records_triples(part), aliases)
            emitted.add_part(triples)
            for triple in staged.add(triples):
                digest.add(triple)
                count += 1
        content = digest.hexdigest()
        if staged.replaces and known.get(name) == content:
            staged.abandon()
            summary.unchanged += 1
        else:
            staged.commit(provenance_triples(name, doc.kind, doc.source, content, now or datetime.now(UTC),
                                             emission=emitted.hexdigest()))
            known[name] = content
            summary.written += 1
            summary.triples += count
    except BaseException:
        staged.abandon()  # the old graph stays; a failure here too is left to the next writable open
        raise
    summary.skipped += tuple(doc.skipped)
    log.debug("staged write of %s: %d triples", name, count)


def _first_parts(parts: Iterator[tuple[Record, ...]], aliases: dict[str, str], batch_triples: int,
                 emitted: EmissionDigest) -> tuple[set[Triple], bool]:
    """Map parts until they pass ``batch_triples``; returns their triples and whether the document ended."""
    held: set[Triple] = set()
    for part in parts:
        triples = apply_aliases(records_triples(part), aliases)
        emitted.add_part(triples)
        held |= triples
        if len(held) > batch_triples:
            return held, False
    return held, True


def stored_emission(store: Store, name: str) -> str | None:
    """The emission digest stored in graph ``name`` (``kg.rdf.EmissionDigest``), if it has one."""
    rows = store.query(f"SELECT ?e WHERE {{ GRAPH <{name}> {{ <{name}> <{CKG.emissionDigest}> ?e }} }}").rows
    return str(rows[0][0]) if rows else None


def rdf_file_payloads(paths: Iterable[Path], kind: str) -> list[Payload]:
    """Parse small RDF files (ontology, vocabulary) into one graph each, named ``kind/<file stem>``.

    Blank nodes get canonical labels first, so re-loading an unchanged file is a no-op.
    """
    payloads = []
    for path in paths:
        graph = Graph()
        try:
            graph.parse(path, format=guess_format(str(path)) or "turtle")
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from exc
        triples = set(to_canonical_graph(graph))
        payloads.append((graph_iri(kind, path.stem), kind, source_file_iri(path), triples))
    return payloads

"""Writing one graph too big for one transaction, keeping its replacement atomic.

pyoxigraph holds a transaction in memory (about 1.5 kB per quad), so a graph of
millions of triples cannot be one ``extend``. A ``StagedGraph`` writes it in
bounded transactions and still lets the store hold either the old graph or the
new one entirely, never a mix, whatever the moment a crash happens:

1. **register**: one transaction records in ``REGISTRY`` that a staging graph
   is being written for the target graph. A target that does not exist yet is
   its own staging graph (nothing to replace, nothing to copy).
2. **stage**: the new triples go to the staging graph in bounded batches
   through ``bulk_extend``: no transaction is needed, as nothing staged counts
   before the commit, and it writes straight to disk (faster than ``extend``,
   and RocksDB's memtables do not grow).
3. **commit**: one transaction adds the last triples (the graph's provenance,
   with its content hash) and the commit mark. Before it, the write never
   happened; after it, it must be finished.
4. **roll forward**: the target's quads the new graph lacks are removed, the
   staged quads copied over in batches (``bulk_extend`` again), a "copied" mark set, the staging graph
   cleared, the registry entry removed. Each step can be repeated after a
   crash without harm, and the "copied" mark says when the staging graph may
   be cleared.

``recover`` runs at every writable open (``kg.store.embedded``): a committed
write is rolled forward, an uncommitted one dropped, and the derived data
marked pending (``kg.derived``), as the data it was computed from changed.
Copies go quad by quad through pyoxigraph, never through SPARQL text (``MOVE``
of 500,000 quads took 1.76 GB). The store has one writer, so only a crash
exposes the intermediate state: a read-only open of a crashed store sees the
staging graph (or a new graph's first batches) until the next writable open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

import pyoxigraph as ox

from kg.errors import StoreError
from kg.faults import crash_point
from kg.ids import BASE, PENDING_GRAPH, content_key, graph_iri
from kg.namespaces import PROV, RDF
from kg.store.interface import Triple, to_ox

log = logging.getLogger(__name__)

BATCH_QUADS = 20_000
"""Quads per transaction of a staged write (about 30 MB of pyoxigraph transaction)."""

FLUSH_QUADS = 100_000
"""Quads removed between two flushes of the on-disk store (RocksDB's memtables grow otherwise)."""

REGISTRY = ox.NamedNode(graph_iri("staging", "registry"))
"""The graph that lists the staged writes under way: a handful of quads, empty between writes."""

TARGET = ox.NamedNode(f"{BASE}staging#target")
STATE = ox.NamedNode(f"{BASE}staging#state")
COMMITTED = ox.Literal("committed")
COPIED = ox.Literal("copied")

_PENDING_GRAPH = ox.NamedNode(PENDING_GRAPH)
PENDING = ox.Quad(_PENDING_GRAPH, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(PROV.Entity)), _PENDING_GRAPH)
"""The mark of ``kg.derived.mark_pending``: the derived data is behind the data until the derive stage runs."""


def staging_name(target: str) -> str:
    """The staging graph of a target graph: a name of its own that no source graph takes."""
    return graph_iri("staging", content_key(target))


class StagedGraph:
    """One staged write of the graph ``target`` into ``store`` (see the module's steps).

    ``on_write`` is called after each committed step that readers could see
    (the embedded store counts its writes with it).
    """

    def __init__(self, store: ox.Store, target: str, *, on_disk: bool, batch_quads: int = BATCH_QUADS,
                 on_write: Callable[[], None] = lambda: None) -> None:
        self._store = store
        self.target = ox.NamedNode(target)
        exists = next(iter(store.quads_for_pattern(None, None, None, self.target)), None) is not None
        self.staging = ox.NamedNode(staging_name(target)) if exists else self.target
        self.replaces = exists
        """Whether a graph of that name exists (then it is staged beside it; else under its own name)."""
        self._on_disk = on_disk
        self._batch = batch_quads
        self._on_write = on_write
        if self.staging != self.target:  # left by an earlier write only if nothing recovered the store since
            _clear_graph(store, self.staging, on_disk=on_disk, batch_quads=batch_quads)
        _drop_entries(store, self.staging)
        _run(lambda: store.add(ox.Quad(self.staging, TARGET, self.target, REGISTRY)))

    def add(self, triples: Iterable[Triple]) -> Iterator[Triple]:
        """Stage the triples in bounded transactions; yields those the staging graph did not hold yet.

        The caller digests what is yielded (``kg.rdf.GraphDigest``): the store
        answers which triples an earlier batch already gave, so a triple
        repeated across batches is counted once. Consume the iterator fully.
        """
        batch: list[ox.Quad] = []
        for triple in triples:
            quad = ox.Quad(*(to_ox(term) for term in triple), self.staging)
            if quad in self._store:
                continue
            yield triple
            batch.append(quad)
            if len(batch) >= self._batch:
                self._extend(batch)
                batch = []
        if batch:
            self._extend(batch)
        batch.clear()

    def _extend(self, quads: list[ox.Quad]) -> None:
        _run(lambda: self._store.bulk_extend(quads))

    def commit(self, last: Iterable[Triple]) -> None:
        """Add ``last`` and the commit mark in one transaction, then roll the write forward."""
        quads = [ox.Quad(*(to_ox(term) for term in triple), self.staging) for triple in last]
        quads.append(ox.Quad(self.staging, STATE, COMMITTED, REGISTRY))
        _run(lambda: self._store.extend(quads))
        self._on_write()
        crash_point("staged-commit")
        roll_forward(self._store, self.staging, self.target, on_disk=self._on_disk, batch_quads=self._batch)
        self._on_write()

    def abandon(self) -> None:
        """Drop what was staged (the target keeps its old content) and the registry entry."""
        _clear_graph(self._store, self.staging, on_disk=self._on_disk, batch_quads=self._batch)
        _drop_entries(self._store, self.staging)
        self._on_write()


def roll_forward(store: ox.Store, staging: ox.NamedNode, target: ox.NamedNode, *, on_disk: bool,
                 batch_quads: int = BATCH_QUADS) -> None:
    """Finish a committed staged write: the target becomes the staged graph; repeatable after a crash."""
    if staging != target:
        copied = ox.Quad(staging, STATE, COPIED, REGISTRY)
        if copied not in store:
            _remove_missing(store, target, staging, on_disk=on_disk)
            crash_point("staged-removed")
            source = store.quads_for_pattern(None, None, None, staging)
            while batch := [ox.Quad(q.subject, q.predicate, q.object, target) for q in islice(source, batch_quads)]:
                _run(lambda batch=batch: store.bulk_extend(batch))  # repeated after a crash: adds nothing twice
                crash_point("staged-copy")
            _run(lambda: store.add(copied))
        _clear_graph(store, staging, on_disk=on_disk, batch_quads=batch_quads)
    _drop_entries(store, staging)
    if on_disk:
        _run(store.flush)


def _remove_missing(store: ox.Store, target: ox.NamedNode, staging: ox.NamedNode, *, on_disk: bool) -> None:
    """Remove from ``target`` every quad whose triple the staging graph lacks (the old graph's leftovers)."""
    removed = 0
    stale = (q for q in store.quads_for_pattern(None, None, None, target)
             if ox.Quad(q.subject, q.predicate, q.object, staging) not in store)
    while batch := list(islice(stale, BATCH_QUADS)):  # read before removing: the iterator does not see removals
        for quad in batch:
            _run(lambda quad=quad: store.remove(quad))
        removed += len(batch)
        if on_disk and removed >= FLUSH_QUADS:
            _run(store.flush)
            removed = 0


def _clear_graph(store: ox.Store, graph: ox.NamedNode, *, on_disk: bool, batch_quads: int) -> None:
    """Remove a graph's quads in bounded steps (``clear_graph`` is one transaction, as big as the graph)."""
    removed = 0
    while batch := list(islice(store.quads_for_pattern(None, None, None, graph), batch_quads)):
        for quad in batch:
            _run(lambda quad=quad: store.remove(quad))
        crash_point("staged-clear")
        removed += len(batch)
        if on_disk and removed >= FLUSH_QUADS:
            _run(store.flush)
            removed = 0


def _drop_entries(store: ox.Store, staging: ox.NamedNode) -> None:
    for quad in list(store.quads_for_pattern(staging, None, None, REGISTRY)):
        _run(lambda quad=quad: store.remove(quad))


def recover(store: ox.Store, *, on_disk: bool = True) -> int:
    """Finish or undo every staged write a crash interrupted; returns how many there were.

    A committed write is rolled forward, an uncommitted one dropped (a new graph
    staged under its own name disappears). Either way the data changed since the
    derived data was computed, so the derived data is marked pending.
    """
    entries = list(store.quads_for_pattern(None, TARGET, None, REGISTRY))
    for entry in entries:
        staging, target = entry.subject, entry.object
        if not isinstance(staging, ox.NamedNode) or not isinstance(target, ox.NamedNode):
            _run(lambda entry=entry: store.remove(entry))
            continue
        _run(lambda: store.add(PENDING))
        if ox.Quad(staging, STATE, COMMITTED, REGISTRY) in store:
            log.info("finishing the interrupted write of %s", target.value)
            roll_forward(store, staging, target, on_disk=on_disk)
        else:
            log.info("dropping the unfinished write of %s", target.value)
            _clear_graph(store, staging, on_disk=on_disk, batch_quads=BATCH_QUADS)
            _drop_entries(store, staging)
    return len(entries)


def _run(step: Callable[[], object]) -> None:
    """One store step; an engine failure (disk full, I/O) as the one-line ``StoreError``."""
    try:
        step()
    except OSError as exc:
        raise StoreError(f"store update failed: {exc}") from exc

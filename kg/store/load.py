"""Loading RDF files so that a failure leaves the store as it was, and compacting the store after.

The bulk loader is fast because it is not transactional; this module puts the
missing guarantee back around it (an exact undo where one exists, a full parse
first where not) so ``kg load`` keeps the project's rule: a bad file or a
Ctrl-C loses nothing and leaves nothing half written that the message does not name.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox
from tqdm import tqdm

from kg.errors import InputError, KGError, StoreError
from kg.faults import crash_point, pause_point
from kg.store.bulk import LINE_FORMATS, default_threads, load_streaming
from kg.store.embedded import OxigraphStore
from kg.store.interface import QUAD_FORMATS, Store

log = logging.getLogger(__name__)


def _has_quads(store: Store, graph: str | None = None, ignore: Sequence[str] = ()) -> bool:
    """Whether the store (or one named graph) holds data: an ASK stops at the first quad.

    For the whole store, the ``ignore`` graphs do not count (derived data, recomputed from the rest).
    """
    if graph:
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}"
    elif ignore:
        skipped = ", ".join(f"<{name}>" for name in ignore)
        pattern = f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g NOT IN ({skipped}))"
    else:
        pattern = "GRAPH ?g { ?s ?p ?o }"
    return bool(store.query(f"ASK {{ {pattern} }}").boolean)


def _check_parses(path: Path, fmt: object, base: str | None = None) -> set[str]:
    """Parse the whole file without storing it; return the named graphs its quads go to.

    A syntax error becomes a one-line InputError.
    """
    graphs: set[str] = set()
    try:
        for quad in ox.parse(path=str(path), format=fmt, base_iri=base):
            if isinstance(quad.graph_name, ox.NamedNode):
                graphs.add(quad.graph_name.value)
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}; nothing loaded") from exc
    return graphs


def _graph_names(store: Store) -> set[str]:
    return {str(row[0]) for row in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}


class LoadInterrupted(KGError):
    """Ctrl-C stopped ``kg load`` in one file; the message says what of that file remains in the store."""

    def __init__(self, message: str, *, partial: bool) -> None:
        super().__init__(message)
        self.partial = partial


@contextmanager
def uninterruptible() -> Iterator[None]:
    """Ignore Ctrl-C while undoing or finishing a write, so a second Ctrl-C cannot leave it half done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def load_one_file(
    store: Store, path: Path, fmt: object, graph: str | None, base: str | None = None, *, derived: Sequence[str] = ()
) -> int:
    """Bulk-load one file so that a syntax error or Ctrl-C leaves the store as it was where it can.

    The bulk loader is not transactional, and checking the whole file first costs a
    full parse (about a quarter of the load time). So the check is skipped when an
    exact undo exists: loading into an empty store (undo: drop what was loaded) or
    triples into a named graph that does not exist yet (undo: drop that graph).
    Otherwise (quads into a non-empty store, or replacing a graph) the file is parsed
    first; an interrupted load then drops the graphs the file created and raises
    ``LoadInterrupted`` naming what stays partly loaded (existing graphs it added
    to, or the graph it was replacing). ``derived`` names graphs computed from the
    others: a store holding only those counts as empty.
    """
    undo: list[str] | None = None
    remains = ""
    drop_all = False
    if graph is not None and not _has_quads(store, graph):
        undo = [graph]
    elif not _has_quads(store, ignore=derived):
        undo, drop_all = [], True  # empty store: every graph present after a failure came from this file
    try:
        if undo is None:
            file_graphs = _check_parses(path, fmt, base)
            if graph:
                remains = f"graph <{graph}> holds part of {path} and lost its earlier content; re-run to replace it"
                undo = []
                store.drop_graphs([graph])
            else:
                existing = _graph_names(store)
                undo = sorted(file_graphs - existing)
                touched = sorted(file_graphs & existing)
                if touched:
                    shown = ", ".join(f"<{g}>" for g in touched[:5]) + (" ..." if len(touched) > 5 else "")
                    remains = (f"{len(touched)} graph(s) that existed before may hold part of {path}: {shown}; "
                               "re-running the load completes them")
        added = load_into(store, path, fmt, graph, base)  # type: ignore[arg-type]
        crash_point("after-data")
        pause_point("after-load")
        return added
    except (InputError, KeyboardInterrupt) as exc:
        with uninterruptible():
            store.drop_graphs(sorted(_graph_names(store)) if drop_all else undo or [])
        if isinstance(exc, KeyboardInterrupt):
            raise LoadInterrupted(remains or f"nothing of {path} remains in the store", partial=bool(remains)) from None
        raise InputError(f"{exc}; {remains or 'nothing loaded'}") from exc


def load_into(store: Store, path: Path, fmt: ox.RdfFormat, graph: str | None, base: str | None = None) -> int:
    """Bulk-load one file into ``store`` in bounded memory where the store allows it; return the quads added.

    The embedded on-disk store loads N-Triples and N-Quads in pieces itself, on several
    threads (``kg.store.bulk``); a file of any other format, or any file on a one-core
    machine, it would load in one ``bulk_load`` call, which holds several times the file
    in memory, so that file is streamed here in batches instead. Other stores (in
    memory, remote, the owner's channel) load as they do; the owner of a shared store
    calls this function for them.
    """
    pieces = fmt in LINE_FORMATS and default_threads() > 1
    if not isinstance(store, OxigraphStore) or store.location == "memory:" or pieces:
        return store.load_file(path, fmt, graph, base)
    engine = store.engine
    before = store.quad_count() if next(iter(engine), None) is not None else 0
    target = ox.NamedNode(graph) if graph and fmt not in QUAD_FORMATS else None
    started = time.perf_counter()
    try:
        with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=f"loading {path.name}",
                  disable=None) as bar:
            load_streaming(engine, path, fmt, target, base, progress=bar.update)
        engine.flush()
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"{path}: {exc}") from exc
    finally:
        store.generation += 1  # a failed load may have written part of the file
    added = store.quad_count() - before
    elapsed = time.perf_counter() - started
    log.info("%s: %d quads in %.1f s (%.0f quads/s, streamed)", path, added, elapsed, added / max(elapsed, 1e-9))
    return added


def base_iri(given: str | None, path: Path) -> str:
    """The base IRI relative IRIs in ``path`` resolve against: ``--base``, else the file's own URI."""
    if given is None:
        return path.resolve().as_uri()
    try:
        ox.NamedNode(given)
    except ValueError as exc:
        raise InputError(f"--base {given!r} is not an absolute IRI: {exc}") from None
    if ":" not in given:
        raise InputError(f"--base {given!r} is not an absolute IRI (it has no scheme)")
    return given



def compact(store: Store) -> None:
    """Compact the embedded store (what ``kg optimize`` and ``kg load --optimize`` do)."""
    from kg.store.client import OwnerClient

    if isinstance(store, OwnerClient):  # the owner compacts the store it holds
        start = time.perf_counter()
        store.optimize()
        print(f"compacted {store.location} in {time.perf_counter() - start:.1f} s")
        return
    if not isinstance(store, OxigraphStore) or store.location == "memory:":
        raise InputError(f"only an on-disk embedded store can be compacted, not {store.location}")
    start = time.perf_counter()
    store.optimize()
    print(f"compacted {store.location} in {time.perf_counter() - start:.1f} s")

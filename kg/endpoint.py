"""Evaluate endpoint queries with a deadline and a row cap, serialized by pyoxigraph itself.

Why worker processes: pyoxigraph cannot stop a running query, and a thread
that is abandoned at its deadline keeps a core busy until the query ends (with
2 cores, two runaway queries would stall the server). For an on-disk store the
endpoint therefore evaluates in a small pool of worker processes, each holding
a read-only view of the store (``pyoxigraph.Store.read_only``); a worker that
misses the deadline is killed and replaced, so the CPU is freed at once. The
serving process keeps the store open read-write without writing to it: that
holds the store's lock, so no ``kg ingest`` can write underneath the readers
(pyoxigraph calls a write during a read-only open undefined behaviour).

In-memory stores (tests) cannot be shared with another process and are
evaluated in a thread; remote stores are queried through ``Store.query`` and
their answers re-serialized by pyoxigraph.

The query text goes to pyoxigraph as a string (never pre-parsed by rdflib,
which would fall back to rdflib's 20x slower engine).
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection

import pyoxigraph as ox

from kg.errors import InputError, KGError, StoreError
from kg.guard import QueryTimeout
from kg.namespaces import PREFIXES
from kg.negotiation import format_for
from kg.store import OxigraphStore, QueryResult, Store, native_query, to_ox

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EvalRequest:
    """One protocol request, already checked to be a read-only query."""

    query: str
    media_type: str  # the negotiated format (a string: pyoxigraph's format objects cannot be pickled)
    max_rows: int
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    base_iri: str | None = None  # relative IRIs in the query resolve against it (the endpoint's URL)


@dataclass(frozen=True)
class Answer:
    """A serialized answer; ``truncated`` says the row cap cut it."""

    body: bytes
    media_type: str
    truncated: bool = False


class ServerBusy(KGError):
    """Every worker stayed busy until the deadline."""


# -- serialization -----------------------------------------------------------------------------


def tsv_term(term: object) -> str:
    """A term in SPARQL TSV syntax; triple terms as ``<<( s p o )>>`` (their ``str()`` has no brackets)."""
    if isinstance(term, ox.Triple):
        return f"<<( {tsv_term(term.subject)} {tsv_term(term.predicate)} {tsv_term(term.object)} )>>"
    return str(term)


def _capped_solutions(solutions: ox.QuerySolutions, max_rows: int) -> tuple[ox.QuerySolutions, bool]:
    """The first ``max_rows`` solutions as a new pyoxigraph result (rebuilt from TSV, which is lossless)."""
    variables = [v.value for v in solutions.variables]
    lines = ["\t".join(f"?{v}" for v in variables)]
    rows = list(islice(solutions, max_rows + 1))
    truncated = len(rows) > max_rows
    lines += ["\t".join("" if row[v] is None else tsv_term(row[v]) for v in variables) for row in rows[:max_rows]]
    text = "\n".join(lines) + "\n"
    return ox.parse_query_results(text.encode("utf-8"), format=ox.QueryResultsFormat.TSV), truncated


def serialize_answer(answer: object, request: EvalRequest) -> Answer:
    """Write a pyoxigraph answer in the negotiated format, keeping at most ``max_rows`` rows or triples."""
    fmt = format_for(request.media_type)
    if isinstance(answer, ox.QueryTriples):
        triples = list(islice(answer, request.max_rows + 1))
        truncated = len(triples) > request.max_rows
        if fmt.rdf is None:
            raise InputError(f"{fmt.media_type} cannot carry an RDF graph")
        body = ox.serialize(triples[: request.max_rows], format=fmt.rdf, prefixes=PREFIXES)
        return Answer(body or b"", fmt.media_type, truncated)
    if fmt.results is None:
        raise InputError(f"{fmt.media_type} cannot carry SPARQL results")
    if isinstance(answer, ox.QueryBoolean):
        return Answer(answer.serialize(format=fmt.results) or b"", fmt.media_type)
    capped, truncated = _capped_solutions(answer, request.max_rows)  # type: ignore[arg-type]
    return Answer(capped.serialize(format=fmt.results) or b"", fmt.media_type, truncated)


def evaluate_native(store: ox.Store, request: EvalRequest) -> Answer:
    """Run the request on a pyoxigraph store and serialize the answer natively."""
    answer = native_query(store, request.query, default_graphs=request.default_graphs,
                          named_graphs=request.named_graphs, base_iri=request.base_iri)
    return serialize_answer(answer, request)


def evaluate_generic(store: Store, request: EvalRequest) -> Answer:
    """Any other backend: its ``QueryResult`` rebuilt as pyoxigraph results and serialized natively."""
    options: dict[str, object] = {}
    if request.default_graphs is not None or request.named_graphs is not None:
        options = {"default_graphs": request.default_graphs, "named_graphs": request.named_graphs}
    if request.base_iri:
        options["base_iri"] = request.base_iri
    result: QueryResult = store.query(request.query, max_rows=request.max_rows, **options)  # type: ignore[call-arg]
    fmt = format_for(request.media_type)
    if result.triples is not None:
        if fmt.rdf is None:
            raise InputError(f"{fmt.media_type} cannot carry an RDF graph")
        triples = [ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in result.triples]  # type: ignore[arg-type]
        return Answer(ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES) or b"", fmt.media_type,
                      result.truncated)
    if fmt.results is None:
        raise InputError(f"{fmt.media_type} cannot carry SPARQL results")
    if result.boolean is not None:
        text = b'{"head":{},"boolean":%s}' % (b"true" if result.boolean else b"false")
        parsed = ox.parse_query_results(text, format=ox.QueryResultsFormat.JSON)
    else:
        lines = ["\t".join(f"?{v}" for v in result.variables)]
        lines += ["\t".join("" if t is None else t.n3() for t in row) for row in result.rows]
        parsed = ox.parse_query_results(("\n".join(lines) + "\n").encode(), format=ox.QueryResultsFormat.TSV)
    return Answer(parsed.serialize(format=fmt.results) or b"", fmt.media_type, result.truncated)


def _timeout_error(timeout: float) -> QueryTimeout:
    return QueryTimeout(f"query stopped after {timeout:g} s (the time limit); narrow it or add LIMIT")


# -- evaluators --------------------------------------------------------------------------------


class ThreadEvaluator:
    """Evaluate in a thread and stop waiting at the deadline (the query itself runs on to its end)."""

    def __init__(self, run: Callable[[EvalRequest], Answer]) -> None:
        self._run = run

    def evaluate(self, request: EvalRequest, timeout: float) -> Answer:
        future: Future[Answer] = Future()

        def work() -> None:
            try:
                future.set_result(self._run(request))
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting request
                future.set_exception(exc)

        threading.Thread(target=work, name="kg-endpoint-query", daemon=True).start()
        try:
            return future.result(timeout=timeout)
        except TimeoutError:
            raise _timeout_error(timeout) from None

    def close(self) -> None:
        """Nothing to release."""


def _worker_main(path: str, conn: Connection) -> None:
    """A worker process: open the store read-only and answer requests until told to stop."""
    try:
        store = ox.Store.read_only(path)
    except OSError as exc:
        conn.send(("error", StoreError(f"worker cannot open store {path}: {exc}")))
        return
    conn.send(("ready", None))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        try:
            conn.send(("ok", evaluate_native(store, request)))
        except KGError as exc:
            conn.send(("error", exc))
        except Exception as exc:  # noqa: BLE001 - reported to the client, the worker lives on
            conn.send(("error", StoreError(f"query failed: {exc}")))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    ready: bool = False


class ProcessPoolEvaluator:
    """A pool of worker processes over an on-disk store; a worker past the deadline is killed and replaced."""

    def __init__(self, path: str, size: int = 2) -> None:
        self._path = path
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        workers = [self._start() for _ in range(max(1, size))]
        for worker in workers:
            self._wait_ready(worker)
            self._idle.put(worker)

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_worker_main, args=(self._path, child), daemon=True,
                                        name="kg-endpoint-worker")
        process.start()
        child.close()
        return _Worker(process, parent)

    def _wait_ready(self, worker: _Worker, timeout: float = 60.0) -> None:
        if worker.ready:
            return
        if not worker.conn.poll(timeout):
            self._kill(worker)
            raise StoreError(f"endpoint worker did not start within {timeout:g} s")
        status, error = worker.conn.recv()
        if status != "ready":
            self._kill(worker)
            raise error
        worker.ready = True

    def _kill(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def evaluate(self, request: EvalRequest, timeout: float) -> Answer:
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ServerBusy(f"every query worker stayed busy for {timeout:g} s; try again later") from None
        try:
            self._wait_ready(worker)
            worker.conn.send(request)
            if not worker.conn.poll(timeout):
                log.warning("query exceeded %.3g s: killing worker %s", timeout, worker.process.pid)
                self._kill(worker)
                worker = self._start()
                raise _timeout_error(timeout)
            status, value = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._kill(worker)
            worker = self._start()
            raise StoreError(f"query worker failed: {exc}") from exc
        finally:
            if not self._closed:
                self._idle.put(worker)
        if status == "ok":
            return value
        raise value

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                return
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.process.join(2)
            if worker.process.is_alive():
                self._kill(worker)


def make_evaluator(store: Store, workers: int) -> ThreadEvaluator | ProcessPoolEvaluator:
    """The evaluator for a store: worker processes on disk, a thread in memory or for a remote store."""
    from kg.store.client import OwnerClient, OwnerEvaluator

    if isinstance(store, OwnerClient):  # another process owns the store: its evaluator answers
        return OwnerEvaluator(store)  # type: ignore[return-value]
    if isinstance(store, OxigraphStore):
        if store.location != "memory:" and workers > 0:
            return ProcessPoolEvaluator(store.location, workers)
        native = store.engine
        return ThreadEvaluator(lambda request: evaluate_native(native, request))
    return ThreadEvaluator(lambda request: evaluate_generic(store, request))


def graph_list(values: Sequence[str]) -> tuple[str, ...] | None:
    """Protocol dataset parameters as a tuple, or None when absent."""
    return tuple(values) if values else None

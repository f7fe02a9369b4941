"""Evaluate endpoint queries with a deadline and a row cap, serialized by pyoxigraph itself.

Why worker processes: pyoxigraph cannot stop a running query, and a thread
that is abandoned at its deadline keeps a core busy until the query ends (with
2 cores, two runaway queries would stall the server). For an on-disk store the
endpoint therefore evaluates in a ``CheckpointPool``: worker processes that read
RocksDB checkpoints of the store, never the live store (which its owner may be
writing: a read-only open beside a writer is undefined behaviour in pyoxigraph).
A worker that misses the deadline is killed and replaced, so the CPU is freed at
once; a worker whose query runs long is reniced, so short queries keep the CPU.
The worker serializes the answer and sends the bytes.

In-memory stores (tests) cannot be shared with another process and are
evaluated in a thread; remote stores are queried through ``Store.query`` and
their answers re-serialized by pyoxigraph.

The query text goes to pyoxigraph as a string (never pre-parsed by rdflib,
which would fall back to rdflib's 20x slower engine).
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import itertools
import logging
import multiprocessing
import multiprocessing.context
import os
import queue
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox

from kg.errors import InputError, KGError, StoreError
from kg.evaluation import Answer, EvalRequest, QueryTimeout, ServerBusy
from kg.namespaces import PREFIXES
from kg.negotiation import format_for
from kg.store.client import OwnerClient, OwnerEvaluator
from kg.store.discovery import pid_alive
from kg.store.embedded import OxigraphStore, native_query
from kg.store.interface import QueryResult, Store, to_ox

__all__ = ["Answer", "CheckpointPool", "EvalRequest", "PoolCounters", "ServerBusy", "ThreadEvaluator", "make_evaluator"]

log = logging.getLogger(__name__)


# -- serialization -----------------------------------------------------------------------------


class _RowCapReached(Exception):
    """Raised inside pyoxigraph's serializer once the TSV output holds more rows than the cap."""


class _CappedTsv(io.RawIOBase):
    """Collects pyoxigraph's TSV output and stops it after the header and ``max_rows + 1`` rows.

    A TSV answer has one line per row (its terms escape newlines), so counting newlines in each
    chunk counts rows without any Python work per row.
    """

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self.parts: list[bytes] = []
        self.lines = 0
        self.max_lines = max_rows + 2  # the header, the rows kept, one more to know the cap was hit

    def writable(self) -> bool:
        return True

    def write(self, chunk: bytes) -> int:  # type: ignore[override]
        self.parts.append(bytes(chunk))
        self.lines += chunk.count(b"\n")
        if self.lines >= self.max_lines:
            raise _RowCapReached
        return len(chunk)


def _capped_solutions(solutions: ox.QuerySolutions, max_rows: int) -> tuple[bytes, bool]:
    """The first ``max_rows`` solutions as SPARQL TSV (lossless), written by pyoxigraph, and whether rows were cut."""
    sink = _CappedTsv(max_rows)
    try:
        solutions.serialize(sink, format=ox.QueryResultsFormat.TSV)
    except Exception:
        if sink.lines < sink.max_lines:
            raise  # the serializer failed for a reason of its own
    data = b"".join(sink.parts)
    if sink.lines < sink.max_lines:
        return data, False
    kept = data.split(b"\n", max_rows + 1)[: max_rows + 1]
    return b"\n".join(kept) + b"\n", True


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
    tsv, truncated = _capped_solutions(answer, request.max_rows)  # type: ignore[arg-type]
    if fmt.results == ox.QueryResultsFormat.TSV:
        return Answer(tsv, fmt.media_type, truncated)
    capped = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
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


SNAPSHOTS = ".kg-snapshots"
"""The folder inside an on-disk store that holds the pool's checkpoints (removed on close and on the next start)."""

RENICE_AFTER = 0.1
"""Seconds after which a worker's query counts as slow and its process is reniced."""

SLOW_NICENESS = 19
"""The niceness of a worker running a slow query: short queries on other workers keep the CPU."""

RENICE_CHECK = 0.05
"""Seconds between checks, during a slow query, of whether other queries want the CPU."""

REFRESH_POLL = 0.01
"""Seconds between the background thread's looks at ``store.generation`` (a query that needs one wakes it)."""

OPEN_AHEAD = 2
"""How many idle workers (the next in line) open a new checkpoint as soon as it is made: one per core here."""

COMPANY_WINDOW = 0.5
"""Seconds a query's arrival counts as "other queries want the CPU" for a slow query that started before it."""


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent (the fork server) exits, so none outlives a killed owner."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG


def _worker_main(conn: Connection, snapshot: str) -> None:
    """A worker process: answer ``(checkpoint folder, request)`` messages until told to stop.

    The worker reads only checkpoints, which nobody writes, so opening them read-only is safe and
    the worker can be killed at any moment. It opens the newest checkpoint before it says it is
    ready (so its first query does not wait for that), opens a newer one when told to while idle
    (a ``(folder, None)`` message, not answered) and reopens when a request names another one.
    The answer goes back as a small header followed by the body's bytes (no pickling of the body).
    """
    _die_with_parent()
    store: ox.Store | None = None
    opened: str | None = None
    with contextlib.suppress(Exception):  # replaced and deleted meanwhile: the first request opens its own
        store, opened = ox.Store.read_only(snapshot), snapshot
    conn.send(("ready", None))
    while True:
        try:
            message = conn.recv()
        except EOFError:
            return
        if message is None:
            return
        snapshot, request = message
        if request is None:  # open ahead of the next query; a checkpoint deleted meanwhile is opened on demand
            store = opened = None
            with contextlib.suppress(Exception):
                store, opened = ox.Store.read_only(snapshot), snapshot
            continue
        try:
            if snapshot != opened:
                store = opened = None
                try:
                    store = ox.Store.read_only(snapshot)
                except OSError as exc:
                    raise StoreError(f"worker cannot open checkpoint {snapshot}: {exc}") from exc
                opened = snapshot
            assert store is not None
            answer = evaluate_native(store, request)
        except KGError as exc:
            conn.send(("error", exc))
            continue
        except Exception as exc:  # noqa: BLE001 - reported to the client, the worker lives on
            conn.send(("error", StoreError(f"query failed: {exc}")))
            continue
        conn.send(("ok", (answer.media_type, answer.truncated)))
        conn.send_bytes(answer.body)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: Connection
    ready: bool = False
    reniced: bool = False
    opened: str = ""  # the checkpoint folder the worker has open or was last told to open


@dataclass
class _Snapshot:
    """One checkpoint of the store and how many queries are reading it."""

    path: Path
    generation: int
    made: float = 0.0  # time.monotonic() when it was made
    readers: int = 0


@dataclass
class PoolCounters:
    """What the pool did, counted since it started: where a query's wait for fresh data went."""

    checkpoints: int = 0
    """Checkpoints made by the background thread (the first one, made at start, is not counted)."""
    waited: int = 0
    """Queries that waited for a checkpoint because the newest one missed a write committed before them."""
    opened_ahead: int = 0
    """Times an idle worker was told to open a newer checkpoint before a query asked for it."""
    opened_on_demand: int = 0
    """Queries whose worker had to open their checkpoint first."""
    failures: int = 0
    """Checkpoints that could not be made."""


class CheckpointPool:
    """Worker processes that evaluate queries on RocksDB checkpoints of a live on-disk store.

    Why checkpoints: the owning process writes the store, and pyoxigraph calls a read-only open of a
    store that another process writes undefined behaviour. A checkpoint (``ox.Store.backup``: hard
    links plus a memtable flush) is a frozen, consistent copy that nobody writes, so workers may open
    it read-only and be killed at any time.

    Checkpoints are made ahead of the queries: a background thread watches ``store.generation`` and
    makes the next checkpoint as soon as it moves (one at a time, so a burst of commits costs one
    checkpoint after the one in flight), then tells the idle workers to open it. A query that arrives
    after a commit the newest checkpoint misses waits for the one that includes it, so every query
    sees one consistent state that includes every write committed before it arrived; on a store that
    was quiet for a checkpoint's time, that checkpoint is already made and open. A checkpoint no query
    reads any more is deleted once a newer one exists.

    A query that runs past ``RENICE_AFTER`` has its worker reniced while other queries run, so short
    queries on the other workers keep the CPU; one past the time limit has its worker killed (its CPU freed at once) and
    replaced. Workers are forked from a fork server that has imported this module, so a replacement
    is ready in tens of milliseconds and inherits no RocksDB state.
    """

    def __init__(self, store: OxigraphStore, size: int = 4, max_lag: float = 0.0) -> None:
        """A pool of ``size`` workers; ``max_lag`` seconds is how old a checkpoint may be and still serve.

        With ``max_lag`` 0 (the default) every query sees every write committed before it arrived. Above
        0, a query may read a checkpoint up to that many seconds old even if writes committed since:
        fewer checkpoints while a writer is busy, at the price of answers that lag behind by that much.
        """
        if store.location == "memory:":
            raise StoreError("a checkpoint pool needs an on-disk store")
        self._store = store
        self._max_lag = max_lag
        # One folder per pool, named by its process: another pool on the same store in this process
        # (the endpoint and the owner channel's evaluator) keeps its own checkpoints.
        self._root = Path(store.location) / SNAPSHOTS / f"p{os.getpid()}-{next(_POOL_NUMBERS)}"
        self._context = _fork_context()
        self._niceness = os.getpriority(os.PRIO_PROCESS, 0)
        self._state = threading.Lock()  # guards _current, the readers counts and the counters; held briefly
        self._changed = threading.Condition(self._state)  # notified when a checkpoint is made or fails
        self._wake = threading.Event()  # set by a query that needs a newer checkpoint than the newest
        # Last in, first out: the worker used last most likely has the newest checkpoint open and warm.
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._closed = False
        self._in_flight = 0  # queries inside evaluate(); guarded by _state
        self._last_arrival = 0.0  # time.monotonic() of the latest evaluate() call; guarded by _state
        self._last_cost = 0.0  # seconds the latest checkpoint took to make (written by the thread making it)
        self._failure: StoreError | None = None  # why the latest checkpoint could not be made; guarded by _state
        self.counters = PoolCounters()
        remove_stale_snapshots(Path(store.location))  # left behind by a killed owner
        self._current = self._make_snapshot()
        workers = [self._start() for _ in range(max(1, size))]
        for worker in workers:
            self._wait_ready(worker)
            self._idle.put(worker)
        self._refresher = threading.Thread(target=self._refresh_loop, name="kg-endpoint-checkpoints", daemon=True)
        self._refresher.start()

    # -- checkpoints ---------------------------------------------------------------------

    def _make_snapshot(self) -> _Snapshot:
        generation = self._store.generation  # read before the backup: the checkpoint holds at least this
        path = self._root / f"g{generation}"
        self._root.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(path, ignore_errors=True)
        started = time.monotonic()
        try:
            self._store.engine.backup(str(path))
        except OSError as exc:
            shutil.rmtree(path, ignore_errors=True)
            raise StoreError(f"cannot make a checkpoint of {self._store.location}: {exc}") from exc
        made = time.monotonic()
        self._last_cost = made - started
        return _Snapshot(path, generation, made)

    def _serves(self, snapshot: _Snapshot, wanted: int) -> bool:
        """Whether a checkpoint may answer a query that arrived at generation ``wanted``."""
        return snapshot.generation >= wanted or time.monotonic() - snapshot.made < self._max_lag

    def _due(self, asked: bool) -> bool:
        """Whether the background thread should make a checkpoint now (called with ``_state`` held).

        With a lag allowed, the next checkpoint starts when the newest one is about to grow too old
        (its age plus twice the last checkpoint's cost reaches ``max_lag``: a checkpoint beside a busy
        writer may take longer than the last one), so it is ready before queries would wait for it.
        """
        if self._store.generation <= self._current.generation:
            return False
        if asked or self._max_lag <= 0:
            return True
        return time.monotonic() - self._current.made + 2 * self._last_cost >= self._max_lag

    def _refresh_loop(self) -> None:
        """The background thread: make the next checkpoint when the store moved, then have idle workers open it."""
        asked = False
        while not self._closed:
            asked = self._wake.wait(REFRESH_POLL) or asked
            self._wake.clear()
            with self._state:
                due = not self._closed and self._due(asked)
                if due and self._failure is not None and not asked:
                    due = False  # after a failure, retry only when a query needs the checkpoint
            asked = False
            if not due:
                continue
            try:
                fresh = self._make_snapshot()
            except StoreError as exc:
                log.warning("%s", exc)
                with self._state:
                    self._failure = exc
                    self.counters.failures += 1
                    self._changed.notify_all()
                continue
            with self._state:
                old, self._current = self._current, fresh
                stale = old.readers == 0
                self._failure = None
                self.counters.checkpoints += 1
                self._changed.notify_all()
            if stale:
                shutil.rmtree(old.path, ignore_errors=True)
            self._open_ahead()

    def _open_ahead(self) -> None:
        """Tell the idle workers next in line (``OPEN_AHEAD`` of them) to open the newest checkpoint now.

        Only the top of the stack: the others are used last, and opening a checkpoint in each of them
        on every commit would spend CPU that the queries need (a worker that is used later opens the
        checkpoint of its query then). The workers stay in the idle queue, whose lock keeps queries
        from taking one meanwhile: a message is a few bytes into a pipe the idle worker is reading, so
        the lock is held briefly.
        """
        with self._idle.mutex:
            for worker in list(reversed(self._idle.queue))[:OPEN_AHEAD]:  # a LifoQueue hands out its end first
                self._tell_to_open(worker)

    def _tell_to_open(self, worker: _Worker) -> None:
        """Send an idle worker the newest checkpoint to open before its next query (no answer comes back)."""
        with self._state:
            newest = str(self._current.path)
        if worker.opened == newest or self._closed:
            return
        try:
            worker.conn.send((newest, None))
        except OSError:
            return  # a dead worker fails its next query and is replaced there
        worker.opened = newest
        with self._state:
            self.counters.opened_ahead += 1

    def _pin(self, wanted: int, timeout: float) -> _Snapshot:
        """The newest checkpoint once it holds generation ``wanted`` (or is younger than the lag); counted as read.

        The background thread makes the checkpoints; a query that needs a newer one wakes it and waits.
        """
        deadline = time.monotonic() + timeout
        with self._state:
            failures = self.counters.failures
            waited = False
            while True:
                current = self._current
                if self._serves(current, wanted):
                    current.readers += 1
                    return current
                if self._closed:
                    raise StoreError("the query pool is closed")
                if self.counters.failures > failures and self._failure is not None:
                    raise self._failure
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServerBusy(f"no checkpoint of the latest write within {timeout:g} s; try again later")
                if not waited:
                    waited = True
                    self.counters.waited += 1
                self._wake.set()
                self._changed.wait(min(remaining, REFRESH_POLL * 10))

    def _unpin(self, snapshot: _Snapshot) -> None:
        with self._state:
            snapshot.readers -= 1
            stale = snapshot.readers == 0 and snapshot is not self._current
        if stale:
            shutil.rmtree(snapshot.path, ignore_errors=True)

    # -- workers -------------------------------------------------------------------------

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        with self._state:
            snapshot = str(self._current.path)
        process = self._context.Process(target=_worker_main, args=(child, snapshot), daemon=True,
                                        name="kg-endpoint-worker")
        process.start()
        child.close()
        return _Worker(process, parent, opened=snapshot)

    def _wait_ready(self, worker: _Worker, timeout: float = 60.0) -> None:
        if worker.ready:
            return
        if not worker.conn.poll(timeout):
            self._kill(worker)
            raise StoreError(f"endpoint worker did not start within {timeout:g} s")
        try:
            status, error = worker.conn.recv()
        except (EOFError, OSError) as exc:
            self._kill(worker)
            raise StoreError(f"endpoint worker exited while starting (exit code {worker.process.exitcode})") from exc
        if status != "ready":
            self._kill(worker)
            raise error
        worker.ready = True

    def _kill(self, worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def _renice(self, worker: _Worker, niceness: int) -> bool:
        """Set a worker's niceness; False when the system refuses (lowering it needs privileges)."""
        try:
            os.setpriority(os.PRIO_PROCESS, worker.process.pid or 0, niceness)
        except OSError:
            return False
        worker.reniced = niceness != self._niceness
        return True

    def _release(self, worker: _Worker) -> None:
        """Back to the idle queue at normal priority; a worker that cannot be un-niced is replaced."""
        if worker.reniced and not self._renice(worker, self._niceness):
            self._kill(worker)
            worker = self._start()
        if self._closed:
            self._kill(worker)
        else:
            self._tell_to_open(worker)  # a checkpoint made while it was busy
            self._idle.put(worker)

    @property
    def worker_pids(self) -> list[int]:
        """The process ids of the idle workers (tests watch one get replaced)."""
        with self._idle.mutex:
            return [w.process.pid for w in self._idle.queue if w.process.pid is not None]

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(self, request: EvalRequest, timeout: float) -> Answer:
        """Evaluate on a checkpoint holding every write committed before this call."""
        if self._closed:
            raise StoreError("the query pool is closed")
        started = time.monotonic()
        with self._state:
            self._in_flight += 1
            self._last_arrival = started
        try:
            snapshot = self._pin(self._store.generation, timeout)
            try:
                worker = self._take_worker(timeout)
                snapshot = self._newest_instead(snapshot)
                return self._evaluate_on(worker, snapshot, request, timeout, started)
            finally:
                self._unpin(snapshot)
        finally:
            with self._state:
                self._in_flight -= 1

    def _others_waiting(self, since: float) -> bool:
        """Whether other queries run now or arrived lately, after ``since``: a slow one should yield to them."""
        with self._state:
            recent = self._last_arrival > since and time.monotonic() - self._last_arrival < COMPANY_WINDOW
            return self._in_flight > 1 or recent

    def _take_worker(self, timeout: float) -> _Worker:
        """An idle worker, ready to answer; ``ServerBusy`` when none comes free within ``timeout``."""
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise ServerBusy(f"every query worker stayed busy for {timeout:g} s; try again later") from None
        try:
            self._wait_ready(worker)
        except StoreError:
            self._release(self._start())  # keep the pool at its size; this request fails
            raise
        return worker

    def _newest_instead(self, snapshot: _Snapshot) -> _Snapshot:
        """The newest checkpoint in place of a pinned one that a newer one replaced while the query waited for a worker.

        The newer one holds every write the pinned one holds, so freshness holds; and the worker was
        most likely told to open the newest already, so reading the older one would reopen it.
        """
        with self._state:
            newest = self._current
            if newest is snapshot:
                return snapshot
            newest.readers += 1
        self._unpin(snapshot)
        return newest

    def _evaluate_on(self, worker: _Worker, snapshot: _Snapshot, request: EvalRequest, timeout: float,
                     started: float) -> Answer:
        try:
            if worker.opened != str(snapshot.path):
                worker.opened = str(snapshot.path)
                with self._state:
                    self.counters.opened_on_demand += 1
            worker.conn.send((str(snapshot.path), request))
            sent = time.monotonic()
            if not worker.conn.poll(min(RENICE_AFTER, timeout)):
                self._wait_slow(worker, sent, timeout, started)
            status, value = worker.conn.recv()
            body = worker.conn.recv_bytes() if status == "ok" else b""
        except QueryTimeout:
            worker = self._start()  # the killed worker's replacement
            raise
        except (EOFError, OSError) as exc:
            self._kill(worker)
            worker = self._start()
            raise StoreError(f"query worker failed: {exc or type(exc).__name__}") from exc
        finally:
            self._release(worker)
        if status == "ok":
            media_type, truncated = value
            return Answer(body, media_type, truncated)
        raise value

    def _wait_slow(self, worker: _Worker, sent: float, timeout: float, started: float) -> None:
        """Wait for a query past ``RENICE_AFTER``: reniced while other queries want the CPU, killed at the deadline.

        Renicing only while others run keeps a long query alone on the endpoint at full speed: the
        niceness is there to let short queries pass it, not to lose the CPU to other programs.
        """
        while True:
            slow = self._others_waiting(started)
            if slow != worker.reniced:
                self._renice(worker, SLOW_NICENESS if slow else self._niceness)
            remaining = sent + timeout - time.monotonic()
            if remaining <= 0:
                log.warning("query exceeded %.3g s: killing worker %s", timeout, worker.process.pid)
                self._kill(worker)
                raise _timeout_error(timeout)
            if worker.conn.poll(min(RENICE_CHECK, remaining)):
                return

    def close(self) -> None:
        """Stop the background thread and every worker, and delete the checkpoints."""
        with self._state:
            self._closed = True
            self._changed.notify_all()
        self._wake.set()
        if self._refresher.is_alive() and self._refresher is not threading.current_thread():
            self._refresher.join()
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            with contextlib.suppress(OSError):
                worker.conn.send(None)
            worker.process.join(2)
            if worker.process.is_alive():
                self._kill(worker)
        shutil.rmtree(self._root, ignore_errors=True)
        with contextlib.suppress(OSError):  # kept while another pool of this process has checkpoints there
            (Path(self._store.location) / SNAPSHOTS).rmdir()


_POOL_NUMBERS = itertools.count(1)


def remove_stale_snapshots(store_path: Path) -> None:
    """Delete the checkpoints of pools whose process is gone (a killed owner cannot clean up after itself)."""
    folder = store_path / SNAPSHOTS
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        pid = entry.name[1:].split("-", 1)[0]
        if not (entry.name.startswith("p") and pid.isdigit() and pid_alive(int(pid))):
            shutil.rmtree(entry, ignore_errors=True)


_FORK_CONTEXT: multiprocessing.context.BaseContext | None = None


def _fork_context() -> multiprocessing.context.BaseContext:
    """The fork-server context, its server preloaded with this module (a fresh worker then costs a fork).

    The fork server is a clean process started by exec: it has no open store to pass on.
    """
    global _FORK_CONTEXT
    if _FORK_CONTEXT is None:
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
        else:
            context = multiprocessing.get_context("spawn")
        _FORK_CONTEXT = context
    return _FORK_CONTEXT


def make_evaluator(
    store: Store, workers: int, max_lag: float = 0.0
) -> ThreadEvaluator | CheckpointPool | OwnerEvaluator:
    """The evaluator for a store: checkpoint workers on disk, the owner's for a client, a thread otherwise."""
    if isinstance(store, OwnerClient):  # another process owns the store: its evaluator answers
        return OwnerEvaluator(store)
    if isinstance(store, OxigraphStore):
        if store.location != "memory:" and workers > 0:
            return CheckpointPool(store, workers, max_lag)
        native = store.engine
        return ThreadEvaluator(lambda request: evaluate_native(native, request))
    return ThreadEvaluator(lambda request: evaluate_generic(store, request))


def graph_list(values: Sequence[str]) -> tuple[str, ...] | None:
    """Protocol dataset parameters as a tuple, or None when absent."""
    return tuple(values) if values else None

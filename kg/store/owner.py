"""The owner of an on-disk store and the channel other processes reach it through.

pyoxigraph on RocksDB lets one process open a store for writing, and reading it
read-only while another process writes is undefined behaviour. So a long-running
face (the explorer, ``kg serve``) that opens a store nobody holds becomes its
*owner*: it keeps the store open read-write and serves an *owner channel*, a small
HTTP server on 127.0.0.1 with an ephemeral port, in a daemon thread. Every other
``kg`` process given the same store finds the channel through the discovery file
``STORE/kg-owner.json`` and works through it (``kg.store.client.OwnerClient``).

Security: the channel listens on loopback only and every request must carry the
secret token of the discovery file (``Authorization: Bearer ...``, compared with
``hmac.compare_digest``); the file is written with mode 0600, so only the user
who owns the store can read it. Requests without the token get 401. The token is
never logged.

Writes through the channel run one at a time on the owner's ``OxigraphStore``
(the same atomic per-graph replacement as a direct open), so a client's undo
after Ctrl-C runs after the write it undoes. Errors go back as a kind and a
one-line message, re-raised by the client as the same exception type.

A dead owner leaves its discovery file behind; ``find_owner`` (``kg.store.discovery``)
treats a file whose process is gone, or that does not answer ``/ping`` within a second,
as stale. The RocksDB lock dies with the process, so nothing ever needs deleting by
hand. How terms and answers are encoded on the channel is ``kg.store.wire``.

A graph too big for one request is written as a *staged write* (``kg.store.staged``):
``/stage/begin`` opens a ``StagedGraph`` on the owner under a random id, each
``/stage/add`` stages one bounded batch, ``/stage/commit`` or ``/stage/abandon``
ends it. Neither side ever holds the whole graph. Each request has its own
connection, so the owner cannot tell a finished client from a gone one by its
socket: it abandons an open staged write when the process that began it has
exited or when it sat idle for ``stage_idle_seconds``, checking every
``REAP_SECONDS``. If the owner itself dies first, the next writable open's
recovery drops the uncommitted write.
(Crash tests stop the owner after a committed write with ``KG_TEST_PAUSE_AT=owner-after-write``.)
"""

from __future__ import annotations

import atexit
import hmac
import json
import logging
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg import __version__
from kg.errors import InputError, KGError, StoreError
from kg.faults import pause_point
from kg.store.discovery import (
    DISCOVERY_FILE,
    OwnerInfo,
    find_owner,
    pid_alive,
    read_discovery,
    remove_discovery,
    remove_stale_discovery,
    write_discovery,
)
from kg.store.embedded import OxigraphStore, native_query
from kg.store.interface import Triple, one_line
from kg.store.staged import StagedGraph
from kg.store.wire import (
    RESULTS_MEDIA_TYPE,
    TRIPLES_MEDIA_TYPE,
    decode_term,
    encode_result,
    error_kind,
)

__all__ = [
    "DISCOVERY_FILE",
    "OwnedStore",
    "OwnerInfo",
    "OwnerService",
    "find_owner",
    "read_discovery",
    "remove_stale_discovery",
    "write_discovery",
]

log = logging.getLogger(__name__)

STAGE_IDLE_SECONDS = 3600.0
"""Seconds an open staged write may wait for its client's next request before the owner abandons it."""

REAP_SECONDS = 1.0
"""How often the owner looks for staged writes whose client is gone (a dict scan and a /proc read each)."""


class _Handler(BaseHTTPRequestHandler):
    server: _ChannelServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        """No Nagle delay: on a kept-alive connection a response's body would wait ~40 ms for the client's ACK."""
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        """Requests go to the debug log without headers (the token is in one)."""
        log.debug("owner channel: %s", format % args)

    # -- plumbing

    def _authorized(self) -> bool:
        given = self.headers.get("Authorization", "")
        expected = f"Bearer {self.server.token}"
        if hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8")):
            return True
        self.close_connection = True  # its body, if any, is not read: the connection cannot carry another request
        self._send_json(HTTPStatus.UNAUTHORIZED, {"kind": "StoreError", "message": "the owner channel wants its token"})
        return False

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: HTTPStatus, data: object) -> None:
        body = json.dumps(data).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_error(self, exc: BaseException) -> None:
        if isinstance(exc, KGError):
            status = HTTPStatus.BAD_REQUEST if isinstance(exc, InputError) else HTTPStatus.CONFLICT
            self._send_json(status, {"kind": error_kind(exc), "message": str(exc)})
            return
        log.exception("owner channel: request failed")
        self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR,
                        {"kind": "StoreError", "message": f"the store's owner failed: {type(exc).__name__}: {exc}"})

    # -- requests

    def do_GET(self) -> None:
        if not self._authorized():
            return
        service = self.server.service
        path = self.path.split("?", 1)[0]
        try:
            if path == "/ping":
                self._send_json(HTTPStatus.OK, {"pid": os.getpid(), "version": __version__,
                                                "generation": service.store.generation})
            elif path == "/count":
                self._send_json(HTTPStatus.OK, {"quads": service.store.quad_count()})
            elif path == "/dump":
                self._dump()
            else:
                self._send_json(HTTPStatus.NOT_FOUND, {"kind": "StoreError", "message": f"no such request {path}"})
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the client as one line
            self._send_error(exc)

    def do_POST(self) -> None:
        if not self._authorized():
            return
        service = self.server.service
        path = self.path.split("?", 1)[0]
        try:
            if path == "/query":
                request = json.loads(self._body())
                if request.get("max_rows") is None:
                    self._native_answer(request["sparql"])
                else:
                    result = service.store.query(request["sparql"], max_rows=request["max_rows"])
                    self._send_json(HTTPStatus.OK, encode_result(result))
            elif path == "/replace":
                graphs = json.loads(self._body())["graphs"]
                decoded: dict[str, list[Triple]] = {
                    name: [tuple(decode_term(t) for t in triple) for triple in triples]  # type: ignore[misc]
                    for name, triples in graphs.items()
                }
                with service.write_lock:
                    service.store.replace_graphs(decoded)
                pause_point("owner-after-write")
                self._send_json(HTTPStatus.OK, {"generation": service.store.generation})
            elif path == "/drop":
                names = json.loads(self._body())["graphs"]
                with service.write_lock:
                    service.store.drop_graphs(names)
                pause_point("owner-after-write")
                self._send_json(HTTPStatus.OK, {"generation": service.store.generation})
            elif path == "/optimize":
                self._body()
                with service.write_lock:
                    service.store.optimize()
                self._send_json(HTTPStatus.OK, {})
            elif path == "/load":
                self._load()
            elif path == "/evaluate":
                self._evaluate()
            elif path.startswith("/stage/"):
                self._stage(path.removeprefix("/stage/"))
            else:
                self._send_json(HTTPStatus.NOT_FOUND, {"kind": "StoreError", "message": f"no such request {path}"})
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the client as one line
            self._send_error(exc)

    def _stage(self, step: str) -> None:
        """One step of a staged write: ``begin``, ``add`` (one batch), ``commit`` or ``abandon``."""
        service = self.server.service
        request = json.loads(self._body())
        if step == "begin":
            key, replaces = service.begin_stage(str(request["graph"]), int(request["pid"]))
            self._send_json(HTTPStatus.OK, {"id": key, "replaces": replaces})
        elif step == "add":
            skipped = service.add_to_stage(str(request["id"]), _decode_triples(request["triples"]))
            self._send_json(HTTPStatus.OK, {"skipped": skipped})
        elif step == "commit":
            service.commit_stage(str(request["id"]), _decode_triples(request["last"]))
            pause_point("owner-after-write")
            self._send_json(HTTPStatus.OK, {"generation": service.store.generation})
        elif step == "abandon":
            self._send_json(HTTPStatus.OK, {"abandoned": service.abandon_stage(str(request["id"]))})
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"kind": "StoreError", "message": f"no such request /stage/{step}"})

    def _native_answer(self, sparql: str) -> None:
        """A whole answer serialized by pyoxigraph (SPARQL JSON results or N-Triples), without rdflib terms.

        The client parses it with pyoxigraph and converts it exactly as ``OxigraphStore.query`` does, so
        the owner spends no Python per term; errors carry the same messages as a direct open.
        """
        started = time.perf_counter()
        answer = native_query(self.server.service.store.engine, sparql)
        try:
            if isinstance(answer, ox.QueryTriples):
                body, media_type = ox.serialize(answer, format=ox.RdfFormat.N_TRIPLES), TRIPLES_MEDIA_TYPE
            else:
                body, media_type = answer.serialize(format=ox.QueryResultsFormat.JSON), RESULTS_MEDIA_TYPE
        except RuntimeError as exc:
            raise InputError(f"the query failed: {one_line(exc)}") from exc
        except OSError as exc:
            raise StoreError(f"query failed: {one_line(exc)}") from exc
        body = body or b""
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", media_type)
        self.send_header("X-Owner-Seconds", f"{time.perf_counter() - started:.6f}")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _load(self) -> None:
        """Load a file the owner reads itself (same machine), or the bytes the client sends when it cannot."""
        from kg.store.load import load_into  # streams the formats the bulk loader would hold whole

        service = self.server.service
        fmt = ox.RdfFormat.from_media_type(self.headers["X-Format"])
        if fmt is None:
            raise InputError(f"unknown RDF format {self.headers['X-Format']}")
        graph = self.headers.get("X-Graph") or None
        base = self.headers.get("X-Base") or None
        if self.headers.get("X-Path"):
            path = Path(self.headers["X-Path"])
            self._body()
            if not os.access(path, os.R_OK):
                self._send_json(HTTPStatus.OK, {"unreadable": True})
                return
            with service.write_lock:
                added = load_into(service.store, path, fmt, graph, base)
            self._send_json(HTTPStatus.OK, {"added": added})
            return
        length = int(self.headers.get("Content-Length") or 0)
        fd, spooled = tempfile.mkstemp(prefix=".kg-load.", dir=service.directory)
        try:
            with os.fdopen(fd, "wb") as out:
                while length > 0:
                    chunk = self.rfile.read(min(length, 1 << 20))
                    if not chunk:
                        raise StoreError("the client stopped sending the file")
                    out.write(chunk)
                    length -= len(chunk)
            with service.write_lock:
                added = load_into(service.store, Path(spooled), fmt, graph, base)
        finally:
            with suppress(OSError):
                os.unlink(spooled)
        self._send_json(HTTPStatus.OK, {"added": added})

    def _dump(self) -> None:
        """Stream the dump in HTTP chunks.

        A dump that fails midway ends without the last chunk, so the client sees an incomplete
        answer (``IncompleteRead``), never a short file that looks whole.
        """
        from kg.export import dump  # merges the triples of all graphs in bounded memory

        service = self.server.service
        media_type = self.headers.get("X-Format", "application/n-quads")
        fmt = ox.RdfFormat.from_media_type(media_type)
        if fmt is None:
            raise InputError(f"unknown RDF format {media_type}")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", media_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.close_connection = True
        out = _ChunkedWriter(self.wfile)
        try:
            dump(service.store, out, fmt)  # type: ignore[arg-type]
        except Exception:
            log.exception("owner channel: dump failed; the client gets an incomplete answer")
            return
        out.finish()

    def _evaluate(self) -> None:
        """Evaluate an endpoint request with the owner's evaluator (created on first use)."""
        from kg.evaluation import EvalRequest

        data = json.loads(self._body())
        timeout = float(data.pop("timeout"))
        for key in ("default_graphs", "named_graphs"):
            if data.get(key) is not None:
                data[key] = tuple(data[key])
        answer = self.server.service.evaluator().evaluate(EvalRequest(**data), timeout)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", answer.media_type)
        self.send_header("X-Truncated", "1" if answer.truncated else "0")
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        self.wfile.write(answer.body)


def _decode_triples(triples: list[list[Any]]) -> list[Triple]:
    return [tuple(decode_term(t) for t in triple) for triple in triples]  # type: ignore[misc]


class _OpenStage:
    """A staged write the owner keeps between its client's requests."""

    def __init__(self, staged: StagedGraph, target: str, pid: int) -> None:
        self.staged = staged
        self.target = target
        self.pid = pid
        self.touched = time.monotonic()


class _ChunkedWriter:
    """A binary file object writing HTTP/1.1 chunks of about 64 kB; ``finish`` writes the last, empty one."""

    SIZE = 1 << 16

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._buffer = bytearray()

    def write(self, data: bytes) -> int:
        self._buffer += data
        if len(self._buffer) >= self.SIZE:
            self._send()
        return len(data)

    def flush(self) -> None:
        """Chunks go out as they fill; flushing early would only make them smaller."""

    def _send(self) -> None:
        if self._buffer:
            self._raw.write(b"%x\r\n%s\r\n" % (len(self._buffer), bytes(self._buffer)))
            self._buffer.clear()

    def finish(self) -> None:
        self._send()
        self._raw.write(b"0\r\n\r\n")


class _ChannelServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, service: OwnerService) -> None:
        self.service = service
        self.token = service.token
        super().__init__(("127.0.0.1", 0), _Handler)


class OwnerService:
    """The owner channel of an open on-disk ``OxigraphStore``: start it, and stop it on exit.

    ``evaluator_factory`` builds the endpoint evaluator ``/evaluate`` uses (by default
    ``kg.endpoint.make_evaluator(store, workers)``), created on the first request.
    """

    def __init__(self, store: OxigraphStore, *, workers: int = 2,
                 evaluator_factory: Callable[[], Any] | None = None,
                 stage_idle_seconds: float = STAGE_IDLE_SECONDS) -> None:
        if store.location == "memory:":
            raise StoreError("a memory store has no owner channel")
        self.store = store
        self.directory = Path(store.location).resolve()
        self.token = secrets.token_urlsafe(32)
        self.write_lock = threading.Lock()
        self.workers = workers
        """Worker processes of the endpoint evaluator ``/evaluate`` makes (``kg serve --workers``)."""
        self._factory = evaluator_factory
        self._evaluator: Any = None
        self._evaluator_lock = threading.Lock()
        self._server: _ChannelServer | None = None
        self._thread: threading.Thread | None = None
        self.stage_idle_seconds = stage_idle_seconds
        self._stages: dict[str, _OpenStage] = {}
        self._stopping = threading.Event()
        self._reaper: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The channel's port (0 before ``start``)."""
        return self._server.server_address[1] if self._server else 0

    def evaluator(self) -> Any:
        """The endpoint evaluator for ``/evaluate``, made on first use."""
        with self._evaluator_lock:
            if self._evaluator is None:
                if self._factory is not None:
                    self._evaluator = self._factory()
                else:
                    from kg.endpoint import make_evaluator

                    self._evaluator = make_evaluator(self.store, self.workers)
            return self._evaluator

    def start(self) -> OwnerInfo:
        """Listen on loopback, publish the discovery file, and remove it again at exit."""
        self._server = _ChannelServer(self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="kg-owner-channel", daemon=True)
        self._thread.start()
        self._stopping.clear()
        self._reaper = threading.Thread(target=self._reap_forever, name="kg-owner-reaper", daemon=True)
        self._reaper.start()
        info = OwnerInfo(os.getpid(), self.port, self.token, __version__, time.time(), str(self.directory))
        write_discovery(self.directory, info)
        atexit.register(self.stop)
        log.info("owner of %s: channel on 127.0.0.1:%d", self.directory, self.port)
        return info

    def stop(self) -> None:
        """Remove the discovery file, stop the channel, the reaper and the evaluator (idempotent).

        Staged writes still open are left to the next writable open's recovery, which drops them.
        """
        remove_discovery(self.directory, self.token)
        self._stopping.set()
        reaper, self._reaper = self._reaper, None
        if reaper is not None and reaper is not threading.current_thread():
            reaper.join(timeout=30)  # an abandon under way ends before the store closes
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        with self._evaluator_lock:
            evaluator, self._evaluator = self._evaluator, None
        if evaluator is not None:
            evaluator.close()
        with suppress(Exception):
            atexit.unregister(self.stop)


    # -- staged writes (one at a time per graph; each step under the write lock, like every write)

    @property
    def open_stages(self) -> list[str]:
        """The target graphs of the staged writes open now."""
        with self.write_lock:
            return [stage.target for stage in self._stages.values()]

    def begin_stage(self, target: str, pid: int) -> tuple[str, bool]:
        """Open a staged write of ``target`` for the process ``pid``; returns its id and whether it replaces a graph.

        A second writer of the same graph is refused while the first one's process lives (the two
        would share one staging graph); a dead one's write is abandoned first.
        """
        with self.write_lock:
            self._reap_locked()
            for stage in self._stages.values():
                if stage.target == target:
                    raise StoreError(f"another process (pid {stage.pid}) is writing {target} through the store's "
                                     "owner; run the command again when it has finished")
            staged = self.store.stage_graph(target)
            key = secrets.token_urlsafe(16)
            self._stages[key] = _OpenStage(staged, target, pid)
            return key, staged.replaces

    def add_to_stage(self, key: str, triples: list[Triple]) -> list[int]:
        """Stage one batch; returns the positions of the triples the staging graph held already."""
        with self.write_lock:
            stage = self._open_stage(key)
            new = list(stage.staged.add(triples))  # the same objects, in order: a subsequence of the batch
            stage.touched = time.monotonic()
        skipped: list[int] = []
        position = 0
        for index, triple in enumerate(triples):
            if position < len(new) and new[position] is triple:
                position += 1
            else:
                skipped.append(index)
        return skipped

    def commit_stage(self, key: str, last: list[Triple]) -> None:
        """Commit a staged write with its last triples (the provenance) and roll it forward."""
        with self.write_lock:
            stage = self._open_stage(key)
            del self._stages[key]  # a failure from here on is the next open's recovery to finish or undo
            stage.staged.commit(last)

    def abandon_stage(self, key: str) -> bool:
        """Drop a staged write; False if the owner had abandoned it already."""
        with self.write_lock:
            stage = self._stages.pop(key, None)
            if stage is not None:
                stage.staged.abandon()
            return stage is not None

    def _open_stage(self, key: str) -> _OpenStage:
        stage = self._stages.get(key)
        if stage is None:
            raise StoreError("the store's owner has no such staged write: it abandoned it (its client looked gone "
                             f"or stayed idle over {self.stage_idle_seconds:g} s); run the command again")
        return stage

    def reap(self) -> int:
        """Abandon the staged writes whose process is gone or that stayed idle too long; returns how many."""
        with self.write_lock:
            return self._reap_locked()

    def _reap_locked(self) -> int:
        now = time.monotonic()
        gone = [key for key, stage in self._stages.items()
                if not pid_alive(stage.pid) or now - stage.touched > self.stage_idle_seconds]
        for key in gone:
            stage = self._stages.pop(key)
            log.info("abandoning the staged write of %s: its client (pid %d) is gone or idle", stage.target, stage.pid)
            stage.staged.abandon()
        return len(gone)

    def _reap_forever(self) -> None:
        while not self._stopping.wait(REAP_SECONDS):
            try:
                self.reap()
            except Exception:  # the reaper outlives one failed abandon; recovery is the backstop
                log.exception("owner channel: abandoning a staged write failed")


class OwnedStore(OxigraphStore):
    """An on-disk store this process owns: an ``OxigraphStore`` whose channel stops when it closes."""

    service: OwnerService

    def serve_channel(self, *, workers: int = 2) -> OwnerInfo:
        """Start the owner channel for this store."""
        self.service = OwnerService(self, workers=workers)
        return self.service.start()

    def close(self) -> None:
        service = getattr(self, "service", None)
        try:
            if service is not None:
                service.stop()
        finally:
            super().close()

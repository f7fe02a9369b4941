"""A ``Store`` that works through the owner of an on-disk store (``kg.store.owner``).

Every ``kg`` command given a store that a long-running process owns gets one of
these from ``open_store``: queries, graph replacement, drops, loads and dumps go
over the owner's loopback channel and run on the owner's open store, so there is
no second opener and no lock error. Errors come back as the exception type and
one-line message the owner raised; a channel that fails mid-request (the owner
was killed) is a ``StoreError`` saying the store keeps its last committed state.

Bindings are applied here (``kg.sparql.bind_values``), so the owner receives the
exact text a direct open would run.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from http.client import HTTPConnection, HTTPException, HTTPResponse
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pyoxigraph as ox
from rdflib.term import Node

from kg.errors import KGError, StoreError
from kg.sparql import bind_values
from kg.sparql_syntax import check_engine_text
from kg.store.discovery import OwnerInfo, pid_alive
from kg.store.embedded import read_answer
from kg.store.interface import QueryResult, Triple
from kg.store.staged import BATCH_QUADS
from kg.store.wire import ERROR_KINDS, TRIPLES_MEDIA_TYPE, decode_result, encode_term

if TYPE_CHECKING:
    from kg.evaluation import Answer, EvalRequest

REQUEST_TIMEOUT = 24 * 3600.0
"""Seconds a request may take: a write or a 1M-quad load can run for minutes, a read is bounded by the caller."""


class OwnerClient:
    """The ``Store`` of a process that reaches the store through its owner's channel."""

    def __init__(self, info: OwnerInfo) -> None:
        self.info = info
        self.location = info.store
        self._auth = {"Authorization": f"Bearer {info.token}"}
        self._local = threading.local()

    # -- plumbing

    def _request(self, method: str, path: str, body: bytes | None = None, headers: Mapping[str, str] | None = None,
                 *, timeout: float = REQUEST_TIMEOUT) -> tuple[HTTPConnection, HTTPResponse]:
        connection = HTTPConnection("127.0.0.1", self.info.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers={**self._auth, **(headers or {})})
            return connection, connection.getresponse()
        except (OSError, HTTPException) as exc:
            connection.close()
            raise self._lost(exc) from exc

    @property
    def last_owner_seconds(self) -> float | None:
        """Seconds the owner spent on this thread's last whole answer, evaluation and serialization.

        The rest of the request's time is the channel and this side's parsing: ``bench/owner_bench.py``
        reports that difference, which the engine's own speed does not blur.
        """
        return getattr(self._local, "owner_seconds", None)

    def _read(self, path: str, data: object) -> tuple[int, str | None, bytes]:
        """A read request on this thread's persistent connection (no new socket and server thread per query).

        A reused connection the owner has closed is reopened once: reads can be repeated safely. Writes
        never come here: each has its own connection, so none is ever sent twice.
        """
        body = json.dumps(data).encode("utf-8")
        headers = {**self._auth, "Content-Type": "application/json"}
        while True:
            connection: HTTPConnection | None = getattr(self._local, "connection", None)
            reused = connection is not None
            if connection is None:
                connection = HTTPConnection("127.0.0.1", self.info.port, timeout=REQUEST_TIMEOUT)
                self._local.connection = connection
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                spent = response.getheader("X-Owner-Seconds")
                self._local.owner_seconds = float(spent) if spent else None
                return response.status, response.getheader("Content-Type"), response.read()
            except (OSError, HTTPException) as exc:
                connection.close()
                self._local.connection = None
                if not reused:
                    raise self._lost(exc) from exc

    def _lost(self, exc: BaseException) -> StoreError:
        return StoreError(f"lost the owner of {self.location} (pid {self.info.pid}) during the request: "
                          f"{exc or type(exc).__name__}; the store keeps its last committed state, re-run the command")

    def _call(self, method: str, path: str, data: object = None, headers: Mapping[str, str] | None = None,
              *, timeout: float = REQUEST_TIMEOUT) -> Any:
        body = None if data is None else json.dumps(data).encode("utf-8")
        connection, response = self._request(method, path, body, {"Content-Type": "application/json",
                                                                   **(headers or {})}, timeout=timeout)
        payload = self._read_all(connection, response)
        return self._answer(response.status, payload)

    def _read_all(self, connection: HTTPConnection, response: HTTPResponse) -> bytes:
        """The whole body of an answer; a connection lost on the way is the owner lost."""
        try:
            return response.read()
        except (OSError, HTTPException) as exc:
            raise self._lost(exc) from exc
        finally:
            connection.close()

    def _answer(self, status: int, payload: bytes) -> Any:
        try:
            data = json.loads(payload) if payload else {}
        except ValueError:
            data = {}
        if status == HTTPStatus.OK:
            return data
        raise self._error(data, status)

    def _error(self, data: Mapping[str, Any], status: int) -> KGError:
        kind = str(data.get("kind", "StoreError"))
        message = str(data.get("message") or f"the store's owner answered HTTP {status}")
        return _error_types().get(kind, StoreError)(message)

    # -- the Store interface

    def query(
        self, sparql: str, bindings: Mapping[str, Node] | None = None, *, max_rows: int | None = None
    ) -> QueryResult:
        check_engine_text(sparql)  # the same refusals as a direct open, before anything is sent
        text = bind_values(sparql, bindings)
        status, media_type, payload = self._read("/query", {"sparql": text, "max_rows": max_rows})
        if status != HTTPStatus.OK or max_rows is not None:
            return decode_result(self._answer(status, payload))  # an error is raised as the owner's
        if media_type == TRIPLES_MEDIA_TYPE:
            return read_answer(ox.parse(payload, format=ox.RdfFormat.N_TRIPLES), None)
        return read_answer(ox.parse_query_results(payload, format=ox.QueryResultsFormat.JSON), None)

    def replace_graphs(self, graphs: Mapping[str, Iterable[Triple]]) -> None:
        if not graphs:
            return
        encoded = {name: [[encode_term(t) for t in triple] for triple in triples] for name, triples in graphs.items()}
        self._call("POST", "/replace", {"graphs": encoded})

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        names = list(graphs)
        if names:
            self._call("POST", "/drop", {"graphs": names})

    def load_file(self, path: Path, fmt: ox.RdfFormat, graph: str | None, base_iri: str | None = None) -> int:
        """The owner loads the file itself (same machine, direct speed); if it cannot read it, the bytes follow."""
        headers = {"X-Format": fmt.media_type, "X-Graph": graph or "", "X-Base": base_iri or ""}
        answer = self._call("POST", "/load", None, {**headers, "X-Path": str(Path(path).resolve())})
        if answer.get("unreadable"):
            size = Path(path).stat().st_size
            with Path(path).open("rb") as body:
                connection, response = self._request("POST", "/load", body,  # type: ignore[arg-type]
                                                     {**headers, "Content-Length": str(size)})
            payload = self._read_all(connection, response)
            answer = self._answer(response.status, payload)
        return int(answer["added"])

    def dump(self, out: BinaryIO, fmt: ox.RdfFormat) -> None:
        connection, response = self._request("GET", "/dump", headers={"X-Format": fmt.media_type})
        try:
            if response.status != HTTPStatus.OK:
                raise self._error(json.loads(response.read() or b"{}"), response.status)
            while True:
                try:
                    chunk = response.read(1 << 16)
                except (OSError, HTTPException) as exc:  # an incomplete answer: the owner's dump failed or it died
                    raise self._lost(exc) from exc
                if not chunk:
                    break
                out.write(chunk)  # a failure to write the output is the caller's to report
        finally:
            connection.close()

    def stage_graph(self, name: str, *, batch_quads: int = BATCH_QUADS) -> OwnerStagedGraph:
        """Start replacing the graph ``name`` on the owner in bounded batches (``kg.store.staged``): for big graphs.

        The owner ties the write to this process: it abandons it if the process exits before the end.
        """
        answer = self._call("POST", "/stage/begin", {"graph": name, "pid": os.getpid()})
        return OwnerStagedGraph(self, str(answer["id"]), bool(answer["replaces"]), batch_quads=batch_quads)

    def optimize(self) -> None:
        """Have the owner compact the store (``kg optimize`` beside a running explorer or endpoint)."""
        self._call("POST", "/optimize", {})

    def quad_count(self) -> int:
        return int(self._call("GET", "/count")["quads"])

    def close(self) -> None:
        """Close this thread's persistent connection (a write's connection closes with its request)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    # -- what else the faces need

    @property
    def generation(self) -> int:
        """The owner's count of committed writes (the explorer keys its caches on it)."""
        return int(self._call("GET", "/ping", timeout=5.0)["generation"])

    def owner_alive(self) -> bool:
        """Whether the owner's process still exists (cheap: no request)."""
        return pid_alive(self.info.pid)

    def evaluate(self, request: EvalRequest, timeout: float) -> Answer:
        """Have the owner's endpoint evaluator answer a protocol request (``kg serve`` beside an owner)."""
        from dataclasses import asdict

        from kg.evaluation import Answer

        data = {**asdict(request), "timeout": timeout}
        connection, response = self._request("POST", "/evaluate", json.dumps(data).encode("utf-8"),
                                             {"Content-Type": "application/json"}, timeout=timeout + 30)
        payload = self._read_all(connection, response)
        if response.status != HTTPStatus.OK:
            self._answer(response.status, payload)  # raises the owner's error
        return Answer(payload, response.getheader("Content-Type", request.media_type),
                      response.getheader("X-Truncated") == "1")


class OwnerStagedGraph:
    """A staged write the owner keeps (``OwnerService.begin_stage``), with the surface of ``StagedGraph``.

    Each ``add`` request carries at most ``batch_quads`` triples, so neither this
    process nor the owner holds more than a batch of the graph at a time.
    """

    def __init__(self, client: OwnerClient, key: str, replaces: bool, *, batch_quads: int = BATCH_QUADS) -> None:
        self._client = client
        self._key = key
        self._batch = batch_quads
        self.replaces = replaces
        """Whether a graph of that name existed when the write began."""

    def add(self, triples: Iterable[Triple]) -> Iterator[Triple]:
        """Stage the triples, one request per batch; yields those the staging graph did not hold yet."""
        source = iter(triples)
        while batch := list(islice(source, self._batch)):
            encoded = [[encode_term(t) for t in triple] for triple in batch]
            skipped = set(self._client._call("POST", "/stage/add", {"id": self._key, "triples": encoded})["skipped"])
            del encoded
            yield from (triple for index, triple in enumerate(batch) if index not in skipped)

    def commit(self, last: Iterable[Triple]) -> None:
        """Have the owner add ``last`` with the commit mark and roll the write forward."""
        encoded = [[encode_term(t) for t in triple] for triple in last]
        self._client._call("POST", "/stage/commit", {"id": self._key, "last": encoded})

    def abandon(self) -> None:
        """Have the owner drop what was staged; the graph keeps its old content."""
        self._client._call("POST", "/stage/abandon", {"id": self._key})


class OwnerEvaluator:
    """The endpoint evaluator of ``kg serve`` beside an owner: the owner's evaluator answers, under its limit."""

    def __init__(self, client: OwnerClient) -> None:
        self._client = client

    def evaluate(self, request: EvalRequest, timeout: float) -> Answer:
        """Forward the request; the owner stops it at ``timeout`` and answers why."""
        return self._client.evaluate(request, timeout)

    def close(self) -> None:
        """Nothing to release: the owner keeps its evaluator."""


def _error_types() -> dict[str, type[KGError]]:
    """Every exception type that may cross the channel, by class name."""
    from kg.evaluation import QueryTimeout, ServerBusy
    from kg.sparql_syntax import ReadOnlyError

    return {**ERROR_KINDS, "QueryTimeout": QueryTimeout, "ServerBusy": ServerBusy, "ReadOnlyError": ReadOnlyError}

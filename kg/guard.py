"""Limits for queries that come from users: read-only, a timeout and a row cap.

The endpoint and the explorer accept SPARQL typed by anyone. They must not
change the graph, reach other servers (SERVICE, LOAD) or hang: pyoxigraph has
no timeout of its own, so the query runs in a worker thread (pyoxigraph
releases the GIL while it evaluates) and the caller stops waiting at the
deadline. The abandoned evaluation runs to its end in the background; the
row cap keeps a huge answer from being materialized.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass

from rdflib.term import Node

from kg.errors import InputError, KGError
from kg.sparql import scan
from kg.store import QueryResult, Store

UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


class ReadOnlyError(InputError):
    """The request would change the graph or reach another server."""


class QueryTimeout(KGError):
    """The query did not finish within the allowed time."""


@dataclass(frozen=True)
class QueryLimits:
    """How long a user query may run and how many rows it may return."""

    timeout: float = 10.0
    max_rows: int = 10_000


def check_read_only(query: str) -> None:
    """Refuse updates, LOAD and SERVICE with a message that names the keyword."""
    tokens = [token for token, _ in scan(query)]
    if "SERVICE" in tokens:
        raise ReadOnlyError("SERVICE is not allowed: queries here may not call other endpoints")
    for token in tokens:
        if token in QUERY_FORMS:
            return
        if token in UPDATE_KEYWORDS:
            raise ReadOnlyError(f"{token} is not allowed: this graph is read-only here (queries only)")


def run_limited(
    store: Store,
    query: str,
    limits: QueryLimits,
    bindings: Mapping[str, Node] | None = None,
) -> QueryResult:
    """Run a read-only query with a deadline and a row cap (``result.truncated`` says if rows were cut)."""
    check_read_only(query)
    future: Future[QueryResult] = Future()

    def work() -> None:
        try:
            future.set_result(store.query(query, bindings, max_rows=limits.max_rows))
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            future.set_exception(exc)

    threading.Thread(target=work, name="kg-query", daemon=True).start()
    try:
        return future.result(timeout=limits.timeout)
    except TimeoutError:
        message = f"query stopped after {limits.timeout:g} s (the time limit); narrow it or add LIMIT"
        raise QueryTimeout(message) from None

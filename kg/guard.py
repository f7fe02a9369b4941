"""Limits for queries that come from users: read-only, bounded text, a timeout and a row cap.

Every face (``kg query``, ``kg serve``, the explorer's SPARQL page, and through
them remote stores) calls ``check_query`` before a query reaches an engine. It
decides from the query's tokens and structure (``kg.sparql_syntax``), never from
a keyword scan of the text: the query must be one of the four query forms, must
not use SERVICE anywhere (pyoxigraph would call any URL it names), and must
stay under the size and bracket-depth caps (pyoxigraph's parser recurses and
crashes the process on a few thousand nested braces).

pyoxigraph has no timeout of its own, so ``run_limited`` runs the query in a
worker thread (pyoxigraph releases the GIL while it evaluates) and the caller
stops waiting at the deadline. The abandoned evaluation runs to its end in the
background; the row cap keeps a huge answer from being materialized.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass

from rdflib.term import Node

from kg.errors import InputError
from kg.evaluation import QueryTimeout
from kg.sparql_syntax import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_DEPTH,
    QUERY_FORMS,
    UPDATE_KEYWORDS,
    QueryStructure,
    ReadOnlyError,
    TextLimits,
    analyze,
    where,
)
from kg.store.interface import QueryResult, Store

__all__ = ["QUERY_FORMS", "QueryLimits", "QueryTimeout", "ReadOnlyError", "check_query", "check_read_only",
           "run_limited"]


@dataclass(frozen=True)
class QueryLimits:
    """How long a user query may run, how many rows it may return, how big and deep its text may be."""

    timeout: float = 10.0
    max_rows: int = 10_000
    max_chars: int = DEFAULT_MAX_CHARS
    max_depth: int = DEFAULT_MAX_DEPTH

    @property
    def text(self) -> TextLimits:
        """The caps on the query text."""
        return TextLimits(self.max_chars, self.max_depth)


def check_query(query: str, limits: TextLimits | None = None) -> QueryStructure:
    """The query's structure if it is a bounded, read-only query without SERVICE; else a one-line error.

    Updates and SERVICE raise ``ReadOnlyError`` naming the keyword; text over a cap or that is not
    SPARQL raises ``InputError`` (``QuerySyntaxError``) saying where.
    """
    structure = analyze(query, limits)
    if structure.form not in QUERY_FORMS:
        if structure.form in UPDATE_KEYWORDS:
            raise ReadOnlyError(f"{structure.form} is not allowed: this graph is read-only here (queries only)")
        if structure.form_index >= len(structure.tokens):
            raise InputError("SPARQL syntax error: the query is empty (expected SELECT, ASK, CONSTRUCT or DESCRIBE)")
        found = structure.tokens[structure.form_index]
        raise InputError(f"SPARQL syntax error at {where(query, found.start)}: expected SELECT, ASK, CONSTRUCT "
                         f"or DESCRIBE, found {found.text[:40]!r}")
    if "SERVICE" in structure.words():
        raise ReadOnlyError("SERVICE is not allowed: queries here may not call other endpoints")
    return structure


def check_read_only(query: str, limits: TextLimits | None = None) -> None:
    """Refuse updates, LOAD, SERVICE and over-cap text with a message that names the problem."""
    check_query(query, limits)


def run_limited(
    store: Store,
    query: str,
    limits: QueryLimits,
    bindings: Mapping[str, Node] | None = None,
) -> QueryResult:
    """Run a read-only query with a deadline and a row cap (``result.truncated`` says if rows were cut)."""
    check_query(query, limits.text)
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

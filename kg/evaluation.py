"""What a query evaluation is asked and what it answers, shared by the endpoint, the owner channel and its clients.

These types sit below both ``kg.endpoint`` (which evaluates) and ``kg.store``
(whose owner channel carries requests to another process), so neither has to
import the other to name them.
"""

from __future__ import annotations

from dataclasses import dataclass

from kg.errors import KGError


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


class QueryTimeout(KGError):
    """The query did not finish within the allowed time."""

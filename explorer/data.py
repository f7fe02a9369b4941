"""Cached access to the store for every page: one open store per process, query answers as data frames.

The embedded pyoxigraph store allows one writing process, so the app opens it once
(``st.cache_resource``) as its owner (or as a client of the process that owns it) and every
page shares that handle. Catalog answers are cached with ``st.cache_data`` so switching pages
does not re-run queries. A write by any process through the owner raises the owner's store
generation, and the next page run clears the cache. A cached answer is also keyed on the query, its
bindings and the store's change marker (catalog query ``store-marker``: the counts graph every kg
write rewrites, read at most every few seconds), which catches writes made while no owner ran;
writes neither can see (another tool's) are caught by the answers' five-minute lifetime; a refresh
clears the cache.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from kg.errors import KGError
from kg.queries import get_query, page_of, prepare
from kg.sparql import bind_values, page_limit, set_page
from kg.sparql_syntax import tokenize
from kg.store import Store, open_store, resolve_store_spec
from kg.store.client import OwnerClient

SPEC_KEY = "store_spec"


def store_spec(argv: list[str]) -> str:
    """The store named after ``--`` on the streamlit command line, else ``KG_STORE``, else the default."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    known, _ = parser.parse_known_args(argv)
    return resolve_store_spec(known.store)


def current_spec() -> str:
    """The store this session reads (set by ``app.py`` on every run; computed again if a page runs alone).

    Every caller goes through here before reading a cached answer, so this is where the caches
    learn that another process wrote the store (``follow_writes``).
    """
    spec = st.session_state.get(SPEC_KEY)
    if not spec:
        spec = store_spec(sys.argv[1:])
        st.session_state[SPEC_KEY] = spec
    follow_writes(spec)
    return spec


@st.cache_resource(show_spinner=False)
def _open(spec: str) -> Store:
    """One open store per app process and store location: its owner, or a client of another owner.

    A store that stays busy (``KG_STORE_WAIT``) or is no store at all is one line on the page, not a traceback.
    """
    try:
        return open_store(spec, own=True)
    except KGError as exc:
        st.error(f"cannot open the store: {exc}")
        st.stop()
        raise  # st.stop() ends the script run; this line is for readers and type checkers


def get_store(spec: str) -> Store:
    """The open store for ``spec``; a client whose owner died opens again (and may become the owner)."""
    opened = _open(spec)
    if isinstance(opened, OwnerClient) and not opened.owner_alive():
        _open.clear()
        opened = _open(spec)
    return opened


_seen_generation: dict[str, int] = {}
"""The store generation the cached answers of each store were computed at."""


def store_generation(spec: str) -> int:
    """How many writes the store's owner has committed (pages may key their own caches on it)."""
    opened = get_store(spec)
    return int(getattr(opened, "generation", 0))


def follow_writes(spec: str) -> None:
    """Forget every cached answer once the store has a write the caches have not seen."""
    generation = store_generation(spec)
    if _seen_generation.get(spec, generation) != generation:
        st.cache_data.clear()
    _seen_generation[spec] = generation


def store() -> Store:
    """The open store of this session."""
    return get_store(current_spec())


MARKER_SECONDS = 3
"""How long the change marker is reused: one page run asks for it once, not once per query."""


@st.cache_data(ttl=MARKER_SECONDS, show_spinner=False)
def marker(spec: str) -> str:
    """The store's change marker: what the counts graph was computed from and when ("" before any kg write)."""
    result = get_store(spec).query(bound_text("store-marker"))
    rows = result.values()
    return " ".join(str(rows[0].get(name) or "") for name in result.variables) if rows else ""


@st.cache_data(ttl=300, show_spinner=False)
def _named(spec: str, name: str, params: tuple[tuple[str, str], ...], changed: str = "") -> pd.DataFrame:
    """A whole catalog answer; ``changed`` (the store's change marker) is only part of the cache key."""
    query, values = get_query(name), dict(params)
    if query.page_size is not None:
        # The pages filter, sort and plot whole answers client-side: ask for every row, not the first page.
        values.setdefault("limit", "0")
    result = get_store(spec).query(*prepare(query, values))
    return pd.DataFrame(result.values(), columns=list(result.variables))


def named(name: str, **params: str) -> pd.DataFrame:
    """A catalog query's answer as a data frame (columns present even when there are no rows)."""
    spec = current_spec()
    return _named(spec, name, tuple(sorted(params.items())), marker(spec))


def named_in(spec: str, name: str, **params: str) -> pd.DataFrame:
    """A catalog answer for a given store (for cached functions that take the store as an argument)."""
    return _named(spec, name, tuple(sorted(params.items())), marker(spec))


@dataclass(frozen=True)
class Answer:
    """One page of a catalog answer, bound exactly as ``kg query`` binds it, and where it sits."""

    frame: pd.DataFrame
    name: str
    text: str
    """The query text that ran, with its parameters as a VALUES block and its page in the LIMIT clause."""
    limit: int | None = None
    offset: int = 0
    total: int | None = None
    """How many items the pages are cut from (findings, links, publications); None for unpaged queries."""

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or None on the last one."""
        if self.limit is None or self.total is None or not self.limit:
            return None
        following = self.offset + self.limit
        return following if following < self.total else None


def bound_text(name: str, values: dict[str, str] | None = None) -> str:
    """The text ``kg query NAME`` runs: defaults and given values bound as VALUES, its first page applied."""
    return bind_values(*prepare(get_query(name), values or {}))


_OFFSET = re.compile(r"\s+OFFSET\s+\d+", re.IGNORECASE)


def count_text(text: str) -> str | None:
    """A COUNT of what a paged query's pages are cut from: its ``LIMIT`` sub-SELECT without the limit.

    A catalog query pages an inner ``{ SELECT DISTINCT ... LIMIT n }`` of keys (findings, links,
    publications); counting that sub-SELECT's rows gives the number of items, whatever the outer
    query adds per item. The sub-SELECT's own ORDER BY is left out (a count does not need the sort,
    which is most of a sorted page's cost). A LIMIT at the top level counts the whole query's rows.
    None if not paged.
    """
    span = page_limit(text)
    if span is None:
        return None
    opened: list[int] = []
    group: tuple[int, int] | None = None
    for token in tokenize(text):
        if token.text == "{":
            opened.append(token.start)
        elif token.text == "}" and opened:
            start = opened.pop()
            if start < span[0] < token.start and group is None:
                group = (start, token.start)
    after = _OFFSET.match(text, span[1])
    unlimited = set_page(text[: span[1]] + text[after.end():] if after else text, 0)
    if group is None:
        return f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {unlimited} }} }}"
    shift = len(unlimited) - len(text)
    inner = _without_order(unlimited[group[0] + 1 : group[1] + shift])
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {{ {inner}\n}} }}"  # a newline ends a trailing comment


def _without_order(select: str) -> str:
    """A sub-SELECT's text without its own top-level ``ORDER BY`` (the rest of it follows the clause)."""
    depth = 0
    for token in tokenize(select):
        if token.text in ("{", "("):
            depth += 1
        elif token.text in ("}", ")"):
            depth -= 1
        elif depth == 0 and token.word == "ORDER":
            return select[: token.start]
    return select


@st.cache_data(ttl=300, show_spinner=False)
def _answer(spec: str, name: str, params: tuple[tuple[str, str], ...], changed: str = "") -> Answer:
    """One page and its total; ``changed`` (the store's change marker) is only part of the cache key."""
    query, values = get_query(name), dict(params)
    text, bindings = prepare(query, values)
    bound = bind_values(text, bindings)
    result = get_store(spec).query(bound)
    frame = pd.DataFrame(result.values(), columns=list(result.variables))
    page = page_of(query, values)
    if page is None:
        return Answer(frame, name, bound)
    limit, offset = page
    total = None
    counting = count_text(bound) if limit else None
    if counting is not None:
        rows = get_store(spec).query(counting).values()
        total = int(rows[0]["n"]) if rows else 0
    return Answer(frame, name, bound, limit, offset, total)


def answer(name: str, **params: str) -> Answer:
    """A catalog query's answer as ``kg query`` gives it (defaults bound, first page unless ``offset``/``limit``)."""
    spec = current_spec()
    return _answer(spec, name, tuple(sorted(params.items())), marker(spec))


def page_text(answer: Answer, noun: str) -> str:
    """"Showing 51-100 of 6,974 findings" for one page of a paged answer ("No findings" when there is none)."""
    if answer.total is None:
        return f"{len(answer.frame)} {noun}"
    if not answer.total:
        return f"No {noun}"
    last = min(answer.offset + (answer.limit or answer.total), answer.total)
    return f"Showing {answer.offset + 1:,}-{last:,} of {answer.total:,} {noun}"


def clear_caches() -> None:
    """Forget cached answers (after a refresh changed the graph)."""
    marker.clear()
    _named.clear()
    _answer.clear()

"""Cached access to the store for every page: one open store per process, query answers as data frames.

The embedded pyoxigraph store allows one writing process, so the app opens it once
(``st.cache_resource``) and every page shares that handle. Catalog answers are cached with
``st.cache_data`` so switching pages does not re-run queries; a refresh clears the cache.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd
import streamlit as st

from kg.queries import get_query, prepare
from kg.store import Store, open_store, resolve_store_spec

SPEC_KEY = "store_spec"


def store_spec(argv: list[str]) -> str:
    """The store named after ``--`` on the streamlit command line, else ``KG_STORE``, else the default."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    known, _ = parser.parse_known_args(argv)
    return resolve_store_spec(known.store)


def current_spec() -> str:
    """The store this session reads (set by ``app.py`` on every run; computed again if a page runs alone)."""
    spec = st.session_state.get(SPEC_KEY)
    if not spec:
        spec = store_spec(sys.argv[1:])
        st.session_state[SPEC_KEY] = spec
    return spec


@st.cache_resource(show_spinner=False)
def get_store(spec: str) -> Store:
    """One open store per app process and store location."""
    return open_store(spec)


def store() -> Store:
    """The open store of this session."""
    return get_store(current_spec())


@st.cache_data(ttl=300, show_spinner=False)
def _named(spec: str, name: str, params: tuple[tuple[str, str], ...]) -> pd.DataFrame:
    query, values = get_query(name), dict(params)
    if query.page_size is not None:
        # The pages filter, sort and plot whole answers client-side: ask for every row, not the first page.
        values.setdefault("limit", "0")
    result = get_store(spec).query(*prepare(query, values))
    return pd.DataFrame(result.values(), columns=list(result.variables))


def named(name: str, **params: str) -> pd.DataFrame:
    """A catalog query's answer as a data frame (columns present even when there are no rows)."""
    return _named(current_spec(), name, tuple(sorted(params.items())))


def named_in(spec: str, name: str, **params: str) -> pd.DataFrame:
    """A catalog answer for a given store (for cached functions that take the store as an argument)."""
    return _named(spec, name, tuple(sorted(params.items())))


def clear_caches() -> None:
    """Forget cached answers (after a refresh changed the graph)."""
    _named.clear()

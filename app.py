"""cohort-kg explorer (placeholder until the explorer issue lands): what the graph holds.

Run with ``streamlit run app.py -- --store PATH``; without ``--store`` it uses
``$KG_STORE``, else the embedded default store, like the CLI.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd
import streamlit as st

from kg.queries import run_named
from kg.store import Store, open_store, resolve_store_spec


def store_spec(argv: list[str]) -> str:
    """The store named after ``--`` on the streamlit command line, else the CLI's default."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--store")
    known, _ = parser.parse_known_args(argv)
    return resolve_store_spec(known.store)


@st.cache_resource
def get_store(spec: str) -> Store:
    """One open store per app process (the embedded store allows one writer at a time)."""
    return open_store(spec)


@st.cache_data(ttl=60)
def named(spec: str, name: str) -> pd.DataFrame:
    """A catalog query's answer as a data frame."""
    return pd.DataFrame(run_named(get_store(spec), name).values())


def main() -> None:
    """Graph statistics and the findings table."""
    spec = store_spec(sys.argv[1:])
    st.set_page_config(page_title="cohort-kg", layout="wide")
    st.title("cohort-kg")
    st.caption(f"store: {spec}")
    stats = named(spec, "graph-stats")
    if not stats.empty:
        columns = st.columns(len(stats.columns))
        for column, name in zip(columns, stats.columns, strict=True):
            column.metric(name, int(stats.iloc[0][name]))
    st.subheader("Findings")
    st.dataframe(named(spec, "findings"), hide_index=True)
    st.subheader("Citing publications")
    st.dataframe(named(spec, "citing-publications"), hide_index=True)


main()

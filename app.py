"""cohort-kg explorer: a multipage Streamlit app over the store.

Run with ``streamlit run app.py -- --store PATH``; without ``--store`` it uses
``$KG_STORE``, else the embedded default store, like the CLI. The pages live in
``explorer/pages`` and read the graph only through the query catalog and ``kg.store``.
"""

from __future__ import annotations

import sys

import streamlit as st

from explorer.data import SPEC_KEY, store_spec

PAGES = [
    ("explorer/pages/questions.py", "Questions"),
    ("explorer/pages/overview.py", "Overview"),
    ("explorer/pages/graph.py", "Graph"),
    ("explorer/pages/findings.py", "Findings"),
    ("explorer/pages/publications.py", "Publications"),
    ("explorer/pages/compare.py", "Compare"),
    ("explorer/pages/sparql.py", "SPARQL"),
    ("explorer/pages/refresh.py", "Refresh"),
]
"""The pages in menu order, the first being the default. No ``:material/...:`` icons: Streamlit fetches
their font from an external host, and the explorer must work without a network."""


def main() -> None:
    """Resolve the store once per session, then hand over to the selected page."""
    st.set_page_config(page_title="cohort-kg explorer", layout="wide")
    st.session_state[SPEC_KEY] = store_spec(sys.argv[1:])
    page = st.navigation([st.Page(path, title=title, default=i == 0) for i, (path, title) in enumerate(PAGES)])
    st.sidebar.caption(f"store: {st.session_state[SPEC_KEY]}")
    page.run()


main()

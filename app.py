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
    ("explorer/pages/overview.py", "Overview", ":material/dashboard:"),
    ("explorer/pages/graph.py", "Graph", ":material/hub:"),
    ("explorer/pages/findings.py", "Findings", ":material/table_view:"),
    ("explorer/pages/publications.py", "Publications", ":material/article:"),
    ("explorer/pages/compare.py", "Compare", ":material/compare_arrows:"),
    ("explorer/pages/sparql.py", "SPARQL", ":material/terminal:"),
    ("explorer/pages/refresh.py", "Refresh", ":material/sync:"),
]


def main() -> None:
    """Resolve the store once per session, then hand over to the selected page."""
    st.set_page_config(page_title="cohort-kg explorer", layout="wide")
    st.session_state[SPEC_KEY] = store_spec(sys.argv[1:])
    page = st.navigation([st.Page(path, title=title, icon=icon) for path, title, icon in PAGES])
    st.sidebar.caption(f"store: {st.session_state[SPEC_KEY]}")
    page.run()


main()

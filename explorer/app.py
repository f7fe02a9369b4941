"""cohort-kg explorer: a multipage Streamlit app over the store.

Run with ``kg explore --store PATH`` (or ``streamlit run`` of this file, or of
``app.py`` in a checkout, followed by ``-- --store PATH``); without a store it
uses ``$KG_STORE``, else the embedded default store, like the CLI. The pages
live in ``explorer/pages`` and read the graph only through the query catalog
and ``kg.store``. Page files are named by absolute path, so the app runs the
same from an installed package and from the checkout's ``app.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

from explorer.data import SPEC_KEY, store_spec

PAGE_DIR = Path(__file__).resolve().parent / "pages"
PAGES = [
    ("questions.py", "Questions"),
    ("overview.py", "Overview"),
    ("graph.py", "Graph"),
    ("findings.py", "Findings"),
    ("publications.py", "Publications"),
    ("compare.py", "Compare"),
    ("sparql.py", "SPARQL"),
    ("refresh.py", "Refresh"),
]
"""The pages in menu order, the first being the default. No ``:material/...:`` icons: Streamlit fetches
their font from an external host, and the explorer must work without a network."""


def main() -> None:
    """Resolve the store once per session, then hand over to the selected page."""
    st.set_page_config(page_title="cohort-kg explorer", layout="wide")
    st.session_state[SPEC_KEY] = store_spec(sys.argv[1:])
    page = st.navigation(
        [st.Page(PAGE_DIR / name, title=title, default=i == 0) for i, (name, title) in enumerate(PAGES)]
    )
    st.sidebar.caption(f"store: {st.session_state[SPEC_KEY]}")
    page.run()


if __name__ == "__main__":
    main()

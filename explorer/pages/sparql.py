"""SPARQL page: a read-only editor prefilled from the query catalog, with limits and downloads.

Queries go through ``kg.guard``: updates, LOAD, CLEAR, DROP and SERVICE are refused before they reach
the store, evaluation stops waiting at a deadline and at most ``MAX_ROWS`` rows come back.

A catalog query is loaded bound exactly as ``kg query`` runs it: its default parameters as a VALUES
block in the text and its first page in the LIMIT clause, so both give the same rows. A paged query
says how many items there are and offers the next page while the text is left as loaded.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import data
from explorer.sparql_errors import locate, short_message, unknown_prefix
from kg.errors import InputError, KGError
from kg.guard import QueryLimits, QueryTimeout, ReadOnlyError, run_limited
from kg.namespaces import PREFIXES
from kg.output import plain
from kg.output import render as serialize
from kg.queries import catalog
from kg.store import QueryResult

LIMITS = QueryLimits(timeout=10.0, max_rows=5_000)


def _show_result(result: QueryResult) -> None:
    """The answer as the engine wrote it: lexical forms in the table, SPARQL 1.1 result formats to download."""
    if result.boolean is not None:
        st.success(f"ASK answer: {'yes' if result.boolean else 'no'}")
        return
    if result.triples is not None:
        frame = pd.DataFrame([tuple(plain(t) for t in triple) for triple in result.triples],
                             columns=["subject", "predicate", "object"])
    else:
        frame = pd.DataFrame([tuple(plain(term) for term in row) for row in result.rows],
                             columns=list(result.variables))
    note = f"{len(frame)} rows"
    if result.truncated:
        note += f" — capped at {LIMITS.max_rows}: the query has more answers (add LIMIT or narrow it)"
        st.warning(note)
    else:
        st.caption(note)
    st.dataframe(frame, hide_index=True, width="stretch")
    left, right = st.columns(2)
    if result.triples is not None:
        left.download_button("Download N-Triples", serialize(result, "csv").encode(), "results.nt",
                             "application/n-triples", key="q_csv")
        return
    left.download_button("Download CSV", serialize(result, "csv").encode(), "results.csv", "text/csv", key="q_csv")
    right.download_button("Download JSON", serialize(result, "json").encode(), "results.json",
                          "application/sparql-results+json", key="q_json")


SOURCE_KEY = "q_source"
"""Which catalog query (name, parameters) the editor was loaded from."""


def _load(name: str, params: dict[str, str]) -> None:
    """Put a catalog query into the editor, bound as ``kg query`` binds it."""
    st.session_state["q_text"] = data.bound_text(name, params)
    st.session_state[SOURCE_KEY] = (name, dict(params))


def _on_pick() -> None:
    """Load the picked catalog query into the editor."""
    picked = st.session_state.get("q_pick")
    if picked:
        _load(picked, {})


def _from_link(names: list[str]) -> None:
    """Open the catalog query named in the page's URL (``?query=NAME&param=value``), once per link."""
    wanted = dict(st.query_params)
    name = wanted.pop("query", None)
    if not name or st.session_state.get("q_link") == (name, wanted):
        return
    st.session_state["q_link"] = (name, wanted)
    if name not in names:
        st.warning(f"No catalog query is named {name!r}.")
        return
    try:
        _load(name, wanted)
    except InputError as exc:
        st.warning(f"Could not bind {name}: {exc}")
        return
    st.session_state["q_pick"] = name
    st.session_state["q_run_now"] = True


def _page_of_source(text: str) -> tuple[str, dict[str, str], int, int] | None:
    """(name, parameters, limit, offset) when the editor holds a paged catalog query exactly as loaded."""
    source = st.session_state.get(SOURCE_KEY)
    if not source:
        return None
    name, params = source
    query = catalog().get(name)
    if query is None or query.page_size is None:
        return None
    try:
        if data.bound_text(name, params) != text:
            return None
    except InputError:
        return None
    limit = int(params.get("limit") or query.page_size)
    return name, params, limit, int(params.get("offset") or 0)


def _paging(text: str) -> None:
    """"Showing 101-200 of 8,717", and a button that loads and runs the next page."""
    paged = _page_of_source(text)
    if paged is None:
        return
    name, params, limit, offset = paged
    counting = data.count_text(text)
    if not limit or counting is None:
        return
    rows = data.store().query(counting).values()
    total = int(rows[0]["n"]) if rows else 0
    last = min(offset + limit, total)
    left, right = st.columns([4, 1])
    left.info(f"Showing {offset + 1 if total else 0}-{last} of {total:,} (this query is paged: {limit} a page)")
    if last < total:
        right.button("Next page", key="q_next", on_click=_load_and_run,
                     args=(name, {**params, "offset": str(offset + limit)}))


def _load_and_run(name: str, params: dict[str, str]) -> None:
    _load(name, params)
    st.session_state["q_run_now"] = True


def render() -> None:
    """Editor, run button, and the answer or a readable error."""
    st.title("SPARQL")
    st.caption(f"Read-only. Queries stop after {LIMITS.timeout:g} s and return at most {LIMITS.max_rows} rows. "
               "Prefixes such as ckg:, skos:, fabio:, cito: and dcterms: are predeclared.")
    queries = catalog()
    names = sorted(queries)
    _from_link(names)
    if "q_text" not in st.session_state:
        if names:
            _load(names[0], {})
        else:
            st.session_state["q_text"] = "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    st.selectbox("Start from a catalog query", names, key="q_pick", on_change=_on_pick,
                 format_func=lambda n: f"{n} — {queries[n].title}")
    text = st.text_area("Query", key="q_text", height=300)
    st.caption("Catalog queries are loaded with their default parameters bound (the VALUES block) and their "
               "first page, exactly as `kg query` runs them.")
    clicked = st.button("Run query", type="primary", key="q_run")
    if not (clicked or st.session_state.pop("q_run_now", False)):
        return
    try:
        result = run_limited(data.store(), text, LIMITS)
    except ReadOnlyError as exc:
        st.error(f"Refused: {exc}")
        return
    except QueryTimeout as exc:
        st.error(str(exc))
        return
    except InputError as exc:
        problem = locate(text, str(exc))
        if problem is None:
            st.error(short_message(str(exc)))
            return
        prefix = unknown_prefix(text, problem, PREFIXES)
        if prefix:
            st.error(prefix)
        else:
            st.error(f"Syntax error at line {problem.line}, column {problem.column}: {short_message(problem.message)}")
        st.code(problem.excerpt, language=None)
        return
    except KGError as exc:
        st.error(f"The store could not answer: {exc}")
        return
    _show_result(result)
    _paging(text)


render()

"""SPARQL page: a read-only editor prefilled from the query catalog, with limits and downloads.

Queries go through ``kg.guard``: updates, LOAD, CLEAR, DROP and SERVICE are refused before they reach
the store, evaluation stops waiting at a deadline and at most ``MAX_ROWS`` rows come back.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from explorer import data
from explorer.sparql_errors import locate
from kg.errors import InputError, KGError
from kg.guard import QueryLimits, QueryTimeout, ReadOnlyError, run_limited
from kg.queries import catalog

LIMITS = QueryLimits(timeout=10.0, max_rows=5_000)


def _show_result(result: object) -> None:
    if result.boolean is not None:
        st.success(f"ASK answer: {'yes' if result.boolean else 'no'}")
        return
    if result.triples is not None:
        frame = pd.DataFrame([tuple(str(t) for t in triple) for triple in result.triples],
                             columns=["subject", "predicate", "object"])
    else:
        frame = pd.DataFrame(result.values(), columns=list(result.variables))
    note = f"{len(frame)} rows"
    if result.truncated:
        note += f" — capped at {LIMITS.max_rows}: the query has more answers (add LIMIT or narrow it)"
        st.warning(note)
    else:
        st.caption(note)
    st.dataframe(frame, hide_index=True, width="stretch")
    left, right = st.columns(2)
    left.download_button("Download CSV", frame.to_csv(index=False).encode(), "results.csv", "text/csv",
                         key="q_csv")
    records = json.dumps(frame.astype(object).where(frame.notna(), None).to_dict(orient="records"),
                         default=str, indent=1)
    right.download_button("Download JSON", records.encode(), "results.json", "application/json", key="q_json")


def _on_pick() -> None:
    """Load the picked catalog query into the editor."""
    picked = st.session_state.get("q_pick")
    if picked:
        st.session_state["q_text"] = catalog()[picked].text


def render() -> None:
    """Editor, run button, and the answer or a readable error."""
    st.title("SPARQL")
    st.caption(f"Read-only. Queries stop after {LIMITS.timeout:g} s and return at most {LIMITS.max_rows} rows. "
               "Prefixes such as ckg:, skos:, fabio:, cito: and dcterms: are predeclared.")
    queries = catalog()
    names = sorted(queries)
    if "q_text" not in st.session_state:
        st.session_state["q_text"] = queries[names[0]].text if names else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
    st.selectbox("Start from a catalog query", names, index=0, key="q_pick", on_change=_on_pick,
                 format_func=lambda n: f"{n} — {queries[n].title}")
    text = st.text_area("Query", key="q_text", height=300)
    if not st.button("Run query", type="primary", key="q_run"):
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
            st.error(str(exc))
            return
        st.error(f"Syntax error at line {problem.line}, column {problem.column}: {problem.message}")
        st.code(problem.excerpt, language=None)
        return
    except KGError as exc:
        st.error(f"The store could not answer: {exc}")
        return
    _show_result(result)


render()

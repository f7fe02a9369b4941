"""Compare page: one concept across every publication that reports it, to see whether a finding replicates.

The answer is the catalog's ``compare-concept`` query, a page of 50 findings at a time (its default),
so the plot stays readable however many studies report the concept; "next page" moves on.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from explorer import data, tables
from explorer.links import source_url
from explorer.ui import empty_note
from kg.queries import expand_iri, get_query

MEASURES = {"percentage": "reported %", "count": "count (n)", "pValue": "P-value"}
FIRST = ("studyName", "subgroup", "matchedLabel", "directionName", "otherLabel", "P", "nOfN", "percentage", "pmid",
         "evidence")
HIDDEN = ("finding", "study", "studyTitle", "year", "matched", "source", "role", "relation")
OFFSET_KEY = "c_offset"


def study_label(row: pd.Series) -> str:
    """A short name for a study on the plot's axis: PMID and year, else the start of its title."""
    pmid = row.get("pmid")
    title = str(row.get("studyTitle") or row.get("study"))
    year = row.get("year")
    name = f"PMID {pmid}" if isinstance(pmid, str) and pmid else (title[:40] + ("…" if len(title) > 40 else ""))
    return f"{name} ({int(year)})" if pd.notna(year) and year is not None else name


def default_concept() -> str:
    """The concept ``kg query compare-concept`` compares when none is given."""
    parameter = next(p for p in get_query("compare-concept").parameters if p.name == "concept")
    return str(expand_iri(parameter.default or ""))


def _reset_page() -> None:
    st.session_state[OFFSET_KEY] = 0


def render() -> None:
    """Concept picker, one page of the comparison table and a dot plot of one measure."""
    st.title("Compare a concept across studies")
    concepts = data.named("top-concepts")
    if empty_note(concepts, "concepts used by findings"):
        return
    concepts = concepts[concepts["findings"] > 0]
    if empty_note(concepts, "concepts used by findings"):
        return
    labels = dict(zip(concepts["concept"], concepts["label"].fillna(concepts["concept"]), strict=True))
    ordered = list(labels)
    default = default_concept()
    if default in labels:
        ordered.remove(default)
        ordered.insert(0, default)
    concept = st.selectbox("Concept (risk factor, resistance phenotype, outcome)", ordered,
                           format_func=labels.get, key="c_concept", on_change=_reset_page)
    offset = int(st.session_state.get(OFFSET_KEY, 0))
    answer = data.answer("compare-concept", concept=concept, offset=str(offset))
    rows = answer.frame
    if rows.empty:
        st.info("No finding refers to this concept.")
        return
    rows = rows.copy()
    rows["studyName"] = rows.apply(study_label, axis=1)
    rows["source"] = [source_url(p, s) for p, s in zip(rows["pmid"], rows["study"], strict=True)]
    total = answer.total if answer.total is not None else len(rows)
    papers = rows["study"].nunique()
    st.caption(f"showing {offset + 1}-{min(offset + (answer.limit or total), total)} of {total} findings "
               "(narrower concepts included)")
    st.caption(f"{len(rows)} findings from {papers} publication{'s' if papers != 1 else ''} on this page")
    left, right, _ = st.columns([1, 1, 6])
    if offset and left.button("previous page", key="c_prev"):
        st.session_state[OFFSET_KEY] = max(0, offset - (answer.limit or 0))
        st.rerun()
    if answer.next_offset is not None and right.button("next page", key="c_next"):
        st.session_state[OFFSET_KEY] = answer.next_offset
        st.rerun()
    tables.show(rows, FIRST, HIDDEN, key="c_table")
    available = [m for m in MEASURES if pd.to_numeric(rows[m], errors="coerce").notna().any()]
    if not available:
        st.caption("None of these findings reports a percentage, count or P-value to plot.")
        return
    measure = st.radio("Plot", available, format_func=MEASURES.get, horizontal=True, key="c_measure")
    plot = rows.assign(value=pd.to_numeric(rows[measure], errors="coerce")).dropna(subset=["value"])
    plot["subgroup"] = plot["subgroup"].fillna("(not given)")
    x = alt.X("value:Q", title=MEASURES[measure],
              scale=alt.Scale(type="log") if measure == "pValue" else alt.Scale(zero=True))
    height = 60 + 24 * plot["studyName"].nunique()
    chart = alt.Chart(plot, height=height).mark_point(filled=True, size=140).encode(
        x=x, y=alt.Y("studyName:N", title=None, axis=alt.Axis(labelLimit=320)), color=alt.Color("subgroup:N"),
        shape=alt.Shape("matchedLabel:N", title="concept"), href="source:N",
        tooltip=["studyName", "subgroup", "matchedLabel", "otherLabel", "relation", "value", "evidence"],
    )
    st.altair_chart(chart, width="stretch")
    st.caption("Click a point to open the publication that reports it; the table above gives the evidence.")


render()

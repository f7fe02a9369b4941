"""Compare page: one concept across every publication that reports it, to see whether a finding replicates."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from explorer import data
from explorer.links import source_url
from explorer.ui import empty_note

MEASURES = {"percentage": "reported %", "count": "count (n)", "pValue": "P-value"}


def study_label(row: pd.Series) -> str:
    """A short name for a study on the plot's axis: PMID and year, else the start of its title."""
    pmid = row.get("pmid")
    title = str(row.get("studyTitle") or row.get("study"))
    year = row.get("year")
    name = f"PMID {pmid}" if isinstance(pmid, str) and pmid else (title[:40] + ("…" if len(title) > 40 else ""))
    return f"{name} ({int(year)})" if pd.notna(year) and year is not None else name


def render() -> None:
    """Concept picker, the comparison table and a dot plot of one measure."""
    st.title("Compare a concept across studies")
    concepts = data.named("top-concepts")
    if empty_note(concepts, "concepts used by findings"):
        return
    concepts = concepts[concepts["findings"] > 0]
    if empty_note(concepts, "concepts used by findings"):
        return
    labels = dict(zip(concepts["concept"], concepts["label"].fillna(concepts["concept"]), strict=True))
    concept = st.selectbox("Concept (risk factor, resistance phenotype, outcome)", list(labels),
                           format_func=labels.get, key="c_concept")
    rows = data.named("compare-concept", concept=concept)
    if rows.empty:
        st.info("No finding refers to this concept.")
        return
    rows = rows.copy()
    rows["studyName"] = rows.apply(study_label, axis=1)
    rows["source"] = [source_url(p, s) for p, s in zip(rows["pmid"], rows["study"], strict=True)]
    st.caption(f"{len(rows)} findings from {rows['study'].nunique()} publications "
               "(narrower concepts included)")
    st.dataframe(
        rows[["studyName", "subgroup", "role", "matchedLabel", "relation", "otherLabel", "directionName", "count",
              "denominator", "percentage", "pComparator", "pValue", "method", "evidence", "source"]],
        hide_index=True, width="stretch",
        column_config={"source": st.column_config.LinkColumn("source")},
    )
    available = [m for m in MEASURES if pd.to_numeric(rows[m], errors="coerce").notna().any()]
    if not available:
        st.caption("None of these findings reports a percentage, count or P-value to plot.")
        return
    measure = st.radio("Plot", available, format_func=MEASURES.get, horizontal=True, key="c_measure")
    plot = rows.assign(value=pd.to_numeric(rows[measure], errors="coerce")).dropna(subset=["value"])
    plot["subgroup"] = plot["subgroup"].fillna("(not given)")
    x = alt.X("value:Q", title=MEASURES[measure],
              scale=alt.Scale(type="log") if measure == "pValue" else alt.Scale(zero=True))
    height = 60 + 40 * plot["studyName"].nunique()
    chart = alt.Chart(plot, height=height).mark_point(filled=True, size=140).encode(
        x=x, y=alt.Y("studyName:N", title=None, axis=alt.Axis(labelLimit=320)), color=alt.Color("subgroup:N"),
        shape=alt.Shape("matchedLabel:N", title="concept"), href="source:N",
        tooltip=["studyName", "subgroup", "matchedLabel", "otherLabel", "relation", "value", "evidence"],
    )
    st.altair_chart(chart, width="stretch")
    st.caption("Click a point to open the publication that reports it; the table above gives the evidence.")


render()

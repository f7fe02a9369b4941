"""Findings page: every finding as a filterable table with its evidence and source, a CSV, a plot."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from explorer import data, tables
from explorer.ui import empty_note, options

COLUMNS = ["subjectLabel", "relation", "objectLabel", "directionName", "subgroup", "count", "denominator",
           "percentage", "pComparator", "pValue", "method", "evidence", "pmid"]
FIRST = ("subjectLabel", "directionName", "objectLabel", "P", "subgroup", "nOfN", "percentage", "pmid", "evidence")


def filtered(rows: pd.DataFrame, concepts: list[str], subgroups: list[str], methods: list[str],
             p_max: float | None) -> pd.DataFrame:
    """Rows matching every filter that is set (a P-value filter drops rows without a P-value)."""
    keep = pd.Series(True, index=rows.index)
    if concepts:
        keep &= rows["subjectLabel"].isin(concepts) | rows["objectLabel"].isin(concepts)
    if subgroups:
        keep &= rows["subgroup"].isin(subgroups)
    if methods:
        keep &= rows["method"].isin(methods)
    if p_max is not None:
        keep &= pd.to_numeric(rows["pValue"], errors="coerce") <= p_max
    return rows[keep]


def render() -> None:
    """Filters, the table, its download and the percentages plot."""
    st.title("Findings")
    rows = data.named("findings")
    if empty_note(rows, "findings"):
        return
    a, b, c, d = st.columns(4)
    concepts = a.multiselect("Concept", options(rows, "subjectLabel", "objectLabel"), key="f_concepts")
    subgroups = b.multiselect("Subgroup", options(rows, "subgroup"), key="f_subgroups")
    methods = c.multiselect("Method", options(rows, "method"), key="f_methods")
    use_p = d.checkbox("Only P ≤", value=False, key="f_use_p")
    p_max = d.number_input("P-value at most", min_value=0.0, max_value=1.0, value=0.05, step=0.01,
                           format="%.3f", key="f_p", disabled=not use_p, label_visibility="collapsed")
    shown = filtered(rows, concepts, subgroups, methods, p_max if use_p else None)
    st.caption(f"{len(shown)} of {len(rows)} findings")
    tables.show(shown[COLUMNS].drop_duplicates(), FIRST, key="f_table")
    st.download_button("Download CSV", shown[[*COLUMNS, "finding", "study"]].to_csv(index=False).encode(),
                       "findings.csv", "text/csv", key="f_csv")
    plot = shown.dropna(subset=["percentage"]).copy()
    st.subheader("Reported percentages by subgroup")
    if plot.empty:
        st.caption("No finding in this selection reports a percentage.")
        return
    plot["percentage"] = pd.to_numeric(plot["percentage"])
    chart = alt.Chart(plot).mark_bar().encode(
        x=alt.X("percentage:Q", title="% of patients", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("objectLabel:N", title=None),
        color=alt.Color("subgroup:N"),
        yOffset="subgroup:N",
        tooltip=["objectLabel", "subgroup", "percentage", "count", "denominator", "relation"],
    )
    st.altair_chart(chart, width="stretch")


render()

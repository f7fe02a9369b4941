"""Overview page: what the graph holds, when it was last refreshed, citations per year, top concepts."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from explorer import data, tables
from explorer.ui import empty_note

STAT_LABELS = {
    "publications": "Publications",
    "studies": "Studies",
    "findings": "Findings",
    "concepts": "Concepts",
    "citationLinks": "Citation links",
    "sourceGraphs": "Source graphs",
}


def render() -> None:
    """Counts, freshness, the citation timeline and the most used concepts."""
    st.title("Overview")
    stats = data.named("graph-stats")
    row = stats.iloc[0].to_dict() if not stats.empty else {}
    columns = st.columns(len(STAT_LABELS))
    for column, (key, label) in zip(columns, STAT_LABELS.items(), strict=True):
        column.metric(label, int(row.get(key) or 0))
    fresh = data.named("last-refresh")
    stamp = fresh.iloc[0].to_dict() if not fresh.empty else {}
    st.caption(
        f"Last refresh from PubMed: {stamp.get('lastRefresh') or 'never'} · "
        f"last source graph written: {stamp.get('lastWrite') or 'never'}"
    )

    left, right = st.columns(2)
    with left:
        st.subheader("Citing papers per year")
        per_year = data.named("citing-papers-per-year")
        if not empty_note(per_year, "citation links"):
            per_year = per_year.assign(citingYear=per_year["year"].astype(int).astype(str),
                                       papers=per_year["papers"].astype(int))
            chart = alt.Chart(per_year).mark_bar().encode(
                x=alt.X("citingYear:O", title="year"), y=alt.Y("papers:Q", title="citing papers"),
                tooltip=["citingYear", "papers"],
            )
            st.altair_chart(chart, width="stretch")
            st.caption("PubMed's cited-by lists come from PMC full texts and are incomplete by nature.")
    with right:
        st.subheader("Top concepts")
        top = data.named("top-concepts")
        if not empty_note(top, "concepts used by findings or publications"):
            shown = top.head(15)[["label", "findings", "publications"]]
            tables.show(shown, ("label", "findings", "publications"), key="o_top")
            melted = pd.melt(shown, id_vars="label", var_name="count of", value_name="n")
            chart = alt.Chart(melted).mark_bar().encode(
                y=alt.Y("label:N", sort="-x", title=None), x=alt.X("n:Q"), color="count of:N",
                tooltip=["label", "count of", "n"],
            )
            st.altair_chart(chart, width="stretch")


render()

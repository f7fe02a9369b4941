"""Findings page: one page of the findings that match the filters, a CSV of it, and a percentages plot.

The store does the work: the filters are bound as parameters of the catalog query
``findings-filtered``, which sorts the matching findings and returns the one page shown (and a count
for "Showing 51-100 of N"); the filter choices come from ``finding-facets`` and the plot from the
aggregate ``finding-percentages``, both computed by the store. The page never reads every finding,
which is what made it slow on a large graph.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from explorer import data, tables
from explorer.ui import pager

PAGE = 50
"""Findings per page (the catalog query's own page size)."""
COLUMNS = ["subjectLabel", "relation", "objectLabel", "directionName", "subgroup", "count", "denominator",
           "percentage", "pComparator", "pValue", "method", "evidence", "pmid"]
FIRST = ("subjectLabel", "directionName", "objectLabel", "P", "subgroup", "nOfN", "percentage", "pmid", "evidence")
ANY = ""
"""The filter choice that binds nothing."""
OFFSET_KEY = "f_offset"


def facet_values(facets: pd.DataFrame, facet: str) -> list[str]:
    """The values of one facet, most used first (the order the store gives)."""
    return [str(v) for v in facets.loc[facets["facet"] == facet, "value"]]


def bindings(concept: str, subgroup: str, method: str, p_max: float | None) -> dict[str, str]:
    """The catalog parameters for the chosen filters (an unset filter binds nothing)."""
    params = {"onlyConcept": concept, "onlySubgroup": subgroup, "onlyMethod": method}
    chosen = {name: value for name, value in params.items() if value}
    if p_max is not None:
        chosen["maxP"] = format(p_max, "g")
    return chosen


def _plot(params: dict[str, str]) -> None:
    """Mean reported percentage per object and subgroup (aggregated by the store)."""
    st.subheader("Reported percentages by subgroup")
    plot = data.named("finding-percentages", **params)
    if plot.empty:
        st.caption("No finding in this selection reports a percentage.")
        return
    plot = plot.assign(meanPercentage=pd.to_numeric(plot["meanPercentage"]).round(1),
                       lowest=pd.to_numeric(plot["lowest"]), highest=pd.to_numeric(plot["highest"]),
                       findings=pd.to_numeric(plot["findings"]))
    chart = alt.Chart(plot).mark_bar().encode(
        x=alt.X("meanPercentage:Q", title="% of patients (mean over findings)", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("objectLabel:N", title=None),
        color=alt.Color("subgroup:N"),
        yOffset="subgroup:N",
        tooltip=["objectLabel", "subgroup", "findings", "meanPercentage", "lowest", "highest"],
    )
    st.altair_chart(chart, width="stretch")
    st.caption("Each bar: the mean of the percentages the matching findings report (hover for how many, "
               "lowest and highest).")


def render() -> None:
    """Filters, one page of the table, its download and the percentages plot."""
    st.title("Findings")
    facets = data.named("finding-facets")
    if facets.empty:
        st.info("No findings in this store yet. Build it with `kg build --store PATH`, then reload.")
        return
    a, b, c, d = st.columns(4)
    concept = a.selectbox("Concept", [ANY, *facet_values(facets, "concept")], key="f_concept",
                          format_func=lambda v: v or "any")
    subgroup = b.selectbox("Subgroup", [ANY, *facet_values(facets, "subgroup")], key="f_subgroup",
                           format_func=lambda v: v or "any")
    method = c.selectbox("Method", [ANY, *facet_values(facets, "method")], key="f_method",
                         format_func=lambda v: v.rsplit("#", 1)[-1] if v else "any")
    use_p = d.checkbox("Only P ≤", value=False, key="f_use_p")
    p_max = d.number_input("P-value at most", min_value=0.0, max_value=1.0, value=0.05, step=0.01,
                           format="%.3f", key="f_p", disabled=not use_p, label_visibility="collapsed")
    params = bindings(concept, subgroup, method, p_max if use_p else None)
    if st.session_state.get("f_filters") != params:  # new filters start on the first page
        st.session_state["f_filters"] = params
        st.session_state[OFFSET_KEY] = 0
    offset = int(st.session_state.get(OFFSET_KEY, 0))
    answer = data.answer("findings-filtered", **params, offset=str(offset))
    shown = answer.frame
    pager(answer, "findings", OFFSET_KEY, PAGE)
    if shown.empty:
        st.info("No finding matches these filters.")
    else:
        tables.show(shown[COLUMNS], FIRST, key="f_table")
        csv = shown[[*COLUMNS, "finding", "study"]].to_csv(index=False).encode()
        st.download_button("Download this page (CSV)", csv, "findings.csv", "text/csv", key="f_csv",
                           help="every match: kg query findings-filtered --param limit=0 with the same filters")
    _plot(params)


render()

"""Graph page: the network of risk factors, phenotypes, outcomes, findings and publications.

Filters narrow the findings; a focus node gives its neighbourhood; clicking a node (or picking it
in "Details for") shows what the graph says about it, with the evidence sentences.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import streamlit as st
from streamlit_agraph import Config, agraph

from explorer import data
from explorer.graphview import (
    KIND_LABELS,
    KIND_MARKS,
    KINDS,
    Filters,
    GraphView,
    agraph_elements,
    build_graph,
    make_view,
)
from explorer.links import pubmed_url
from explorer.ui import empty_note, md_escape, options

P_THRESHOLDS = {"any": None, "≤ 0.1": 0.1, "≤ 0.05": 0.05, "≤ 0.01": 0.01, "≤ 0.001": 0.001}
CLICK_KEY = "graph_clicked"
PICK_LIMIT = 2_000


def _filters(rows: pd.DataFrame) -> Filters:
    """The filter widgets, in the sidebar so the network keeps the page's width."""
    sidebar = st.sidebar
    sidebar.header("Graph filters")
    concepts = sidebar.multiselect("Concept", options(rows, "subjectLabel", "objectLabel"), key="g_concepts")
    kinds = sidebar.multiselect(
        "Node kinds", list(KINDS), default=list(KINDS), format_func=KIND_LABELS.get, key="g_kinds"
    )
    subgroups = sidebar.multiselect("Subgroup", options(rows, "subgroup"), key="g_subgroups")
    p_label = sidebar.selectbox("P-value threshold", list(P_THRESHOLDS), key="g_p",
                                help="findings with a larger P-value are hidden; findings without one stay")
    years = pd.to_numeric(rows["year"], errors="coerce").dropna().astype(int)
    year_range = None
    if not years.empty and years.min() < years.max():
        year_range = sidebar.slider("Publication year", int(years.min()), int(years.max()),
                                    (int(years.min()), int(years.max())), key="g_years",
                                    help="publications without a year stay")
    citations = sidebar.checkbox("Show citation links", value=True, key="g_citations")
    return Filters(frozenset(concepts), frozenset(kinds), frozenset(subgroups), P_THRESHOLDS[p_label],
                   year_range, citations)


def _details(node: str, kind: str, label: str, rows: pd.DataFrame) -> None:
    """What the graph says about one node: its identity and the findings (with evidence) around it."""
    st.subheader(md_escape(label))
    st.caption(f"{KIND_LABELS.get(kind, kind)} · {node}")
    if kind == "Finding":
        related = rows[rows["finding"] == node]
    elif kind == "Publication":
        related = rows[rows["study"] == node]
        pmid = related["pmid"].dropna().iloc[0] if not related["pmid"].dropna().empty else None
        if pmid is None and node.startswith("https://pubmed.ncbi.nlm.nih.gov/"):
            pmid = node.rstrip("/").rsplit("/", 1)[-1]
        if url := pubmed_url(pmid):
            st.link_button("Open in PubMed", url)
    else:
        concept_label = label
        related = rows[(rows["subject"] == node) | (rows["object"] == node)
                       | (rows["subjectLabel"] == concept_label) | (rows["objectLabel"] == concept_label)]
    if related.empty:
        st.caption("No findings in the current view refer to this node.")
        return
    table = related.drop_duplicates("finding")[
        ["subjectLabel", "relation", "objectLabel", "directionName", "subgroup", "count", "denominator",
         "percentage", "pComparator", "pValue", "method", "evidence", "pmid"]
    ]
    st.dataframe(table, hide_index=True, width="stretch")
    for evidence in table["evidence"].dropna().unique():
        st.text(evidence)


@st.cache_data(max_entries=16, show_spinner=False)
def network(spec: str, filters: Filters) -> nx.DiGraph:
    """The filtered, uncapped network (cached: a node click reruns the page without rebuilding it)."""
    return build_graph(data.named_in(spec, "finding-network"), data.named_in(spec, "citation-links"), filters)


@st.cache_data(max_entries=16, show_spinner="Laying out the network…")
def drawn(spec: str, filters: Filters, focus: str | None, radius: int, max_nodes: int,
          collapse: bool) -> tuple[GraphView, list[object], list[object]]:
    """The capped, laid-out view and the component's elements (cached for the same reason)."""
    view = make_view(data.named_in(spec, "finding-network"), data.named_in(spec, "citation-links"), filters,
                     focus=focus, radius=radius, max_nodes=max_nodes, collapse=True if collapse else None,
                     graph=network(spec, filters))
    nodes, edges = agraph_elements(view, focus)
    return view, nodes, edges


def pickable(graph: nx.DiGraph) -> dict[str, str]:
    """Nodes offered in the pickers, sorted by label.

    Above ``PICK_LIMIT`` nodes findings are left out (a click still reaches them), so the browser is
    not handed a list of thousands.
    """
    skip_findings = graph.number_of_nodes() > PICK_LIMIT
    chosen = {n: d["label"] for n, d in graph.nodes(data=True) if not (skip_findings and d["kind"] == "Finding")}
    return dict(sorted(chosen.items(), key=lambda item: item[1].lower()))


def render() -> None:
    """Filters, the network, and the details of the clicked node."""
    st.title("Graph")
    rows = data.named("finding-network")
    if empty_note(rows, "findings"):
        return
    spec = data.current_spec()
    filters = _filters(rows)
    top = st.columns([3, 1, 1, 1])
    full = network(spec, filters)
    labels = pickable(full)
    focus = top[0].selectbox(
        "Neighbourhood around", [None, *labels],
        format_func=lambda n: "— whole graph —" if n is None else labels[n], key="g_focus",
    )
    radius = top[1].number_input("Steps", min_value=1, max_value=4, value=1, key="g_radius")
    max_nodes = top[2].number_input("Max nodes", min_value=20, max_value=1000, value=250, step=10, key="g_max")
    collapse = top[3].checkbox("Collapse findings", value=False, key="g_collapse",
                               help="one edge per subject/object pair instead of a node per finding")
    view, nodes, edges = drawn(spec, filters, focus, int(radius), int(max_nodes), bool(collapse))
    shown = view.graph.number_of_nodes()
    note = f"{shown} of {view.total_nodes} nodes, {view.graph.number_of_edges()} edges"
    if view.aggregated:
        note += " · findings collapsed into subject → object edges"
    if view.capped:
        note += f" · capped to the {int(max_nodes)} best-connected nodes"
    st.caption(note)
    st.markdown("  ".join(f":{KIND_MARKS[k]}[■ {KIND_LABELS[k]}]" if KIND_MARKS[k] else f"■ {KIND_LABELS[k]}"
                          for k in KINDS))
    if shown == 0:
        st.info("No node matches these filters.")
        return
    clicked = agraph(nodes=nodes, edges=edges, config=Config(
        width="100%", height=560, directed=True, physics=False, hierarchical=False,
        interaction={"hover": True, "navigationButtons": False, "multiselect": False},
    ))
    fresh = bool(clicked) and clicked != st.session_state.get(CLICK_KEY)
    if clicked:
        st.session_state[CLICK_KEY] = clicked
    all_nodes = dict(full.nodes(data=True))
    all_nodes.update(dict(view.graph.nodes(data=True)))
    picked = st.selectbox(
        "Details for (or click a node)", [None, *labels],
        index=0, format_func=lambda n: "—" if n is None else labels[n], key="g_details",
    )
    node = clicked if fresh else (picked or st.session_state.get(CLICK_KEY))
    node = node if node in all_nodes else None
    if node:
        _details(node, all_nodes[node]["kind"], all_nodes[node].get("title") or all_nodes[node]["label"], rows)


render()

"""Graph page: risk factors, phenotypes, outcomes and publications, with findings as labelled edges.

Filters narrow the findings; a focus node gives its neighbourhood (``?focus=IRI`` in the URL opens
one, which is how the Questions page links here); clicking a node selects it in "Details for", which
lists its findings with their evidence as a table. A large view is aggregated into concepts and
weighted edges; "Findings behind an edge" lists the findings and publications an edge stands for.

On a large graph (more than ``graphview.STORE_AGGREGATE_ABOVE`` findings) the store does the
aggregation: ``concept-network`` counts the findings per concept pair and subgroup with the P-value
and year filters bound as parameters, the page keeps the best-connected concepts, and a node's
findings (``findings-filtered``) and an edge's (``findings-between``) are read one page at a time.
"""

from __future__ import annotations

import networkx as nx
import pandas as pd
import streamlit as st
from streamlit_agraph import Config, agraph

from explorer import data, graphview, tables
from explorer.graphview import (
    KIND_LABELS,
    KIND_MARKS,
    KINDS,
    Filters,
    GraphView,
    agraph_elements,
    build_graph,
    concept_graph,
    concept_view,
    edge_choices,
    edge_weight,
    make_view,
    ranked_kinds,
)
from explorer.links import pubmed_url
from explorer.ui import empty_note, md_escape, options

P_THRESHOLDS = {"any": None, "≤ 0.1": 0.1, "≤ 0.05": 0.05, "≤ 0.01": 0.01, "≤ 0.001": 0.001}
CLICK_KEY = "graph_clicked"
PICK_LIMIT = 2_000
CITATION_LIMIT = 5_000
"""Above this many citation links the graph starts without them (the page does not read them all)."""
DETAIL_COLUMNS = ("subjectLabel", "directionName", "objectLabel", "P", "subgroup", "nOfN", "percentage",
                  "evidence", "pmid", "method")
HIDDEN = ("finding", "study", "studyTitle", "year", "subject", "object", "subjectKind", "objectKind", "relation")


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
    stats = data.named("graph-stats")
    links = int(stats.iloc[0]["citationLinks"] or 0) if not stats.empty else 0
    citations = sidebar.checkbox(
        "Show citation links", value=links <= CITATION_LIMIT, key="g_citations",
        help=f"off by default above {CITATION_LIMIT:,} links ({links:,} in this graph): reading them all "
             "takes seconds and a large view is aggregated into concepts, which leaves publications out",
    )
    return Filters(frozenset(concepts), frozenset(kinds), frozenset(subgroups), P_THRESHOLDS[p_label],
                   year_range, citations)


def findings_table(related: pd.DataFrame, key: str) -> None:
    """Findings with their evidence, one row per finding, as a readable table."""
    if related.empty:
        st.caption("No findings in the current view refer to this.")
        return
    frame = related.drop_duplicates("finding")
    tables.show(frame, DETAIL_COLUMNS, HIDDEN, key=key)


def _details(node: str, kind: str, label: str, rows: pd.DataFrame) -> None:
    """What the graph says about one node: its identity and the findings (with evidence) around it."""
    st.subheader(md_escape(label))
    st.caption(f"{KIND_LABELS.get(kind, kind)} · {node}")
    if kind == "Publication":
        related = rows[rows["study"] == node]
        pmid = related["pmid"].dropna().iloc[0] if not related["pmid"].dropna().empty else None
        if pmid is None and node.startswith("https://pubmed.ncbi.nlm.nih.gov/"):
            pmid = node.rstrip("/").rsplit("/", 1)[-1]
        if url := pubmed_url(pmid):
            st.link_button("Open in PubMed", url)
    else:
        related = rows[(rows["subject"] == node) | (rows["object"] == node)
                       | (rows["subjectLabel"] == label) | (rows["objectLabel"] == label)]
    st.markdown(f"**Findings** ({related['finding'].nunique()})")
    findings_table(related, "g_details_table")


def _pick_edge(view: GraphView, name_attribute: str) -> tuple[str, str] | None:
    """A select box of the view's edges, each named by its two nodes and its number of findings."""
    choices = edge_choices(view.graph)
    if not choices:
        return None
    names = {f"{s}\t{t}": (s, t) for s, t in choices}
    nodes = view.graph.nodes

    def name(key: str) -> str:
        source, target = names[key]
        count = edge_weight(view.graph.edges[source, target])
        return (f"{nodes[source][name_attribute]} → {nodes[target][name_attribute]} "
                f"({count} finding{'s' if count > 1 else ''})")

    picked = st.selectbox("Findings behind an edge", [None, *names], key="g_edge",
                          format_func=lambda k: "—" if k is None else name(k))
    return None if picked is None else names[picked]


def _edge_findings_and_papers(related: pd.DataFrame, scope: str) -> None:
    """The findings behind an edge, then the publications that report them."""
    findings_table(related, "g_edge_table")
    papers = related.drop_duplicates("study")
    st.markdown(f"**Publications** ({len(papers)}{scope})")
    tables.show(papers.assign(title=[tables.publication_label(t, p) for t, p in
                                     zip(papers["studyTitle"], papers["pmid"], strict=True)]),
                ("title", "year", "pmid"), [c for c in papers.columns if c not in ("title", "year", "pmid")],
                key="g_edge_papers")


def _behind_edge(view: GraphView, rows: pd.DataFrame) -> None:
    """Drill-down: pick an edge of the view and see the findings and publications it stands for."""
    picked = _pick_edge(view, "label")
    if picked is None:
        return
    source, target = picked
    edge = view.graph.edges[source, target]
    related = rows[rows["finding"].isin(edge["findings"])]
    _edge_findings_and_papers(related, "")


@st.cache_data(max_entries=16, show_spinner=False)
def network(spec: str, filters: Filters) -> nx.DiGraph:
    """The filtered, uncapped network (cached: a node click reruns the page without rebuilding it)."""
    return build_graph(data.named_in(spec, "finding-network"), _citations(spec, filters), filters)


def _citations(spec: str, filters: Filters) -> pd.DataFrame | None:
    """Every citation link, read only when the view shows them."""
    return data.named_in(spec, "citation-links") if filters.citations else None


@st.cache_data(max_entries=16, show_spinner="Laying out the network…")
def drawn(spec: str, filters: Filters, focus: str | None, radius: int, max_nodes: int,
          collapse: bool) -> tuple[GraphView, list[object], list[object]]:
    """The capped, laid-out view and the component's elements (cached for the same reason)."""
    view = make_view(data.named_in(spec, "finding-network"), _citations(spec, filters), filters,
                     focus=focus, radius=radius, max_nodes=max_nodes, collapse=True if collapse else None,
                     graph=network(spec, filters))
    nodes, edges = agraph_elements(view, focus)
    return view, nodes, edges


def pickable(graph: nx.DiGraph) -> dict[str, str]:
    """Nodes offered in the pickers, sorted by label.

    Above ``PICK_LIMIT`` nodes publications are left out (a click still reaches them), so the browser
    is not handed a list of thousands.
    """
    skip = graph.number_of_nodes() > PICK_LIMIT
    chosen = {n: d["label"] for n, d in graph.nodes(data=True) if not (skip and d["kind"] == "Publication")}
    return dict(sorted(chosen.items(), key=lambda item: item[1].lower()))


def _focus_from_link(labels: dict[str, str]) -> None:
    """Open the neighbourhood named in the URL (``?focus=IRI``), once per link."""
    wanted = st.query_params.get("focus")
    if not wanted or st.session_state.get("g_link") == wanted:
        return
    st.session_state["g_link"] = wanted
    if wanted in labels:
        st.session_state["g_focus"] = wanted
    else:
        st.warning("The linked node is not in this graph (or the filters hide it).")


def _store_filters(facets: pd.DataFrame) -> tuple[Filters, dict[str, str]]:
    """The sidebar filters of the aggregated view, and the catalog parameters the store applies.

    Subgroups, concepts and kinds narrow the store's aggregate (a few hundred rows) in Python; the
    P-value threshold and the year range are bound as ``concept-network`` parameters.
    """
    sidebar = st.sidebar
    sidebar.header("Graph filters")
    labels = sorted({str(v) for v in facets.loc[facets["facet"] == "concept", "value"]}, key=str.lower)
    concepts = sidebar.multiselect("Concept", labels, key="g_concepts")
    kinds = sidebar.multiselect(
        "Node kinds", [k for k in KINDS if k != "Publication"], default=[k for k in KINDS if k != "Publication"],
        format_func=KIND_LABELS.get, key="g_kinds",
    )
    subgroups = sidebar.multiselect("Subgroup", sorted(str(v) for v in facets.loc[facets["facet"] == "subgroup",
                                                                                   "value"]), key="g_subgroups")
    p_label = sidebar.selectbox("P-value threshold", list(P_THRESHOLDS), key="g_p",
                                help="findings with a larger P-value are hidden; findings without one stay")
    params: dict[str, str] = {}
    if P_THRESHOLDS[p_label] is not None:
        params["maxP"] = format(P_THRESHOLDS[p_label], "g")
    years = pd.to_numeric(facets.loc[facets["facet"] == "year", "value"].astype(str).str[:4], errors="coerce")
    years = years.dropna().astype(int)
    year_range = None
    if not years.empty and years.min() < years.max():
        year_range = sidebar.slider("Publication year", int(years.min()), int(years.max()),
                                    (int(years.min()), int(years.max())), key="g_years",
                                    help="publications without a year stay")
        if year_range != (int(years.min()), int(years.max())):
            params["fromYear"], params["toYear"] = str(year_range[0]), str(year_range[1])
    sidebar.caption("Citation links and publications are not drawn in the aggregated view of a large graph.")
    filters = Filters(frozenset(concepts), frozenset(kinds), frozenset(subgroups), P_THRESHOLDS[p_label],
                      year_range, citations=False)
    return filters, params


def _store_details(node: str, kind: str, label: str) -> None:
    """A concept of the aggregated view: the first page of its findings, read from the store."""
    st.subheader(md_escape(label))
    st.caption(f"{KIND_LABELS.get(kind, kind)} · {node}")
    answer = data.answer("findings-filtered", onlyConcept=label)
    st.markdown(f"**Findings** ({answer.total or 0})")
    st.caption(data.page_text(answer, "findings") + " · all of them: the Findings page, filtered on this concept")
    findings_table(answer.frame, "g_details_table")


def _store_behind_edge(view: GraphView, filters: Filters, params: dict[str, str]) -> None:
    """Drill-down on the aggregated view: the findings behind an edge, one page read from the store."""
    picked = _pick_edge(view, "title")
    if picked is None:
        return
    source, target = picked
    bound = dict(params, subjectKey=source, objectKey=target)
    if len(filters.subgroups) == 1:
        bound["onlySubgroup"] = next(iter(filters.subgroups))
    answer = data.answer("findings-between", **bound)
    related = answer.frame
    if len(filters.subgroups) > 1:
        chosen = related["subgroup"].isin(filters.subgroups)
        related = related[chosen]
    st.caption(data.page_text(answer, "findings") + (" (before the subgroup filter)" if len(filters.subgroups) > 1
                                                      else ""))
    _edge_findings_and_papers(related, " on this page")


@st.cache_data(max_entries=16, show_spinner=False)
def drawn_from_store(spec: str, changed: str, params: tuple[tuple[str, str], ...], filters: Filters,
                     focus: str | None, radius: int, max_nodes: int
                     ) -> tuple[nx.DiGraph, GraphView, list[object], list[object]]:
    """The store's aggregate as a network, and its drawn view (cached per store state and filter set)."""
    kinds = ranked_kinds(data.named_in(spec, "concept-kinds"))
    full = concept_graph(data.named_in(spec, "concept-network", **dict(params)), filters, kinds)
    view = concept_view(full, focus=focus, radius=radius, max_nodes=max_nodes)
    nodes, edges = agraph_elements(view, focus)
    return full, view, nodes, edges


def _draw(nodes: list[object], edges: list[object]) -> object:
    """The laid-out view in the interactive component; returns the id of the node clicked, if any."""
    return agraph(nodes=nodes, edges=edges, config=Config(
        width="100%", height=560, directed=True, physics=False, hierarchical=False,
        interaction={"hover": True, "navigationButtons": False, "multiselect": False},
    ))


def _view_controls(full: nx.DiGraph, top: list) -> tuple[dict[str, str], str | None, int, int]:
    """The neighbourhood, steps and node cap pickers in the first three of ``top``'s columns, and the node labels."""
    labels = pickable(full)
    _focus_from_link(labels)
    focus = top[0].selectbox(
        "Neighbourhood around", [None, *labels],
        format_func=lambda n: "— whole graph —" if n is None else labels[n], key="g_focus",
    )
    radius = top[1].number_input("Steps", min_value=1, max_value=4, value=1, key="g_radius")
    max_nodes = top[2].number_input("Max nodes", min_value=20, max_value=1000, value=250, step=10, key="g_max")
    return labels, focus, int(radius), int(max_nodes)


def render_from_store(spec: str, findings: int) -> None:
    """The aggregated view of a large graph: counts from the store, drill-down one page at a time."""
    facets = data.named("finding-facets")
    filters, params = _store_filters(facets)
    top = st.columns([3, 1, 1, 1])
    bound = tuple(sorted(params.items()))
    full, _, _, _ = drawn_from_store(spec, data.marker(spec), bound, filters, None, 1, 250)
    labels, focus, radius, max_nodes = _view_controls(full, top)
    top[3].checkbox("Aggregate", value=True, disabled=True, key="g_collapse",
                    help=f"always on above {graphview.STORE_AGGREGATE_ABOVE:,} findings: the store counts them")
    full, view, nodes, edges = drawn_from_store(spec, data.marker(spec), bound, filters, focus, radius,
                                                max_nodes)
    shown = view.graph.number_of_nodes()
    note = (f"{shown} of {view.total_nodes} nodes, {view.graph.number_of_edges()} edges · aggregated by the store "
            f"from {findings:,} findings: concepts (findings) and edges weighted by findings")
    if view.capped:
        note += f" · capped to the {max_nodes} best-connected nodes"
    st.caption(note)
    st.markdown("  ".join(f":{KIND_MARKS[k]}[■ {KIND_LABELS[k]}]" for k in KINDS if KIND_MARKS[k])
                + "  · edges: number of findings")
    if shown == 0:
        st.info("No node matches these filters.")
        return
    clicked = _draw(nodes, edges)
    picker = dict(labels)
    if clicked and clicked != st.session_state.get(CLICK_KEY):
        st.session_state[CLICK_KEY] = clicked
        if clicked in picker:
            st.session_state["g_details"] = clicked  # the picker follows the click
    node = st.selectbox("Details for (or click a node)", [None, *picker], key="g_details",
                        format_func=lambda n: "—" if n is None else picker[n])
    if node and node in full:
        info = full.nodes[node]
        _store_details(node, info["kind"], info["title"])
    _store_behind_edge(view, filters, params)


def render() -> None:
    """Filters, the network, the details of the clicked node and the findings behind an edge."""
    st.title("Graph")
    stats = data.named("graph-stats")
    findings = int(stats.iloc[0]["findings"] or 0) if not stats.empty else 0
    if findings > graphview.STORE_AGGREGATE_ABOVE:
        render_from_store(data.current_spec(), findings)
        return
    rows = data.named("finding-network")
    if empty_note(rows, "findings"):
        return
    spec = data.current_spec()
    filters = _filters(rows)
    top = st.columns([3, 1, 1, 1])
    full = network(spec, filters)
    labels, focus, radius, max_nodes = _view_controls(full, top)
    collapse = top[3].checkbox("Aggregate", value=False, key="g_collapse",
                               help="concepts with their number of findings, edges weighted by findings")
    view, nodes, edges = drawn(spec, filters, focus, radius, max_nodes, bool(collapse))
    shown = view.graph.number_of_nodes()
    note = f"{shown} of {view.total_nodes} nodes, {view.graph.number_of_edges()} edges"
    if view.aggregated:
        note += " · aggregated: concepts (findings) and edges weighted by findings"
    if view.capped:
        note += f" · capped to the {max_nodes} best-connected nodes"
    st.caption(note)
    st.markdown("  ".join(f":{KIND_MARKS[k]}[■ {KIND_LABELS[k]}]" if KIND_MARKS[k] else f"■ {KIND_LABELS[k]}"
                          for k in KINDS) + "  · edges: findings (direction · P, or % · subgroup)")
    if shown == 0:
        st.info("No node matches these filters.")
        return
    clicked = _draw(nodes, edges)
    all_nodes = dict(full.nodes(data=True))
    all_nodes.update(dict(view.graph.nodes(data=True)))
    picker = dict(labels)
    if clicked and clicked != st.session_state.get(CLICK_KEY):
        st.session_state[CLICK_KEY] = clicked
        if clicked in all_nodes:
            picker.setdefault(clicked, all_nodes[clicked]["label"])
            st.session_state["g_details"] = clicked  # the picker follows the click
    current = st.session_state.get("g_details")
    if current and current in all_nodes:
        picker.setdefault(current, all_nodes[current]["label"])
    node = st.selectbox("Details for (or click a node)", [None, *picker], key="g_details",
                        format_func=lambda n: "—" if n is None else picker[n])
    if node and node in all_nodes:
        info = all_nodes[node]
        _details(node, info["kind"], info.get("title") or info["label"], rows)
    _behind_edge(view, rows)


render()

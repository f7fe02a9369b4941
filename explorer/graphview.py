"""The graph page's network: catalog rows -> filtered networkx graph -> capped, laid out view.

Pure functions (no Streamlit) so the page, the tests and the benchmark share them. Findings are
n-ary statements, so by default each finding is a node between its subject and its object
(``subject -[relation, direction, P]-> finding -[relation]-> object``) and the publication that
reports it points at it. A large graph is first aggregated (findings collapsed into one edge per
subject/object pair, publications dropped) and then capped to the best-connected nodes, so the
browser never receives more than ``max_nodes`` nodes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

KINDS: dict[str, str] = {
    "RiskFactor": "#ff4b4b",
    "ResistancePhenotype": "#803df5",
    "Outcome": "#21c354",
    "Therapy": "#1c83e1",
    "Disease": "#808495",
    "Concept": "#ffe312",
    "Finding": "#ffa421",
    "Publication": "#31333f",
}
"""Node kinds and their colours: Streamlit's named text colours, so the plain-Markdown legend matches."""

KIND_MARKS: dict[str, str] = {
    "RiskFactor": "red",
    "ResistancePhenotype": "violet",
    "Outcome": "green",
    "Therapy": "blue",
    "Disease": "gray",
    "Concept": "yellow",
    "Finding": "orange",
    "Publication": "",
}
"""Streamlit Markdown colour names for the legend (no HTML in the app)."""

KIND_LABELS: dict[str, str] = {
    "RiskFactor": "risk factor",
    "ResistancePhenotype": "resistance phenotype",
    "Outcome": "outcome",
    "Therapy": "therapy",
    "Disease": "disease",
    "Concept": "other concept / text",
    "Finding": "finding",
    "Publication": "publication",
}
FOCUS_COLOUR = "#ff1493"
"""The selected node's colour: distinct from every kind, so a user (and the browser test) can find it."""

SPRING_LIMIT = 400
"""Largest graph laid out with the force-directed spring layout; bigger ones get rings by kind."""
RING_OF_KIND = {"Finding": 1, "Publication": 2}

_DIRECTION_WORDS = {"Increases": "increases", "Decreases": "decreases", "NoEffect": "no effect"}
_KIND_PRIORITY = ("ResistancePhenotype", "RiskFactor", "Outcome", "Therapy", "Disease")


@dataclass(frozen=True)
class Filters:
    """What the user narrowed the graph to; empty collections mean 'everything'."""

    concepts: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    subgroups: frozenset[str] = frozenset()
    p_max: float | None = None
    years: tuple[int, int] | None = None
    citations: bool = True


@dataclass
class GraphView:
    """What the page draws, and what it had to leave out to stay responsive."""

    graph: nx.DiGraph
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    total_nodes: int = 0
    aggregated: bool = False
    capped: bool = False


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def concept_kinds(rows: pd.DataFrame) -> dict[str, str]:
    """One kind per concept: a concept with several classes shows as the most specific of them."""
    found: dict[str, set[str]] = {}
    for end in ("subject", "object"):
        for concept, kind in zip(rows[end], rows[f"{end}Kind"], strict=True):
            if _text(concept):
                found.setdefault(str(concept), set()).update({kind} if _text(kind) else set())
    return {
        concept: next((k for k in _KIND_PRIORITY if k in kinds), "Concept") for concept, kinds in found.items()
    }


def filter_rows(rows: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Findings rows that pass the filters (rows without a year or P-value pass those filters)."""
    if rows.empty:
        return rows
    keep = pd.Series(True, index=rows.index)
    if filters.concepts:
        keep &= rows["subjectLabel"].isin(filters.concepts) | rows["objectLabel"].isin(filters.concepts)
    if filters.subgroups:
        keep &= rows["subgroup"].isin(filters.subgroups)
    if filters.p_max is not None:
        p = pd.to_numeric(rows["pValue"], errors="coerce")
        keep &= p.isna() | (p <= filters.p_max)
    if filters.years is not None:
        year = pd.to_numeric(rows["year"], errors="coerce")
        keep &= year.isna() | year.between(*filters.years)
    return rows[keep]


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Rows as plain dicts, built column-wise (faster than ``to_dict("records")``, far faster than iterrows)."""
    columns = list(frame.columns)
    values = zip(*(frame[c].tolist() for c in columns), strict=True)
    return [dict(zip(columns, row, strict=True)) for row in values]


def _concept_node(row: Mapping[str, object], end: str, kinds: dict[str, str]) -> tuple[str, str, str] | None:
    concept, label = _text(row[end]), _text(row[f"{end}Label"])
    if concept:
        return concept, label or concept.rsplit("/", 1)[-1], kinds.get(concept, "Concept")
    if label:
        return f"text:{label}", label, "Concept"
    return None


def finding_label(row: Mapping[str, object]) -> str:
    """A short label for a finding node: its percentage, count or P-value, else its direction or relation."""
    percentage, count, p = _number(row["percentage"]), _number(row["count"]), _number(row["pValue"])
    if percentage is not None:
        return f"{percentage:g}%"
    if count is not None:
        return f"n={count:g}"
    if p is not None:
        return f"P{_text(row['pComparator']) or '='}{p:g}"
    direction = _DIRECTION_WORDS.get(_text(row.get("directionName")) or "")
    return direction or str(row["relation"])


def p_text(row: Mapping[str, object]) -> str:
    """The P-value as reported (comparator kept), or an empty string."""
    p = _number(row["pValue"])
    return f"P {_text(row['pComparator']) or '='} {p:g}" if p is not None else ""


def build_graph(rows: pd.DataFrame, citations: pd.DataFrame | None, filters: Filters) -> nx.DiGraph:
    """The full (uncapped) network for the filtered findings, plus citation links between their publications."""
    rows = filter_rows(rows, filters)
    kinds = concept_kinds(rows) if not rows.empty else {}
    graph = nx.DiGraph()
    for row in _records(rows):
        finding = str(row["finding"])
        edge = {
            "relation": str(row["relation"]),
            "direction": _text(row["directionName"]) or "",
            "p": p_text(row),
            "subgroup": _text(row["subgroup"]) or "",
        }
        title = f"{row['relation']} ({edge['subgroup']})"
        graph.add_node(finding, label=finding_label(row), kind="Finding", title=title)
        subject = _concept_node(row, "subject", kinds)
        obj = _concept_node(row, "object", kinds)
        for node in (subject, obj):
            if node:
                graph.add_node(node[0], label=node[1], kind=node[2], title=node[1])
        if subject:
            graph.add_edge(subject[0], finding, **edge)
        if obj:
            graph.add_edge(finding, obj[0], **edge)
        study = str(row["study"])
        title = _text(row["studyTitle"]) or study
        pmid = _text(row["pmid"])
        graph.add_node(study, label=f"PMID {pmid}" if pmid else _short(title), kind="Publication", title=title)
        graph.add_edge(study, finding, relation="reports", direction="", p="", subgroup="")
    if kinds_filter := filters.kinds:
        graph.remove_nodes_from([n for n, kind in graph.nodes(data="kind") if kind not in kinds_filter])
    if filters.citations and citations is not None and not citations.empty:
        publications = {n for n, kind in graph.nodes(data="kind") if kind == "Publication"}
        for link in _records(citations):
            citing, cited = str(link["citing"]), str(link["cited"])
            if cited not in publications and citing not in publications:
                continue
            for node, pmid, title in ((citing, link["citingPmid"], link["citingTitle"]),
                                      (cited, link["citedPmid"], link["citedTitle"])):
                if node not in graph:
                    name = _text(title) or node
                    label = f"PMID {_text(pmid)}" if _text(pmid) else _short(name)
                    graph.add_node(node, label=label, kind="Publication", title=name)
            graph.add_edge(citing, cited, relation="cites", direction="", p="", subgroup="")
    return graph


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def aggregate(graph: nx.DiGraph) -> nx.DiGraph:
    """Collapse each finding into a subject -> object edge (counting merged findings) and drop publications."""
    merged = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        if data["kind"] not in ("Finding", "Publication"):
            merged.add_node(node, **data)
    for finding, data in graph.nodes(data=True):
        if data["kind"] != "Finding":
            continue
        subjects = [s for s in graph.predecessors(finding) if s in merged]
        objects = [o for o in graph.successors(finding) if o in merged]
        for subject in subjects:
            for obj in objects:
                edge = graph.edges[finding, obj]
                if merged.has_edge(subject, obj):
                    kept = merged.edges[subject, obj]
                    kept["findings"] += 1
                    kept["p"] = "; ".join(filter(None, [kept["p"], edge["p"]]))
                else:
                    merged.add_edge(subject, obj, **edge, findings=1)
    return merged


def neighbourhood(graph: nx.DiGraph, node: str, radius: int) -> nx.DiGraph:
    """The nodes within ``radius`` steps of ``node``, edges in either direction."""
    if node not in graph:
        return nx.DiGraph()
    return nx.ego_graph(graph, node, radius=radius, undirected=True).copy()


def cap(graph: nx.DiGraph, max_nodes: int, keep: Iterable[str] = ()) -> nx.DiGraph:
    """The ``max_nodes`` best-connected nodes (and any in ``keep``), as an induced subgraph."""
    if graph.number_of_nodes() <= max_nodes:
        return graph
    pinned = [n for n in keep if n in graph]
    ranked = sorted(graph.degree, key=lambda item: (-item[1], str(item[0])))
    chosen = set(pinned)
    for node, _ in ranked:
        if len(chosen) >= max_nodes:
            break
        chosen.add(node)
    return graph.subgraph(chosen).copy()


def layout(graph: nx.DiGraph, focus: str | None = None) -> dict[str, tuple[float, float]]:
    """Positions in pixels: rings around the focus node, else a spring layout (seeded, so stable)."""
    if graph.number_of_nodes() == 0:
        return {}
    if focus and focus in graph:
        rings = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), focus)
        shells = [[n for n, d in rings.items() if d == depth] for depth in range(max(rings.values()) + 1)]
        shells.append([n for n in graph if n not in rings])
        points = nx.shell_layout(graph, nlist=[s for s in shells if s], scale=1)
    elif graph.number_of_nodes() <= SPRING_LIMIT:
        n = graph.number_of_nodes()
        points = nx.spring_layout(graph, seed=7, k=2.0 / math.sqrt(n), iterations=80)
    else:
        # networkx's spring layout needs scipy above 500 nodes and grows quadratically: rings by kind
        # (concepts inside, findings, then publications) cost O(n) and keep the kinds apart.
        rings: dict[int, list[str]] = {}
        for node, kind in graph.nodes(data="kind"):
            rings.setdefault(RING_OF_KIND.get(kind, 0), []).append(node)
        points = nx.shell_layout(graph, nlist=[rings[r] for r in sorted(rings)], scale=1)
    scale = 120 * math.sqrt(graph.number_of_nodes()) + 150
    return {str(n): (float(x) * scale, float(y) * scale) for n, (x, y) in points.items()}


def make_view(
    rows: pd.DataFrame,
    citations: pd.DataFrame | None,
    filters: Filters,
    *,
    focus: str | None = None,
    radius: int = 1,
    max_nodes: int = 250,
    collapse: bool | None = None,
    graph: nx.DiGraph | None = None,
) -> GraphView:
    """Everything the graph page draws: filter, aggregate when large, neighbourhood, cap, layout.

    ``graph`` is ``build_graph(rows, citations, filters)`` when the caller already has it.
    """
    graph = graph if graph is not None else build_graph(rows, citations, filters)
    total = graph.number_of_nodes()
    aggregated = collapse if collapse is not None else total > max_nodes
    if aggregated:
        graph = aggregate(graph)
    if focus:
        graph = neighbourhood(graph, focus, radius)
    capped_graph = cap(graph, max_nodes, keep=[focus] if focus else [])
    return GraphView(
        graph=capped_graph,
        positions=layout(capped_graph, focus),
        total_nodes=total,
        aggregated=aggregated,
        capped=capped_graph.number_of_nodes() < graph.number_of_nodes(),
    )


def agraph_elements(view: GraphView, focus: str | None = None) -> tuple[list[object], list[object]]:
    """streamlit-agraph nodes and edges for a view.

    The component puts a node's ``title`` into the page with ``innerHTML`` (its hover tooltip), so
    every title is HTML-escaped here: a PubMed title with markup shows as text and cannot run.
    Labels are drawn on the canvas as text.
    """
    from html import escape

    from streamlit_agraph import Edge, Node

    degrees = dict(view.graph.degree)
    nodes = []
    for node, data in view.graph.nodes(data=True):
        x, y = view.positions.get(str(node), (0.0, 0.0))
        colour = FOCUS_COLOUR if node == focus else KINDS.get(data["kind"], "#999999")
        tip = f"{KIND_LABELS.get(data['kind'], data['kind'])}: {data.get('title') or data['label']}"
        nodes.append(Node(
            id=str(node), label=data["label"], title=escape(tip), color=colour, x=x, y=y,
            size=12 + min(18, 2 * degrees.get(node, 0)), shape="dot" if data["kind"] != "Finding" else "diamond",
        ))
    edges = []
    for source, target, data in view.graph.edges(data=True):
        detail = " ".join(filter(None, [data.get("direction", ""), data.get("p", ""), data.get("subgroup", "")]))
        merged = f" ×{data['findings']}" if data.get("findings", 1) > 1 else ""
        edges.append(Edge(
            source=str(source), target=str(target),
            label="" if data["relation"] in ("reports", "cites") else f"{data['relation']}{merged}",
            title=escape(f"{data['relation']} {detail}".strip()), color="#aaaaaa",
        ))
    return nodes, edges

"""The graph page's network: catalog rows -> filtered networkx graph -> capped, laid out view.

Pure functions (no Streamlit) so the page, the tests and the benchmark share them. Concepts and
publications are nodes; findings are labelled edges, ``risk factor -> outcome`` with the direction
and P-value ("lower · P = 0.005"), or ``publication -> phenotype`` with the numbers of an occurrence
("18% · refractory"), so one step around a phenotype reaches its risk factors. A large graph is
aggregated (concepts labelled with their number of findings, edges weighted by the findings they
carry, publications dropped) and then capped to the best-connected nodes, so the browser never
receives more than ``max_nodes`` nodes; every edge keeps the ids of its findings for drill-down.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx
import pandas as pd

from explorer import tables

KINDS: dict[str, str] = {
    "RiskFactor": "#ff4b4b",
    "ResistancePhenotype": "#803df5",
    "Outcome": "#21c354",
    "Therapy": "#1c83e1",
    "Disease": "#808495",
    "Concept": "#ffa421",
    "Publication": "#31333f",
}
"""Node kinds and their colours: Streamlit's named text colours, so the plain-Markdown legend matches."""

KIND_MARKS: dict[str, str] = {
    "RiskFactor": "red",
    "ResistancePhenotype": "violet",
    "Outcome": "green",
    "Therapy": "blue",
    "Disease": "gray",
    "Concept": "orange",
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
    "Publication": "publication",
}
FOCUS_COLOUR = "#ff1493"
"""The selected node's colour: distinct from every kind, so a user (and the browser test) can find it."""

STORE_AGGREGATE_ABOVE = 2_000
"""Above this many findings the graph page asks the store for the aggregated concept network
(``concept-network``) instead of reading every finding and building the network in Python."""

SPRING_LIMIT = 400
"""Largest graph laid out with the force-directed spring layout; bigger ones get rings by kind."""
RING_OF_KIND = {"Publication": 1}

_DIRECTION_WORDS = {"Increases": "higher", "Decreases": "lower", "NoEffect": "no effect"}
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
    """What one finding says on its edge: direction and P for an effect, else the numbers and subgroup.

    ``lower · P = 0.005`` for a risk factor, ``41% · refractory`` or ``8/20 · responders who relapsed``
    for an occurrence; the relation when the finding gives neither.
    """
    direction = _DIRECTION_WORDS.get(_text(row.get("directionName")) or "", "")
    p = p_text(row)
    if direction or p:
        return " · ".join(part for part in (direction, p) if part)
    percentage, count, total = _number(row["percentage"]), _number(row["count"]), _number(row["denominator"])
    numbers = (f"{count:g}/{total:g}" if count is not None and total is not None else
               f"n={count:g}" if count is not None else "")
    if percentage is not None:
        numbers = f"{percentage:g}%" + (f" ({numbers})" if numbers else "")
    subgroup = _text(row.get("subgroup")) or ""
    text = " · ".join(part for part in (numbers, subgroup) if part)
    return text or str(row["relation"])


def p_text(row: Mapping[str, object]) -> str:
    """The P-value as reported (comparator kept), or an empty string: the tables' form, on an edge."""
    return tables.p_text(row["pComparator"], row["pValue"])


def _edge_label(labels: list[str]) -> str:
    """The labels of the findings on one edge: up to two, then how many more."""
    unique = list(dict.fromkeys(labels))
    shown = "; ".join(unique[:2])
    return shown + (f"; +{len(unique) - 2} more" if len(unique) > 2 else "")


def build_graph(rows: pd.DataFrame, citations: pd.DataFrame | None, filters: Filters) -> nx.DiGraph:
    """The full (uncapped) network: concepts and publications as nodes, findings as labelled edges.

    A finding with a subject is an edge ``subject -> object`` (risk factor -> outcome) labelled with
    its direction and P-value; a finding without one (an occurrence: "CD19-negative in 18% of the
    refractory patients") is an edge from the publication that reports it to its object. Findings
    between the same two nodes share one edge, which keeps their ids (``findings``) for drill-down.
    Citation links join publications already in the network.
    """
    rows = filter_rows(rows, filters)
    kinds = concept_kinds(rows) if not rows.empty else {}
    graph = nx.DiGraph()
    seen: set[str] = set()
    for row in _records(rows):
        finding = str(row["finding"])
        if finding in seen:
            continue  # one row per evidence sentence or concept kind: the edge needs the finding once
        seen.add(finding)
        subject = _concept_node(row, "subject", kinds)
        obj = _concept_node(row, "object", kinds)
        if obj is None:
            continue
        study = str(row["study"])
        if subject is None:
            title = _text(row["studyTitle"]) or study
            pmid = _text(row["pmid"])
            subject = (study, f"PMID {pmid}" if pmid else _short(title), "Publication")
            graph.add_node(study, label=subject[1], kind="Publication", title=title)
        for node in (subject, obj):
            if node[0] not in graph:
                graph.add_node(node[0], label=node[1], kind=node[2], title=node[1])
        graph.nodes[obj[0]]["findings"] = graph.nodes[obj[0]].get("findings", 0) + 1
        if subject[2] != "Publication":
            graph.nodes[subject[0]]["findings"] = graph.nodes[subject[0]].get("findings", 0) + 1
        label = finding_label(row)
        if graph.has_edge(subject[0], obj[0]):
            edge = graph.edges[subject[0], obj[0]]
            edge["findings"].append(finding)
            edge["labels"].append(label)
            edge["publications"].add(study)
        else:
            graph.add_edge(subject[0], obj[0], relation=str(row["relation"]), findings=[finding], labels=[label],
                           publications={study}, p=p_text(row), direction=_text(row["directionName"]) or "",
                           subgroup=_text(row["subgroup"]) or "")
    for _, _, edge in graph.edges(data=True):
        edge["label"] = _edge_label(edge["labels"])
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
                    name = _text(title) or (f"PMID {_text(pmid)}" if _text(pmid) else node)
                    label = f"PMID {_text(pmid)}" if _text(pmid) else _short(name)
                    graph.add_node(node, label=label, kind="Publication", title=name)
            if not graph.has_edge(citing, cited):
                graph.add_edge(citing, cited, relation="cites", findings=[], labels=[], publications=set(),
                               p="", direction="", subgroup="", label="")
    return graph


def _short(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def aggregate(graph: nx.DiGraph) -> nx.DiGraph:
    """Concepts only: each labelled with its number of findings, each edge weighted by the findings it carries.

    Publications and their citation links are dropped; an edge keeps its finding and publication ids,
    so the page can list what is behind it.
    """
    merged = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        if data["kind"] != "Publication":
            merged.add_node(node, **{**data, "label": f"{data['label']} ({data.get('findings', 0)})"})
    for source, target, data in graph.edges(data=True):
        if source in merged and target in merged and data["findings"]:
            count = len(data["findings"])
            merged.add_edge(source, target, **{**data, "label": f"{count} finding{'s' if count > 1 else ''}"})
    return merged


def ranked_kinds(rows: pd.DataFrame) -> dict[str, str]:
    """Concept -> kind from ``concept-kinds``, which writes each kind after its rank ("2RiskFactor")."""
    kinds: dict[str, str] = {}
    for concept, kind in zip(rows["concept"], rows["kind"], strict=True):
        name = (_text(kind) or "").lstrip("0123456789")
        if _text(concept) and name in _KIND_PRIORITY:
            kinds[str(concept)] = name
    return kinds


def concept_graph(rows: pd.DataFrame, filters: Filters, kinds: Mapping[str, str] | None = None) -> nx.DiGraph:
    """The aggregated network from the store's counts (catalog query ``concept-network``).

    Each row counts the findings of one (subject, object, subgroup); the subgroup, concept and kind
    filters are applied to these few hundred rows here (the P-value and year filters were bound in
    the query). Nodes are concepts (or free-text subjects), keyed as the drill-down query
    ``findings-between`` takes them, of the kind ``kinds`` gives (else "Concept") and labelled with
    their number of findings; an edge carries its number of findings (``weight``); findings without a
    subject count for their object but draw no edge.
    """
    graph = nx.DiGraph()
    if rows.empty:
        return graph
    keep = pd.Series(True, index=rows.index)
    if filters.subgroups:
        keep &= rows["subgroup"].isin(filters.subgroups)
    if filters.concepts:
        keep &= rows["subjectLabel"].isin(filters.concepts) | rows["objectLabel"].isin(filters.concepts)
    for row in _records(rows[keep]):
        count = int(row["findings"] or 0)
        ends = []
        for end in ("subject", "object"):
            key = _text(row[f"{end}Key"])
            if key is None:
                ends.append(None)
                continue
            if key not in graph:
                label = _text(row[f"{end}Label"]) or key.rsplit("/", 1)[-1]
                graph.add_node(key, label=label, kind=(kinds or {}).get(key, "Concept"), title=label, findings=0)
            graph.nodes[key]["findings"] += count
            ends.append(key)
        subject, obj = ends
        if subject is None or obj is None:
            continue
        if graph.has_edge(subject, obj):
            edge = graph.edges[subject, obj]
            edge["weight"] += count
        else:
            graph.add_edge(subject, obj, relation="findings", findings=[], labels=[], publications=set(), p="",
                           direction="", subgroup="", weight=count)
    if filters.kinds:
        graph.remove_nodes_from([n for n, kind in graph.nodes(data="kind") if kind not in filters.kinds])
    for _, data in graph.nodes(data=True):
        data["label"] = f"{data['title']} ({data['findings']})"
    for _, _, data in graph.edges(data=True):
        data["label"] = f"{data['weight']} finding{'s' if data['weight'] > 1 else ''}"
    return graph


def concept_view(graph: nx.DiGraph, *, focus: str | None = None, radius: int = 1, max_nodes: int = 250) -> GraphView:
    """The drawn part of an aggregated concept network: neighbourhood, cap to the best-connected, layout."""
    total = graph.number_of_nodes()
    if focus:
        graph = neighbourhood(graph, focus, radius)
    capped_graph = cap(graph, max_nodes, keep=[focus] if focus else [])
    return GraphView(graph=capped_graph, positions=layout(capped_graph, focus), total_nodes=total, aggregated=True,
                     capped=capped_graph.number_of_nodes() < graph.number_of_nodes())


def edge_weight(data: Mapping[str, object]) -> int:
    """How many findings an edge stands for: its count from the store, else its list of finding ids."""
    weight = data.get("weight")
    return int(weight) if weight is not None else len(data.get("findings") or [])  # type: ignore[arg-type]


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
    """Everything the graph page draws: filter, neighbourhood, aggregate when still large, cap, layout.

    ``graph`` is ``build_graph(rows, citations, filters)`` when the caller already has it.
    """
    graph = graph if graph is not None else build_graph(rows, citations, filters)
    total = graph.number_of_nodes()
    if focus:
        graph = neighbourhood(graph, focus, radius)
    aggregated = collapse if collapse is not None else graph.number_of_nodes() > max_nodes
    if aggregated:
        graph = aggregate(graph)
    capped_graph = cap(graph, max_nodes, keep=[focus] if focus else [])
    return GraphView(
        graph=capped_graph,
        positions=layout(capped_graph, focus),
        total_nodes=total,
        aggregated=aggregated,
        capped=capped_graph.number_of_nodes() < graph.number_of_nodes(),
    )


_INERT = str.maketrans({"<": "\uff1c", ">": "\uff1e", "&": "\uff06"})


def inert(text: str) -> str:
    """Text that is the same whether a browser reads it as HTML or as plain text.

    streamlit-agraph copies a node's ``title`` into a detached element with ``innerHTML`` (where
    ``<img onerror=...>`` would run), while vis-network shows that same string as plain text in the
    tooltip (where ``&lt;`` would show as typed). Replacing ``<``, ``>`` and ``&`` by their
    full-width forms is safe in the first and reads as the original in the second.
    """
    return text.translate(_INERT)


def edge_tip(data: Mapping[str, object]) -> str:
    """An edge's tooltip: the relation and every finding's label (edges' titles are shown as text)."""
    labels = list(dict.fromkeys(data.get("labels") or []))  # type: ignore[call-overload]
    head = str(data["relation"])
    if data.get("weight") is not None:
        return f"{edge_weight(data)} findings (listed under 'Findings behind an edge')"
    if not labels:
        return head
    return head + ": " + "; ".join(labels[:8]) + (f"; +{len(labels) - 8} more" if len(labels) > 8 else "")


def agraph_elements(view: GraphView, focus: str | None = None) -> tuple[list[object], list[object]]:
    """streamlit-agraph nodes and edges for a view.

    Node tooltips go through ``inert`` (see there); labels are drawn on the canvas as text. An edge
    carries its findings' label and is drawn thicker the more findings it stands for.
    """
    from streamlit_agraph import Edge, Node

    degrees = dict(view.graph.degree)
    nodes = []
    for node, data in view.graph.nodes(data=True):
        x, y = view.positions.get(str(node), (0.0, 0.0))
        colour = FOCUS_COLOUR if node == focus else KINDS.get(data["kind"], "#999999")
        tip = f"{KIND_LABELS.get(data['kind'], data['kind'])}: {data.get('title') or data['label']}"
        if data.get("findings"):
            tip += f" ({data['findings']} findings)"
        nodes.append(Node(
            id=str(node), label=data["label"], title=inert(tip), color=colour, x=x, y=y,
            size=12 + min(18, 2 * degrees.get(node, 0)), shape="dot" if data["kind"] != "Publication" else "square",
        ))
    edges = []
    for source, target, data in view.graph.edges(data=True):
        weight = edge_weight(data)
        edges.append(Edge(
            source=str(source), target=str(target), label=str(data.get("label") or ""),
            title=edge_tip(data), color="#aaaaaa" if data["relation"] == "cites" else "#777777",
            width=1 + min(8.0, 2 * math.log1p(weight)),
        ))
    return nodes, edges


def edge_choices(graph: nx.DiGraph) -> list[tuple[str, str]]:
    """The edges that carry findings, most findings first (for the drill-down picker)."""
    carrying = [(s, t, edge_weight(d)) for s, t, d in graph.edges(data=True) if edge_weight(d)]
    carrying.sort(key=lambda item: (-item[2], graph.nodes[item[0]]["label"], graph.nodes[item[1]]["label"]))
    return [(s, t) for s, t, _ in carrying]

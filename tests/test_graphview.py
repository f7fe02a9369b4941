"""The graph page's pure network code: filters, kinds, aggregation, neighbourhoods, caps, escaping."""

from __future__ import annotations

import pandas as pd
import pytest

from explorer.graphview import (
    FOCUS_COLOUR,
    Filters,
    aggregate,
    agraph_elements,
    build_graph,
    cap,
    concept_graph,
    concept_view,
    edge_choices,
    edge_tip,
    inert,
    make_view,
    neighbourhood,
    ranked_kinds,
)
from explorer.sparql_errors import locate
from kg.queries import run_named

CONCEPT = "https://w3id.org/cohort-kg/concept/"


@pytest.fixture
def seed_rows(seed_store) -> tuple[pd.DataFrame, pd.DataFrame]:
    network = run_named(seed_store, "finding-network")
    links = run_named(seed_store, "citation-links")
    return (pd.DataFrame(network.values(), columns=list(network.variables)),
            pd.DataFrame(links.values(), columns=list(links.variables)))


def test_seed_network_has_every_kind_and_findings_as_labelled_edges(seed_rows):
    rows, links = seed_rows
    graph = build_graph(rows, links, Filters())
    kinds = dict(graph.nodes(data="kind"))
    assert kinds[CONCEPT + "bone-marrow-blasts-over-50"] == "RiskFactor"
    assert kinds[CONCEPT + "cd19-negative"] == "ResistancePhenotype"
    assert kinds[CONCEPT + "complete-remission"] == "Outcome"
    assert kinds["text:pretreatment factors"] == "Concept"
    assert "Finding" not in kinds.values()
    assert sum(1 for k in kinds.values() if k == "Publication") == 6  # the study and the five citing papers
    edge = graph.edges[CONCEPT + "bone-marrow-blasts-over-50", CONCEPT + "complete-remission"]
    assert (edge["relation"], edge["label"], len(edge["findings"])) == ("predicts", "lower · P = 0.02", 1)
    occurrence = graph.edges["https://pubmed.ncbi.nlm.nih.gov/28494518", CONCEPT + "cd19-negative"]
    assert set(occurrence["labels"]) == {"18% · refractory", "35% · responders who relapsed (evaluable)"}
    assert sum(len(d["findings"]) for _, _, d in graph.edges(data=True)) == 18


def test_filters_narrow_the_network(seed_rows):
    rows, links = seed_rows
    everything = build_graph(rows, links, Filters())
    strict = build_graph(rows, links, Filters(p_max=0.01))
    assert sum(len(d["findings"]) for _, _, d in strict.edges(data=True)) == 18 - 3  # 0.02, 0.05, 0.04 go
    assert build_graph(rows, links, Filters(subgroups=frozenset({"refractory"}))).number_of_nodes() < \
        everything.number_of_nodes()
    concepts_only = build_graph(rows, links, Filters(kinds=frozenset({"RiskFactor", "Outcome"})))
    assert {k for _, k in concepts_only.nodes(data="kind")} == {"RiskFactor", "Outcome"}
    only_cd19 = build_graph(rows, None, Filters(concepts=frozenset({"CD19-negative"})))
    assert sum(len(d["findings"]) for _, _, d in only_cd19.edges(data=True)) == 3


def test_aggregate_counts_findings_on_nodes_and_edges(seed_rows):
    rows, _ = seed_rows
    merged = aggregate(build_graph(rows, None, Filters()))
    assert not [n for n, k in merged.nodes(data="kind") if k == "Publication"]
    edge = merged.edges[CONCEPT + "prior-extramedullary-disease", CONCEPT + "complete-remission"]
    assert edge["label"] == "1 finding" and len(edge["findings"]) == 1
    assert merged.nodes[CONCEPT + "complete-remission"]["label"] == "complete remission (4)"
    counts = [len(merged.edges[e]["findings"]) for e in edge_choices(merged)]
    assert counts and counts == sorted(counts, reverse=True)


def test_one_step_around_a_phenotype_reaches_its_risk_factors(seed_rows):
    rows, links = seed_rows
    graph = build_graph(rows, links, Filters())
    around = neighbourhood(graph, CONCEPT + "extramedullary-relapse", 1)
    kinds = dict(around.nodes(data="kind"))
    assert kinds[CONCEPT + "cd19-moderate-strong-expression"] == "RiskFactor"
    assert kinds[CONCEPT + "prior-extramedullary-disease"] == "RiskFactor"
    small = cap(graph, 5, keep=[CONCEPT + "relapse"])
    assert small.number_of_nodes() == 5 and CONCEPT + "relapse" in small
    assert neighbourhood(graph, "nope", 2).number_of_nodes() == 0


def test_large_graphs_are_aggregated_and_capped(seed_rows):
    rows, links = seed_rows
    view = make_view(rows, links, Filters(), max_nodes=10)
    assert view.aggregated and view.capped
    assert view.graph.number_of_nodes() == 10
    assert set(view.positions) == set(view.graph.nodes)
    small = make_view(rows, links, Filters(), focus=CONCEPT + "cd19-negative", max_nodes=10)
    assert not small.aggregated, "a neighbourhood that fits is drawn with its findings and publications"


def test_tooltips_are_inert_but_read_as_typed_and_focus_is_marked(seed_rows):
    rows, links = seed_rows
    rows = rows.copy()
    rows.loc[:, "studyTitle"] = "<img src=x onerror=alert(1)> <b>bold</b> & co"
    focus = CONCEPT + "cd19-negative"
    view = make_view(rows, links, Filters(), focus=focus, radius=2)
    nodes, edges = agraph_elements(view, focus)
    titles = [n.title for n in nodes]
    assert not any(c in t for t in titles for c in "<>&"), "nothing a browser could read as markup"
    assert any("＜img src=x onerror=alert(1)＞ ＜b＞bold＜/b＞ ＆ co" in t for t in titles)
    assert not any("&lt;" in t or "&amp;" in t for t in titles), "escaped once, not twice"
    assert inert("a < b") == "a ＜ b"
    assert [n.color for n in nodes if n.id == focus] == [FOCUS_COLOUR]
    assert any("18% · refractory" in e.label for e in edges)


def test_syntax_error_position_points_at_the_column():
    problem = locate("SELECT ?x\nWHERE { ?x ?p }", "SPARQL syntax error: error at 2:15: expected one of [_]")
    assert (problem.line, problem.column) == (2, 15)
    assert problem.message == "expected one of [_]"
    assert problem.excerpt.splitlines()[1].index("^") == len("     | ") + 14
    assert locate("x", "no position here") is None


def test_large_views_use_rings_without_scipy(seed_rows, monkeypatch):
    import explorer.graphview as graphview

    rows, links = seed_rows
    monkeypatch.setattr(graphview, "SPRING_LIMIT", 5)
    view = make_view(rows, links, Filters(), max_nodes=1000, collapse=False)
    assert view.graph.number_of_nodes() > 5 and not view.capped
    assert set(view.positions) == set(view.graph.nodes)


def _counts(subject: str | None, obj: str, subgroup: str, findings: int) -> dict:
    return {"subjectKey": subject and CONCEPT + subject, "subjectLabel": subject,
            "objectKey": CONCEPT + obj, "objectLabel": obj, "subgroup": subgroup,
            "findings": findings, "publications": 1}


def test_concept_graph_sums_the_stores_counts_and_filters_them():
    rows = pd.DataFrame([_counts("blasts", "cr", "adults", 3), _counts("blasts", "cr", "children", 2),
                         _counts("cd19", "cr", "adults", 1), _counts(None, "cr", "adults", 4)])
    kinds = ranked_kinds(pd.DataFrame({"concept": [CONCEPT + "blasts", CONCEPT + "cr", CONCEPT + "cd19"],
                                       "kind": ["2RiskFactor", "3Outcome", "9Unknown"]}))
    graph = concept_graph(rows, Filters(), kinds)
    assert graph.edges[CONCEPT + "blasts", CONCEPT + "cr"]["weight"] == 5
    assert graph.nodes[CONCEPT + "cr"]["label"] == "cr (10)", "occurrences count for their object, draw no edge"
    assert graph.nodes[CONCEPT + "blasts"]["kind"] == "RiskFactor" and graph.nodes[CONCEPT + "cr"]["kind"] == "Outcome"
    assert graph.nodes[CONCEPT + "cd19"]["kind"] == "Concept", "a kind the page does not know"
    assert edge_choices(graph)[0] == (CONCEPT + "blasts", CONCEPT + "cr")
    assert edge_tip(graph.edges[CONCEPT + "blasts", CONCEPT + "cr"]).startswith("5 findings")
    children = concept_graph(rows, Filters(subgroups=frozenset({"children"})), kinds)
    assert children.edges[CONCEPT + "blasts", CONCEPT + "cr"]["weight"] == 2 and CONCEPT + "cd19" not in children
    outcomes = concept_graph(rows, Filters(kinds=frozenset({"Outcome"})), kinds)
    assert list(outcomes) == [CONCEPT + "cr"]
    view = concept_view(graph, focus=CONCEPT + "cd19", radius=1, max_nodes=250)
    assert set(view.graph) == {CONCEPT + "cd19", CONCEPT + "cr"} and view.aggregated and view.total_nodes == 3
    _, edges = agraph_elements(view)
    assert edges[0].label == "1 finding"

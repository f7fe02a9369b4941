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
    make_view,
    neighbourhood,
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


def test_seed_network_has_every_kind(seed_rows):
    rows, links = seed_rows
    graph = build_graph(rows, links, Filters())
    kinds = dict(graph.nodes(data="kind"))
    assert kinds[CONCEPT + "bone-marrow-blasts-over-50"] == "RiskFactor"
    assert kinds[CONCEPT + "cd19-negative"] == "ResistancePhenotype"
    assert kinds[CONCEPT + "complete-remission"] == "Outcome"
    assert kinds["text:pretreatment factors"] == "Concept"
    assert sum(1 for k in kinds.values() if k == "Finding") == 18
    assert sum(1 for k in kinds.values() if k == "Publication") == 6  # the study and the five citing papers
    edge = graph.edges[next(f for f in graph.successors(CONCEPT + "bone-marrow-blasts-over-50")), CONCEPT
                       + "complete-remission"]
    assert (edge["relation"], edge["direction"], edge["p"]) == ("predicts", "Decreases", "P = 0.02")


def test_filters_narrow_the_network(seed_rows):
    rows, links = seed_rows
    everything = build_graph(rows, links, Filters()).number_of_nodes()
    strict = build_graph(rows, links, Filters(p_max=0.01))
    findings = [n for n, k in strict.nodes(data="kind") if k == "Finding"]
    assert len(findings) == 18 - 3  # P 0.02, 0.05 and 0.04 go; findings without a P-value stay
    assert build_graph(rows, links, Filters(subgroups=frozenset({"refractory"}))).number_of_nodes() < everything
    no_pubs = build_graph(rows, links, Filters(kinds=frozenset({"RiskFactor", "Finding", "Outcome"})))
    assert {k for _, k in no_pubs.nodes(data="kind")} == {"RiskFactor", "Finding", "Outcome"}
    only_cd19 = build_graph(rows, None, Filters(concepts=frozenset({"CD19-negative"})))
    assert sum(1 for _, k in only_cd19.nodes(data="kind") if k == "Finding") == 3


def test_aggregate_collapses_findings_into_edges(seed_rows):
    rows, _ = seed_rows
    merged = aggregate(build_graph(rows, None, Filters()))
    assert not [n for n, k in merged.nodes(data="kind") if k in ("Finding", "Publication")]
    assert merged.has_edge(CONCEPT + "prior-extramedullary-disease", CONCEPT + "complete-remission")


def test_neighbourhood_and_cap(seed_rows):
    rows, links = seed_rows
    graph = build_graph(rows, links, Filters())
    around = neighbourhood(graph, CONCEPT + "cd19-negative", 1)
    assert CONCEPT + "cd19-negative" in around
    assert all(k == "Finding" for n, k in around.nodes(data="kind") if n != CONCEPT + "cd19-negative")
    small = cap(graph, 5, keep=[CONCEPT + "relapse"])
    assert small.number_of_nodes() == 5 and CONCEPT + "relapse" in small
    assert neighbourhood(graph, "nope", 2).number_of_nodes() == 0


def test_large_graphs_are_aggregated_and_capped(seed_rows):
    rows, links = seed_rows
    view = make_view(rows, links, Filters(), max_nodes=10)
    assert view.aggregated and view.capped
    assert view.graph.number_of_nodes() == 10
    assert set(view.positions) == set(view.graph.nodes)


def test_tooltips_are_escaped_and_focus_is_marked(seed_rows):
    rows, links = seed_rows
    rows = rows.copy()
    rows.loc[:, "studyTitle"] = "<img src=x onerror=alert(1)> <b>bold</b>"
    focus = CONCEPT + "cd19-negative"
    view = make_view(rows, links, Filters(), focus=focus, radius=2)
    nodes, edges = agraph_elements(view, focus)
    titles = [n.title for n in nodes]
    assert not any("<img" in t or "<b>" in t for t in titles)
    assert any("&lt;img src=x onerror=alert(1)&gt;" in t for t in titles)
    assert [n.color for n in nodes if n.id == focus] == [FOCUS_COLOUR]
    assert edges


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

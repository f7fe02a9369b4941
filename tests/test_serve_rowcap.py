"""The endpoint's row cap, which counts lines of pyoxigraph's TSV output: exact at every edge and format."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.endpoint import Answer, EvalRequest, serialize_answer

ROWS = 20
QUERY = "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s"


@pytest.fixture
def store() -> ox.Store:
    """Twenty rows whose literals hold newlines, tabs and quotes (a raw newline would look like a row)."""
    engine = ox.Store()
    engine.extend(ox.Quad(ox.NamedNode(f"http://example.org/s{i:02d}"), ox.NamedNode("http://example.org/p"),
                          ox.Literal(f'line one\nline "two"\t{i}'), ox.DefaultGraph()) for i in range(ROWS))
    return engine


def answer(store: ox.Store, max_rows: int, media_type: str = "application/sparql-results+json") -> Answer:
    return serialize_answer(store.query(QUERY), EvalRequest(QUERY, media_type, max_rows))


@pytest.mark.parametrize(("max_rows", "kept", "truncated"), [(1, 1, True), (5, 5, True), (ROWS - 1, ROWS - 1, True),
                                                            (ROWS, ROWS, False), (ROWS + 1, ROWS, False)])
def test_json_answer_keeps_exactly_the_cap(store, max_rows, kept, truncated):
    result = answer(store, max_rows)
    rows = json.loads(result.body)["results"]["bindings"]
    assert len(rows) == kept
    assert result.truncated is truncated
    assert rows[0]["o"]["value"] == 'line one\nline "two"\t0'
    assert rows[-1]["s"]["value"] == f"http://example.org/s{kept - 1:02d}"


def test_tsv_answer_is_pyoxigraphs_own_when_under_the_cap(store):
    result = answer(store, ROWS, "text/tab-separated-values")
    assert result.body == store.query(QUERY).serialize(format=ox.QueryResultsFormat.TSV)
    assert not result.truncated


def test_tsv_answer_cut_at_the_cap_parses_back(store):
    result = answer(store, 3, "text/tab-separated-values")
    parsed = ox.parse_query_results(result.body, format=ox.QueryResultsFormat.TSV)
    assert [str(row["s"]) for row in parsed] == [f"<http://example.org/s{i:02d}>" for i in range(3)]
    assert result.truncated


def test_empty_answer_and_answer_without_variables(store):
    empty = serialize_answer(store.query("SELECT ?x WHERE { ?x <http://example.org/none> ?y }"),
                             EvalRequest("", "application/sparql-results+json", 5))
    assert json.loads(empty.body)["results"]["bindings"] == [] and not empty.truncated
    unit = serialize_answer(store.query("SELECT * WHERE {}"), EvalRequest("", "text/csv", 5))
    assert unit.body.count(b"\n") == 2 and not unit.truncated  # an empty header and one empty row

"""A LIMIT or OFFSET over 64 bits is one clear line in every face, never the engine's garbled parser message.

pyoxigraph 0.5 parses LIMIT/OFFSET as an unsigned 64-bit integer; past it the user saw "expected one
of The query limit should be a non negative integer, ['0'..='9']".
"""

from __future__ import annotations

import pytest
import requests
from conftest import endpoint_in_thread

from explorer.sparql_errors import short_message
from kg.cli import main
from kg.errors import InputError
from kg.guard import QueryLimits, check_query, run_limited
from kg.sparql_syntax import ENGINE_MAX_COUNT, QuerySyntaxError
from kg.store import OxigraphStore

TOO_BIG = [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999", "LIMIT 99999999999999999999", "column 35"),
    ("SELECT * WHERE { ?s ?p ?o }\nOFFSET 18446744073709551616", "OFFSET 18446744073709551616", "line 2, column 8"),
    ("SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } limit 000000000000000000000018446744073709551616 } }",
     "LIMIT 00000000000000000000... (42 digits)", "column 55"),
    ("ASK { { SELECT * WHERE { ?s ?p ?o } LIMIT " + "9" * 5000 + " } }", "LIMIT 99999999999999999999... (5,000 digits)",
     "column 43"),
]


@pytest.mark.parametrize(("query", "shown", "place"), TOO_BIG)
def test_the_guard_names_the_clause_and_where(query, shown, place):
    with pytest.raises(QuerySyntaxError) as refused:
        check_query(query)
    message = str(refused.value)
    assert shown in message and place in message and "\n" not in message
    assert f"at most {ENGINE_MAX_COUNT:,}" in message
    assert "expected one of" not in message


@pytest.mark.parametrize(("query", "shown", "place"), TOO_BIG[:2])
def test_kg_query_prints_one_line(query, shown, place, capsys):
    assert main(["query", query, "--store", "memory:"]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ") and shown in lines[0], lines


def test_the_store_itself_refuses_it_whoever_calls(memory_store: OxigraphStore):
    """The store's last check before the engine, for callers that skip the guard (rewrites, plugins)."""
    with pytest.raises(InputError, match="LIMIT 99999999999999999999 at line 1"):
        memory_store.query(TOO_BIG[0][0])


def test_the_explorer_shows_the_message_as_it_is(memory_store: OxigraphStore):
    """The SPARQL page runs ``run_limited`` and shows ``short_message`` of an InputError without a position."""
    with pytest.raises(InputError) as refused:
        run_limited(memory_store, TOO_BIG[0][0], QueryLimits())
    assert short_message(str(refused.value)) == str(refused.value)


def test_the_endpoint_answers_400_with_the_line(memory_store: OxigraphStore):
    with endpoint_in_thread(memory_store) as url:
        response = requests.get(url, params={"query": TOO_BIG[0][0]}, timeout=30)
    assert response.status_code == 400, response.text
    assert "LIMIT 99999999999999999999" in response.text and "larger than the engine accepts" in response.text


@pytest.mark.parametrize("count", [str(ENGINE_MAX_COUNT), "0", "00000000000000000000000000000007"])
def test_the_largest_count_the_engine_takes_still_runs(memory_store: OxigraphStore, count):
    result = memory_store.query(f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {count} OFFSET {count}")
    assert result.rows == []

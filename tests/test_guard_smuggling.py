"""Regression file: ways to smuggle SERVICE or an update past the read-only guard, each refused.

Every variant is also checked to be something the engine would accept or at least parse up to the
smuggled keyword, so the list tests the guard and not typos. Look-alikes (the word inside a
string, an IRI, a prefixed name or a variable) must pass.
"""

from __future__ import annotations

import pytest

from kg.errors import InputError
from kg.guard import ReadOnlyError, check_query
from kg.sparql_syntax import TextLimits, tokenize

URL = "<http://127.0.0.1:9/sparql>"
TAILS = [  # what may come right before a SERVICE keyword, glued to it (a prefixed name keeps a glued dot)
    "?s ?p ?o.", "?s ?p true.", '?s ?p "x"@en.', "?s ?p 'x'.", '?s ?p """x""".', "?s ?p 1.", "?s ?p 1.5.",
    "?s ?p <http://e/o>.", "?s ex:p ex:o .", "?s ex:p ex:it\\'s .", "?s ex:p ex:o\\. .", "?s ?p _:b .",
    "?s ?p []. ", "?s ?p ().", "?s ?p ?o;ex:q ?r.", "?s ?p ?o,?r.", "?s ?p 食:食べる .", "?é ?p ?o.",
    "?s ?p ?o#comment\n", "FILTER(?s)", "BIND(1 AS ?x)", "?s ?p 1e5.", '?s ?p "x"^^xsd:string .',
]
SPELLINGS = ["SERVICE", "service", "Service", "sErViCe", "SERVICE SILENT"]

SERVICE_VARIANTS = (
    [f"PREFIX ex: <http://e/> PREFIX 食: <http://f/> SELECT * WHERE {{ {tail}SERVICE {URL} {{ ?a ?b ?c }} }}"
     for tail in TAILS]
    + [f"SELECT * WHERE {{ ?s ?p ?o . {spelling} {URL} {{ ?a ?b ?c }} }}" for spelling in SPELLINGS]
    + [
        f"SELECT * WHERE {{ ?s ?p ?o }} # comment\n; SERVICE {URL} {{ }}",
        f"SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE {URL} {{ ?s ?p ?o }} }} }} }}",
        f"SELECT * WHERE {{ {{ {{ SELECT * {{ {{ SELECT * {{ ?s ?p ?o.SERVICE {URL} {{}} }} }} }} }} }} }}",
        f"SELECT (EXISTS {{ SERVICE {URL} {{ ?s ?p ?o }} }} AS ?x) WHERE {{}}",
        f"SELECT * WHERE {{ FILTER NOT EXISTS {{ SERVICE {URL} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o MINUS {{ SERVICE {URL} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ OPTIONAL {{ SERVICE {URL} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ {{ ?s ?p ?o }} UNION {{ SERVICE {URL} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ GRAPH ?g {{ SERVICE {URL} {{ ?s ?p ?o }} }} }}",
        f"SELECT * WHERE {{ SERVICE ?endpoint {{ ?s ?p ?o }} VALUES ?endpoint {{ {URL} }} }}",
        f"ASK {{ ?s ?p ?o.SERVICE {URL} {{ }} }}",
        f"ASK WHERE {{ SERVICE {URL} {{ }} }}",
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o.SERVICE {URL} {{ }} }}",
        f"CONSTRUCT WHERE {{ ?s ?p ?o }} VALUES ?x {{ 1 }} # {URL}\n SERVICE",
        f"DESCRIBE ?s WHERE {{ ?s ?p true.SERVICE {URL} {{ }} }}",
        f"DESCRIBE <http://e/s> {{ SERVICE {URL} {{ }} }}",
        "BASE <http://e/> SELECT * { ?s ?p <o>.SERVICE <x> { } }",
        f"SELECT * FROM <http://e/g> WHERE {{ ?s ?p\t?o.\tSERVICE\n{URL}\n{{ }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o }} ORDER BY ?s # {URL}\n LIMIT 1 SERVICE",
        f"SELECT * WHERE {{ ?s ?p ?o FILTER(?o != 'SERVICE') SERVICE {URL} {{ }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o }} VALUES ?s {{ <http://e/a> }} SERVICE {URL} {{ }}",
    ]
)
UPDATE_VARIANTS = [
    ("INSERT DATA { <http://a> <http://b> 1 }", "INSERT"),
    ("insert data { <http://a> <http://b> 1 }", "INSERT"),
    ("PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("# SELECT\nDELETE WHERE { ?s ?p ?o }", "DELETE"),
    ("BASE <http://e/> PREFIX select: <http://s/> LOAD <http://example.org/data.ttl>", "LOAD"),
    ("CLEAR ALL", "CLEAR"),
    ("drop graph <http://g>", "DROP"),
    ("CREATE GRAPH <http://g>", "CREATE"),
    ("ADD <http://a> TO <http://b>", "ADD"),
    ("MOVE DEFAULT TO <http://b>", "MOVE"),
    ("COPY DEFAULT TO <http://b>", "COPY"),
    ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", "WITH"),
]
LOOK_ALIKES = [
    "SELECT * WHERE { ?s ?p 'SERVICE <http://127.0.0.1:9/> {}' }",
    'SELECT * WHERE { ?s ?p """x\nSERVICE <http://127.0.0.1:9/> { }""" }',
    "SELECT * WHERE { ?s ?p <http://e/SERVICE> }",
    "PREFIX service: <http://e/> SELECT * WHERE { ?s service:SERVICE ?o }",
    "PREFIX ex: <http://e/> SELECT * WHERE { ?s ex:p ex:it\\'s }",
    "SELECT ?service WHERE { ?service ?p ?o }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1:9/> { }",
    "SELECT * WHERE { ?s ?p 'it''s' FILTER(?o = \"DELETE\") }",
    "SELECT ?insert WHERE { ?insert ?p 'DELETE' }",
    "PREFIX drop: <http://e/> SELECT * WHERE { ?s drop:load ?o } # CLEAR ALL",
    "SELECT ?é WHERE { ?é ?p ?o }",
    "PREFIX 食: <http://e/> SELECT * WHERE { ?s ?p 食:食べる }",
    "ASK { ?s ?p ?o }",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    "DESCRIBE <http://e/a>",
]


def test_the_file_holds_at_least_fifty_smuggling_variants():
    assert len(SERVICE_VARIANTS) + len(UPDATE_VARIANTS) >= 50


@pytest.mark.parametrize("query", SERVICE_VARIANTS)
def test_service_is_refused_however_it_is_written(query):
    with pytest.raises(ReadOnlyError, match="SERVICE is not allowed"):
        check_query(query)


@pytest.mark.parametrize(("query", "keyword"), UPDATE_VARIANTS)
def test_updates_are_refused_by_name(query, keyword):
    with pytest.raises(ReadOnlyError, match=f"{keyword} is not allowed"):
        check_query(query)


@pytest.mark.parametrize("query", LOOK_ALIKES)
def test_look_alikes_pass(query):
    assert check_query(query).form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE { ?s ?p 'never closed }",
        "SELECT * WHERE { ?s ?p ?o ",
        "SELECT * WHERE { ?s ?p ?o }}",
        "SELECT * WHERE { ?s ?p ?o ) }",
        "SELECT * WHERE { ?s ?p ?o } \\u0053ERVICE",
    ],
)
def test_text_that_is_not_sparql_is_refused_with_a_place(query):
    with pytest.raises(InputError, match="line 1, column"):
        check_query(query)


def test_size_and_depth_caps_come_before_any_parser():
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000  # crashes pyoxigraph's parser (stack overflow)
    with pytest.raises(InputError, match="deeper than 200 levels"):
        check_query(deep)
    with pytest.raises(InputError, match="deeper than 10 levels"):
        check_query("SELECT ((((((((((((1)))))))))))) AS ?x) {}", TextLimits(max_depth=10))
    with pytest.raises(InputError, match="over the limit of 1,000"):
        check_query("SELECT * WHERE { ?s ?p ?o }" + " " * 1000, TextLimits(max_chars=1000))
    assert check_query("SELECT * WHERE " + "{" * 200 + "}" * 200).depth == 200


@pytest.mark.parametrize("name", ["ex:o", "ex:it\\'s", "ex:o\\.", "_:b", "食:食べる", "xsd:string"])
def test_a_dot_inside_a_prefixed_name_is_the_names_for_the_guard_and_the_engine(name):
    """``ex:o.SERVICE`` is one prefixed name in SPARQL 1.1 (a local name may hold dots): no SERVICE call."""
    import pyoxigraph as ox

    query = f"PREFIX ex: <http://e/> PREFIX 食: <http://f/> SELECT * WHERE {{ ?s ?p {name}.SERVICE {URL} {{ }} }}"
    names = [token for token in tokenize(query) if token.text == f"{name}.SERVICE"]
    assert len(names) == 1 and names[0].kind in ("PNAME", "BNODE")
    with pytest.raises(SyntaxError):
        ox.Store().query(query)


def test_kg_query_refuses_a_parser_bomb_in_one_line():
    """5,000 nested braces killed `kg query` with signal 11; the cap refuses them before the engine."""
    import subprocess
    import sys

    bomb = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    run = subprocess.run([sys.executable, "-m", "kg", "query", bomb, "--store", "memory:"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr
    assert run.stderr.startswith("kg: error: query nests brackets deeper than 200 levels")
    assert len(run.stderr.splitlines()) == 1
    tight = subprocess.run([sys.executable, "-m", "kg", "query", "SELECT * WHERE {{{ }}}", "--store", "memory:",
                            "--max-query-depth", "2"], capture_output=True, text=True, timeout=60)
    assert tight.returncode == 1 and "deeper than 2 levels" in tight.stderr


OPERATOR_BOMBS = [  # shallow (one bracket level) and under the size cap, yet each crashed pyoxigraph (signal 11)
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "+".join("1" for _ in range(8000)) + " > 0) }",
    "SELECT * WHERE { ?s ?p ?o FILTER(" + "!" * 12000 + "true) }",
]


@pytest.mark.parametrize("bomb", OPERATOR_BOMBS, ids=["binary-chain", "unary-chain"])
def test_long_operator_chains_are_refused_before_the_engine(bomb):
    from kg.sparql_syntax import check_engine_text

    with pytest.raises(InputError, match="operators"):
        check_query(bomb)
    with pytest.raises(InputError, match="operators"):
        check_engine_text(bomb)


def test_kg_query_refuses_an_operator_chain_in_one_line():
    """8,000 terms joined by '+' (16 kB, depth 1) killed `kg query` with signal 11."""
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "kg", "query", OPERATOR_BOMBS[0], "--store", "memory:"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1, run.stderr[-300:]
    assert run.stderr.startswith("kg: error: query chains more than") and len(run.stderr.splitlines()) == 1


def test_a_long_but_ordinary_expression_passes():
    ordinary = "SELECT * WHERE { ?s ?p ?o FILTER(" + " || ".join(f"?o = {i}" for i in range(200)) + ") }"
    assert check_query(ordinary).form == "SELECT"

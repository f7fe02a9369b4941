"""Binding, paging and prefix injection by structure: each rewrite checked against pyoxigraph's answer."""

from __future__ import annotations

import subprocess
import sys

import pyoxigraph as ox
import pytest
from conftest import endpoint_in_thread
from rdflib import Literal, URIRef

from kg.errors import InputError
from kg.sparql import bind_values, set_page, with_prefixes
from kg.sparql_syntax import analyze, tokenize
from kg.store import OxigraphStore

E = "http://e/"
DATA = "".join(f"<{E}s{i}> <{E}p> {i} .\n<{E}s{i}> <{E}q> <{E}o{i % 2}> .\n" for i in range(5))


@pytest.fixture
def store() -> OxigraphStore:
    store = OxigraphStore(None)
    store.engine.load(DATA.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f"{E}g"))
    return store


def rows(store: OxigraphStore, query: str) -> list[tuple]:
    result = store.query(query)
    return sorted(result.rows if result.triples is None else result.triples, key=str)


def test_tokens_of_the_hard_cases():
    texts = [t.text for t in tokenize("SELECT ?é { ?s ex:it\\'s ex:p} . ?o.SERVICE 'a\\'b' \"\"\"x\"y\"\"\"@en-GB }")]
    assert texts == ["SELECT", "?é", "{", "?s", "ex:it\\'s", "ex:p", "}", ".", "?o", ".", "SERVICE", "'a\\'b'",
                     '"""x"y"""', "@en-GB", "}"]
    assert [t.kind for t in tokenize("true.SERVICE 1.5e3 .5 a")] == ["WORD", "PUNCT", "WORD", "NUMBER", "NUMBER",
                                                                     "WORD"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (f"CONSTRUCT WHERE {{ ?s <{E}p> ?v }}", 1),  # the short form: its group may hold triples only
        (f"SELECT * WHERE {{ SELECT ?s ?v WHERE {{ ?s <{E}p> ?v }} }}", 1),  # the group is a sub-SELECT
        (f"SELECT ?s (EXISTS {{ ?s <{E}q> <{E}o0> }} AS ?e) WHERE {{ ?s <{E}p> ?v }}", 1),  # EXISTS owns brace 1
        (f"SELECT * WHERE {{ ?s <{E}p> ?v FILTER(?s != <{E}none>) }} ORDER BY ?v", 1),
        (f"ASK {{ ?s <{E}p> 3 }}", None),
    ],
)
def test_values_bind_the_whole_where_pattern(store, query, expected):
    bound = bind_values(query, {"s": URIRef(f"{E}s3")})
    result = store.query(bound)
    if expected is None:
        assert result.boolean is True
        assert store.query(bind_values(query, {"s": URIRef(f"{E}s1")})).boolean is False
    else:
        answer = result.rows if result.triples is None else result.triples
        assert len(answer) == expected, bound
        assert URIRef(f"{E}s3") in answer[0]


def test_a_parameter_the_query_never_mentions_changes_nothing(store):
    query = f"SELECT * WHERE {{ ?s <{E}p> ?v }}"
    assert bind_values(query, {"unused": Literal("x")}) == query


def test_unicode_parameter_names_bind():
    bound = bind_values("SELECT ?é WHERE { ?é ?p ?o }", {"é": URIRef(f"{E}a")})
    assert analyze(bound).where is not None and f"VALUES (?é) {{ (<{E}a>) }}" in bound


def test_paging_replaces_the_querys_own_limit_and_offset(store):
    query = f"SELECT ?v WHERE {{ ?s <{E}p> ?v }} ORDER BY ?v LIMIT 2 OFFSET 1"
    paged = set_page(query, 2, 3)
    assert paged.count("OFFSET") == 1 and paged.count("LIMIT") == 1
    assert [int(row[0]) for row in store.query(paged).rows] == [3, 4]
    reversed_order = f"SELECT ?v WHERE {{ ?s <{E}p> ?v }} ORDER BY ?v OFFSET 1 LIMIT 2"
    assert [int(row[0]) for row in store.query(set_page(reversed_order, 1, 0)).rows] == [0]
    with pytest.raises(InputError, match="more than one LIMIT"):
        set_page("SELECT * { { SELECT * { ?s ?p ?o } LIMIT 1 } } LIMIT 2", 1)


def test_prefixes_are_added_for_prefixed_names_only():
    prefixes = {"ex": E, "skos": "http://s#"}
    added = with_prefixes("SELECT * { ?s ex:p 'skos:x' } # skos:y", prefixes)
    assert added.startswith(f"PREFIX ex: <{E}>\n") and "PREFIX skos:" not in added
    own = "PREFIX ex: <http://other/> SELECT * { ?s ex:p ?o }"
    assert with_prefixes(own, prefixes) == own


def test_literals_keep_the_engines_lexical_forms(tmp_path):
    data = tmp_path / "typed.ttl"
    xsd = "http://www.w3.org/2001/XMLSchema#"
    values = ['"30000"^^<{0}double>', '"PT0S"^^<{0}duration>', '"INF"^^<{0}double>', '"NaN"^^<{0}double>',
              '"-0"^^<{0}double>', '"2010-01-01T00:00:00Z"^^<{0}dateTime>', '"01"^^<{0}integer>']
    data.write_text("".join(f"<{E}s> <{E}p{i}> {v.format(xsd)} .\n" for i, v in enumerate(values)))
    store = tmp_path / "store"
    kg = [sys.executable, "-m", "kg"]
    subprocess.run([*kg, "load", str(data), "--store", str(store)], check=True, capture_output=True)
    for fmt in ("csv", "tsv", "json", "xml", "table"):
        out = subprocess.run([*kg, "query", f"SELECT ?o WHERE {{ <{E}s> ?p ?o }}", "--format", fmt,
                              "--store", str(store)], check=True, capture_output=True, text=True).stdout
        for lexical in ("30000", "PT0S", "INF", "NaN", "-0", "2010-01-01T00:00:00Z", "01"):
            assert lexical in out, (fmt, lexical, out)
        assert "30000.0" not in out and "P0D" not in out and "+00:00" not in out


def test_load_resolves_relative_iris_against_base(tmp_path):
    data = tmp_path / "relative.ttl"
    data.write_text("<a> <p> <b> .\n")
    kg = [sys.executable, "-m", "kg"]
    for base, expected in ((["--base", "http://example.org/x/"], "http://example.org/x/a"),
                           ([], data.resolve().as_uri().rsplit("/", 1)[0] + "/a")):
        store = tmp_path / f"store{len(base)}"
        subprocess.run([*kg, "load", str(data), "--store", str(store), *base], check=True, capture_output=True)
        out = subprocess.run([*kg, "query", "SELECT ?s WHERE { ?s ?p ?o }", "--format", "csv", "--store",
                              str(store)], check=True, capture_output=True, text=True).stdout
        assert out.splitlines()[1] == expected
    bad = subprocess.run([*kg, "load", str(data), "--store", "memory:", "--base", "no scheme"],
                         capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.startswith("kg: error: --base") and len(bad.stderr.splitlines()) == 1


def test_non_ascii_names_through_kg_serve(store):
    """``?é`` and ``食:食べる`` are valid SPARQL names: answered, never a 500."""
    import requests

    store.engine.load(f"<{E}s> <{E}p> <http://f/食べる> .".encode(), format=ox.RdfFormat.TURTLE,
                      to_graph=ox.NamedNode(f"{E}g2"))
    with endpoint_in_thread(store) as url:
        query = "PREFIX 食: <http://f/> SELECT ?é WHERE { ?é ?p 食:食べる }"
        response = requests.post(url, data={"query": query}, timeout=30,
                                 headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, response.text
        assert response.json()["results"]["bindings"] == [{"é": {"type": "uri", "value": f"{E}s"}}]


def test_ill_typed_literals_pass_through_without_noise():
    """``"abc"^^xsd:integer`` is valid RDF: printed as the engine gave it, nothing on stderr."""
    run = subprocess.run([sys.executable, "-m", "kg", "query", "SELECT ?x { BIND('abc'^^xsd:integer AS ?x) }",
                          "--store", "memory:", "--format", "tsv"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stderr == ""
    assert run.stdout.splitlines()[1] == '"abc"^^<http://www.w3.org/2001/XMLSchema#integer>'


@pytest.mark.parametrize(
    ("text", "kinds"),
    [
        ('"a\\"b" \'c\\\'d\' """x""y""" \'\'\'it\'s\'\'\'', ["STRING"] * 4),
        ('"\\u00e9\\U0001F600"', ["STRING"]),
        ("ex:a%20b ex:a\\~b ex:a.b :x 食: _:b1 _:a.b", ["PNAME"] * 5 + ["BNODE"] * 2),
        ("1 1.5 .5 1e5 1.E5 -2 +3", ["NUMBER", "NUMBER", "NUMBER", "NUMBER", "NUMBER", "PUNCT", "NUMBER",
                                      "PUNCT", "NUMBER"]),
        ("?a $b ?1 ?é_x ?a·b", ["VAR"] * 5),
        ("<http://e/a?b=c#d> <> <\\u0041>", ["IRI"] * 3),
        ("a ^^ <= >= != && || ^ | / ? * +", ["WORD"] + ["PUNCT"] * 12),
        ('"x"@en-GB "y"@de', ["STRING", "LANGTAG", "STRING", "LANGTAG"]),
    ],
)
def test_tokenizer_terminals(text, kinds):
    assert [token.kind for token in tokenize(text)] == kinds


@pytest.mark.parametrize("text", ['"unclosed', "'''never", "?x \\ ?y", "ex:p`", '"line\nbreak"'])
def test_tokenizer_refuses_what_no_terminal_takes(text):
    with pytest.raises(InputError, match="line"):
        tokenize(text)

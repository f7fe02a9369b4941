import pytest
from rdflib import Literal, URIRef

from kg.guard import QueryLimits, QueryTimeout, ReadOnlyError, check_read_only, run_limited

P = URIRef("http://example.org/p")


@pytest.mark.parametrize(
    ("query", "keyword"),
    [
        ("INSERT DATA { <http://a> <http://b> 1 }", "INSERT"),
        ("PREFIX x: <http://x/> DELETE WHERE { ?s ?p ?o }", "DELETE"),
        ("LOAD <http://example.org/data.ttl>", "LOAD"),
        ("CLEAR ALL", "CLEAR"),
        ("drop graph <http://g>", "DROP"),
        ("SELECT * WHERE { SERVICE <http://elsewhere/sparql> { ?s ?p ?o } }", "SERVICE"),
    ],
)
def test_writes_and_service_are_refused(query, keyword):
    with pytest.raises(ReadOnlyError, match=keyword):
        check_read_only(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?insert WHERE { ?insert ?p 'DELETE' }",
        "PREFIX drop: <http://e/> SELECT * WHERE { ?s drop:load ?o } # CLEAR ALL",
        "ASK { ?s ?p ?o }",
    ],
)
def test_keywords_inside_names_strings_and_comments_are_fine(query):
    check_read_only(query)


def test_row_cap_truncates(memory_store):
    memory_store.replace_graphs({"http://g": [(URIRef(f"http://e/{i}"), P, Literal(i)) for i in range(50)]})
    result = run_limited(memory_store, "SELECT ?s WHERE { ?s ?p ?o }", QueryLimits(timeout=10, max_rows=20))
    assert len(result.rows) == 20 and result.truncated
    small = run_limited(memory_store, "SELECT ?s WHERE { ?s ?p ?o }", QueryLimits(timeout=10, max_rows=100))
    assert len(small.rows) == 50 and not small.truncated


def test_slow_query_times_out(memory_store):
    memory_store.replace_graphs({"http://g": [(URIRef(f"http://e/{i}"), P, Literal(i)) for i in range(3000)]})
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d FILTER(STR(?a) < STR(?c)) }"  # ~3 s of work
    with pytest.raises(QueryTimeout, match="time limit"):
        run_limited(memory_store, slow, QueryLimits(timeout=0.2, max_rows=10))

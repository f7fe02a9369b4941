import pytest
from rdflib import Literal, URIRef

from kg.errors import InputError
from kg.sparql import bind_values
from kg.store import OxigraphStore

A, P = URIRef("http://example.org/a"), URIRef("http://example.org/p")


def test_replace_graph_swaps_whole_graph(memory_store):
    memory_store.replace_graphs({"http://example.org/g": [(A, P, Literal("old")), (A, P, Literal("older"))]})
    memory_store.replace_graphs({"http://example.org/g": [(A, P, Literal("new"))]})
    assert [r[0] for r in memory_store.query("SELECT ?o WHERE { ?s ?p ?o }").rows] == [Literal("new")]


def test_failed_update_leaves_store_unchanged(memory_store):
    memory_store.replace_graphs({"http://example.org/g": [(A, P, Literal("kept"))]})
    with pytest.raises(Exception):  # noqa: B017 - a term that cannot be written must abort the whole update
        memory_store.replace_graphs(
            {"http://example.org/g": [(A, P, Literal("lost"))], "http://example.org/h": [(A, P, URIRef("bad iri"))]}
        )
    assert memory_store.query("SELECT ?o WHERE { ?s ?p ?o }").rows == [(Literal("kept"),)]


def test_bindings_are_terms_not_text(memory_store):
    memory_store.replace_graphs({"http://example.org/g": [(A, P, Literal('x" } ; DROP ALL ; #'))]})
    hostile = Literal('x" } ; DROP ALL ; #')
    rows = memory_store.query("SELECT ?s WHERE { ?s ?p ?o }", {"o": hostile}).rows
    assert rows == [(A,)]
    assert memory_store.quad_count() == 1


def test_bind_values_skips_braces_in_strings_comments_and_iris():
    query = 'PREFIX x: <http://e/x#y> # {\nSELECT ?s WHERE { ?s ?p "{" }'
    bound = bind_values(query, {"p": P})
    assert bound.index("VALUES") > bound.index("WHERE")
    construct = bind_values("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": A})
    assert construct.index("VALUES") > construct.index("WHERE")
    with pytest.raises(InputError):
        bind_values("SELECT ?s WHERE { ?s ?p ?o }", {"bad name": A})


def test_syntax_error_is_input_error(memory_store):
    with pytest.raises(InputError, match="SPARQL syntax error"):
        memory_store.query("SELEC ?x")


def test_on_disk_store_persists(tmp_path):
    store = OxigraphStore(tmp_path / "s")
    store.replace_graphs({"http://example.org/g": [(A, P, Literal(1))]})
    store.close()
    again = OxigraphStore(tmp_path / "s")
    assert again.quad_count() == 1
    again.close()


def test_read_only_store_reads_and_closes(tmp_path):
    store = OxigraphStore(tmp_path / "s")
    store.replace_graphs({"http://example.org/g": [(A, P, Literal(1))]})
    store.close()
    reader = OxigraphStore(tmp_path / "s", read_only=True)
    assert reader.quad_count() == 1
    reader.close()


def test_new_graphs_with_a_bad_term_write_nothing(memory_store):
    # New graphs take the extend() path: it must be as all-or-nothing as the SPARQL update.
    with pytest.raises(Exception):  # noqa: B017 - any failure, as long as nothing is written
        memory_store.replace_graphs(
            {"http://example.org/g": [(A, P, Literal("lost"))], "http://example.org/h": [(A, P, URIRef("bad iri"))]}
        )
    assert memory_store.quad_count() == 0
    memory_store.replace_graphs({"http://example.org/g": [(A, P, Literal("new"))]})
    memory_store.replace_graphs({"http://example.org/g": [(A, P, Literal("newer"))]})
    assert [r[0] for r in memory_store.query("SELECT ?o WHERE { ?s ?p ?o }").rows] == [Literal("newer")]

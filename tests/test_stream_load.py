"""Streaming loads (kg.store.bulk.load_streaming, kg.store.load.load_into): Turtle, TriG, JSON-LD, RDF/XML
and the blank-node rest of N-Triples files are parsed once and added in bounded batches.

Batches are a few quads here instead of 50,000, so small files span many batches. The reference
is what one ``bulk_load`` call over the whole file gives; blank nodes get fresh ids on both sides,
so graphs are compared up to blank-node renaming.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.compare import graph_diff, isomorphic

import kg.store.bulk
import kg.store.load
from kg.errors import InputError
from kg.store import OxigraphStore, from_ox
from kg.store.load import LoadInterrupted, load_into, load_one_file

EX = "http://example.org/"
BATCH = 7


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kg.store.bulk, "BATCH_QUADS", BATCH)


def turtle(subjects: int) -> str:
    """Turtle with prefixes, ``;`` lists, ``[ ]`` nodes and a labelled blank node used far apart in the file."""
    body = "".join(
        f'ex:s{n} a ex:Thing ; ex:label "thing {n}"@en ; ex:count {n} ; ex:part [ ex:rank {n % 4} ] ;'
        f" ex:shared _:b{n % 3} .\n"
        for n in range(subjects)
    )
    return f"@prefix ex: <{EX}> .\n{body}_:b0 ex:note \"the first shared node\" .\n"


def reference(tmp_path: Path, source: Path, fmt: ox.RdfFormat, graph: str | None) -> set[ox.Quad]:
    """What one ``bulk_load`` call over the whole file gives."""
    store = ox.Store(str(tmp_path / "reference"))
    store.bulk_load(path=str(source), format=fmt, to_graph=ox.NamedNode(graph) if graph else None,
                    base_iri=source.resolve().as_uri())
    return set(store)


def as_dataset(quads: set[ox.Quad]) -> Graph:
    """Quads as one rdflib graph of (s, p, o) plus a triple naming each quad's graph, for an isomorphism check."""
    graph = Graph()
    for quad in quads:
        s, p, o = from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)
        graph.add((s, p, o))
        if not isinstance(quad.graph_name, ox.DefaultGraph):
            graph.add((s, URIRef(f"{EX}inGraph"), from_ox(quad.graph_name)))
    return graph


def assert_same(got: set[ox.Quad], expected: set[ox.Quad]) -> None:
    assert len(got) == len(expected)
    assert {q.graph_name for q in got} == {q.graph_name for q in expected}
    blanks = {t for q in got for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)}
    assert len(blanks) == len({t for q in expected for t in (q.subject, q.object) if isinstance(t, ox.BlankNode)})
    left, right = as_dataset(got), as_dataset(expected)
    if not isomorphic(left, right):
        _, only_got, only_expected = graph_diff(left, right)
        pytest.fail(f"differs: {sorted(only_got)[:3]} vs {sorted(only_expected)[:3]}")


def store_at(path: Path) -> OxigraphStore:
    return OxigraphStore(path)


def test_turtle_in_many_batches_equals_one_bulk_load(tmp_path):
    source = tmp_path / "data.ttl"
    source.write_text(turtle(60), encoding="utf-8")
    graph = f"{EX}g"
    store = store_at(tmp_path / "store")
    added = load_into(store, source, ox.RdfFormat.TURTLE, graph, source.resolve().as_uri())
    expected = reference(tmp_path, source, ox.RdfFormat.TURTLE, graph)
    assert added == len(expected) > 20 * BATCH
    loaded = set(store.iter_quads())
    assert_same(loaded, expected)
    shared = {q.object for q in loaded if q.predicate == ox.NamedNode(f"{EX}shared")}
    assert len(shared) == 3  # a label used in the first and the last batch is one node
    store.close()


def test_blank_nodes_of_two_loads_stay_apart(tmp_path):
    """Like ``bulk_load``, every load gives fresh blank nodes: a second file's ``_:b0`` is another node."""
    source = tmp_path / "data.ttl"
    source.write_text(turtle(10), encoding="utf-8")
    store = store_at(tmp_path / "store")
    load_into(store, source, ox.RdfFormat.TURTLE, f"{EX}g1")
    load_into(store, source, ox.RdfFormat.TURTLE, f"{EX}g2")
    blanks = {name: {q.object for q in store.iter_quads()
                     if q.graph_name == ox.NamedNode(f"{EX}{name}") and q.predicate == ox.NamedNode(f"{EX}shared")}
              for name in ("g1", "g2")}
    assert len(blanks["g1"]) == len(blanks["g2"]) == 3 and not blanks["g1"] & blanks["g2"]
    store.close()


TRIG = f"""@prefix ex: <{EX}> .
ex:a ex:p "in the default graph" .
ex:g1 {{ ex:a ex:p "one" ; ex:q _:x . _:x ex:r "blank in g1" . }}
ex:g2 {{ {" ".join(f'ex:s{n} ex:p "{n}" .' for n in range(30))} ex:b ex:q _:x . }}
"""

JSONLD = f"""{{"@context": {{"ex": "{EX}"}},
 "@graph": [{{"@id": "ex:a", "ex:p": "default"}},
            {{"@id": "ex:g", "@graph": [{", ".join(f'{{"@id": "ex:s{n}", "ex:p": "{n}"}}' for n in range(30))}]}},
            {{"@id": "_:n", "ex:p": "blank"}}]}}
"""

RDFXML = f"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="{EX}">
{"".join(f'<rdf:Description rdf:about="{EX}s{n}"><ex:p>{n}</ex:p><ex:q rdf:nodeID="b{n % 2}"/></rdf:Description>'
         for n in range(30))}
<rdf:Description rdf:about="relative"><ex:p>relative IRI</ex:p></rdf:Description>
</rdf:RDF>
"""


@pytest.mark.parametrize(("name", "text", "fmt", "graph"), [
    ("data.trig", TRIG, ox.RdfFormat.TRIG, None),
    ("data.jsonld", JSONLD, ox.RdfFormat.JSON_LD, f"{EX}target"),
    ("data.rdf", RDFXML, ox.RdfFormat.RDF_XML, f"{EX}target"),
])
def test_other_formats_equal_one_bulk_load(tmp_path, name, text, fmt, graph):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    store = store_at(tmp_path / "store")
    load_into(store, source, fmt, graph, source.resolve().as_uri())
    assert_same(set(store.engine), reference(tmp_path, source, fmt, graph))
    store.close()


def test_jsonld_named_graphs_keep_their_names_and_the_rest_goes_to_the_target(tmp_path):
    source = tmp_path / "data.jsonld"
    source.write_text(JSONLD, encoding="utf-8")
    store = store_at(tmp_path / "store")
    load_into(store, source, ox.RdfFormat.JSON_LD, f"{EX}target")
    graphs = {q.graph_name for q in store.engine}
    assert graphs == {ox.NamedNode(f"{EX}g"), ox.NamedNode(f"{EX}target")}
    store.close()


def test_blank_node_rest_of_ntriples_spans_batches(tmp_path, caplog):
    lines = [f'<{EX}s{n}> <{EX}p> "plain {n}" .\n' for n in range(300)]
    lines += [f'_:b{n % 3} <{EX}p> "blank {n}" .\n<{EX}t{n}> <{EX}q> _:b{n % 3} .\n' for n in range(100)]
    source = tmp_path / "blank.nt"
    source.write_text("".join(lines), encoding="utf-8")
    store = OxigraphStore(tmp_path / "store", load_threads=2, chunk_bytes=2048)
    with caplog.at_level(logging.INFO, logger="kg"):
        assert store.load_file(source, ox.RdfFormat.N_TRIPLES, f"{EX}g") == 500
    assert "loading the rest in one parse" in caplog.text
    loaded = set(store.iter_quads())
    assert len({q.subject for q in loaded if isinstance(q.subject, ox.BlankNode)}) == 3
    assert_same(loaded, reference(tmp_path, source, ox.RdfFormat.N_TRIPLES, f"{EX}g"))
    store.close()


def test_error_in_the_blank_node_rest_counts_lines_from_the_top(tmp_path):
    lines = [f'<{EX}s{n}> <{EX}p> "plain {n}" .\n' for n in range(300)]
    lines += [f'_:b{n % 3} <{EX}p> "blank {n}" .\n' for n in range(200)]
    lines[449] = f'<{EX}s> <{EX}p> "never closed .\n'
    source = tmp_path / "bad.nt"
    source.write_text("".join(lines), encoding="utf-8")
    store = OxigraphStore(tmp_path / "store", load_threads=2, chunk_bytes=2048)
    with pytest.raises(InputError, match=r"line 450 .*nothing loaded"):
        load_one_file(store, source, ox.RdfFormat.N_TRIPLES, f"{EX}g")
    assert store.quad_count() == 0
    store.close()


def test_syntax_error_late_in_turtle_is_one_line_with_file_line_and_column_and_undone(tmp_path):
    source = tmp_path / "bad.ttl"
    text = turtle(60)
    source.write_text(text + 'ex:late ex:p "never closed .\n', encoding="utf-8")
    bad_line = text.count("\n") + 1
    store = store_at(tmp_path / "store")
    with pytest.raises(InputError) as failure:
        load_one_file(store, source, ox.RdfFormat.TURTLE, f"{EX}g")
    message = str(failure.value)
    assert "\n" not in message and message.startswith(f"{source}: ")
    assert f"line {bad_line} column 14" in message and message.endswith("nothing loaded")
    bulk = ox.Store()
    with pytest.raises(SyntaxError) as direct:
        bulk.bulk_load(path=str(source), format=ox.RdfFormat.TURTLE)
    assert message == f"{source}: {direct.value}; nothing loaded"  # the message bulk_load gave
    assert store.quad_count() == 0
    store.close()


def test_error_into_an_existing_graph_is_caught_before_loading(tmp_path):
    source = tmp_path / "first.ttl"
    source.write_text(turtle(5), encoding="utf-8")
    store = store_at(tmp_path / "store")
    load_one_file(store, source, ox.RdfFormat.TURTLE, f"{EX}g")
    before = set(store.iter_quads())
    bad = tmp_path / "bad.ttl"
    bad.write_text(turtle(60) + "ex:late ex:p\n", encoding="utf-8")
    with pytest.raises(InputError, match="nothing loaded"):
        load_one_file(store, bad, ox.RdfFormat.TURTLE, f"{EX}g")
    assert set(store.iter_quads()) == before
    store.close()


def ctrl_c_after(monkeypatch: pytest.MonkeyPatch, batches: int) -> list[int]:
    """Press Ctrl-C once ``batches`` batches are written (the streaming load checks between batches)."""
    written: list[int] = []
    real = kg.store.load.load_streaming

    def interrupted(*args: object, **kwargs: object) -> None:
        def progress(count: int) -> None:
            written.append(count)
            if len(written) == batches:
                raise KeyboardInterrupt

        real(*args, **{**kwargs, "progress": progress})  # type: ignore[arg-type]

    monkeypatch.setattr(kg.store.load, "load_streaming", interrupted)
    return written


def test_ctrl_c_into_a_new_graph_leaves_nothing(tmp_path, monkeypatch):
    keep = tmp_path / "keep.ttl"
    keep.write_text(f"@prefix ex: <{EX}> .\nex:k ex:p 1 .\n", encoding="utf-8")
    store = store_at(tmp_path / "store")
    load_one_file(store, keep, ox.RdfFormat.TURTLE, f"{EX}keep")
    before = set(store.iter_quads())
    written = ctrl_c_after(monkeypatch, 3)
    source = tmp_path / "data.ttl"
    source.write_text(turtle(60), encoding="utf-8")
    with pytest.raises(LoadInterrupted) as stopped:
        load_one_file(store, source, ox.RdfFormat.TURTLE, f"{EX}g")
    assert len(written) == 3  # three batches were in the store when Ctrl-C came
    assert not stopped.value.partial and "nothing of" in str(stopped.value)
    assert set(store.iter_quads()) == before
    store.close()


def test_ctrl_c_replacing_a_graph_says_what_remains(tmp_path, monkeypatch):
    source = tmp_path / "data.ttl"
    source.write_text(turtle(60), encoding="utf-8")
    store = store_at(tmp_path / "store")
    load_one_file(store, source, ox.RdfFormat.TURTLE, f"{EX}g")
    ctrl_c_after(monkeypatch, 2)
    with pytest.raises(LoadInterrupted) as stopped:
        load_one_file(store, source, ox.RdfFormat.TURTLE, f"{EX}g")
    assert stopped.value.partial and f"graph <{EX}g> holds part of {source}" in str(stopped.value)
    assert 0 < store.quad_count() < len(reference(tmp_path, source, ox.RdfFormat.TURTLE, f"{EX}g"))
    store.close()


def test_memory_store_and_line_formats_keep_the_store_loader(tmp_path, monkeypatch):
    calls: list[Path] = []
    monkeypatch.setattr(kg.store.load, "load_streaming", lambda store, path, *a, **k: calls.append(path))
    monkeypatch.setattr(kg.store.load, "default_threads", lambda: 2)  # line formats load on several threads
    source = tmp_path / "data.ttl"
    source.write_text(turtle(3), encoding="utf-8")
    memory = OxigraphStore(None)
    assert load_into(memory, source, ox.RdfFormat.TURTLE, f"{EX}g") > 0
    lines = tmp_path / "data.nt"
    lines.write_text(f'<{EX}a> <{EX}p> "1" .\n', encoding="utf-8")
    disk = store_at(tmp_path / "store")
    assert load_into(disk, lines, ox.RdfFormat.N_TRIPLES, f"{EX}g") == 1
    disk.close()
    assert calls == []


def test_one_core_streams_line_formats_too(tmp_path, monkeypatch):
    """With one core the store would load N-Quads in one ``bulk_load`` call: streamed instead."""
    streamed: list[Path] = []
    real = kg.store.load.load_streaming
    monkeypatch.setattr(kg.store.load, "load_streaming",
                        lambda store, path, *a, **k: (streamed.append(path), real(store, path, *a, **k)))
    monkeypatch.setattr(kg.store.load, "default_threads", lambda: 1)
    source = tmp_path / "data.nq"
    source.write_text("".join(f'_:b{n % 4} <{EX}p> "{n}" <{EX}g{n % 3}> .\n' for n in range(100)), encoding="utf-8")
    store = store_at(tmp_path / "store")
    assert load_into(store, source, ox.RdfFormat.N_QUADS, None) == 100
    assert streamed == [source]
    assert_same(set(store.engine), reference(tmp_path, source, ox.RdfFormat.N_QUADS, None))
    store.close()


def test_kg_load_of_turtle_through_the_owner_streams_too(tmp_path, monkeypatch):
    """``kg load`` beside a running owner (this process): the owner runs the same streaming load."""
    from conftest import run_kg

    from kg.store import open_store

    streamed: list[Path] = []
    real = kg.store.load.load_streaming
    monkeypatch.setattr(kg.store.load, "load_streaming",
                        lambda store, path, *a, **k: (streamed.append(path), real(store, path, *a, **k)))
    source = tmp_path / "data.ttl"
    source.write_text(turtle(40), encoding="utf-8")
    path = tmp_path / "store"
    OxigraphStore(path).close()
    owner = open_store(str(path), own=True)
    try:
        result = run_kg("load", str(source), "--graph", f"{EX}g", store=path)
        assert result.returncode == 0, result.stderr
        loaded = {q for q in owner.engine if q.graph_name == ox.NamedNode(f"{EX}g")}  # type: ignore[attr-defined]
    finally:
        owner.close()
    assert streamed == [source.resolve()]
    assert_same(loaded, reference(tmp_path, source, ox.RdfFormat.TURTLE, f"{EX}g"))

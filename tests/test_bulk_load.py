"""Parallel bulk loading (kg.store.bulk): same quads as one bulk_load call, whole-file line numbers, undo on errors.

Chunks are a few kilobytes here instead of 16 MB, so small files still cut into many pieces.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic

from kg.errors import InputError
from kg.store import OxigraphStore, from_ox
from kg.store.bulk import iter_chunks
from kg.store.load import load_one_file

CHUNK = 2048
EX = "http://example.org/"


def nquads(lines: int, graphs: int = 4) -> list[str]:
    return [f'<{EX}s{n}> <{EX}p> "value {n}" <{EX}g{n % graphs}> .\n' for n in range(lines)]


def ntriples(lines: int) -> list[str]:
    return [f'<{EX}s{n}> <{EX}p> "value {n}"@en .\n' for n in range(lines)]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def parallel_store(path: Path, threads: int = 2) -> OxigraphStore:
    return OxigraphStore(path, load_threads=threads, chunk_bytes=CHUNK)


def single_call(tmp_path: Path, source: Path, fmt: ox.RdfFormat, graph: str | None) -> set[ox.Quad]:
    """The reference: what one ``bulk_load`` call over the whole file gives."""
    store = ox.Store(str(tmp_path / "reference"))
    store.bulk_load(path=str(source), format=fmt, to_graph=ox.NamedNode(graph) if graph else None)
    return set(store)


def as_graph(quads: set[ox.Quad]) -> Graph:
    graph = Graph()
    for quad in quads:
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return graph


def test_chunks_end_at_newlines_and_know_their_first_line():
    text = b"a\nbb\n" + b"ccc\n" * 20 + b"end"
    chunks = list(iter_chunks(io.BytesIO(text), 8))
    assert len(chunks) > 5 and all(chunk.whole for chunk in chunks)
    assert b"".join(chunk.data for chunk in chunks) == text
    assert all(chunk.data.endswith(b"\n") for chunk in chunks[:-1])
    for chunk in chunks:
        assert chunk.first_line == text[: chunk.offset].count(b"\n") + 1
        assert text[chunk.offset : chunk.offset + len(chunk.data)] == chunk.data


def test_a_line_longer_than_a_chunk_ends_the_cutting():
    text = b"a\nbb\n" + b"x" * 50 + b"\nz\n"
    chunks = list(iter_chunks(io.BytesIO(text), 8))
    assert [chunk.whole for chunk in chunks] == [True] * (len(chunks) - 1) + [False]
    last = chunks[-1]
    assert last.first_line == 3 and text[last.offset :].startswith(b"x")


def test_a_long_line_in_the_middle_loads_like_one_call(tmp_path, caplog):
    long_line = f'<{EX}long> <{EX}p> "{"y" * (3 * CHUNK)}" .\n'
    source = write(tmp_path / "long.nt", [*ntriples(300), long_line, *ntriples(300)[::-1]])
    store = parallel_store(tmp_path / "store")
    with caplog.at_level(logging.INFO, logger="kg"):
        assert store.load_file(source, ox.RdfFormat.N_TRIPLES, f"{EX}g") == 301
    assert "no line end within a chunk" in caplog.text
    assert set(store.iter_quads()) == single_call(tmp_path, source, ox.RdfFormat.N_TRIPLES, f"{EX}g")
    store.close()


@pytest.mark.parametrize("threads", [2, 3])
def test_parallel_nquads_equal_single_call(tmp_path, caplog, threads):
    source = write(tmp_path / "data.nq", nquads(600))
    assert source.stat().st_size > 10 * CHUNK
    store = parallel_store(tmp_path / "store", threads)
    with caplog.at_level(logging.INFO, logger="kg.store"):
        added = store.load_file(source, ox.RdfFormat.N_QUADS, None)
    assert f"{threads} threads" in caplog.text
    assert added == 600
    assert set(store.iter_quads()) == single_call(tmp_path, source, ox.RdfFormat.N_QUADS, None)
    store.close()


def test_parallel_ntriples_into_named_graph_equal_single_call(tmp_path):
    source = write(tmp_path / "data.nt", ntriples(600))
    graph = f"{EX}target"
    store = parallel_store(tmp_path / "store")
    assert store.load_file(source, ox.RdfFormat.N_TRIPLES, graph) == 600
    loaded = set(store.iter_quads())
    assert {quad.graph_name for quad in loaded} == {ox.NamedNode(graph)}
    assert loaded == single_call(tmp_path, source, ox.RdfFormat.N_TRIPLES, graph)
    store.close()


@pytest.mark.parametrize("plain_lines", [0, 300])
def test_blank_node_in_several_chunks_stays_one_node(tmp_path, caplog, plain_lines):
    """``bulk_load`` renames labels per call, so a label spread over pieces must still end up as one node."""
    blank = [f'_:b{n % 3} <{EX}p> "blank {n}" .\n<{EX}s{n}> <{EX}q> _:b{n % 3} .\n' for n in range(300)]
    source = write(tmp_path / "blank.nt", ntriples(plain_lines) + blank)
    graph = f"{EX}g"
    store = parallel_store(tmp_path / "store")
    with caplog.at_level(logging.INFO, logger="kg"):
        assert store.load_file(source, ox.RdfFormat.N_TRIPLES, graph) == plain_lines + 600
    with source.open("rb") as handle:
        first_blank = next(chunk for chunk in iter_chunks(handle, CHUNK) if b"_:" in chunk.data)
    assert (first_blank.first_line == 1) == (plain_lines == 0)
    assert f"blank nodes from line {first_blank.first_line} on" in caplog.text
    loaded = set(store.iter_quads())
    assert len({quad.subject for quad in loaded if isinstance(quad.subject, ox.BlankNode)}) == 3
    expected = as_graph(single_call(tmp_path, source, ox.RdfFormat.N_TRIPLES, graph))
    got = as_graph(loaded)
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(got, expected)
        pytest.fail(f"differs: {sorted(only_got)[:3]} vs {sorted(only_expected)[:3]}")
    store.close()


def test_reloading_the_same_file_adds_nothing(tmp_path):
    source = write(tmp_path / "data.nq", nquads(600))
    store = parallel_store(tmp_path / "store")
    assert load_one_file(store, source, ox.RdfFormat.N_QUADS, None) == 600
    assert load_one_file(store, source, ox.RdfFormat.N_QUADS, None) == 0
    assert store.quad_count() == 600
    store.close()


def broken(path: Path, lines: list[str], bad: list[int]) -> Path:
    """``lines`` with each 1-based line number in ``bad`` cut short (an unterminated literal)."""
    for number in bad:
        lines[number - 1] = f'<{EX}s> <{EX}p> "never closed .\n'
    return write(path, lines)


def test_error_in_a_late_chunk_names_the_whole_file_line_and_undoes(tmp_path):
    source = broken(tmp_path / "bad.nq", nquads(900), [850])
    store = parallel_store(tmp_path / "store")
    with pytest.raises(InputError) as failure:
        load_one_file(store, source, ox.RdfFormat.N_QUADS, None)
    message = str(failure.value)
    assert "line 850 " in message and "nothing loaded" in message and "\n" not in message
    assert store.quad_count() == 0
    store.close()


def test_earliest_bad_line_is_reported(tmp_path):
    source = broken(tmp_path / "bad.nq", nquads(900), [400, 850])
    store = parallel_store(tmp_path / "store", threads=3)
    with pytest.raises(InputError, match="line 400 "):
        store.load_file(source, ox.RdfFormat.N_QUADS, None)
    store.close()


def test_error_in_new_graph_keeps_other_graphs(tmp_path):
    store = parallel_store(tmp_path / "store")
    store.load_file(write(tmp_path / "first.nq", nquads(40)), ox.RdfFormat.N_QUADS, None)
    before = set(store.iter_quads())
    source = broken(tmp_path / "bad.nt", ntriples(900), [777])
    with pytest.raises(InputError, match=r"line 777 .*nothing loaded"):
        load_one_file(store, source, ox.RdfFormat.N_TRIPLES, f"{EX}new")
    assert set(store.iter_quads()) == before
    store.close()


def test_error_after_blank_nodes_names_the_whole_file_line(tmp_path):
    blank = [f'_:b{n % 2} <{EX}p> "blank {n}" .\n' for n in range(300)]
    source = broken(tmp_path / "bad.nt", ntriples(300) + blank, [550])
    store = parallel_store(tmp_path / "store")
    with pytest.raises(InputError, match=r"line 550 .*nothing loaded"):
        load_one_file(store, source, ox.RdfFormat.N_TRIPLES, f"{EX}g")
    assert store.quad_count() == 0
    store.close()


def test_error_in_quads_for_a_non_empty_store_is_caught_before_loading(tmp_path):
    store = parallel_store(tmp_path / "store")
    store.load_file(write(tmp_path / "first.nq", nquads(40)), ox.RdfFormat.N_QUADS, None)
    before = set(store.iter_quads())
    source = broken(tmp_path / "bad.nq", nquads(900, graphs=50), [888])
    with pytest.raises(InputError, match="line 888"):
        load_one_file(store, source, ox.RdfFormat.N_QUADS, None)
    assert set(store.iter_quads()) == before
    store.close()

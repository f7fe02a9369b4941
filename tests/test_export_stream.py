"""The merged-triple export (kg.export): the same triples as a CONSTRUCT over all graphs, written once each.

Runs are a few hundred bytes here instead of 32 MB, so a small store is sorted in many runs
and merged in several passes, the way a big one is.
"""

from __future__ import annotations

import errno
import io
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.export
from kg.cli import main
from kg.errors import KGError
from kg.export import write_merged_triples
from kg.store import OxigraphStore

EX = "http://example.org/"


def store_with_duplicates(path: Path | None = None) -> ox.Store:
    """Triples repeated across graphs, blank nodes shared by graphs, literals that need escapes, a default graph."""
    store = ox.Store(str(path)) if path else ox.Store()
    shared = ox.BlankNode("shared1")
    quads = []
    for g in range(5):
        graph = ox.NamedNode(f"{EX}g{g}")
        quads.append(ox.Quad(ox.NamedNode(f"{EX}common"), ox.NamedNode(f"{EX}p"), ox.Literal("same in every graph"),
                             graph))
        quads.append(ox.Quad(shared, ox.NamedNode(f"{EX}label"), ox.Literal("a shared blank node", language="en"),
                             graph))
        for n in range(40):
            quads.append(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}q{n % 3}"),
                                 ox.Literal(f'line {n}\nwith "quotes" and \u00e9 {n % 7}'), graph))
            quads.append(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}count"),
                                 ox.Literal(str(n * g), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
                                 graph))
        quads.append(ox.Quad(ox.BlankNode(f"only{g}"), ox.NamedNode(f"{EX}link"), shared, graph))
    quads.append(ox.Quad(ox.NamedNode(f"{EX}default"), ox.NamedNode(f"{EX}p"), ox.Literal("x"), ox.DefaultGraph()))
    store.extend(quads)
    return store


def construct_triples(store: ox.Store) -> set[ox.Triple]:
    """The reference: what the CONSTRUCT over all named graphs gives."""
    return set(store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))


def parsed(data: bytes, fmt: ox.RdfFormat) -> list[ox.Triple]:
    """The triples of an export, blank-node labels as written (so they compare with the store's)."""
    return [quad.triple for quad in ox.parse(input=data, format=fmt)]


@pytest.fixture
def many_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs of about 300 bytes merged 3 at a time: several runs and several merge passes."""
    monkeypatch.setattr(kg.export, "RUN_BYTES", 300)
    monkeypatch.setattr(kg.export, "MERGE_FAN_IN", 3)


@pytest.mark.parametrize("fmt", [ox.RdfFormat.N_TRIPLES, ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML])
def test_same_triples_as_construct(many_runs, fmt, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(kg.export.tempfile, "tempdir", None)  # read TMPDIR again
    store = store_with_duplicates()
    expected = construct_triples(store)
    assert len(expected) < sum(1 for q in store if not isinstance(q.graph_name, ox.DefaultGraph))  # duplicates
    out = io.BytesIO()
    write_merged_triples(iter(store), out, fmt)
    written = parsed(out.getvalue(), fmt)
    assert set(written) == expected
    assert len(written) == len(expected)  # each triple once
    assert list(tmp_path.iterdir()) == []  # the sort files are gone


def test_ntriples_are_sorted_distinct_lines(many_runs):
    store = store_with_duplicates()
    out = io.BytesIO()
    write_merged_triples(iter(store), out, ox.RdfFormat.N_TRIPLES)
    lines = out.getvalue().splitlines(keepends=True)
    assert lines == sorted(set(lines))
    assert len(lines) == len(construct_triples(store))


def test_one_run_stays_in_memory(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(kg.export.tempfile, "tempdir", None)
    written: list[Path] = []
    monkeypatch.setattr(kg.export, "_write_run", lambda *args: written.append(args[1]))
    store = store_with_duplicates()
    out = io.BytesIO()
    write_merged_triples(iter(store), out, ox.RdfFormat.N_TRIPLES)
    assert written == []
    assert set(parsed(out.getvalue(), ox.RdfFormat.N_TRIPLES)) == construct_triples(store)


def test_an_empty_store_exports_nothing():
    out = io.BytesIO()
    write_merged_triples(iter(ox.Store()), out, ox.RdfFormat.TURTLE)
    assert parsed(out.getvalue(), ox.RdfFormat.TURTLE) == []


def test_quad_formats_are_refused():
    with pytest.raises(ValueError, match="graph names"):
        write_merged_triples([], io.BytesIO(), ox.RdfFormat.N_QUADS)


@pytest.mark.parametrize(("name", "fmt"), [("nt", ox.RdfFormat.N_TRIPLES), ("turtle", ox.RdfFormat.TURTLE)])
def test_cli_export_equals_construct(many_runs, tmp_path, name, fmt):
    path = tmp_path / "store"
    store_with_duplicates(path).flush()
    reference = construct_triples(ox.Store.read_only(str(path)))
    out = tmp_path / f"export.{name}"
    assert main(["export", "--format", name, "-o", str(out), "--store", str(path)]) == 0
    written = parsed(out.read_bytes(), fmt)
    assert set(written) == reference and len(written) == len(reference)


def test_a_full_temporary_disk_is_one_line_and_leaves_no_file(many_runs, tmp_path, monkeypatch, capsys):
    path = tmp_path / "store"
    store_with_duplicates(path).flush()
    sort_folder = tmp_path / "sort"
    sort_folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(sort_folder))
    monkeypatch.setattr(kg.export.tempfile, "tempdir", None)
    real_open = Path.open

    def full_for_runs(self: Path, *args: object, **kwargs: object) -> object:
        if self.name.startswith("run-") and "w" in str(args[0] if args else kwargs.get("mode", "r")):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", full_for_runs)
    out = tmp_path / "export.ttl"
    assert main(["export", "--format", "turtle", "-o", str(out), "--store", str(path)]) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), lines
    assert "temporary sort files" in lines[0] and "No space left on device" in lines[0]
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sort", "store"]
    assert list(sort_folder.iterdir()) == []


def test_an_unusable_temporary_folder_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(kg.export.tempfile, "tempdir", str(tmp_path / "no" / "such"))
    with pytest.raises(KGError, match=r"temporary sort files.*TMPDIR"):
        write_merged_triples(iter(store_with_duplicates()), io.BytesIO(), ox.RdfFormat.TURTLE)


def test_interrupted_export_removes_its_sort_files(many_runs, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(kg.export.tempfile, "tempdir", None)
    store = store_with_duplicates()

    def quads_then_ctrl_c():
        yield from list(store)[:100]
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_merged_triples(quads_then_ctrl_c(), io.BytesIO(), ox.RdfFormat.TURTLE)
    assert list(tmp_path.iterdir()) == []


def test_quad_formats_go_through_the_store(tmp_path):
    store = OxigraphStore(None)
    store.engine.extend(store_with_duplicates())
    out = io.BytesIO()
    kg.export.dump(store, out, ox.RdfFormat.N_QUADS)
    assert set(ox.parse(input=out.getvalue(), format=ox.RdfFormat.N_QUADS)) == {
        q for q in store.engine if not isinstance(q.graph_name, ox.DefaultGraph)}


def test_export_through_the_owner_of_a_shared_store_merges_too(tmp_path):
    """A client's export is written by the owner process, with the same merge."""
    from conftest import run_kg

    from kg.store import open_store
    from kg.store.owner import OwnedStore

    path = tmp_path / "store"
    seeded = store_with_duplicates(path)
    reference = construct_triples(seeded)
    del seeded  # releases RocksDB's lock
    owner = open_store(str(path), own=True)
    try:
        assert isinstance(owner, OwnedStore)
        result = run_kg("export", "--format", "nt", store=path)
    finally:
        owner.close()
    assert result.returncode == 0, result.stderr
    written = parsed(result.stdout.encode(), ox.RdfFormat.N_TRIPLES)
    assert set(written) == reference and len(written) == len(reference)
    lines = result.stdout.encode().splitlines()
    assert lines == sorted(lines)  # the merge's order: the owner ran kg.export, not a CONSTRUCT

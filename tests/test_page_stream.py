"""``stream_page`` reads a page in bounded parts and gives the same document as the whole-page parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

from bench.memory_bench import write_page
from ingest.enrich import enrich_document
from ingest.pubmed_page import read_page, stream_page
from kg.errors import InputError
from kg.loader import StreamedDocument
from kg.pipeline import Pipeline
from kg.rdf import records_triples, triples_hash
from kg.store import OxigraphStore

PAGES = FIXTURES / "pages"


def streamed(path: Path, part_entries: int = 2_000) -> tuple[StreamedDocument, list[tuple]]:
    [doc] = list(stream_page(path, part_entries=part_entries))
    return doc, list(doc.parts())


@pytest.mark.parametrize("name", ["seed", "messy_page.txt", "generated"])
def test_streamed_page_holds_the_same_records_as_the_whole_page(name: str, seed_page: Path, tmp_path: Path):
    if name == "seed":
        path = seed_page
    elif name == "generated":
        path = tmp_path / "page.txt"
        write_page(path, 450)
    else:
        path = PAGES / name
    whole = next(read_page(path))
    doc, parts = streamed(path, part_entries=100)
    assert (doc.kind, doc.key, doc.source) == (whole.kind, whole.key, whole.source)
    assert parts[0] == (whole.records[0],)  # the study alone, first
    assert sorted(map(repr, (r for part in parts for r in part))) == sorted(map(repr, whole.records))
    assert doc.skipped == list(whole.skipped)
    assert all(len(part) <= 200 for part in parts)


def test_a_generated_page_comes_in_bounded_parts_and_reads_again(tmp_path: Path):
    path = tmp_path / "page.txt"
    write_page(path, 1_000)
    doc, parts = streamed(path, part_entries=100)
    assert [len(part) for part in parts] == [1] + [200] * 10  # each entry: its publication and its cites link
    assert list(doc.parts()) == parts  # a second reading gives the same parts
    assert doc.skipped == []


def test_a_page_changed_between_two_reads_is_an_error(tmp_path: Path):
    path = tmp_path / "page.txt"
    write_page(path, 50)
    [doc] = list(stream_page(path))
    path.write_text(path.read_text(encoding="utf-8") + "Another paper\nPMID: 1.\n", encoding="utf-8")
    with pytest.raises(InputError, match="changed while it was being read"):
        list(doc.parts())


def test_bad_utf8_and_missing_title_are_found_before_any_part(tmp_path: Path):
    path = tmp_path / "page.txt"
    write_page(path, 20)
    path.write_bytes(path.read_bytes().replace(b"Citing paper 7 ", b"Citing paper \xff7 "))
    with pytest.raises(InputError) as streamed_error:
        list(stream_page(path))
    with pytest.raises(InputError) as whole_error:
        list(read_page(path))
    assert str(streamed_error.value) == str(whole_error.value)
    assert ":33:" in str(streamed_error.value)  # line 33 of the file holds the bad byte
    with pytest.raises(InputError, match="no title line"):
        list(stream_page(PAGES / "no_title.txt"))


def test_staged_write_stores_the_content_hash_of_the_whole_graph(tmp_path: Path):
    """With a batch of 1,000 triples a 300-entry page takes the staged path; its hash is the whole graph's."""
    path = tmp_path / "page.txt"
    write_page(path, 300)
    store = OxigraphStore(tmp_path / "store")
    try:
        with Pipeline(store, enrich=enrich_document, batch_triples=1_000) as pipeline:
            first = pipeline.write(stream_page(path, part_entries=20))
            again = pipeline.write(stream_page(path, part_entries=20))
        whole = records_triples(enrich_document(next(read_page(path))).records)
        rows = store.query("SELECT ?h WHERE { GRAPH ?g { ?g <https://w3id.org/cohort-kg/ontology#contentHash> ?h } "
                           "FILTER(CONTAINS(STR(?g), '/graph/page/')) }").rows
        assert [str(row[0]) for row in rows] == [triples_hash(whole)]
        assert (first.written, first.triples, again.written, again.unchanged) == (1, len(whole), 0, 1)
        staging = store.query("ASK { GRAPH ?g { ?s ?p ?o } FILTER(CONTAINS(STR(?g), '/graph/staging/')) }")
        assert staging.boolean is False
    finally:
        store.close()

"""A PMID twice in one ``kg ingest pubmed-xml`` input: one copy wins, one warning, re-runs change nothing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kg.cli import main
from kg.store import OxigraphStore


def article(pmid: str, title: str, revised: tuple[int, int, int] | None) -> str:
    """A minimal PubmedArticle, with a DateRevised when given."""
    date = ""
    if revised:
        date = f"<DateRevised><Year>{revised[0]}</Year><Month>{revised[1]:02d}</Month><Day>{revised[2]:02d}</Day>" \
               "</DateRevised>"
    return (f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID>{date}<Article><ArticleTitle>{title}</ArticleTitle>"
            "<Journal><Title>Blood</Title><JournalIssue><PubDate><Year>2020</Year></PubDate></JournalIssue>"
            "</Journal></Article></MedlineCitation></PubmedArticle>")


def xml_file(path: Path, *articles: str) -> Path:
    path.write_text(f'<?xml version="1.0"?>\n<PubmedArticleSet>{"".join(articles)}</PubmedArticleSet>\n')
    return path


def titles(store_path: Path, pmid: str) -> list[str]:
    store = OxigraphStore(store_path)
    try:
        rows = store.query(f"SELECT ?t WHERE {{ <https://pubmed.ncbi.nlm.nih.gov/{pmid}> dcterms:title ?t }}").rows
        return [str(row[0]) for row in rows]
    finally:
        store.close()


def stamps(store_path: Path) -> set[str]:
    store = OxigraphStore(store_path)
    try:
        return {str(row[0]) for row in store.query("SELECT ?t WHERE { GRAPH ?g { ?g prov:generatedAtTime ?t } }").rows}
    finally:
        store.close()


@pytest.mark.parametrize(("first", "second", "kept"), [
    ((2021, 1, 1), (2024, 5, 6), "Second copy"),  # the later revision, which is also the later copy
    ((2024, 5, 6), (2021, 1, 1), "First copy"),  # the first copy has the later revision: it wins
    (None, None, "Second copy"),  # no dates: the last copy wins
    ((2024, 5, 6), None, "Second copy"),  # only one date: nothing to compare, the last copy wins
])
def test_newest_copy_wins_with_one_warning_and_reruns_change_nothing(tmp_path, caplog, capsys, first, second, kept):
    source = xml_file(tmp_path / "dup.xml", article("31000001", "First copy", first),
                      article("31000002", "Another paper", None), article("31000001", "Second copy", second))
    store = tmp_path / "store"
    with caplog.at_level(logging.WARNING):
        assert main(["ingest", "pubmed-xml", str(source), "--store", str(store)]) == 0
    warnings = [r.getMessage() for r in caplog.records if "31000001" in r.getMessage()]
    assert len(warnings) == 1
    assert "dup.xml record 1" in warnings[0] and "dup.xml record 3" in warnings[0]
    assert "2 graph(s) written" in capsys.readouterr().out
    assert titles(store, "31000001") == [kept]
    before = stamps(store)
    assert main(["ingest", "pubmed-xml", str(source), "--store", str(store)]) == 0
    assert "0 graph(s) written" in capsys.readouterr().out
    assert stamps(store) == before


def test_duplicate_across_two_files_of_one_input(tmp_path, caplog, capsys):
    one = xml_file(tmp_path / "one.xml", article("31000003", "From file one", (2025, 2, 1)))
    two = xml_file(tmp_path / "two.xml", article("31000003", "From file two", (2023, 2, 1)))
    store = tmp_path / "store"
    with caplog.at_level(logging.WARNING):
        assert main(["ingest", "pubmed-xml", str(one), str(two), "--store", str(store)]) == 0
    assert any("one.xml record 1" in r.getMessage() and "two.xml record 1" in r.getMessage()
               for r in caplog.records)
    assert "1 graph(s) written" in capsys.readouterr().out
    assert titles(store, "31000003") == ["From file one"]

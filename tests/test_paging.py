"""Paged catalog queries: the LIMIT rewrite, parameters reaching sub-SELECTs, and pages that add up."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

import pytest
from conftest import run_kg
from rdflib import RDFS, Literal, URIRef

from kg import namespaces as ns
from kg.errors import InputError
from kg.queries import catalog, parse_query_file, prepare, run_named
from kg.sparql import bind_values, page_limit, set_page

PAGED = sorted(name for name, query in catalog().items() if query.page_size is not None)


def test_set_page_rewrites_the_one_limit():
    query = 'SELECT ?s WHERE { { SELECT ?s WHERE { ?s ?p "LIMIT 9" } LIMIT 100 } } # LIMIT 7\nORDER BY ?s'
    assert page_limit(query) == (query.index("LIMIT 100"), query.index("LIMIT 100") + 9, 100)
    assert "LIMIT 5 OFFSET 10 }" in set_page(query, 5, 10)
    assert set_page(query, 0) == query.replace("LIMIT 100", "")
    assert set_page(query, 0, 3) == query.replace("LIMIT 100", "OFFSET 3")
    assert '"LIMIT 9"' in set_page(query, 5) and "# LIMIT 7" in set_page(query, 5)


@pytest.mark.parametrize(("limit", "offset"), [(-1, 0), (5, -2), ("5", 0), (2.5, 0)])
def test_set_page_refuses_anything_but_whole_numbers(limit, offset):
    with pytest.raises(InputError):
        set_page("SELECT * WHERE { ?s ?p ?o } LIMIT 10", limit, offset)


def test_set_page_needs_exactly_one_limit():
    with pytest.raises(InputError, match="more than one LIMIT"):
        page_limit("SELECT * WHERE { { SELECT * WHERE { ?s ?p ?o } LIMIT 2 } } LIMIT 3")
    with pytest.raises(InputError, match="no LIMIT"):
        set_page("SELECT * WHERE { ?s ?p ?o }", 5)


def test_page_header_must_match_the_limit(tmp_path: Path):
    bad = tmp_path / "bad.rq"
    bad.write_text("# title: t\n# page: 10\nSELECT * WHERE { ?s ?p ?o } LIMIT 20\n")
    with pytest.raises(InputError, match="LIMIT 10"):
        parse_query_file(bad)
    good = tmp_path / "good.rq"
    good.write_text("# title: t\n# page: 20\nSELECT * WHERE { ?s ?p ?o } LIMIT 20\n")
    query = parse_query_file(good)
    assert query.page_size == 20 and [p.name for p in query.parameters] == ["limit", "offset"]
    assert prepare(query, {"limit": "3", "offset": "6"})[0].rstrip().endswith("LIMIT 3 OFFSET 6")
    with pytest.raises(InputError, match="whole number"):
        prepare(query, {"limit": "-3"})


def test_parameters_reach_sub_selects_that_project_them():
    query = ("SELECT ?a ?b WHERE { { SELECT DISTINCT ?a (COUNT(?x) AS ?n) WHERE { ?a <p> ?x } GROUP BY ?a LIMIT 5 }"
             " { SELECT ?b WHERE { ?b <q> ?x } } }")
    bound = bind_values(query, {"a": URIRef("http://e/a"), "x": Literal(3)})
    assert bound.count("VALUES") == 2  # the outer group, and the sub-SELECT that projects ?a
    inner = bound[bound.index("SELECT DISTINCT"):]
    assert inner.index("VALUES (?a) { (<http://e/a>) }") < inner.index("?a <p> ?x")
    assert "VALUES (?x)" not in bound  # ?x is only used inside an expression / not projected


def test_every_paged_query_declares_its_page():
    assert {"citing-publications", "citation-links", "authors", "findings", "publications"} <= set(PAGED)
    for name in PAGED:
        query = catalog()[name]
        assert page_limit(query.text)[2] == query.page_size
        assert "limit=0" in query.description, f"{name} should say how to get every row"


def _rows(result) -> Counter:
    return Counter(tuple(str(value) for value in row) for row in result.rows)


def _assert_pages_add_up(store, name: str) -> None:
    """Pages of two, read until everything came back, hold every row of ``limit=0`` exactly once."""
    whole = _rows(run_named(store, name, {"limit": "0"}))
    assert whole, f"{name} answers nothing here, so paging would go untested"
    assert _rows(run_named(store, name)) == whole  # small graphs fit in one default page
    collected: Counter = Counter()
    offset = 0
    while collected != whole and offset < 400:
        collected += _rows(run_named(store, name, {"limit": "2", "offset": str(offset)}))
        offset += 2
    assert collected == whole


NOT_IN_SEED = {"concept-mentions", "publication-mesh"}  # `kg build` has no abstracts or MeSH records


@pytest.mark.parametrize("name", [name for name in PAGED if name not in NOT_IN_SEED])
def test_pages_add_up_to_the_whole_answer(seed_store, name):
    _assert_pages_add_up(seed_store, name)


@pytest.mark.parametrize("name", sorted(NOT_IN_SEED))
def test_mention_and_mesh_pages_add_up(memory_store, name):
    """Mentions come from abstracts and MeSH from PubMed records: a small graph of both, written here."""
    ckg, concept = ns.CKG, ns.CONCEPT
    triples = set()
    for i in range(5):
        publication = URIRef(f"http://e/pub{i}")
        for slug in ("cd19-dim", "cd19-negative"):
            triples.add((publication, ckg.mentions, concept[slug]))
            heading = URIRef(f"http://e/pub{i}/mesh/{slug}")
            triples |= {(publication, ckg.hasMeshHeading, heading), (heading, ckg.descriptor, URIRef(f"http://e/{slug}")),
                        (heading, RDFS.label, Literal(slug)), (heading, ckg.majorTopic, Literal(i % 2 == 0))}
    memory_store.replace_graphs({"http://e/graph": triples})
    _assert_pages_add_up(memory_store, name)


def test_small_page_is_sorted_and_smaller(seed_store):
    rows = run_named(seed_store, "citing-publications", {"limit": "3"}).values()
    assert len(rows) == 3
    assert [r["year"] for r in rows] == sorted((r["year"] for r in rows), reverse=True)


def test_cli_says_how_to_get_the_next_page(tmp_path: Path):
    def kg(*args: str) -> subprocess.CompletedProcess:
        return run_kg(*args, store=tmp_path / "store")

    assert kg("build").returncode == 0
    page = kg("query", "citing-publications", "--param", "limit=2", "--param", "offset=1", "--format", "csv")
    assert page.returncode == 0 and len(page.stdout.strip().splitlines()) == 3  # header + 2 rows
    assert "--param offset=3 for the next page" in page.stderr
    whole = kg("query", "citing-publications", "--param", "limit=0", "--format", "csv")
    assert len(whole.stdout.strip().splitlines()) == 6 and whole.stderr == ""
    last = kg("query", "citing-publications", "--param", "limit=2", "--param", "offset=4")
    assert last.returncode == 0 and last.stderr == ""  # one row left: no next page to offer
    bad = kg("query", "citing-publications", "--param", "limit=many")
    assert bad.returncode == 1 and "whole number" in bad.stderr

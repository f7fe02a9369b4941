"""The kg command line, run as a user runs it (a separate process)."""

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from conftest import run_kg as kg
from rdflib import Dataset, Graph

from kg.counts import COUNTS_GRAPH
from kg.store import OxigraphStore


def quads(store: Path) -> int:
    result = kg("stats", store=store)
    assert result.returncode == 0, result.stderr
    return int(next(line.split(": ")[1] for line in result.stdout.splitlines() if line.startswith("quads:")))


def counts_quads(store: Path) -> int:
    """Quads of the derived counts graph that every kg write refreshes (kg/counts.py)."""
    opened = OxigraphStore(store)
    try:
        return len(opened.query(f"SELECT * WHERE {{ GRAPH <{COUNTS_GRAPH}> {{ ?s ?p ?o }} }}").rows)
    finally:
        opened.close()


def test_help_lists_commands_and_sources():
    result = kg("--help")
    assert result.returncode == 0
    for command in ("ingest", "load", "query", "stats", "validate", "export", "build"):
        assert command in result.stdout
    sources = kg("ingest", "--help")
    for source in ("page", "findings", "bibliography"):
        assert source in sources.stdout


def test_ingest_page_twice_changes_nothing(tmp_path, seed_page):
    store = tmp_path / "store"
    first = kg("ingest", "page", str(seed_page), store=store)
    assert first.returncode == 0, first.stderr
    assert "1 graph(s) written" in first.stdout and "cut short" in first.stderr
    count = quads(store)
    assert count > 100
    second = kg("ingest", "page", str(seed_page), store=store)
    assert "0 graph(s) written" in second.stdout and "1 unchanged" in second.stdout
    assert quads(store) == count


def test_build_is_idempotent_and_conforms(tmp_path):
    store = tmp_path / "store"
    assert kg("build", store=store).returncode == 0
    count = quads(store)
    assert kg("build", store=store).returncode == 0
    assert quads(store) == count
    validate = kg("validate", store=store)
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_failing_ingest_leaves_store_unchanged(tmp_path):
    store = tmp_path / "store"
    assert kg("build", store=store).returncode == 0
    count = quads(store)
    bad = tmp_path / "bad-findings.csv"
    good = (REPO_ROOT / "data/seed/blinatumomab-rr-all-findings.csv").read_text().splitlines()
    bad.write_text("\n".join([*good, good[-1].replace("improves", "improves").replace("increases", "maybe")]) + "\n")
    result = kg("ingest", "findings", str(bad), store=store)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("kg: error: bad-findings.csv:20: direction")
    assert len(result.stderr.strip().splitlines()) == 1
    assert quads(store) == count
    missing = kg("ingest", "page", str(tmp_path / "nope.txt"), store=store)
    assert missing.returncode == 1 and "cannot read" in missing.stderr
    assert quads(store) == count


def test_query_outputs(tmp_path):
    store = tmp_path / "store"
    kg("build", store=store)
    result = kg("query", "citing-publications", "--format", "csv", store=store)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.splitlines()[0].startswith("citing,pmid,year,title,doi,pmcid")
    assert {r["pmid"] for r in rows} == {"40075627", "39995843", "39800374", "39692275", "39386214"}
    table = kg("query", "risk-factors-for-outcome", store=store)
    assert "bone marrow blasts >50%" in table.stdout and "(3 rows)" in table.stdout
    inline = kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?f a ckg:Finding }", "--format", "json", store=store)
    answer = json.loads(inline.stdout)  # the SPARQL 1.1 JSON results format
    assert answer["head"]["vars"] == ["n"]
    assert answer["results"]["bindings"][0]["n"] == {"type": "literal", "value": "18", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}
    param = kg("query", "concept", "--param", "term=CD19 dim", "--format", "tsv", store=store)
    assert "cd19-dim" in param.stdout


def test_query_errors_are_one_line(tmp_path):
    store = tmp_path / "store"
    OxigraphStore(store).close()  # an empty store: kg query reads stores, it does not create them
    for args, expected, where in [
        (("query", "no-such-query"), "unknown query", store),
        (("query", "SELECT ?x WHERE { ?x ?y }"), "SPARQL syntax error", store),
        (("query", "citing-publications", "--param", "oops"), "--param wants name=value", store),
        (("query", "citing-publications"), f"not a cohort-kg store: {tmp_path / 'typo'}", tmp_path / "typo"),
    ]:
        result = kg(*args, store=where)
        assert result.returncode == 1
        assert expected in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["<http://a b>", "http://a>b", 'http://a"b', "http://a{b}", "<>"])
def test_an_iri_parameter_that_is_no_iri_is_one_line(tmp_path, value):
    """A space, '>' or quote inside an IRI value reached rdflib's serializer and ended in a traceback."""
    result = kg("query", "citing-publications", "--param", f"study={value}", store=tmp_path / "store")
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("kg: error: ") and len(result.stderr.strip().splitlines()) == 1
    assert "study" in result.stderr


@pytest.mark.parametrize(("fmt", "parser"), [("trig", "trig"), ("nquads", "nquads"), ("turtle", "turtle"),
                                             ("jsonld", "json-ld")])
def test_export_round_trips(tmp_path, fmt, parser):
    store = tmp_path / "store"
    kg("build", store=store)
    out = tmp_path / f"export.{fmt}"
    assert kg("export", "--format", fmt, "-o", str(out), store=store).returncode == 0
    graph = Dataset() if fmt in ("trig", "nquads", "jsonld") else Graph()  # JSON-LD keeps graph names
    graph.parse(out, format=parser)
    assert len(graph) > 0 or sum(1 for _ in graph.quads()) > 0


def test_load_bulk_and_reject_broken_file(tmp_path):
    store = tmp_path / "store"
    good = tmp_path / "extra.nt"
    good.write_text("".join(f'<http://example.org/a> <http://example.org/p> "{n}" .\n' for n in (1, 2)))
    result = kg("load", str(good), store=store)
    assert result.returncode == 0 and "2 new quads" in result.stdout
    loaded = quads(store)
    assert loaded == 2 + counts_quads(store)
    again = kg("load", str(good), store=store)
    assert again.returncode == 0 and quads(store) == loaded
    broken = tmp_path / "broken.nt"
    shutil.copy(good, broken)
    with broken.open("a") as handle:
        handle.write("<http://example.org/a> <http://example.org/p> \n")
    failed = kg("load", str(broken), store=store)
    assert failed.returncode == 1 and "nothing loaded" in failed.stderr
    assert quads(store) == loaded


def test_validate_reports_violations_and_exits_non_zero(tmp_path):
    store = tmp_path / "store"
    kg("build", store=store)
    bad = tmp_path / "bad.ttl"
    bad.write_text(
        "@prefix ckg: <https://w3id.org/cohort-kg/ontology#> .\n"
        "<https://w3id.org/cohort-kg/id/finding/x> a ckg:Finding ; ckg:relation \"r\" ;\n"
        "  ckg:direction ckg:Increases ; ckg:method ckg:Curated ; ckg:objectLabel \"o\" ;\n"
        "  ckg:count 9 ; ckg:denominator 3 .\n"
    )
    assert kg("load", str(bad), store=store).returncode == 0
    result = kg("validate", store=store)
    assert result.returncode == 1
    assert "id:finding/x" in result.stdout and "denominator" in result.stdout


def test_optimize_compacts_and_keeps_the_answers(tmp_path):
    store = tmp_path / "store"
    big = tmp_path / "many.nq"
    big.write_text("".join(f'<http://e/s{i}> <http://e/p> "{i}" <http://e/g{i % 7}> .\n' for i in range(3000)))
    loaded = kg("load", "--optimize", str(big), store=store)
    assert loaded.returncode == 0 and "compacted" in loaded.stdout, loaded.stderr
    before = quads(store)
    again = kg("optimize", store=store)
    assert again.returncode == 0 and "compacted" in again.stdout
    assert quads(store) == before == 3000 + counts_quads(store)
    refused = kg("optimize", store="memory:")  # type: ignore[arg-type]
    assert refused.returncode == 1 and "only an on-disk embedded store" in refused.stderr

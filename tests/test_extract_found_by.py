"""Every extracted statistic and finding says which rule found it: in the JSON and in the graph (ckg:foundBy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT
from rdflib import Graph, Literal, URIRef

from ingest.extract.pipeline import extract_abstract
from ingest.extract.report import extraction_json
from ingest.extract.rules import RULES
from kg import namespaces as ns
from kg.ids import finding_iri
from kg.model import Publication, PublicationRef
from kg.rdf import records_triples
from kg.validate import format_report, validate_graph

TEXT = ("A total of 240 patients were randomised to lidocaine or morphine. "
        "Pain scores decreased significantly in the lidocaine group (P = 0.002). "
        "Smoking was associated with higher pain (OR 2.1, 95% CI 1.2 to 3.4).")
REF = PublicationRef(pmid="12345")


def test_json_names_the_rule_of_every_statistic_and_finding() -> None:
    doc = extraction_json(extract_abstract(TEXT, REF))
    assert doc["statistics"] and doc["findings"]
    assert all(s["found_by"] in RULES for s in doc["statistics"])
    assert all(f["found_by"] in RULES for f in doc["findings"])
    assert {f["found_by"] for f in doc["findings"]} == {"outcome-changed-in-arm", "associated-with"}


def test_graph_carries_found_by_and_still_conforms_to_the_shapes() -> None:
    extraction = extract_abstract(TEXT, REF)
    graph = Graph()
    for triple in records_triples([Publication(pmid="12345", abstract=TEXT), *extraction.records()]):
        graph.add(triple)
    for item in extraction.findings:
        node = URIRef(finding_iri(item.finding))
        assert (node, ns.CKG.foundBy, Literal(item.finding.found_by)) in graph
    report = validate_graph(graph)
    assert report.conforms, format_report(report)


def test_found_by_is_declared_in_the_ontology() -> None:
    ontology = Graph().parse(REPO_ROOT / "ontology" / "cohort-kg.ttl")
    labels = list(ontology.objects(ns.CKG.foundBy, URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    definitions = list(ontology.objects(ns.CKG.foundBy, URIRef("http://www.w3.org/2004/02/skos/core#definition")))
    assert labels and definitions


def test_kg_extract_streams_a_jsonl_corpus_one_line_per_record(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"r{n}", "pmid": str(n), "title": None, "text": TEXT}) + "\n"
                              for n in range(3)))
    result = subprocess.run([sys.executable, "-m", "kg", "extract", str(corpus), "--format", "json"],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in lines] == ["r0", "r1", "r2"]
    assert all(f["found_by"] for d in lines for f in d["findings"])

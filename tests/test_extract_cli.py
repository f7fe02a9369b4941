"""Extraction through the command line and the store: kg extract, ingest abstract, findings, eval-extraction."""

import json
import re
from pathlib import Path

from conftest import DATA as DATA_DIR
from conftest import REPO_ROOT
from conftest import run_kg as kg

ABSTRACTS = Path(__file__).parent / "fixtures" / "abstracts"
SEED_TITLE = ("Correlates of Resistance and Relapse During Blinatumomab Therapy for Relapsed/refractory "
              "Acute Lymphoblastic Leukemia")
FINDING_FIELDS = {"subject_label", "subject_concept", "object_label", "object_concept", "direction", "subgroup",
                  "statistics", "evidence", "method", "confidence"}
STAT_FIELDS = {"kind", "operator", "value", "count", "total", "percent", "measure", "ci_low", "ci_high",
               "sentence", "start", "end"}


def query(name: str, store: Path, *params: str) -> list[dict]:
    args = ["query", name, "--format", "json"]
    for param in params:
        args += ["--param", param]
    result = kg(*args, store=store)
    assert result.returncode == 0, result.stderr
    bindings = json.loads(result.stdout)["results"]["bindings"]  # the SPARQL 1.1 JSON results format
    return [{name: term["value"] for name, term in row.items()} for row in bindings]


def test_extract_json_is_documented_shape():
    result = kg("extract", str(ABSTRACTS / "inotuzumab_adults.txt"), "--format", "json")
    assert result.returncode == 0, result.stderr
    (doc,) = json.loads(result.stdout)
    assert {"pmid", "statistics", "findings", "uninterpreted_sentences"} <= set(doc)
    assert doc["pmid"] is None and doc["uninterpreted_sentences"] == 0
    assert all(set(stat) >= STAT_FIELDS for stat in doc["statistics"])
    assert all(set(f) >= FINDING_FIELDS for f in doc["findings"])
    text = (ABSTRACTS / "inotuzumab_adults.txt").read_text(encoding="utf-8")
    for stat in doc["statistics"]:
        assert stat["kind"] in {"p_value", "count_percent", "percent", "effect_size", "sample_size", "median"}
        assert text[stat["start"]:stat["end"]] == stat["text"]
    odds = next(f for f in doc["findings"] if f["effect_measure"] == "OR" and f["subject_concept"])
    assert odds["subject_concept"].endswith("/bone-marrow-blasts-over-50")
    assert (odds["direction"], odds["p_value"], odds["ci_low"], odds["ci_high"]) == ("decreases", 0.045, 0.17, 0.98)
    assert odds["method"] == "extracted" and 0 < odds["confidence"] <= 1
    assert text[odds["evidence"]["start"]:odds["evidence"]["end"]] == odds["evidence"]["text"]


def test_extract_pubmed_xml_with_several_records():
    result = kg("extract", str(ABSTRACTS / "pubmed_two_records.xml"), "--format", "json")
    assert result.returncode == 0, result.stderr
    first, second = json.loads(result.stdout)
    assert (first["pmid"], second["pmid"]) == ("90000001", "90000002")
    got = {(f["object_concept"].rsplit("/", 1)[-1], f["count"], f["percentage"], f["p_value"])
           for f in first["findings"]}
    assert got == {("extramedullary-relapse", 11, 22, None), ("extramedullary-relapse", None, None, 0.008)}
    assert second["findings"] == [] and second["statistics"] == []


def test_extract_page_as_table(seed_page):
    result = kg("extract", str(seed_page))
    assert result.returncode == 0, result.stderr
    expected = "bone-marrow-blasts-over-50 --predicts/decreases--> complete-remission [all patients] P=0.02"
    assert expected in result.stdout


def test_eval_extraction_prints_scores_and_fails_under_a_threshold(seed_page):
    gold = DATA_DIR / "gold" / "seed-study.json"
    result = kg("eval-extraction", str(gold), "--page", str(seed_page), "--fail-under", "0.9")
    assert result.returncode == 0, result.stderr
    line = next(row for row in result.stdout.splitlines() if row.startswith("findings with P-value"))
    precision, recall = (float(x) for x in re.findall(r"\d\.\d{3}", line)[:2])
    assert precision >= 0.9 and recall >= 0.9
    assert "missed or wrong:" in result.stdout
    impossible = kg("eval-extraction", str(gold), "--page", str(seed_page), "--fail-under", "1.01")
    assert impossible.returncode == 1


def test_eval_extraction_reads_the_abstract_named_by_the_gold_file():
    result = kg("eval-extraction", str(ABSTRACTS / "venetoclax_aml.gold.json"))
    assert result.returncode == 0, result.stderr
    assert "concepts" in result.stdout and "subgroup" in result.stdout


def test_ingest_abstract_then_findings_with_evidence(tmp_path):
    store = tmp_path / "store"
    assert kg("load", str(REPO_ROOT / "ontology" / "vocabulary.ttl"), store=store).returncode == 0
    result = kg("ingest", "abstract", str(ABSTRACTS / "tisagenlecleucel_pediatric.txt"), "--pmid", "90000003",
                store=store)
    assert result.returncode == 0, result.stderr
    shown = kg("findings", "--pmid", "90000003", store=store)
    assert shown.returncode == 0, shown.stderr
    assert "[Extracted] high leukemia burden --associated with/Decreases--> event-free survival" in shown.stdout
    assert "evidence @" in shown.stdout and "HR 2.31" in shown.stdout
    again = kg("ingest", "abstract", str(ABSTRACTS / "tisagenlecleucel_pediatric.txt"), "--pmid", "90000003",
               store=store)
    assert "0 graph(s) written" in again.stdout
    rerun = kg("ingest", "abstract", "--pmid", "90000003", store=store)  # re-extract the stored abstract
    assert rerun.returncode == 0, rerun.stderr
    assert "0 graph(s) written" in rerun.stdout  # same text, same findings: nothing to rewrite
    mentions = query("publications-mentioning", store, "concept=cd19-escape")
    assert {(row["pmid"], row["mentioned"].rsplit("/", 1)[-1]) for row in mentions} == {("90000003", "cd19-negative")}


def test_ingest_abstract_needs_to_know_the_publication(tmp_path):
    result = kg("ingest", "abstract", str(ABSTRACTS / "venetoclax_aml.txt"), store=tmp_path / "store")
    assert result.returncode == 1
    assert result.stderr.strip() == "kg: error: say which publication the abstract belongs to: --pmid N or --title TEXT"


def test_seed_page_in_the_graph_curated_supersedes_extracted(tmp_path, seed_page):
    store = tmp_path / "store"
    built = kg("build", "--page", str(seed_page), store=store)
    assert built.returncode == 0, built.stderr
    links = query("findings-about-concept", store)
    extracted = [row for row in links if row["method"] == "Extracted"]
    curated = [row for row in links if row["method"] == "Curated"]
    assert extracted and curated
    superseded = {row["finding"] for row in extracted if "supersededBy" in row}
    assert superseded and all(row["supersededBy"].split("/")[-1].startswith("curated-")
                              for row in extracted if "supersededBy" in row)
    assert any("supersededBy" not in row for row in extracted)  # conclusions no curator wrote down stay extracted
    # The views that give one answer per statement show the curated findings only where both exist.
    rows = query("risk-factors-for-outcome", store)
    assert sorted((row["riskFactor"].rsplit("/", 1)[-1], row["method"]) for row in rows) == [
        ("active-extramedullary-disease", "Curated"), ("bone-marrow-blasts-over-50", "Curated"),
        ("prior-extramedullary-disease", "Curated")]
    mentions = query("publications-mentioning", store, "concept=cd19-negative")
    assert {row["title"] for row in mentions} == {SEED_TITLE}
    shown = kg("findings", "--title", SEED_TITLE, store=store)
    assert "superseded by" in shown.stdout and "evidence @" in shown.stdout
    assert kg("validate", store=store).returncode == 0
    again = kg("build", "--page", str(seed_page), store=store)
    assert "0 graph(s) written" in again.stdout

"""Scoring a gold of PubMed XML records (``data/gold/pubmed/``): the abstract comes from the XML through the parser.

A gold record with ``path`` and ``pmid`` is scored on the text ``kg ingest pubmed-xml`` extracts from; the
same facts scored through a JSON Lines corpus holding that text must give the same counts, so the XML
path adds reading and nothing else.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import EUTILS_FIXTURES, FIXTURES, REPO_ROOT, require_shared, run_kg

from ingest.extract.score import (
    STAT_FIELDS,
    format_score,
    pubmed_publications,
    read_gold_jsonl,
    score_gold,
)
from kg.errors import InputError

PUBMED_DIR = FIXTURES / "eutils"
XML = "efetch_gold_scoring.xml"
PUBMED_GOLD = REPO_ROOT / "data" / "gold" / "pubmed" / "records.jsonl"

# The text the parser makes of the structured record: one section a line, each as "LABEL: text", markup dropped.
TRIAL_TEXT = ("METHODS: We randomised 120 adults to a walking programme or usual care.\n"
              "RESULTS: Pain scores decreased significantly in the walking group (P = 0.01). "
              "Falls occurred in 12 of 60 (20%) and 15 of 60 (25%) participants.\n"
              "CONCLUSIONS: The odds of a fall were similar (OR 0.8, 95% CI 0.4 to 1.6; P = 0.5).")
COHORT_TEXT = ("Among 300 surgical patients, wound infection occurred in 30 (10%). Smoking was associated with "
               "wound infection (OR 2.1, 95% CI 1.2 to 3.7; P = 0.008).")

TRIAL = {
    "id": "pubmed:90000201", "split": "pubmed-heldout", "pmid": "90000201", "path": XML,
    "statistics": {
        "p_values": [{"comparator": "=", "value": "0.01"}, {"comparator": "=", "value": "0.5"}],
        "count_percent": [{"count": 12, "denominator": 60, "percentage": "20"},
                          {"count": 15, "denominator": 60, "percentage": "25"}],
        "percentages": [],
        "effect_sizes": [{"measure": "OR", "value": "0.8", "ci_low": "0.4", "ci_high": "1.6"}],
        "sample_sizes": [{"n": 120, "unit": "adults"}],
    },
    "findings": [
        {"subject_text": "walking", "object_text": "pain scores", "direction": "decreases", "subgroup": None,
         "p_value": "0.01"},
        {"subject_text": "walking", "object_text": "falls", "direction": "no_effect", "subgroup": None,
         "p_value": "0.5"},
    ],
}
COHORT = {
    "id": "pubmed:90000202", "split": "pubmed-heldout", "pmid": "90000202", "path": XML,
    "statistics": {
        "p_values": [{"comparator": "=", "value": "0.008"}],
        "count_percent": [{"count": 30, "denominator": None, "percentage": "10"}],
        "percentages": [],
        "effect_sizes": [{"measure": "OR", "value": "2.1", "ci_low": "1.2", "ci_high": "3.7"}],
        "sample_sizes": [{"n": 300, "unit": "surgical patients"}],
    },
    "findings": [
        {"subject_text": "smoking", "object_text": "wound infection", "direction": "increases", "subgroup": None,
         "p_value": "0.008"},
    ],
}


def _write_jsonl(path: Path, items: list[dict]) -> Path:
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def _as_corpus_gold(item: dict) -> dict:
    return {key: value for key, value in item.items() if key not in ("path", "pmid")}


def test_xml_gold_scores_the_text_an_ingest_extracts_from(tmp_path: Path) -> None:
    from_xml = score_gold(_write_jsonl(tmp_path / "gold.jsonl", [TRIAL, COHORT]), None, pubmed_dir=PUBMED_DIR)
    corpus = _write_jsonl(tmp_path / "corpus.jsonl", [
        {"id": "pubmed:90000201", "pmid": "90000201", "title": "Walking for knee pain: an invented trial",
         "text": TRIAL_TEXT},
        {"id": "pubmed:90000202", "pmid": "90000202", "title": "Smoking and wound infection: an invented cohort",
         "text": COHORT_TEXT},
    ])
    from_corpus = score_gold(_write_jsonl(tmp_path / "corpus-gold.jsonl",
                                          [_as_corpus_gold(TRIAL), _as_corpus_gold(COHORT)]), corpus)
    assert from_xml.abstracts == 2
    assert format_score(from_xml, details=True) == format_score(from_corpus, details=True)
    # the text reached the extractor: its P-values were found, not only counted in the gold
    assert from_xml.fields["p_values"].correct >= 1
    for name in STAT_FIELDS:
        assert from_xml.fields[name].gold == len(TRIAL["statistics"][name]) + len(COHORT["statistics"][name])
    assert from_xml.fields["findings"].gold == 3


def test_gold_records_keep_where_their_abstract_is(tmp_path: Path) -> None:
    gold = read_gold_jsonl(_write_jsonl(tmp_path / "gold.jsonl", [TRIAL, _as_corpus_gold(COHORT)]))
    assert [(g.path, g.pmid) for g in gold] == [(XML, "90000201"), (None, None)]


def test_cli_prints_the_tables_for_a_pubmed_gold(tmp_path: Path) -> None:
    gold = _write_jsonl(tmp_path / "gold.jsonl", [TRIAL, COHORT])
    result = run_kg("eval-extraction", gold, "--pubmed-dir", PUBMED_DIR)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2 abstract(s)"
    p_row = next(line for line in lines if line.startswith("p_values "))
    assert p_row.endswith("/3")  # correct/predicted/gold, gold from the two records
    assert any(line.startswith("rule (found_by)") for line in lines)


@pytest.mark.parametrize(("record", "message"), [
    ({**TRIAL, "path": "no_such_file.xml"}, r"cannot read .*no_such_file\.xml"),
    ({**TRIAL, "pmid": "90000299"}, r"no PubMed record with PMID 90000299"),
    ({**TRIAL, "pmid": "90000203"}, r"PMID 90000203 has no abstract"),
    ({**TRIAL, "pmid": None}, r"needs it and its 'pmid'"),
])
def test_a_bad_record_reference_is_one_line(tmp_path: Path, record: dict, message: str) -> None:
    gold = _write_jsonl(tmp_path / "gold.jsonl", [record])
    with pytest.raises(InputError, match=message):
        score_gold(gold, None, pubmed_dir=PUBMED_DIR)
    result = run_kg("eval-extraction", gold, "--pubmed-dir", PUBMED_DIR)
    assert result.returncode == 1
    assert result.stderr.startswith("kg: error: ") and len(result.stderr.strip().splitlines()) == 1
    assert re.search(message, result.stderr)


def test_a_missing_folder_of_records_names_the_option(tmp_path: Path) -> None:
    gold = _write_jsonl(tmp_path / "gold.jsonl", [TRIAL])
    result = run_kg("eval-extraction", gold, cwd=tmp_path)
    assert result.returncode == 1
    assert "--pubmed-dir DIR" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_every_record_of_the_pubmed_gold_is_found_and_scored() -> None:
    require_shared(EUTILS_FIXTURES)
    gold = read_gold_jsonl(PUBMED_GOLD)
    lines = [json.loads(line) for line in PUBMED_GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(gold) == len(lines) and all(g.path and g.pmid for g in gold)
    assert len({g.pmid for g in gold}) == len(gold)  # one line per record
    publications = pubmed_publications(EUTILS_FIXTURES, gold)
    assert len(publications) == len(gold)
    # the selection rule of data/gold/pubmed/README.md: every selected abstract has a candidate match
    candidate = re.compile(r"%|\b[Pp]\s*(?:value)?\s*[=<>≤≥]|\bCI\b|confidence interval", re.IGNORECASE)
    assert all(candidate.search(pub.abstract or "") for pub in publications.values())

    result = run_kg("eval-extraction", PUBMED_GOLD)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"{len(gold)} abstract(s)"
    totals = Counter({name: sum(len(item["statistics"][name]) for item in lines) for name in STAT_FIELDS})
    totals["findings"] = sum(len(item["findings"]) for item in lines)
    for name, total in totals.items():
        row = next(line for line in result.stdout.splitlines() if line.startswith(f"{name} "))
        assert row.endswith(f"/{total}"), row

"""Scoring the extractor on a JSON Lines gold: per field, per rule, and the errors a bad gold gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.extract.score import format_score, read_gold_jsonl, score_gold
from kg.errors import InputError

TEXT = ("We randomised 120 adults to a walking programme or usual care. "
        "Pain scores decreased significantly in the walking group (P = 0.01). "
        "Falls occurred in 12 of 60 (20%) and 15 of 60 (25%) participants. "
        "The odds of a fall were similar (OR 0.8, 95% CI 0.4 to 1.6; P = 0.5).")


def _write(tmp_path: Path, gold: dict) -> tuple[Path, Path]:
    corpus, gold_file = tmp_path / "corpus.jsonl", tmp_path / "gold.jsonl"
    corpus.write_text(json.dumps({"id": "t:1", "title": "Walking for knee pain", "text": TEXT}) + "\n")
    gold_file.write_text(json.dumps(gold) + "\n")
    return corpus, gold_file


GOLD = {
    "id": "t:1", "split": "dev",
    "statistics": {
        "p_values": [{"comparator": "=", "value": "0.01"}, {"comparator": "=", "value": "0.5"},
                     {"comparator": "=", "value": "0.9"}],
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
         "p_value": None},
    ],
}


def test_fields_are_scored_as_multisets_of_values(tmp_path: Path) -> None:
    result = score_gold(*reversed(_write(tmp_path, GOLD)))
    p = result.fields["p_values"]
    assert (p.correct, p.predicted, p.gold) == (2, 2, 3)  # the invented 0.9 is a miss
    assert result.fields["count_percent"].correct == 2
    assert result.fields["effect_sizes"].correct == 1
    assert result.fields["sample_sizes"].correct == 1
    findings = result.fields["findings"]
    assert (findings.correct, findings.gold) == (2, 2)  # "falls" and "fall" are one word, as labels compare
    assert result.fields["findings: P (on matched)"].correct == 1


def test_precision_is_reported_per_rule(tmp_path: Path) -> None:
    result = score_gold(*reversed(_write(tmp_path, GOLD)))
    assert result.rules["p-value"].correct == 2
    assert result.rules["outcome-changed-in-arm"].correct == 1
    report = format_score(result, details=True)
    assert "rule (found_by)" in report and "p-value" in report
    assert "p_values missed: 0.9" in report


def test_a_gold_naming_an_unknown_abstract_is_one_error(tmp_path: Path) -> None:
    corpus, gold = _write(tmp_path, {**GOLD, "id": "t:2"})
    with pytest.raises(InputError, match="no abstract with id t:2"):
        score_gold(gold, corpus)


@pytest.mark.parametrize(("line", "message"), [
    ("{", "not JSON"),
    ('{"statistics": {}}', "expected an object with an 'id'"),
    ('{"id": "t:1", "statistics": {"p_values": [{"value": "x"}]}}', "not a number"),
    ('{"id": "t:1", "findings": [{"object_text": "y", "direction": "up"}]}', "known 'direction'"),
])
def test_bad_gold_lines_are_named(tmp_path: Path, line: str, message: str) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(line + "\n")
    with pytest.raises(InputError, match=message):
        read_gold_jsonl(gold)

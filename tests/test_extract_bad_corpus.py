"""Bad input through the corpus paths: no statistics, a 1 MB abstract, Unicode oddities, unreadable files."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from ingest.extract.pipeline import extract_abstract
from ingest.extract.statistics import find_statistics
from kg.model import PublicationRef

REF = PublicationRef(title="odd input")


def kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, cwd=REPO_ROOT,
                          timeout=300)


def test_an_abstract_without_statistics_gives_nothing() -> None:
    extraction = extract_abstract("We describe the design of a trial of exercise in older adults. "
                                  "Recruitment starts next year.", REF)
    assert extraction.statistics == () and extraction.findings == ()


def test_unicode_spaces_minus_signs_middle_dots_and_full_width_operators() -> None:
    text = ("Pain fell (p\u2009＜\u20090．05), and the mean difference was \u22121·2 (95% CI \u22122·0 to \u22120·4); "
            "21\u202f(45\u00a0%) improved; p log rank = 0·03.")
    stats = find_statistics(text)
    by_kind = {s.kind: s for s in reversed(stats)}  # the first of each kind
    assert by_kind["p_value"].value == Decimal("0.05") and by_kind["p_value"].operator == "<"
    effect = by_kind["effect_size"]
    assert (effect.value, effect.ci_low, effect.ci_high) == (Decimal("-1.2"), Decimal("-2.0"), Decimal("-0.4"))
    assert (by_kind["count_percent"].count, by_kind["count_percent"].percent) == (21, Decimal(45))
    assert Decimal("0.03") in {s.value for s in stats if s.kind == "p_value"}
    for stat in stats:  # offsets and text refer to the text as written
        assert text[stat.start:stat.end] == stat.text


@pytest.mark.parametrize("piece", [
    "In the 12 (45%) and 13 of 20 (65%) patients, P = 0.01 and 0.2, respectively, HR 1.2 (95% CI 0.9-1.6). ",
    "(((((((((( 95% CI " * 3,
    "one two three four five six seven eight nine ten patients " * 3,
])
def test_a_one_megabyte_abstract_is_read_in_bounded_time(tmp_path: Path, piece: str) -> None:
    corpus = tmp_path / "big.jsonl"
    corpus.write_text(json.dumps({"id": "big", "text": piece * (1_000_000 // len(piece))}) + "\n")
    result = kg("extract", str(corpus), "--format", "json")  # the subprocess timeout is the hang guard
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == "big"


@pytest.mark.parametrize(("name", "content"), [
    ("absent.jsonl", None),
    ("bad.jsonl", b'{"id": "a", "text": "fine"}\n{broken\n'),
    ("latin1.jsonl", b'{"id": "a", "text": "caf\xe9"}\n'),
    ("latin1.txt", b"caf\xe9 au lait"),
])
def test_an_unreadable_file_is_one_line_and_exit_1(tmp_path: Path, name: str, content: bytes | None) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = kg("extract", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("kg: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_a_directory_is_one_line_and_exit_1(tmp_path: Path) -> None:
    folder = tmp_path / "corpus.jsonl"
    folder.mkdir()
    result = kg("extract", str(folder))
    assert result.returncode == 1 and result.stderr.startswith("kg: error: ")


def test_eval_extraction_without_a_corpus_says_how_to_give_one(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"id": "x:1", "statistics": {}, "findings": []}) + "\n")
    result = subprocess.run([sys.executable, "-m", "kg", "eval-extraction", str(gold)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    assert result.stderr.startswith("kg: error: ") and "--corpus" in result.stderr


_REPEATED_FORMS = [
    "HR 0.7 with a 95% CI of ", "HR 0.7 (CI 0.5-0.9, 95%", "Heart rate (HR) 72 (65-80) bpm; HR 0.7 (0.5-0.9) ",
    "95%-CI 95% CrI 95% UI ", "OR=2.1, 95%CI=1.2~3.4; ", "0..0..0.. ~ ~~ ", "P(trend) = 0,05 ps < ",
    "71 of the 103 (69%) 69 percent (71/103) ", "seventy-one children with with (", "week 12 (69%) ",
    "2.0-fold (95% CI 1.5-2.6) higher ", "ſub-distribution HR 0.7 ",
]


def test_full_width_signs_slashes_and_brackets() -> None:
    text = ("Relapse: ７１／１０３ ［６９％］; MD －０．５ （95% CI －０．９ ～ －０．１）; "
            "＋０．２ (95% CI ＋０．１ to ＋０．３) more.")
    stats = find_statistics(text)
    assert (71, 103, Decimal(69)) in [(s.count, s.total, s.percent) for s in stats if s.kind == "count_percent"]
    effects = [(s.value, s.ci_low, s.ci_high) for s in stats if s.kind == "effect_size"]
    assert (Decimal("-0.5"), Decimal("-0.9"), Decimal("-0.1")) in effects
    assert (Decimal("0.2"), Decimal("0.1"), Decimal("0.3")) in effects
    for stat in stats:
        assert text[stat.start:stat.end] == stat.text


def test_texts_full_of_one_printed_form_finish(tmp_path: Path) -> None:
    """Each form repeated up to the length cap: the child's timeout is the hang guard (a text whose
    statistics each scanned the whole text once took a minute), not a performance figure."""
    script = tmp_path / "repeat.py"
    script.write_text(
        "import json, sys\n"
        "from ingest.extract.pipeline import MAX_CHARS, extract_abstract\n"
        "from kg.model import PublicationRef\n"
        "for piece in json.loads(sys.argv[1]):\n"
        "    text = (piece * (MAX_CHARS // len(piece) + 1))[:MAX_CHARS]\n"
        "    extraction = extract_abstract(text, PublicationRef(title='repeat'))\n"
        "    print(len(extraction.statistics))\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script), json.dumps(_REPEATED_FORMS)], capture_output=True,
                            text=True, cwd=REPO_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    counts = [int(line) for line in result.stdout.split()]
    assert len(counts) == len(_REPEATED_FORMS) and counts[0] > 1000 and counts[1] > 1000

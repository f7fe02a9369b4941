"""The fast paths of the extractor find exactly what the plain scans find.

``statistics._finditer`` tries a pattern only where a cheap scan says it can start, and a few
patterns are written to start with a character class; ``ConceptMatcher.find`` passes over tokens
that start no key. Each must give the same matches as the plain form it replaces, on the
printed forms of the statistics tests and on every dev abstract of the corpus.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import REPO_ROOT, require_shared

from ingest.extract import statistics as st
from ingest.extract.corpus import dev_records

CORPUS = REPO_ROOT.parent / "shared" / "fixtures" / "abstracts" / "abstracts.jsonl"
_TESTS = Path(__file__).resolve().parent
_PLAIN_SIZE_START = re.compile(r"\b[Nn]\s*=|(?<![\d.·/%,-])\b\d")
_PLAIN_WORD = re.compile(r"(?<![\w-])[A-Za-z]+")
_NUMBER_WORDS = {*st._UNITS[1:], *st._TENS}


def _strings_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _written_forms() -> list[str]:
    texts = [s for name in ("test_extract_effect_forms.py", "test_extract_count_forms.py",
                            "test_extract_statistics.py") for s in _strings_of(_TESTS / name)]
    texts += ["ſubdistribution hazard ratio 0.7 (95% CI 0.5-0.9)", "ſub-distribution HR 0.7, 0.5-0.9",
              "n=12, N = 4, 3n = 5, an = 6, 1.5, 2/3, x4, -7, ·8, %9, ,10 and (11) patients"]
    return texts


def _same_everywhere(texts: list[str]) -> None:
    for text in texts:
        for pattern, starts in ((st._EFFECT, st._EFFECT_START), (st._CI, st._CI_START)):
            assert [m.span() for m in st._finditer(pattern, starts, text)] == \
                [m.span() for m in pattern.finditer(text)], text
        assert [m.start() for m in st._SIZE_START.finditer(text)] == \
            [m.start() for m in _PLAIN_SIZE_START.finditer(text)], text
        assert st._word_number_starts(text) == \
            [m.start() for m in _PLAIN_WORD.finditer(text) if m.group().casefold() in _NUMBER_WORDS], text


def test_fast_scans_match_the_plain_ones_on_written_forms() -> None:
    texts = _written_forms()
    assert len(texts) > 500
    _same_everywhere(texts)
    _same_everywhere([t.translate(st._SAME_LENGTH) for t in texts])


def test_fast_scans_match_the_plain_ones_on_dev_abstracts() -> None:
    require_shared(CORPUS)
    records = list(dev_records(CORPUS))
    assert len(records) > 100
    _same_everywhere([r.text for r in records] + [r.title or "" for r in records])


@pytest.mark.parametrize("text", [
    "Plain text without anything odd: P = 0.03.",
    "Odd spaces\u00a0and\u2009minus \u22120.5 (95%\u00a0CI \u22120.9 to \u22120.1), P\uff1c0\uff0e05.",
])
def test_statistics_keep_the_characters_as_written(text: str) -> None:
    for stat in st.find_statistics(text):
        assert text[stat.start:stat.end] == stat.text

"""Every rule of the extraction registry reads its positive examples and leaves its negative ones alone."""

from __future__ import annotations

import pytest

from ingest.extract.pipeline import extract_abstract
from ingest.extract.rules import RULES, rule
from ingest.extract.statistics import find_statistics
from kg.model import PublicationRef

_REF = PublicationRef(title="rule examples")


def _found_by(text: str, kind: str) -> set[str]:
    if kind == "statistic":
        return {s.found_by for s in find_statistics(text)}
    return {item.finding.found_by or "" for item in extract_abstract(text, _REF).findings}


_POSITIVE = [(r.name, text) for r in RULES.values() for text in r.positive]
_NEGATIVE = [(r.name, text) for r in RULES.values() for text in r.negative]


@pytest.mark.parametrize(("name", "text"), _POSITIVE, ids=[f"{n}:{i}" for i, (n, _) in enumerate(_POSITIVE)])
def test_rule_reads_its_positive_example(name: str, text: str) -> None:
    assert name in _found_by(text, rule(name).kind)


@pytest.mark.parametrize(("name", "text"), _NEGATIVE, ids=[f"{n}:{i}" for i, (n, _) in enumerate(_NEGATIVE)])
def test_rule_leaves_its_negative_example_alone(name: str, text: str) -> None:
    assert name not in _found_by(text, rule(name).kind)


def test_every_rule_has_examples_and_a_unique_order() -> None:
    orders = [r.order for r in RULES.values()]
    assert len(orders) == len(set(orders))
    assert all(r.positive and r.negative and r.purpose for r in RULES.values())


def test_every_found_by_the_extractor_writes_is_registered() -> None:
    text = " ".join(t for r in RULES.values() for t in r.positive)
    extraction = extract_abstract(text, _REF)
    names = {s.found_by for s in extraction.statistics} | {f.finding.found_by for f in extraction.findings}
    assert names and names <= set(RULES)

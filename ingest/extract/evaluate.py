"""Score extracted findings against a gold file of facts: precision, recall and F1, overall and per field.

A gold file (JSON) lists the findings an expert reads in one abstract, as facts
(concept slugs, direction, subgroup, numbers), never as sentences::

    {"findings": [{"subject": "bone-marrow-blasts-over-50", "subject_text": null,
                   "relation": "predicts", "object": "complete-remission",
                   "direction": "decreases", "subgroup": "all patients",
                   "count": null, "denominator": null, "percentage": null, "p_value": "0.02"}]}

Each gold finding is paired with at most one extracted finding (greedily, best
agreement first; a pair needs the same object or the same numbers). A finding
counts as found when every field agrees. Per field, precision is the share of
extracted findings whose paired gold agrees on that field, recall the share of
gold findings that do. The "with P-value or percentage" scores restrict both
sides to findings that carry one of those numbers, the target of the issue.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kg.errors import InputError
from kg.finding_text import concept_text, describe_finding, finding_line, numbers_text
from kg.model import Finding

FIELDS = ("concepts", "direction", "statistics", "subgroup")
NUMBERS = ("count", "denominator", "percentage", "p_value")


@dataclass(frozen=True)
class GoldFinding:
    """One finding of a gold file."""

    subject: str | None
    subject_text: str | None
    relation: str | None
    object: str | None
    object_text: str | None
    direction: str
    subgroup: str
    numbers: tuple[Decimal | None, ...]

    def describe(self) -> str:
        """The finding as ``kg.finding_text`` prints every finding."""
        subject = self.subject or concept_text(None, self.subject_text)
        obj = self.object or concept_text(None, self.object_text)
        return finding_line(subject, self.relation, self.direction, obj, self.subgroup, numbers_text(*self.numbers))


@dataclass
class Score:
    """Counts behind precision, recall and F1."""

    correct: int = 0
    predicted: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, other: Score) -> None:
        """Add another abstract's counts (micro-averaging over a corpus)."""
        self.correct += other.correct
        self.predicted += other.predicted
        self.gold += other.gold


@dataclass
class Evaluation:
    """Scores for all findings and for those with a P-value or percentage, with what was missed."""

    findings: Score
    fields: dict[str, Score]
    target: Score
    target_fields: dict[str, Score]
    misses: list[str] = field(default_factory=list)
    spurious: list[str] = field(default_factory=list)


def _decimal(value: object, where: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).lstrip("=<>"))
    except InvalidOperation:
        raise InputError(f"{where}: not a number: {value!r}") from None


def read_gold(path: Path) -> list[GoldFinding]:
    """The findings of a gold file; ``InputError`` with the position of the first bad entry."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read gold file {path}: {exc}") from None
    items = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InputError(f"{path}: expected an object with a 'findings' list")
    gold = []
    for index, item in enumerate(items, start=1):
        where = f"{path.name}: finding {index}"
        if not isinstance(item, dict) or not (item.get("object") or item.get("object_text")):
            raise InputError(f"{where}: needs 'object' (a concept slug) or 'object_text'")
        gold.append(GoldFinding(
            subject=item.get("subject"), subject_text=item.get("subject_text"), relation=item.get("relation"),
            object=item.get("object"), object_text=item.get("object_text"),
            direction=item.get("direction", "unspecified"), subgroup=(item.get("subgroup") or "all patients"),
            numbers=tuple(_decimal(item.get(name), f"{where}: {name}") for name in NUMBERS),
        ))
    return gold


def _slug(iri: str | None) -> str | None:
    return iri.rsplit("/", 1)[-1] if iri else None


def _same_text(gold: str | None, predicted: str | None) -> bool:
    if not gold:
        return not predicted
    return bool(predicted) and gold.casefold() in predicted.casefold()


def _agreement(gold: GoldFinding, pred: Finding) -> dict[str, bool]:
    if gold.subject:
        subject = _slug(pred.subject_concept) == gold.subject
    else:
        subject = pred.subject_concept is None and _same_text(gold.subject_text, pred.subject_label)
    obj = _slug(pred.object_concept) == gold.object if gold.object else _same_text(gold.object_text, pred.object_label)
    numbers = (pred.count, pred.denominator, pred.percentage, pred.p_value)
    same_numbers = all((g is None and p is None) or (g is not None and p is not None and Decimal(p) == g)
                       for g, p in zip(gold.numbers, numbers, strict=True))
    return {
        "object": obj,
        "concepts": subject and obj,
        "direction": gold.direction == pred.direction,
        "statistics": same_numbers,
        "subgroup": gold.subgroup.casefold() == (pred.subgroup or "all patients").casefold(),
    }



def _score(gold: list[GoldFinding], predicted: list[Finding], notes: Evaluation | None) -> tuple[Score, dict]:
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            agree = _agreement(g, p)
            anchored = agree["object"] or (agree["statistics"] and any(n is not None for n in g.numbers))
            if anchored:
                weight = 2 * agree["concepts"] + agree["direction"] + 2 * agree["statistics"] + agree["subgroup"]
                pairs.append((weight, gi, pi, agree))
    pairs.sort(key=lambda item: (-item[0], item[1], item[2]))
    used_g: dict[int, dict] = {}
    used_p: set[int] = set()
    for _, gi, pi, agree in pairs:
        if gi not in used_g and pi not in used_p:
            used_g[gi] = agree | {"pred": pi}
            used_p.add(pi)
    overall = Score(gold=len(gold), predicted=len(predicted))
    fields = {name: Score(gold=len(gold), predicted=len(predicted)) for name in FIELDS}
    for gi, agree in used_g.items():
        if all(agree[name] for name in FIELDS):
            overall.correct += 1
        for name in FIELDS:
            fields[name].correct += int(agree[name])
        if notes is not None and not all(agree[name] for name in FIELDS):
            wrong = ", ".join(name for name in FIELDS if not agree[name])
            notes.misses.append(f"{gold[gi].describe()}  (paired, wrong: {wrong}; got "
                                f"{describe_finding(predicted[agree['pred']])})")
    if notes is not None:
        notes.misses += [f"{g.describe()}  (not found)" for gi, g in enumerate(gold) if gi not in used_g]
        notes.spurious += [describe_finding(p) for pi, p in enumerate(predicted) if pi not in used_p]
    return overall, fields


def _has_numbers(numbers: tuple[Decimal | None, ...]) -> bool:
    return numbers[2] is not None or numbers[3] is not None


def evaluate(gold: list[GoldFinding], predicted: list[Finding]) -> Evaluation:
    """Compare extracted findings with gold facts."""
    result = Evaluation(Score(), {}, Score(), {})
    result.findings, result.fields = _score(gold, predicted, result)
    target_gold = [g for g in gold if _has_numbers(g.numbers)]
    target_pred = [p for p in predicted if p.percentage is not None or p.p_value is not None]
    result.target, result.target_fields = _score(target_gold, target_pred, None)
    return result


def format_evaluation(result: Evaluation) -> str:
    """The report ``kg eval-extraction`` prints."""
    lines = [f"{'':34} {'precision':>9} {'recall':>7} {'F1':>6}   correct/predicted/gold"]

    def row(name: str, score: Score) -> None:
        lines.append(f"{name:34} {score.precision:9.3f} {score.recall:7.3f} {score.f1:6.3f}   "
                     f"{score.correct}/{score.predicted}/{score.gold}")

    row("findings (all fields right)", result.findings)
    for name, score in result.fields.items():
        row(f"  {name}", score)
    row("findings with P-value or percentage", result.target)
    for name, score in result.target_fields.items():
        row(f"  {name}", score)
    if result.misses:
        lines.append("missed or wrong:")
        lines += [f"  {item}" for item in result.misses]
    if result.spurious:
        lines.append("extracted but not in gold:")
        lines += [f"  {item}" for item in result.spurious]
    return "\n".join(lines) + "\n"

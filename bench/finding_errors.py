"""Classify the relational-finding errors of the extractor on the dev gold into a few causes.

Not a test. Run:  .venv/bin/python bench/finding_errors.py [data/gold/abstracts/dev.jsonl]

Only a gold file the caller names is read (the dev gold by default), with the
abstracts it names; run it on the dev split only, so the test split stays unread.
Each missed gold finding and each extracted finding that matches no gold one is
put in the first cause that fits, judged against the other findings of the same
abstract (the words compared as the scorer compares them):

* ``one finding for two`` - a finding with the same subject and object words and the same direction
  exists, but it is paired with another gold finding (a list of outcomes or arms read as one item);
* ``direction`` - findings with the same subject and object words exist, all with another direction;
  these are further put in kinds (``direction kinds``): whether the extracted finding comes from
  the sentence that best matches the gold one (else it is another finding of the same words, from
  another sentence), and which direction was read for which (a null read as an effect, an effect
  read as a null, the opposite direction, a relation without a direction read as one);
* ``subject span`` - a finding with the same object words exists, its subject shares no word;
* ``object span`` - a finding with the same subject words exists, its object shares no word
  (for a miss; an extra whose object words are in no gold finding is ``object not in gold``);
* ``not read`` - no extracted finding of the abstract shares the object words (misses only).

Misses are also counted by the gold direction, to show how many nulls no rule reads, and
by sentence shape: for each gold finding whose outcome no extracted finding names, the
sentence of the abstract that shares most words with it (its P-value counting extra) is
found and named by the statistic that anchors it (a P-value, an effect size with its CI,
a count (%) or percentage pair, another number, or none), and whether any rule read that
sentence at all.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.extract.pipeline import extract_abstract  # noqa: E402
from ingest.extract.score import (  # noqa: E402
    _match,
    _object_text,
    _share,
    _subject_text,
    _words,
    corpus_records,
    read_gold_jsonl,
    relational,
)
from ingest.extract.sentences import split_sentences  # noqa: E402
from kg.model import PublicationRef  # noqa: E402

CORPUS = ROOT.parent / "shared" / "fixtures" / "abstracts" / "abstracts.jsonl"


def main(argv: list[str]) -> int:
    """Print the count of each cause for misses and for extras, and misses by gold direction."""
    gold_path = Path(argv[0]) if argv else ROOT / "data" / "gold" / "abstracts" / "dev.jsonl"
    gold = read_gold_jsonl(gold_path)
    records = corpus_records(CORPUS, (g.id for g in gold))
    misses: Counter[str] = Counter()
    extras: Counter[str] = Counter()
    by_direction: Counter[str] = Counter()
    extras_by_rule: Counter[tuple[str, str]] = Counter()
    shapes: Counter[tuple[str, bool]] = Counter()
    direction_kinds: Counter[str] = Counter()
    for item in gold:
        record = records[item.id]
        extraction = extract_abstract(record.text, PublicationRef(pmid=record.pmid, title=record.title),
                                      title=record.title)
        predicted = relational(f.finding for f in extraction.findings)

        def same(g: object, p: object) -> bool:
            return (_share(g.object, _object_text(p)) and _share(g.subject, _subject_text(p))  # type: ignore
                    and g.direction == p.direction)  # type: ignore

        pairs = _match(item.findings, predicted, same)
        hit_gold = {g for g, _ in pairs}
        hit_pred = {p for _, p in pairs}
        sentences = split_sentences(record.text)
        read_starts = {f.finding.evidence[0].start for f in extraction.findings}
        for gi, g in enumerate(item.findings):
            if gi in hit_gold:
                continue
            objs = [p for p in predicted if _share(g.object, _object_text(p))]
            subs = [p for p in predicted if _share(g.subject, _subject_text(p))]
            both = [p for p in objs if _share(g.subject, _subject_text(p))]
            if any(p.direction == g.direction for p in both):
                cause = "one finding for two"
            elif both:
                cause = "direction"
                direction_kinds[_direction_kind(g, both, sentences)] += 1
            elif objs:
                cause = "subject span"
            elif subs:
                cause = "object span or outcome not read"
            else:
                cause = "not read"
            misses[cause] += 1
            if not objs:
                shapes[_shape(g, sentences, extraction.statistics, read_starts)] += 1
            if cause == "not read":
                by_direction[g.direction] += 1
        for pi, p in enumerate(predicted):
            if pi in hit_pred:
                continue
            objs = [g for g in item.findings if _share(g.object, _object_text(p))]
            if any(_share(g.subject, _subject_text(p)) for g in objs):
                cause = "direction"
            elif objs:
                cause = "subject span"
            else:
                cause = "object not in gold"
            extras[cause] += 1
            extras_by_rule[(p.found_by or "?", cause)] += 1
    print("misses (gold findings no extracted finding matches):", sum(misses.values()))
    for cause, n in misses.most_common():
        print(f"  {cause:34} {n}")
    print("  not read, by gold direction:", dict(by_direction.most_common()))
    print("direction misses by kind:")
    for kind, n in direction_kinds.most_common():
        print(f"  {kind:60} {n}")
    print("misses whose outcome no finding names, by the statistic anchoring their sentence:")
    for shape in ("P-value", "effect size with CI", "count (%) or percentage pair", "other number", "no statistic"):
        unread, read = shapes[(shape, False)], shapes[(shape, True)]
        print(f"  {shape:34} {unread + read:4}  (sentence read by no rule: {unread})")
    print("extras (extracted findings no gold finding matches):", sum(extras.values()))
    for cause, n in extras.most_common():
        print(f"  {cause:34} {n}")
    print("extras by rule and cause:")
    for (rule, cause), n in extras_by_rule.most_common(20):
        print(f"  {rule:30} {cause:22} {n}")
    return 0


def _best_sentence(gold: object, sentences: list) -> object:
    """The sentence that shares most words with a gold finding (its outcome counting double, its P-value extra)."""
    outcome, subject = _words(gold.object), _words(gold.subject)  # type: ignore[attr-defined]
    p_text = str(gold.p_value) if gold.p_value is not None else None  # type: ignore[attr-defined]

    def score(sentence: object) -> int:
        words = _words(sentence.text)  # type: ignore[attr-defined]
        bonus = 3 if p_text and p_text in sentence.text else 0  # type: ignore[attr-defined]
        return 2 * len(outcome & words) + len(subject & words) + bonus

    return max(sentences, key=score)


def _direction_kind(gold: object, found: list, sentences: list) -> str:
    """What kind of direction error a miss is: where the finding was read, and which direction for which."""
    best = _best_sentence(gold, sentences)
    here = [p for p in found if p.evidence[0].start == best.start]  # type: ignore[attr-defined]
    if not here:
        return "other sentence: another finding of the same words"
    wanted, read = gold.direction, here[0].direction  # type: ignore[attr-defined]
    if wanted == "unspecified":
        kind = "a relation without direction read as " + read
    elif wanted == "no_effect":
        kind = "a null read as an effect"
    elif read == "no_effect":
        kind = "an effect read as a null"
    elif read == "unspecified":
        kind = "an effect read without direction"
    else:
        kind = "the opposite direction"
    return f"same sentence: {kind}"


def _shape(gold: object, sentences: list, stats: tuple, read_starts: set[int]) -> tuple[str, bool]:
    """The anchoring statistic of the sentence that best matches a gold finding, and whether a rule read it."""
    best = _best_sentence(gold, sentences)
    kinds = [s.kind for s in stats if best.start <= s.start < best.end]
    if "p_value" in kinds:
        shape = "P-value"
    elif "effect_size" in kinds:
        shape = "effect size with CI"
    elif "count_percent" in kinds or kinds.count("percent") >= 2:
        shape = "count (%) or percentage pair"
    elif kinds:
        shape = "other number"
    else:
        shape = "no statistic"
    return shape, best.start in read_starts


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

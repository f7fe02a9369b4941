"""Classify the relational-finding errors of the extractor on the dev gold into a few causes.

Not a test. Run:  .venv/bin/python bench/finding_errors.py [data/gold/abstracts/dev.jsonl]

Only a gold file the caller names is read (the dev gold by default), with the
abstracts it names; run it on the dev split only, so the test split stays unread.
Each missed gold finding and each extracted finding that matches no gold one is
put in the first cause that fits, judged against the other findings of the same
abstract (the words compared as the scorer compares them):

* ``direction`` - a finding with the same subject and object words exists, with another direction;
* ``subject span`` - a finding with the same object words exists, its subject shares no word;
* ``object span`` - a finding with the same subject words exists, its object shares no word
  (for a miss; an extra whose object words are in no gold finding is ``object not in gold``);
* ``not read`` - no extracted finding of the abstract shares the object words (misses only).

Misses are also counted by the gold direction, to show how many nulls no rule reads.
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
    corpus_records,
    read_gold_jsonl,
    relational,
)
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
        for gi, g in enumerate(item.findings):
            if gi in hit_gold:
                continue
            objs = [p for p in predicted if _share(g.object, _object_text(p))]
            subs = [p for p in predicted if _share(g.subject, _subject_text(p))]
            if any(_share(g.subject, _subject_text(p)) for p in objs):
                cause = "direction"
            elif objs:
                cause = "subject span"
            elif subs:
                cause = "object span or outcome not read"
            else:
                cause = "not read"
            misses[cause] += 1
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
    print("extras (extracted findings no gold finding matches):", sum(extras.values()))
    for cause, n in extras.most_common():
        print(f"  {cause:34} {n}")
    print("extras by rule and cause:")
    for (rule, cause), n in extras_by_rule.most_common(20):
        print(f"  {rule:30} {cause:22} {n}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

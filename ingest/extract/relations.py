"""The ``anchored-relation`` rule: factors and outcomes either side of a relation verb, with their statistics.

"A (OR 0.97, P = .03) and B (OR 1.02, P = .04) were related with Y", "X was the only predictor of Y
(RR 4.98, P = .009)", "X had a negative correlation with A (r, P) and B (r, P)": the statistic-anchored
reader (``anchored.py``) hands each clause it reads to ``relation_drafts`` first; the factor and the
outcome are the chunks (``chunks.py``) either side of the verb.
"""

from __future__ import annotations

import re

from ingest.extract.chunks import STOP_OBJECT, WORDS, first_chunk, last_chunk, statistic_groups, worded_direction
from ingest.extract.draft import Draft, Local, confidence
from ingest.extract.sentences import Sentence
from ingest.extract.statistics import Statistic

RULE = "anchored-relation"
_RATIOS = {"HR", "OR", "RR", "IRR"}

_RELATION = re.compile(
    r"\b(?:was|were|is|are|remained)\s+(?:all\s+|also\s+|both\s+)?(?:significantly\s+|independently\s+|"
    r"positively\s+|negatively\s+|strongly\s+)*(?P<assoc>associated|related|correlated|linked)\s+(?:with|to)\s+|"
    r"\b(?:was|were|is|are|remained|emerged\s+as)\s+(?:the\s+)?(?:only\s+|sole\s+|main\s+)?(?:an?\s+)?"
    r"(?:significant\s+|independent\s+|strong(?:est)?\s+|major\s+|important\s+)*"
    r"(?P<role>predictors?|risk\s+factors?|prognostic\s+factors?|determinants?)\s+(?:of|for)\s+|"
    r"\b(?:had|showed|was\s+in|there\s+was)\s+(?:an?\s+)?(?:statistically\s+)?(?:significant\s+)?"
    r"(?:(?:weak|moderate|strong|good|high)\s+)?(?P<sign>negative|positive|inverse)\s+(?:linear\s+)?"
    r"(?:correlation|association|relationship)\s+(?:with|to)\s+",
    re.IGNORECASE)
"""A relation verb between factors and their outcome: "were associated with", "was the only predictor of"."""


def relation_drafts(local: Local, sentence: Sentence, subgroup: str, span: tuple[int, int],
                    anchors: list[Statistic]) -> list[Draft]:
    """Factors and the outcomes a relation verb names, each pair with its own statistics.

    Three shapes: a list of factors, each followed by its ratio and P-value, before the verb ("A (OR 0.97,
    P = .03) and B (OR 1.02, P = .04) were related with Y"); one factor before the verb with its
    statistics after the outcome ("X was the only predictor of Y (RR 4.98, P = .009)"); and one factor
    before the verb with a list of outcomes after it, each with its own statistics ("X had a negative
    correlation with A (r = -0.24, p = 0.03) and B (r = -0.21, p = 0.05)"). Factors and outcomes are the
    noun-phrase chunks either side; the direction is the sign the verb states ("negative correlation"),
    a comparative before the outcome, else the factor's ratio (above 1 increases), else "risk factor"
    (increases); a pair with none is left out.
    """
    text = local.text
    relation = _RELATION.search(text, span[0], span[1])
    if relation is None:
        return []
    sign = {"negative": "decreases", "inverse": "decreases", "positive": "increases"}.get(
        (relation["sign"] or "").casefold())
    before = [s for s in anchors if s.start < relation.start()]
    after = [s for s in anchors if s.start >= relation.end()]
    pairs: list[tuple[str | None, str | None, str | None, list[Statistic]]] = []
    if before:
        obj, worded = first_chunk(text, relation.end(), span[1])
        edge = span[0]
        for group in statistic_groups(before):
            pairs.append((last_chunk(text, edge, group[0].start), obj, worded, group))
            edge = group[-1].end
    elif after:
        subject = last_chunk(text, span[0], relation.start())
        groups = statistic_groups(after)
        if len(groups) == 1:
            obj, worded = first_chunk(text, relation.end(), span[1])
            pairs.append((subject, obj, worded, groups[0]))
        else:
            edge = relation.end()
            for group in groups:
                obj = last_chunk(text, edge, group[0].start)
                pairs.append((subject, obj, worded_direction(set(WORDS.findall(text[edge:group[0].start].casefold()))),
                              group))
                edge = group[-1].end
    drafts: list[Draft] = []
    for subject, obj, worded, group in pairs:
        if subject is None or obj is None or STOP_OBJECT.match(subject.split()[0]) or \
                STOP_OBJECT.match(obj.split()[0]):
            continue
        effect = next((s for s in group if s.kind == "effect_size" and s.value is not None), None)
        direction = sign or worded
        if direction is None and effect is not None and (effect.measure or "") in _RATIOS and effect.value != 1:
            direction = "increases" if effect.value > 1 else "decreases"  # type: ignore[operator]
        if direction is None and relation["role"] and "risk" in relation["role"].casefold():
            direction = "increases"
        if direction is None:
            continue
        drafts.append(Draft(relation="associated with", direction=direction, subject_concept=None,
                            subject_label=subject, object_concept=None, object_label=obj, subgroup=subgroup,
                            sentence=sentence, statistics=tuple(group[:2]),
                            confidence=confidence(subject, obj, group, "0.35"), found_by=RULE))
    return drafts

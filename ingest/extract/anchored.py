"""Findings anchored on the comparison statistics of a sentence that no worded rule read.

Most results a trial abstract reports carry a P-value or an effect size with its
interval, whatever words surround them. The worded rules read a sentence only
when its verbs fit one of their shapes; this reader starts from the statistics
instead: each group of statistics in a clause (ending with a P-value) gives a
candidate whose

* object is the outcome the group reports: the noun phrase printed just before
  the statistic ("... in receptive language (p < 0.0001)"), the noun phrase the
  clause opens with before its verb ("Sickness absence was higher ..."), the one
  a verb names after it ("group I received more fluid than ..."), or else the
  noun-phrase chunk printed last before the statistic (``chunks.last_chunk``);
* subject is the arm the clause names before its comparator ("in the
  gatifloxacin group", "patients who received X", "using X"), the tested arm
  first, the abstract's tested arm when the clause compares against a control
  without naming it ("compared to the control group") or names all its words,
  a population the clause names ("Nonwhite patients had ..."), or an arm named
  only inside a bracket;
* direction comes from the group's own comparative words, else the clause's, else
  the effect size (a ratio below 1 or a negative difference decreases), else a
  non-significant P-value (no effect), else the percentages or the two values either
  side of the comparator; a candidate with none of these is dropped. A worded
  direction belongs to the arm before the comparator, a statistical one to the
  tested arm.

A clause with a relation verb ("were related with", "was the only predictor of",
"had a negative correlation with") goes to the ``anchored-relation`` rule
(``relations.py``) first. It reads the sentences no worded rule read, and the clauses
of read sentences whose statistics and outcome no worded finding holds; every
candidate goes through the shared gate (``ingest.extract.gate``) and subject
resolution (``ingest.extract.subjects``) like any other rule's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from ingest.extract.chunks import (
    STOP_OBJECT,
    WORDS,
    first_chunk,
    last_chunk,
    outside_open_bracket,
    population_chunk,
    statistic_groups,
    worded_direction,
)
from ingest.extract.draft import ALL_PATIENTS, Context, Draft, Local, confidence
from ingest.extract.gate import noun_phrase_problem
from ingest.extract.relations import relation_drafts
from ingest.extract.sentences import Sentence
from ingest.extract.statistics import Statistic

RULE = "statistic-anchored"
_ANCHORS = ("p_value", "effect_size")
_RATIOS = {"HR", "OR", "RR", "IRR"}
_CLAUSE = re.compile(r";\s+|,\s+(?:whereas|while|but)\s+|,\s+(?:and\s+)?(?=[A-Z]|the\s|there\s)|\.\s+")
_NP = r"[A-Za-z][\w'’/+-]*(?:\s+(?:of\s+|in\s+)?[\w'’/+≥≤<>-]+){0,5}?"
_BEFORE_STAT = re.compile(
    rf"(?:^|[,;:]\s*|\b(?:in|for|on|and|regarding|including)\s+)(?:the\s+)?(?P<obj>{_NP})\s*[(\[,]?\s*$",
    re.IGNORECASE)
_LEAD = re.compile(r"(?:whereas\s+|while\s+)?(?:(?:however|moreover|furthermore|finally|overall|additionally|"
                   r"in\s+addition|similarly|with\s+regard\s+to\s+[^,]{1,40}|"
                   r"(?:at|after|by|during|over|within|on|in|among)\s+[^,]{1,60}),\s*|"
                   r"(?:in|among)\s+(?:the\s+)?[\w'’/+-]+(?:\s+[\w'’/+-]+){0,3}?\s+(?:group|arm|cohort)\s+)*"
                   r"(?:there\s+(?:was|were)\s+(?:no\s+(?:evidence\s+(?:of|for)\s+)?)?(?:an?\s+)?(?:\w+\s+){0,2}?"
                   r"(?:increase|decrease|reduction|"
                   r"improvement|difference|change)s?\s+in\s+)?", re.IGNORECASE)
_VERB = re.compile(r"\s(?:(?:significantly|also|not|further|both)\s+)?"
                   r"(?:was|were|had|has|have|did|is|are|decreased|increased|improved|fell|rose|declined|differed|"
                   r"remained|showed|reduced|changed|dropped|developed|correlated|could|presented|achieved|tended|"
                   r"occurred|favou?red|lost|gained)\b", re.IGNORECASE)
_AFTER_VERB = re.compile(
    r"\b(?:had|showed|received|developed|experienced|achieved|reported|presented|required|needed)\s+(?:an?\s+)?"
    r"(?:[\d.,]+\s*%?\s+)?(?:(?:significantly|statistically)\s+)?(?:(?:more|less|fewer|higher|lower|greater|smaller|shorter|longer|better|"
    r"worse|reduced|increased|decreased|improved)\s+)?(?P<obj>[A-Za-z][\w'’/+-]*(?:\s+(?!than\b|compared\b|versus\b|"
    r"vs\b)[\w'’/+-]+){0,5}?)(?=\s*[(\[,;]|\s+(?:than|compared|versus|vs\.?|in|at|after|during|among)\b)",
    re.IGNORECASE)
"""The outcome a verb names after it: "group I received more fluid than group C"."""
_HEAD = re.compile(r"^(?:the\s+|a\s+)?"
                   r"(?:(?:mean|median|average|overall|total|absolute|relative|estimated|adjusted)\s+)*"
                   r"(?:(?:changes?|differences?|proportion|percentage|number|incidence|rates?|risk|hazard\s+ratio|"
                   r"decreases?|reductions?|increases?|improvements?|declines?|"
                   r"odds(?:\s+ratio)?|estimate|values?)\s+(?:values?\s+)?(?:of|for|in)\s+)?"
                   r"(?:(?:patients|participants|subjects|children|women|men)\s+(?:with|who\s+had)\s+(?:an?\s+)?)?",
                   re.IGNORECASE)
_TAIL = re.compile(r"\s+(?:with|in|among|between|after|from|at|on|during|compared|comparing|versus|vs\.?|using|"
                   r"following|for)\s.*$", re.IGNORECASE)
_LEADING_COMPARATIVE = re.compile(r"^(?:(?:significantly|statistically|a|an)\s+)*(?:reduced|increased|decreased|"
                                  r"lower|higher|greater|fewer|less|more|improved|shorter|longer)\s+(?=\S)",
                                  re.IGNORECASE)
_PRE_POST = re.compile(r"\b(?:increased|decreased|improved|declined|fell|rose|dropped|reduced)\s+(?:significantly\s+)?"
                       r"from\s+[-−]?\d[\d.,]*[^()]{0,40}?\bto\s+[-−]?\d", re.IGNORECASE)
"""A change over time stated with its values before and after ("increased from 15.1 to 23.3")."""
_FRONTED = re.compile(r"\s*(?:when\s+|as\s+)?(?:compared|relative|in\s+comparison)\s+(?:with|to)\s+[^,;]{1,60},\s*",
                      re.IGNORECASE)
"""A comparator the clause opens with: the arms after its comma are the ones compared."""
_AFTER_COMPARATOR = re.compile(r"\b(?:than|versus|vs\.?|compared\s+(?:with|to))\s+(?:(?:in|on|with|for)\s+)?"
                               r"(?:the\s+)?$", re.IGNORECASE)
_OF_ARM = re.compile(r"\s+(?:of|in|for)\s+(?:the\s+)?[\w'’/+-]+(?:\s+[\w'’/+-]+){0,2}?\s+(?:group|arm|cohort)s?\b.*$",
                     re.IGNORECASE)
"""The arm an opening phrase names after its outcome ("survival of the control group versus ...")."""
_ARM = re.compile(
    r"\b(?:in|with|for|of|among|on|by|from|to|than|versus|vs\.?)\s+(?:the\s+|those\s+(?:in|on|receiving)\s+"
    r"(?:the\s+)?)?"
    r"(?P<arm>(?!(?:in|with|of|the|and|or|to|than|comparison)\b)[\w'’/+-]+"
    r"(?:\s+(?!(?:in|with|of|the|and|or|to|than|comparison)\b)[\w'’/+-]+){0,3}?)\s+(?:group|arm|cohort)s?\b|"
    r"\b(?:in|of|from)\s+(?P<label>(?:[Aa]rm|[Gg]roup)\s+[A-Z0-9]{1,3})\b|"
    r"\b(?:with|using|receiving|given|on|after)\s+(?P<drug>[a-zA-Z][\w/+-]{2,}(?:\s+[\w/+-]+){0,2}?)"
    r"(?=\s+(?:than|compared|versus|vs\.?)\b)|"
    r"^(?:the\s+)?(?P<lead>[\w'’/+-]+(?:\s+[\w'’/+-]+){0,2}?)\s+(?:group|arm)\s+(?:patients\s+)?"
    r"(?:had|showed|was|were|achieved|received|reported|experienced)\b|"
    r"\b(?:patients|participants|children|women|men|those|subjects)\s+(?:who\s+|that\s+)?(?:received|receiving|"
    r"treated\s+with|on|given|allocated\s+to|randomi[sz]ed\s+to)\s+(?:the\s+)?"
    r"(?P<recv>[\w/+-]+(?:\s+[\w/+-]+){0,2}?)(?=\s*[,;:.(]|\s*$|\s+(?:and|or|compared|versus|vs\.?|than|in|at|during|"
    r"were|was|had|group|for|required|needed|showed|experienced|developed|achieved)\b)|"
    r"\busing\s+(?P<using>[A-Z][\w/+-]*)|"
    r"\bthe\s+(?P<pat>(?!(?:remaining|other|same|two|three|all|both|these|treated|control)\b)(?-i:[a-z])[\w/+-]{3,})\s+patients\b|"
    r"\b(?P<generic>the\s+intervention|active\s+treatment)\b|"
    r"\b(?:in|of|with)\s+the\s+(?P<abbr>(?-i:[A-Z][\w-]*[A-Z][\w-]*))\b",
    re.IGNORECASE)
_NOT_ARM_WORD = re.compile(r"^(?:both|two|three|all|each|either|other|same|different|age|the|these|this|that|"
                           r"between|per|treatment\s+and|control|placebo)$", re.IGNORECASE)
_COMPARES = re.compile(r"\b(?:compared|versus|vs\.?|than|relative\s+to|between\s+(?:the\s+)?(?:two\s+)?groups|"
                       r"between-group)\b", re.IGNORECASE)
_NULL = re.compile(r"\b(?:no\s+(?:significant\s+)?differences?|did\s+not\s+differ|similar|comparable|equal|unchanged|"
                   r"not\s+(?:statistically\s+)?significant(?:ly)?|non-?significant)\b", re.IGNORECASE)
_CONTROL = re.compile(r"\b(?:placebo|controls?|usual|standard|sham|vehicle|conventional|no\s+\w+|SoC|TAU)\b",
                      re.IGNORECASE)
_AGAINST_CONTROL = re.compile(
    r"\b(?:compared|versus|vs\.?|than|relative\s+to)\s+(?:with\s+|to\s+)?(?:the\s+|those\s+)?"
    r"(?:\w+\s+){0,3}?(?:placebo|controls?|usual|standard|sham|vehicle|conventional)\b|"
    r"\bbetween\s+(?:the\s+)?(?:two\s+|2\s+)?(?:treatment\s+)?(?:groups|arms)\b|"
    r"\bcomparing\s+(?:the\s+)?(?:\w+\s+){1,3}?(?:with|to|and|versus|vs\.?)\s+(?:the\s+)?"
    r"(?:placebo|controls?|usual|standard|sham)\b", re.IGNORECASE)
_MARKS = re.compile(r"[()\[\],;.]")
_STOP_LAST = re.compile(r"^(?:p|ci|or|hr|rr|respectively|patients|groups?|vs|versus|compared|than|both|all|"
                        r"overall|total|differences?|model|analys[ie]s|ratios?|participants|subjects|children|women|men)$",
                        re.IGNORECASE)
_COMPARATOR = re.compile(r"\b(?:compared|versus|vs\.?|than|relative\s+to|against|over)\b", re.IGNORECASE)
_GENERIC_WORDS = {"group", "groups", "arm", "arms", "the", "of", "and", "in", "with", "patients", "treatment"}
_REVERSED = {"increases": "decreases", "decreases": "increases"}
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s?%")
_VALUE_PAIR = re.compile(r"(?<![\w.,±-])(?<!\bat\s)(?<!\bfrom\s)(?<!\bbetween\s)(?P<a>\d+(?:\.\d+)?)\s*"
                         r"(?:%|[a-zA-Zμ/]+\s*)?(?:versus|vs\.?|v\.?)\s*(?P<b>\d+(?:\.\d+)?)(?![\d.,]*\s*(?:±|\+/-))")
"""Two arms' values side by side ("22 versus 15 months", "1.72 vs. 2.31"), not a range of time points."""
_BALANCE = re.compile(r"\b(?:age|sex|gender|baseline|demographic)\b", re.IGNORECASE)


def anchored_findings(local: Local, sentence: Sentence, subgroup: str, body: int, ctx: Context,
                      read: Sequence[Draft] = ()) -> list[Draft]:
    """One candidate per clause with a comparison statistic (sentence coordinates, before the gate).

    ``read`` are the findings worded rules read in the sentence: a clause holding one of their
    statistics or naming one of their outcomes is theirs.
    """
    text = local.text
    anchors = [s for s in local.stats if s.kind in _ANCHORS and s.start >= body]
    if not anchors:
        return []
    if _NULL.search(text) and _BALANCE.search(text):
        return []  # a null comparison of who was enrolled checks balance, it reports no result
    claimed = {s.start for d in read for s in _held(d.statistics)}
    if all(s.start in claimed for s in anchors):
        return []
    outcomes = [d.object_label.casefold() for d in read if d.object_label]
    drafts: list[Draft] = []
    for start, end in _clauses(text, body):
        own = [s for s in anchors if start <= s.start < end]
        if not own:
            continue
        related = relation_drafts(local, sentence, subgroup, (start, end), own)
        if related:
            drafts += [d for d in related if not any(s.start in claimed for s in d.statistics)]
            continue
        from_here = start
        for index, group in enumerate(statistic_groups(own)):
            if not any(s.start in claimed for s in group):
                draft = _clause_draft(local, sentence, subgroup, (start, end), from_here, group, ctx,
                                      opening=index == 0)
                if draft is not None and not any(draft.object_label and draft.object_label.casefold() in o
                                                 for o in outcomes):
                    drafts.append(draft)
            from_here = group[-1].end
    return drafts


def _held(stats: Sequence[Statistic]) -> list[Statistic]:
    """The statistics a worded finding holds: all of them up to its first P-value.

    The ones after it that the finding took along report other outcomes of the clause ("lower A
    (P = .01) and fewer B (P = .03)"), which this reader may still read.
    """
    held = []
    for stat in sorted(stats, key=lambda s: s.start):
        held.append(stat)
        if stat.kind == "p_value":
            break
    return held


def _clauses(text: str, body: int) -> list[tuple[int, int]]:
    """Clause spans of a sentence, split where a new statement starts (not inside brackets)."""
    cuts = [body]
    depth = 0
    for mark in _MARKS.finditer(text, body):
        char = mark.group()
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        elif depth == 0 and mark.start() > cuts[-1]:
            match = _CLAUSE.match(text, mark.start())
            if match:
                cuts.append(match.end())
    cuts.append(len(text))
    return [(a, b) for a, b in pairwise(cuts) if b > a]


def _clause_draft(local: Local, sentence: Sentence, subgroup: str, clause_span: tuple[int, int], start: int,
                  own: list[Statistic], ctx: Context, *, opening: bool) -> Draft | None:
    """The candidate of one group of statistics: its outcome is printed between ``start`` and the group."""
    text = local.text
    clause = text[clause_span[0]:clause_span[1]]
    first = own[0]
    words = set(WORDS.findall(text[clause_span[0]:first.start].casefold()))
    own_words = set(WORDS.findall(text[start:first.start].casefold()))
    if not opening and worded_direction(own_words):
        words = own_words  # "required more A (p), had lower B (p)": each group's own comparative first
    read = _direction(words, own, clause)
    if read is None:
        return None
    direction, worded = read
    named = _subject(clause, ctx, worded=worded) or _subject(text[:clause_span[0]], ctx, named_only=True) or \
        _bracketed_arm(clause, ctx)
    if named is None:
        return None
    subject, reversed_ = named
    if reversed_ and worded:  # a direction read from the statistics is the tested arm's already
        direction = _REVERSED.get(direction, direction)
    avoid = set(WORDS.findall(subject.casefold())) - _GENERIC_WORDS  # an outcome span is not the compared group
    obj = _object(text, start, first.start, opening=opening, avoid=avoid)  # the costliest part, so the last
    if obj is None:
        return None
    if set(WORDS.findall(subgroup.casefold())) & set(WORDS.findall(subject.casefold())) - {"group", "arm"}:
        subgroup = ALL_PATIENTS  # "In the X group, ...": the compared arm, not a subgroup
    return Draft(relation="associated with", direction=direction, subject_concept=None, subject_label=subject,
                 object_concept=None, object_label=obj, subgroup=subgroup, sentence=sentence,
                 statistics=tuple(own[:2]), confidence=confidence(subject, obj, own, "0.35"), found_by=RULE)


def _object(text: str, start: int, anchor: int, *, opening: bool = True, avoid: set[str] = frozenset()) -> str | None:
    """The outcome the statistic is printed against, or the noun phrase the clause opens with."""
    before = text[start:anchor]
    before = outside_open_bracket(before).rstrip(" ,;:([")  # an open bracket's own numbers
    candidates = []
    near = _BEFORE_STAT.search(before[-80:])
    if near and not _AFTER_COMPARATOR.search(before[-80:][:near.start("obj")]):
        candidates.append(near["obj"])  # not the arm a comparison is made against ("... than on STIR images")
    lead = _LEAD.match(text, start) if opening else None
    verb = _VERB.search(text, lead.end(), anchor) if lead else None
    if lead and verb and verb.group().split()[-1].casefold() != "showed":  # "data showed a higher Y": not data
        head = text[lead.end():verb.start()]
        head = head[_HEAD.match(head).end():]  # type: ignore[union-attr]
        head = _LEADING_COMPARATIVE.sub("", head)  # "Reduced rate of infection was observed in ...": the rate
        head = head[_HEAD.match(head).end():]  # type: ignore[union-attr]
        head = _OF_ARM.sub("", re.sub(r"\s*[(\[].*$", "", head))
        candidates.append(_TAIL.sub("", head))
    elif lead and lead.end() > start:  # "There was no difference in Y between ...": Y is the chunk after the lead
        opened, _ = first_chunk(text, lead.end(), anchor)
        if opened:
            candidates.append(opened)
    after = _AFTER_VERB.search(text, start, anchor) if opening else None
    if after:
        candidates.append(_TAIL.sub("", after["obj"]))
    chunk = last_chunk(text, start, anchor)
    if chunk:
        candidates.append(chunk)
    for candidate in candidates:
        phrase = " ".join(candidate.split()).strip(" ,;:")
        tokens = phrase.split()
        if noun_phrase_problem(phrase, max_words=8) or _VERB.search(f" {phrase} ") or \
                (tokens and re.fullmatch(r"[\d.,/%±-]+", tokens[-1])):
            continue
        if not tokens or len(tokens) > 8 or re.match(r"[\d.,]+(?:\s|$)", phrase):  # "25-hydroxyvitamin D" is fine
            continue
        if re.search(r"\d[\d.,]*\s*%|\d\.\d", phrase) or STOP_OBJECT.match(tokens[0]) or \
                _STOP_LAST.match(tokens[-1]):
            continue
        if _NULL.search(phrase) or _COMPARES.search(phrase) or _ARM.search(f"in {phrase}") or _CONTROL.search(phrase):
            continue
        if avoid & set(WORDS.findall(phrase.casefold())):
            continue
        return phrase
    return None


def _subject(clause: str, ctx: Context, *, named_only: bool = False,
             worded: bool = True) -> tuple[str, bool] | None:
    """The arm the clause names that is not the comparator (the tested arm first).

    Without a named arm, the abstract's tested arm when the clause compares against a control
    (``named_only`` looks for a named arm only: the words before the clause, "In the X group, ...").
    A direction read from comparative words belongs to the arm before the comparator; one read from the
    effect size or the P-value belongs to the tested arm, wherever the clause names it. The flag says
    the direction is reversed: the clause names only a control before the comparator ("longer in the
    placebo than in the zinc arm": zinc shortens it).
    """
    clause = _unbracketed(clause)  # "the 'at risk' (N = 212) group"
    fronted = _FRONTED.match(clause)  # "Compared with controls, patients receiving X had ...": X is in front
    comparator = _COMPARATOR.search(clause, fronted.end() if fronted else 0)
    pivot = comparator.start() if comparator else len(clause)
    front: list[str] = []
    back: list[str] = []
    control_first = False
    for match in _ARM.finditer(clause):
        side = back if fronted and match.start() < fronted.end() else front if match.start() < pivot else back
        if match["generic"]:
            side.append("intervention")
            continue
        if match["abbr"] and match["abbr"] not in ctx.abbreviations:
            continue
        arm = " ".join((match["arm"] or match["label"] or match["drug"] or match["lead"] or match["recv"] or
                        match["using"] or match["pat"] or match["abbr"]).split())
        if _CONTROL.search(arm) or _CONTROL.search(ctx.abbreviations.get(arm, "")):
            control_first = control_first or side is front
            continue
        if _NOT_ARM_WORD.match(arm) or _NOT_ARM_WORD.match(arm.split()[0]):
            continue
        if (arm[0].isdigit() or not re.search(r"[^\W\d_]", arm)) and not match["label"]:
            continue
        side.append(f"{arm} group" if match["arm"] else arm)
    tested = set(WORDS.findall((ctx.intervention or "").casefold())) - {"the", "of", "and", "with", "in"}
    for arm in front:
        if tested & set(WORDS.findall(arm.casefold())):
            return arm, False
    if _NULL.search(clause) or not worded:  # the tested arm may be named after the comparator
        for arm in back:
            if tested & set(WORDS.findall(arm.casefold())):
                return arm, False
    if front:
        return front[0], False
    if back:
        # only the arm a comparison is measured against: usable when a control is what was measured
        return (back[0], True) if control_first and len(back) == 1 else None
    if ctx.intervention and not named_only and _AGAINST_CONTROL.search(clause):
        return ctx.intervention, False
    if ctx.intervention and not named_only and len(tested) >= 1 and \
            tested <= set(WORDS.findall(clause[:pivot].casefold())):
        return ctx.intervention, False  # the clause names the tested arm in words no arm pattern reads
    if ctx.intervention and not named_only and not front and not back and _PRE_POST.search(clause):
        return ctx.intervention, False  # "Y increased from 15.1 to 23.3 (P < 0.001)": a change under the treatment
    population = None if named_only else population_chunk(clause[:pivot])
    return (population, False) if population else None


def _unbracketed(text: str) -> str:
    """``text`` without its bracketed parts, nested ones included."""
    previous = None
    while previous != text:
        previous, text = text, re.sub(r"\s*[(\[][^()\[\]]*[)\]]", "", text)
    return text


def _bracketed_arm(clause: str, ctx: Context) -> tuple[str, bool] | None:
    """An arm named only inside the clause's brackets, read from the first top-level bracket that names one.

    "... between the groups (66% in the intervention arm vs 64% in the control arm, p = 0.36)".
    """
    depth, opened, spans = 0, 0, []
    for index, char in enumerate(clause):
        if char in "([":
            opened = index + 1 if depth == 0 else opened
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
            if depth == 0:
                spans.append(clause[opened:index])
    for inner in spans:
        named = _subject(_unbracketed(inner), ctx, named_only=True)
        if named is not None:
            return named
    return None


def _direction(words: set[str], own: list[Statistic], clause: str) -> tuple[str, bool] | None:
    """The direction, and whether it belongs to the arm named before the comparator.

    From the clause's comparative words, else the effect size, else a non-significant statistic, else
    the percentages either side of the comparator ("46% of the X group compared with 69% in the Y group").
    """
    if _NULL.search(clause):
        return "no_effect", False
    worded = worded_direction(words)
    if worded:
        return worded, True
    effect = next((s for s in own if s.kind == "effect_size"), None)
    if effect is not None and effect.value is not None:
        null = Decimal(1) if (effect.measure or "") in _RATIOS else Decimal(0)
        if effect.value != null:
            return ("increases" if effect.value > null else "decreases"), False
    p = next((s for s in own if s.kind == "p_value"), None)
    if p is not None and p.operator in ("=", ">", ">=") and p.value > Decimal("0.05"):
        return "no_effect", False
    comparator = _COMPARATOR.search(clause)
    if p is not None and comparator:
        before = _PERCENT.findall(clause[:comparator.start()])
        after = _PERCENT.findall(clause[comparator.end():])
        if before and after and Decimal(before[-1]) != Decimal(after[0]):
            return ("increases" if Decimal(before[-1]) > Decimal(after[0]) else "decreases"), True
    pair = _VALUE_PAIR.search(clause) if p is not None and comparator else None
    if pair and Decimal(pair["a"]) != Decimal(pair["b"]):
        # "the control versus the elevated group was 22 versus 15 months": the arms in the order of the values
        return ("increases" if Decimal(pair["a"]) > Decimal(pair["b"]) else "decreases"), True
    return None

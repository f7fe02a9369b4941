"""Findings anchored on the comparison statistics of a sentence that no worded rule read.

Most results a trial abstract reports carry a P-value or an effect size with its
interval, whatever words surround them. The worded rules read a sentence only
when its verbs fit one of their shapes; this reader starts from the statistics
instead: each group of statistics in a clause (ending with a P-value) gives a
candidate whose

* object is the outcome the group reports: the noun phrase printed just before
  the statistic ("... in receptive language (p < 0.0001)"), the noun phrase the
  clause opens with before its verb ("Sickness absence was higher ..."), or the one
  a verb names after it ("group I received more fluid than ...");
* subject is the arm the clause names before its comparator ("in the
  gatifloxacin group", "patients who received X", "using X"), the tested arm
  first, or the abstract's tested arm when the clause compares against a control
  without naming it ("compared to the control group");
* direction comes from the clause's comparative words, else from the effect size
  (a ratio below 1 or a negative difference decreases), else a non-significant
  P-value (no effect), else the percentages either side of the comparator; a
  candidate with none of these is dropped. A worded direction belongs to the arm
  before the comparator, a statistical one to the tested arm.

It reads the sentences no worded rule read, and the clauses of read sentences whose
statistics and outcome no worded finding holds; every candidate goes through the
shared gate (``ingest.extract.gate``) and subject resolution
(``ingest.extract.subjects``) like any other rule's.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from itertools import pairwise

from ingest.extract import cues
from ingest.extract.draft import ALL_PATIENTS, Context, Draft, Local, confidence
from ingest.extract.gate import noun_phrase_problem
from ingest.extract.sentences import Sentence
from ingest.extract.statistics import Statistic

RULE = "statistic-anchored"
RELATION_RULE = "anchored-relation"
_ANCHORS = ("p_value", "effect_size")
_RATIOS = {"HR", "OR", "RR", "IRR"}
_CLAUSE = re.compile(r";\s+|,\s+(?:and\s+|whereas\s+|while\s+|but\s+)?(?=[A-Z]|the\s|there\s)|\.\s+")
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
                        r"differences?|model|analys[ie]s|ratios?|participants|subjects|children|women|men)$",
                        re.IGNORECASE)
_COMPARATOR = re.compile(r"\b(?:compared|versus|vs\.?|than|relative\s+to|against|over)\b", re.IGNORECASE)
_CHANGE_UP = {"increase", "increases", "improvement", "improvements", "gain", "gains", "rise"}
_CHANGE_DOWN = {"decrease", "decreases", "reduction", "reductions", "decline", "declines", "fall", "drop", "loss"}
_SIZE_UP = {"greater", "larger", "bigger", "more"}
_SIZE_DOWN = {"smaller", "less"}
_GENERIC_WORDS = {"group", "groups", "arm", "arms", "the", "of", "and", "in", "with", "patients", "treatment"}
_REVERSED = {"increases": "decreases", "decreases": "increases"}
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s?%")
_VALUE_PAIR = re.compile(r"(?<![\w.,±-])(?<!\bat\s)(?<!\bfrom\s)(?<!\bbetween\s)(?P<a>\d+(?:\.\d+)?)\s*"
                         r"(?:%|[a-zA-Zμ/]+\s*)?(?:versus|vs\.?|v\.?)\s*(?P<b>\d+(?:\.\d+)?)(?![\d.,]*\s*(?:±|\+/-))")
"""Two arms' values side by side ("22 versus 15 months", "1.72 vs. 2.31"), not a range of time points."""
_BALANCE = re.compile(r"\b(?:age|sex|gender|baseline|demographic)\b", re.IGNORECASE)
_WORDS = re.compile(r"[a-z]+")
_UP_VERBS = {"rose", "gained", "raised", "larger", "successful", "frequent", "likely", "thicker", "heavier", "wider",
             "stronger"}
_DOWN_VERBS = {"fell", "declined", "dropped", "lost", "smaller", "decline", "lowered", "thinner", "lighter", "narrower",
               "weaker"}
_STOP_OBJECT = re.compile(
    r"^(?:p|ci|or|hr|rr|mean|medians?|differences?|respectively|patients|group|groups|both|all|vs|versus|compared|"
    r"than|there|which|this|it|those|these|control|controls|children|men|women|people|infants|participants|"
    r"subjects|intervention|subgroup|analys[ie]s|model|regression|improvements?|increases?|decreases?|changes?|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)$",
    re.IGNORECASE)


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
    claimed = {s.start for d in read for s in d.statistics}
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
        for index, group in enumerate(_groups(own)):
            if not any(s.start in claimed for s in group):
                draft = _clause_draft(local, sentence, subgroup, (start, end), from_here, group, ctx,
                                      opening=index == 0)
                if draft is not None and not any(draft.object_label and draft.object_label.casefold() in o
                                                 for o in outcomes):
                    drafts.append(draft)
            from_here = group[-1].end
    return drafts


def _groups(stats: list[Statistic]) -> list[list[Statistic]]:
    """The clause's statistics in groups that each end with a P-value (an effect size goes with the next one)."""
    groups: list[list[Statistic]] = [[]]
    for stat in stats:
        groups[-1].append(stat)
        if stat.kind == "p_value":
            groups.append([])
    return [g for g in groups if g]


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
    words = set(_WORDS.findall(text[clause_span[0]:first.start].casefold()))
    own_words = set(_WORDS.findall(text[start:first.start].casefold()))
    if not opening and _worded(own_words):
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
    avoid = set(_WORDS.findall(subject.casefold())) - _GENERIC_WORDS  # an outcome span is not the compared group
    obj = _object(text, start, first.start, opening=opening, avoid=avoid)  # the costliest part, so the last
    if obj is None:
        return None
    if set(_WORDS.findall(subgroup.casefold())) & set(_WORDS.findall(subject.casefold())) - {"group", "arm"}:
        subgroup = ALL_PATIENTS  # "In the X group, ...": the compared arm, not a subgroup
    return Draft(relation="associated with", direction=direction, subject_concept=None, subject_label=subject,
                 object_concept=None, object_label=obj, subgroup=subgroup, sentence=sentence,
                 statistics=tuple(own[:2]), confidence=confidence(subject, obj, own, "0.35"), found_by=RULE)


def _object(text: str, start: int, anchor: int, *, opening: bool = True, avoid: set[str] = frozenset()) -> str | None:
    """The outcome the statistic is printed against, or the noun phrase the clause opens with."""
    before = text[start:anchor]
    before = _outside_open_bracket(before).rstrip(" ,;:([")  # an open bracket's own numbers
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
        if not tokens or len(tokens) > 8 or any(ch.isdigit() for ch in phrase.replace("-", "")[:1]):
            continue
        if re.search(r"\d[\d.,]*\s*%|\d\.\d", phrase) or _STOP_OBJECT.match(tokens[0]) or \
                _STOP_LAST.match(tokens[-1]):
            continue
        if _NULL.search(phrase) or _COMPARES.search(phrase) or _ARM.search(f"in {phrase}") or _CONTROL.search(phrase):
            continue
        if avoid & set(_WORDS.findall(phrase.casefold())):
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
    comparator = _COMPARATOR.search(clause)
    pivot = comparator.start() if comparator else len(clause)
    front: list[str] = []
    back: list[str] = []
    control_first = False
    for match in _ARM.finditer(clause):
        side = front if match.start() < pivot else back
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
    tested = set(_WORDS.findall((ctx.intervention or "").casefold())) - {"the", "of", "and", "with", "in"}
    for arm in front:
        if tested & set(_WORDS.findall(arm.casefold())):
            return arm, False
    if _NULL.search(clause) or not worded:  # the tested arm may be named after the comparator
        for arm in back:
            if tested & set(_WORDS.findall(arm.casefold())):
                return arm, False
    if front:
        return front[0], False
    if back:
        # only the arm a comparison is measured against: usable when a control is what was measured
        return (back[0], True) if control_first and len(back) == 1 else None
    if ctx.intervention and not named_only and _AGAINST_CONTROL.search(clause):
        return ctx.intervention, False
    if ctx.intervention and not named_only and len(tested) >= 1 and \
            tested <= set(_WORDS.findall(clause[:pivot].casefold())):
        return ctx.intervention, False  # the clause names the tested arm in words no arm pattern reads
    population = None if named_only else population_chunk(clause[:pivot])
    return (population, False) if population else None


def _worded(words: set[str]) -> str | None:
    """The direction the comparative words say (``None`` when they say none or both).

    A change named with its size ("the decrease in Y was greater") goes the way of the change:
    a greater decrease decreases, a smaller increase decreases.
    """
    change_up, change_down = bool(words & _CHANGE_UP), bool(words & _CHANGE_DOWN)
    size_up, size_down = bool(words & _SIZE_UP), bool(words & _SIZE_DOWN)
    if change_up != change_down and size_up != size_down:
        return "increases" if change_up == size_up else "decreases"
    up = bool(words & (cues.INCREASE_WORDS | _UP_VERBS))
    down = bool(words & (cues.DECREASE_WORDS | _DOWN_VERBS))
    return None if up == down else "increases" if up else "decreases"


def _outside_open_bracket(text: str) -> str:
    """``text`` up to the bracket still open at its end (nested brackets included), else all of it."""
    depth, opened = 0, -1
    for index, char in enumerate(text):
        if char in "([":
            if depth == 0:
                opened = index
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
    return text[:opened] if depth and opened >= 0 else text


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
    worded = _worded(words)
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


_CHUNK_TOKEN = re.compile(r"[^\W_][\w'’/+.≥≤-]*|[()\[\],;:]", re.UNICODE)
_BOUNDARY = frozenset([
    "in", "for", "with", "at", "among", "between", "from", "to", "by", "on", "after", "before", "during", "than",
    "versus", "vs", "vs.", "compared", "over", "within", "into", "against", "per", "and", "or", "but", "whereas",
    "while", "that", "which", "who", "as", "when", "if", "both", "all", "each", "only", "also", "not", "no",
    "the", "a", "an", "their", "its", "this", "these", "those", "there", "was", "were", "is", "are", "be", "been",
    "had", "has", "have", "did", "do", "does", "showed", "found", "demonstrated", "revealed", "received",
    "reported", "experienced", "achieved", "presented", "developed", "remained", "became", "reached", "observed",
    "significant", "significantly", "statistically", "respectively", "overall", "mean", "median", "average",
])
"""Where a noun-phrase chunk stops (read right to left): prepositions, conjunctions, determiners, finite
verbs and the words that qualify a comparison rather than name its outcome."""
COMPARATIVES = frozenset([
    "more", "less", "higher", "lower", "greater", "fewer", "better", "worse", "longer", "shorter", "larger",
    "smaller", "thicker", "thinner", "faster", "slower", "heavier", "lighter", "older", "younger", "stronger",
    "weaker", "wider", "narrower", "earlier", "later", "increased", "decreased", "reduced", "improved",
    "elevated", "superior", "inferior", "poorer",
])
"""Comparative words: a chunk stops at one (it says how the outcome differs, it is not part of its name)."""
_HEAD_OF = frozenset([
    "duration", "rate", "rates", "number", "incidence", "proportion", "percentage", "risk", "level", "levels",
    "length", "time", "frequency", "severity", "use", "prevalence", "odds", "likelihood", "occurrence", "need",
    "amount", "dose", "concentration", "concentrations", "onset", "degree", "quality", "change", "changes",
])
"""Measure words a chunk keeps with their "of" ("duration of mechanical ventilation")."""
_NOT_BEFORE_OUTCOME = frozenset(["after", "than", "versus", "vs", "vs.", "compared", "with", "among", "at", "during",
                                 "within", "by", "from", "to", "per", "before"])
"""A chunk these words introduce names an arm, a time or a population, not the outcome measured."""
_TIME_WORDS = frozenset(["day", "days", "week", "weeks", "month", "months", "year", "years", "hours", "baseline",
                         "follow-up", "discharge"])
_TIME_POINTS = frozenset(["admission", "presentation", "baseline", "diagnosis", "discharge", "entry", "enrolment",
                          "enrollment", "randomisation", "randomization", "inclusion", "birth", "delivery",
                          "follow-up"])
_POPULATION = re.compile(r"(?:patients|women|men|children|infants|adults|users|participants|subjects|smokers|"
                         r"individuals|mothers|girls|boys|persons|people|recipients|survivors|families|respondents|residents|"
                         r"students|nurses|workers|volunteers|members)$",
                         re.IGNORECASE)
_NOT_A_POPULATION = re.compile(r"^(?:patients|women|men|children|infants|adults|users|participants|subjects|"
                               r"individuals|people|persons)$", re.IGNORECASE)


def last_chunk(text: str, start: int, end: int) -> str | None:
    """The noun-phrase chunk printed last before ``end`` (brackets and the open bracket's numbers skipped).

    A shallow chunker: read tokens right to left from ``end`` and stop at punctuation, a number, a
    function word, a finite verb, an adverb in -ly or a comparative; an "of" is kept after a measure word
    ("duration of mechanical ventilation", read as one outcome). Between one and six words, else ``None``.
    """
    span = text[start:end]
    span = _outside_open_bracket(span)  # an open bracket's own numbers
    span = re.sub(r"\s*[(\[][^()\[\]]*[)\]]", "", span)  # "(MI)", "(n = 40)"
    tokens = [t.rstrip(".") or t for t in _CHUNK_TOKEN.findall(span)]
    words: list[str] = []
    index = len(tokens) - 1
    while index >= 0 and tokens[index] in (",", ";", ":"):
        index -= 1
    while index >= 0:
        token = tokens[index]
        folded = token.casefold()
        if folded == "of" and index > 0 and words and tokens[index - 1].casefold() in _HEAD_OF:
            words[:0] = [tokens[index - 1], token]
            index -= 2
            continue
        if folded in ("on", "at") and len(words) == 1 and words[0].casefold() in _TIME_POINTS:
            words.insert(0, token)  # "BD on admission": the time point qualifies the chunk before it
            index -= 1
            continue
        if not token[0].isalnum() or folded in _BOUNDARY or folded in COMPARATIVES or folded == "of" or \
                token[0].isdigit() or (folded.endswith("ly") and len(folded) > 4):
            break
        words.insert(0, token)
        index -= 1
    if words and words[0].casefold() in ("on", "at"):
        return None  # a time point alone
    if not words or len(words) > 6 or any("/" in w and len(w) <= 8 for w in words):
        return None  # "mL/min": a unit, not an outcome
    before = tokens[index].casefold() if index >= 0 else ""
    if before in _NOT_BEFORE_OUTCOME or _POPULATION.search(words[-1]) or \
            words[-1].casefold() in ("group", "groups", "arm", "arms", "alone", "population", "counterparts") or \
            words[-1].casefold() in _TIME_WORDS:
        return None  # an arm, a population or a time ("after RT alone", "than the non-Sami population", "12 months")
    return " ".join(words)


def population_chunk(front: str) -> str | None:
    """A named population the clause compares ("Nonwhite patients had ...", "... among rural infants").

    The chunk that opens the clause, or the one after "among"/"in", when it ends in a population
    noun and names more than the noun ("patients" alone is everyone).
    """
    front = re.sub(r"\s*[(\[][^()\[\]]*[)\]]", "", front)
    opening = re.match(r"\s*(?:(?:however|moreover|furthermore|in\s+addition|overall|finally),\s*)?"
                       r"(?P<np>[A-Za-z][\w'’/+-]*(?:\s+[\w'’/+-]+){0,3}?)\s+(?:at|with|in|who|were|was|had|"
                       r"showed|more|less|also)\b", front, re.IGNORECASE)
    among = re.search(r"\b(?:among|in|by)\s+(?:the\s+)?(?P<np>[\w'’/+-]+(?:\s+[\w'’/+-]+){0,3}?)(?=\s*[,;(]|\s*$|"
                      r"\s+(?:than|compared|versus|vs)\b|\s*\.\s*$)", front, re.IGNORECASE)
    for match in (opening, among):
        if match is None:
            continue
        phrase = " ".join(match["np"].split())
        tokens = phrase.split()
        if _POPULATION.search(phrase) and not _NOT_A_POPULATION.match(phrase) and \
                not any(t.casefold() in _BOUNDARY or t[0].isdigit() for t in tokens):
            return phrase
    return None

_LEADING_WORDS = frozenset(["the", "a", "an", "significantly", "both"]) | COMPARATIVES


def first_chunk(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """The noun-phrase chunk that starts at ``start``, and the direction of a comparative before it.

    Left to right: leading determiners and comparatives are skipped (the comparative is returned as a
    direction: "associated with higher mortality"), then words are taken up to the first boundary, as
    in ``last_chunk``.
    """
    span = re.sub(r"\s*[(\[][^()\[\]]*[)\]]", " ", text[start:end])
    tokens = [t.rstrip(".") or t for t in _CHUNK_TOKEN.findall(span)]
    index, direction = 0, None
    while index < len(tokens) and tokens[index].casefold() in _LEADING_WORDS:
        direction = _worded({tokens[index].casefold()}) or direction
        index += 1
    words: list[str] = []
    while index < len(tokens):
        token = tokens[index]
        folded = token.casefold()
        if folded == "of" and words:  # read forward, "of" continues the noun phrase ("acceptability of X")
            words.append(token)
            index += 1
            continue
        if not token[0].isalnum() or folded in _BOUNDARY or folded in COMPARATIVES or folded == "of" or \
                token[0].isdigit() or (folded.endswith("ly") and len(folded) > 4):
            break
        words.append(token)
        index += 1
    if words and words[-1].casefold() == "of":
        words.pop()
    if not words or len(words) > 6:
        return None, direction
    return " ".join(words), direction


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
        for group in _groups(before):
            pairs.append((last_chunk(text, edge, group[0].start), obj, worded, group))
            edge = group[-1].end
    elif after:
        subject = last_chunk(text, span[0], relation.start())
        groups = _groups(after)
        if len(groups) == 1:
            obj, worded = first_chunk(text, relation.end(), span[1])
            pairs.append((subject, obj, worded, groups[0]))
        else:
            edge = relation.end()
            for group in groups:
                obj = last_chunk(text, edge, group[0].start)
                pairs.append((subject, obj, _worded(set(_WORDS.findall(text[edge:group[0].start].casefold()))),
                              group))
                edge = group[-1].end
    drafts: list[Draft] = []
    for subject, obj, worded, group in pairs:
        if subject is None or obj is None or _STOP_OBJECT.match(subject.split()[0]) or \
                _STOP_OBJECT.match(obj.split()[0]):
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
                            confidence=confidence(subject, obj, group, "0.35"), found_by=RELATION_RULE))
    return drafts

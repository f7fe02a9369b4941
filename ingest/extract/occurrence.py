"""Occurrence findings: what was observed how often, in which subgroup.

"9 (30%) showed extramedullary progression", "extramedullary relapse was seen in 5
(25%) patients", "The CR rate was 51%", "CD19 expression was negative or dim in
18% and 23%, respectively". The sentence is cut into clauses (", and", ";",
"among whom"); each count or percentage is tied to the thing named right after
it ("had/developed/underwent X") or right before it ("X occurred in", "X rate
was"). A "respectively" list pairs its items with its numbers in order. An
"among whom" clause narrows the subgroup to the patients the previous clause
counted and takes their count as the denominator.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ingest.extract import cues
from ingest.extract.concepts import ConceptMention, common_narrower
from ingest.extract.draft import ALL_PATIENTS, Context, Draft, Local, confidence
from ingest.extract.sentences import Sentence
from ingest.extract.statistics import Statistic

_AFTER = re.compile(
    r"\s*%?\s*(?:of\s+(?:the\s+)?(?:[\w-]+\s+)?(?:patients|cases|subjects|children|adults|responders)\s+)?"
    r"(?:(?:patients|cases|subjects|children|adults)\s+)?"
    r"(?:(?P<pop>(?:[a-z-]+\s+)?(?:responders|non-?responders|survivors|recipients))\s+)?"
    r"(?:\w+ly\s+)?(?P<verb>had|have|developed|experienced|achieved|attained|underwent|received|showed|"
    r"presented\s+with|relapsed|died|responded|progressed|proceeded\s+to|went\s+on\s+to(?:\s+receive)?|required)\b"
    r"(?P<rest>[^,;()]*)",
    re.IGNORECASE,
)
_BEFORE = re.compile(
    r"(?P<label>[^,;]{2,80}?)\s+(?:(?:was|were)\s+)?(?:occurred|observed|seen|reported|achieved|documented|"
    r"detected|found|noted|developed|present|reached|obtained|attained|identified|confirmed)\s+(?:in|by|among)\s*"
    r"(?:\w+\s+)?$|"
    r"(?P<share>[^,;]{2,80}?)\s+(?:accounted\s+for|represented|made\s+up)\s*$|"
    r"(?P<rate>[^,;]{2,80}?\b(?:(?:rates?|incidence|proportion|frequency)(?:\s+of\s+[^,;()]{1,60}?)?|survival)"
    r"(?:\s+(?:rate\s+)?at\s+\d+\s+(?:years?|months?))?)\s+(?:was|were|of|reached|:)\s*"
    r"(?:(?:about|approximately|only|\w+ly)\s+)?[<>≤≥=]*\s*$",
    re.IGNORECASE,
)


_BEFORE_TAIL = re.compile(
    r"(?:\b(?:in|by|among)\s*(?:\w+\s+)?|accounted\s+for\s*|represented\s*|made\s+up\s*|"
    r"(?:\bwas|\bwere|\bof|\breached|:)\s*(?:(?:about|approximately|only|\w+ly)\s+)?[<>≤≥=]*\s*)$",
    re.IGNORECASE,
)
"""The end a label before a count must have: checked first, so the costly search runs only where it can match."""
_TIME_TO_EVENT = re.compile(r"surviv|cumulative|\bat\s+\d+\s*(?:years?|months?)|\d+-(?:year|month)", re.IGNORECASE)
_ELLIPTIC = re.compile(r"\s*,?\s*(?:and\s+|or\s+)?(?P<label>[^,;()%]{2,60}?)\s+(?:in|among)\s*$", re.IGNORECASE)
_LIST_SPLIT = re.compile(r"\s*,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+")


def _clauses(text: str, body: int) -> list[tuple[int, int, bool]]:
    """(start, end, followed by "among whom") for each clause after ``body``."""
    out, pos = [], body
    for match in cues.CLAUSE_BREAK.finditer(text, body):
        out.append((pos, match.start(), bool(cues.WHOM.match(match.group()))))
        pos = match.end()
    out.append((pos, len(text), False))
    return out


def _first(mentions: Sequence[ConceptMention], ctx: Context, last: bool = False) -> str | None:
    useful = [m for m in mentions if m.concept not in ctx.cohort_concepts] or list(mentions)
    if not useful:
        return None
    composed = common_narrower({m.concept for m in useful}, ctx.concepts)
    if composed:
        return composed
    return (useful[-1] if last else useful[0]).concept


def _respective(local: Local, start: int, end: int, stats: list[Statistic],
                ctx: Context) -> list[tuple[str | None, str]] | None:
    """The concepts a "respectively" clause lists, in order, when there are as many as numbers."""
    clause = local.text[start:end]
    marker = cues.RESPECTIVE_MARKER.search(clause)
    if marker:
        words = re.split(r"\s*,\s*(?:or\s+|and\s+)?|\s+(?:or|and)\s+", marker["words"].strip())
        found = [ctx.matcher.lookup(f"{marker['marker']} {w}") or ctx.matcher.lookup(f"{w} {marker['marker']}")
                 for w in words if w]
        if len(found) == len(stats) and all(found):
            return [(iri, ctx.concepts[iri].pref_label) for iri in found if iri]
    before = local.mentions_in(start, stats[0].start)
    concepts = list(dict.fromkeys(m.concept for m in before if m.concept not in ctx.cohort_concepts))
    if len(concepts) == len(stats):
        return [(iri, ctx.concepts[iri].pref_label) for iri in concepts]
    head = re.sub(r"\s+(?:(?:was|were)\s+)?(?:occurred|observed|seen|reported|noted|developed|"
                  r"present|detected)\s+(?:in|among)\s*$", "", local.text[start:stats[0].start].rstrip())
    if head == local.text[start:stats[0].start].rstrip():
        return None
    items = [item.strip() for item in _LIST_SPLIT.split(head) if item.strip()]
    if len(items) != len(stats) or any(len(item.split()) > 6 for item in items):
        return None
    return [(ctx.matcher.lookup(item), _label(item)) for item in items]


def _label(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" ,;:.")
    return re.sub(r"^(?:(?:the|an?|evidence\s+of)\s+)+", "", text, flags=re.IGNORECASE)


def occurrence_findings(local: Local, sentence: Sentence, subgroup: str, body: int, ctx: Context) -> list[Draft]:
    """Findings of counts and percentages in the clauses of one sentence."""
    text = local.text
    inside = [(m.start, m.end) for m in local.mentions]
    drafts: list[Draft] = []
    current, denominator = subgroup, None
    for start, end, whom_after in _clauses(text, body):
        stats = [s for s in local.stats_in(start, end, kinds=("count_percent", "percent"))
                 if not any(a <= s.start and s.end <= b for a, b in inside) and s.operator == "="]
        scope = current
        tail = text[stats[-1].end:end] if stats else ""
        if stats and cues.EVALUABLE.match(tail):
            scope = f"{scope} (evaluable)"
        pairs: list[tuple[Statistic, str | None, str, str, str]] = []
        if len(stats) >= 2 and re.search(r"\brespectively\b", text[start:end], re.IGNORECASE):
            targets = _respective(local, start, end, stats, ctx)
            if targets:
                pairs = [(s, iri, label, scope, "occurrence-respectively")
                         for s, (iri, label) in zip(stats, targets, strict=True)]
        else:
            for index, stat in enumerate(stats):
                limit = stats[index + 1].start if index + 1 < len(stats) else end
                after = _AFTER.match(text, stat.end, limit)
                lo = max(start, stat.start - 200)  # a label and its verb fit here; the search stays short
                before = None
                if not after and _BEFORE_TAIL.search(text, max(lo, stat.start - 60), stat.start):
                    before = _BEFORE.search(text[lo:stat.start])
                group = scope
                if after:
                    region = (after.start("verb"), after.end("rest"))
                    concept = _first(local.mentions_in(*region), ctx)
                    label = _label(after["rest"]) or after["verb"]
                    if after["pop"]:
                        group = cues.GENERIC_NOUNS.sub("", after["pop"]).casefold()
                    rule = "occurrence-count-then-event"
                elif before:
                    which = next(name for name in ("label", "share", "rate") if before[name])
                    region = (lo + before.start(which), lo + before.end(which))
                    concept = _first(local.mentions_in(*region), ctx, last=True)
                    label = _label(before[which])
                    rule = "occurrence-event-then-count"
                elif index and (elliptic := _ELLIPTIC.match(text, stats[index - 1].end, stat.start)):
                    # "X was observed in 6 (11%) and Y in 5 (9%) patients": Y shares the verb of X.
                    region = (elliptic.start("label"), elliptic.end("label"))
                    concept = _first(local.mentions_in(*region), ctx, last=True)
                    label = _label(elliptic["label"])
                    rule = "occurrence-elliptic"
                else:
                    continue
                if concept is None and len(label.split()) > 8:
                    continue
                inner = cues.POPULATION_IN_COUNT.search(stat.text)
                if inner:
                    group = inner["np"].casefold()
                pairs.append((stat, concept, label, group, rule))
        for stat, concept, label, group, rule in pairs:
            phenotype = concept is not None and "resistance phenotype" in ctx.concepts[concept].kinds
            total = stat.total
            if total is None and denominator is not None and group == current and "(evaluable)" not in group:
                total = denominator
            survival = bool(_TIME_TO_EVENT.search(label)) or (
                concept is not None and "surviv" in ctx.concepts[concept].pref_label.casefold())
            whole_cohort = group == ALL_PATIENTS and ctx.cohort_size and stat.percent is not None and not survival
            if total is None and whole_cohort and (
                    stat.count is None or abs(stat.count * 100 / ctx.cohort_size - float(stat.percent)) <= 1):
                total = ctx.cohort_size  # the whole cohort, stated or (count/size = percent) checked
            drafts.append(Draft(
                relation="observed in" if phenotype else "rate", direction="unspecified",
                subject_concept=None, subject_label=None, object_concept=concept, object_label=label or None,
                subgroup=group, sentence=sentence, statistics=(stat,), count=stat.count, denominator=total,
                percentage=stat.percent, confidence=confidence(None, concept, [stat], "0.5"), found_by=rule,
            ))
        if whom_after:
            words = re.findall(r"[A-Za-z-]+", text[start:end])
            base = current if current != ALL_PATIENTS else "patients"
            current = f"{base} who {words[-1].casefold()}" if words else current
            counted = [s.count for s in stats if s.count is not None]
            denominator = counted[-1] if counted else None
    return drafts

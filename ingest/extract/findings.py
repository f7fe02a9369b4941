"""Combine the concepts and statistics of one sentence into findings.

Three shapes of sentence carry most results in cohort abstracts, and each is
read by its own function:

* relational: "A (P = .02), B (P = .005), and C predicted lower CR rate",
  "X was associated with inferior OS (HR 1.8; 95% CI 1.1-2.9)", "OS was superior
  for patients who responded" - subject items, a relation and its direction,
  an outcome; a list of subjects becomes one finding per item with its own
  P-value;
* null: "no pretreatment factors predicted ...", "X was not associated with Y";
* occurrence: "9 (30%) showed extramedullary progression", "the CR rate was
  51%", "negative or dim in 18% and 23%, respectively" - what was observed how
  often, in which subgroup.

A subgroup comes from a leading cue ("Among responders,"), a population after
a count ("15 (45%) responders"), a nested "among whom" clause, or a comparator
("compared to responders who did not"). Nothing is guessed: a sentence
without a relation cue and without counts or percentages gives no finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace

from ingest.extract import cues
from ingest.extract.anchored import anchored_findings
from ingest.extract.comparisons import LEAD, comparison_findings
from ingest.extract.concepts import ConceptMention
from ingest.extract.draft import ALL_PATIENTS, Context, Draft, Local, confidence
from ingest.extract.occurrence import occurrence_findings
from ingest.extract.outcomes import object_list_drafts
from ingest.extract.phrases import KIND_RANK, object_concepts, pick, subject_items
from ingest.extract.sentences import Sentence
from ingest.extract.statistics import Statistic

_BY_EXPOSURE = re.compile(r"\b(?:with\s+and\s+without|according\s+to|by)\s+(?P<x>[^,;(]+)", re.IGNORECASE)
_BALANCE_LIST = re.compile(r",|\bor\b|^(?:the\s+)?(?:treatment|study|randomi[sz]ed|allocated)?\s*(?:groups?|arms?)\b",
                           re.IGNORECASE)
"""An exposure that is a list or the allocation itself: "did not differ by group, gender, or age" checks balance."""
_WORD = re.compile(r"[a-z]+")
_NULL_WORDS = {"not", "no", "similar", "comparable", "didn"}
_BE_WORDS = {"was", "were", "is", "are"}
_HAD_WORDS = {"had", "showed", "experienced", "achieved"}
_FORWARD_WORDS = {"predicted", "predicts", "predictive", "predictor", "predictors", "risk", "associated",
                  "correlated", "linked", "related", "improved", "prolonged", "increased", "reduced", "decreased",
                  "lowered", "worsened", "resulted", "led", "caused"}
_NOT_A_SUBJECT = re.compile(r"(?:we|as|across|these|this|they|it|there|which|that|the|in|at|during|after|on|by|"
                            r"for|with|parents\s+perceive)\b(?!\s+\w)|(?:we|as|across|these|this|they|it|there|"
                            r"in\s+this|parents)\b|\w+ly$|\d|.*\b(?:was|were)\s+\w+\s+by$|"
                            r"(?:of|although|though|whereas|while|if|when)\s", re.IGNORECASE)
_SURVIVAL = re.compile(r"surviv|\bOS\b|\bEFS\b|\bPFS\b|\bLFS\b|\bDFS\b|\bRFS\b", re.IGNORECASE)


def _subgroup_name(group: str) -> str:
    name = cues.GENERIC_NOUNS.sub("", group.strip())
    return name.casefold() if name else ALL_PATIENTS


def _leading_subgroup(text: str) -> tuple[str | None, int]:
    """The subgroup a sentence opens with and where the rest of the sentence starts."""
    match = cues.SUBGROUP.match(text)
    if not match:
        return None, 0
    group = match["group"]
    if cues.NOT_SUBGROUP.match(group) or not (match["cue"].casefold() == "among" or cues.POPULATION.search(group)):
        return None, 0
    return _subgroup_name(group), match.end()


def _direction_words(text: str) -> str | None:
    words = set(re.findall(r"[a-z]+", text.casefold()))
    if words & cues.DECREASE_WORDS:
        return "decreases"
    if words & cues.INCREASE_WORDS:
        return "increases"
    return None


def _numbers(stats: Sequence[Statistic]) -> dict[str, object]:
    p = [s for s in stats if s.kind == "p_value"]
    counts = [s for s in stats if s.kind in ("count_percent", "percent")]
    out: dict[str, object] = {}
    if len(p) == 1:
        out["p"] = p[0]
    if len(counts) == 1:
        out["percentage"] = counts[0].percent
        out["count"] = counts[0].count
        out["denominator"] = counts[0].total
    return out


def _relational(local: Local, sentence: Sentence, subgroup: str, body: int, end: int,
                ctx: Context) -> list[Draft] | None:
    text = local.text
    extra_items: list[tuple[int, int, list[str], str]] = []
    lead = cues.IN_ADDITION_TO.match(text, body)
    if lead:
        extra_items = subject_items(local, lead.start("item"), lead.end("item"), ctx)
        body = lead.end()
    adverb = cues.LEADING_ADVERB.match(text, body) or LEAD.match(text, body)
    if adverb:
        body = adverb.end()

    words = set(_WORD.findall(text[body:end].casefold()))  # each cue needs one of its words: a cheap first check
    null = cues.NULL_SUBJECT.search(text, body, end) if "no" in words else None
    if null:
        subject_text = null["subject"]
        subjects = [(null.start("subject"), null.end("subject"),
                     pick(local.mentions_in(null.start("subject"), null.end("subject")), ctx, KIND_RANK),
                     subject_text)]
        relation = "predicts" if "predict" in null["verb"].casefold() else "associated with"
        return _pair(local, sentence, subjects, null.end(), end, relation, "no_effect", subgroup, ctx,
                     rule="null-verb")
    negated = cues.NULL_VERB.search(text, body, end) if words & _NULL_WORDS else None
    if negated:
        relation = "predicts" if "predict" in negated.group().casefold() else "associated with"
        if not re.search(r"differ|similar|comparable|different", negated.group(), re.IGNORECASE):
            subjects = extra_items + subject_items(local, body, negated.start(), ctx)
            return _pair(local, sentence, subjects, negated.end(), end, relation, "no_effect", subgroup, ctx,
                         rule="null-verb")
        # "OS did not differ between patients with and without X": OS is the object, X the subject.
        exposure = _BY_EXPOSURE.search(text, negated.end(), end)
        if exposure and not _BALANCE_LIST.search(exposure["x"]):
            subjects = subject_items(local, exposure.start("x"), exposure.end("x"), ctx)
            return _pair(local, sentence, subjects, body, negated.start(), relation, "no_effect", subgroup, ctx,
                         rule="null-differ-by")


    backward = cues.BACKWARD.search(text, body, end) if words & _BE_WORDS else None
    if backward:
        exposure = cues.EXPOSURE.search(text[:end], backward.end("word"))
        terms = re.match(r"(?:terms|regards?|respect)\s+(?:of|to)\s+", exposure["what"]) if exposure else None
        if exposure and terms:  # "X was superior in terms of Y": X is the subject, Y the outcome
            subjects = subject_items(local, body, backward.start(), ctx)
            word = backward["word"].casefold()
            direction = "decreases" if word in cues.DECREASE_WORDS or word.startswith("less") else "increases"
            return _pair(local, sentence, subjects, exposure.start("what") + terms.end(), end, "associated with",
                         direction, subgroup, ctx, stats_region=(backward.start(), end),
                         rule="outcome-comparative-for")
        if exposure and exposure["what"]:
            subjects = subject_items(local, exposure.start("what"), exposure.end("what"), ctx)
            word = backward["word"].casefold()
            direction = "decreases" if word in cues.DECREASE_WORDS or word.startswith("less") else "increases"
            other = _tested_instead_of_control(text, exposure, end)
            if other is not None:  # "Y was longer in the placebo than in the zinc arm": zinc shortens Y
                subjects = subject_items(local, other[0], other[1], ctx)
                direction = "increases" if direction == "decreases" else "decreases"
            relation = "improves" if word in cues.IMPROVE_WORDS else "associated with"
            comparator = cues.COMPARATOR_GROUP.search(text, exposure.end(), end)
            if comparator and subgroup == ALL_PATIENTS:
                subgroup = _subgroup_name(comparator["group"]) if comparator["group"].casefold() not in (
                    "patients", "those", "others") else ALL_PATIENTS
            return _pair(local, sentence, subjects, body, backward.start(), relation, direction, subgroup, ctx,
                         stats_region=(backward.start(), end), rule="outcome-comparative-for")

    had = cues.HAD_COMPARATIVE.search(text, body, end) if words & _HAD_WORDS else None
    if had:
        word = had["word"].casefold()
        direction = "decreases" if word in cues.DECREASE_WORDS else "increases"
        relation = "improves" if word in cues.IMPROVE_WORDS else "associated with"
        subjects = subject_items(local, had.start("x"), had.end("x"), ctx)
        return _pair(local, sentence, subjects, had.start("y"), had.end("y"), relation, direction, subgroup, ctx,
                     stats_region=(had.end("y"), end), rule="had-comparative")

    passive = cues.PASSIVE_BY.match(text[:end], body) if words & {"by"} and words & _BE_WORDS else None
    if passive and not _NOT_A_SUBJECT.match(passive["x"]):
        verb, adverb = passive["verb"].casefold(), (passive["adverb"] or "").casefold()
        direction = "decreases" if verb in cues.DECREASE_WORDS or verb in ("shortened", "impaired") or \
            adverb in ("negatively", "adversely") else "increases" if verb in cues.INCREASE_WORDS or \
            adverb in ("positively", "favourably", "favorably") else "unspecified"
        subjects = subject_items(local, passive.start("x"), passive.end("x"), ctx)
        return _pair(local, sentence, subjects, passive.start("y"), passive.end("y"), "associated with", direction,
                     subgroup, ctx, stats_region=(passive.start("x"), end), rule="passive-by")
    of_group = cues.OF_GROUP_THAN.match(text[:end], body) if "than" in words else None
    if of_group and not _NOT_A_SUBJECT.match(of_group["x"]):
        word = of_group["word"].casefold()
        direction = "decreases" if word in cues.DECREASE_WORDS or word == "smaller" else "increases"
        subjects = subject_items(local, of_group.start("x"), of_group.end("x"), ctx)
        return _pair(local, sentence, subjects, of_group.start("y"), of_group.end("y"), "associated with",
                     direction, subgroup, ctx, stats_region=(of_group.end(), end), rule="outcome-of-group-than")

    compared = comparison_findings(local, sentence, subgroup, body, end, ctx)
    if compared:
        return compared

    forward = cues.FORWARD.search(text, body, end) if words & _FORWARD_WORDS else None
    if not forward or cues.AIM.search(text, body, forward.start()):
        return None
    head = text[forward.end():forward.end() + 40]
    if forward["risk"]:
        relation, direction, rule = "risk factor for", "increases", "risk-factor-for"
    elif forward["predicts"]:
        relation, direction = "predicts", _direction_words(" ".join(head.split()[:2])) or "unspecified"
        rule = "predictor-of"
    elif forward["assoc"]:
        relation, direction = "associated with", _direction_words(" ".join(head.split()[:4])) or "increases"
        if re.match(r"\s*(?:similar|comparable|no\s+(?:significant\s+)?(?:change|difference))\b", head, re.IGNORECASE):
            direction = "no_effect"  # "resulted in similar volumes"
        rule = "associated-with"
    else:
        rule = "effect-verb"
        verb = forward["improves"].casefold().split()[-1]
        relation = "improves" if verb in ("improved", "prolonged") else "associated with"
        direction = "decreases" if verb in cues.DECREASE_WORDS else "increases"
    subjects = extra_items + subject_items(local, body, forward.start(), ctx)
    subjects = [s for s in subjects if s[2] or (len(re.sub(r"\([^()]*\)", " ", s[3]).split()) <= 6
                                                 and not _NOT_A_SUBJECT.match(s[3]))]
    if len(subjects) == 1 and not local.mentions_in(forward.end(), end) and not forward["risk"]:
        # one subject, outcomes the vocabulary does not name: each listed outcome with its own numbers
        head_words = " ".join(head.split()[:2])
        if _direction_words(head_words) is None or len(local.stats_in(forward.end(), end, kinds=("p_value",))) > 1:
            start = forward.end() + len(head) - len(head.lstrip())
            return object_list_drafts(local, sentence, subjects[0], start, end, direction, subgroup, ctx, rule,
                                      (forward.end(), end), relation)
    return _pair(local, sentence, subjects, forward.end(), _clause_end(text, forward.end(), end), relation,
                 direction, subgroup, ctx, stats_region=(forward.end(), end), rule=rule)


_CONTROL_ARM = re.compile(r"^(?:the\s+)?(?:placebo|control|usual[- ]care|sham|saline|vehicle)\b", re.IGNORECASE)
_OTHER_ARM = re.compile(r"\s*(?:compared\s+(?:to|with)|than|versus|vs\.?)\s+(?:in\s+)?(?:the\s+)?"
                        r"(?P<arm>[^,;()]{1,40}?)(?:\s+(?:groups?|arms?))?(?=\s*[,;(.]|\s*$)", re.IGNORECASE)


def _tested_instead_of_control(text: str, exposure: re.Match[str], end: int) -> tuple[int, int] | None:
    """The span of the tested arm when a comparative names the control first and the arm after "than"."""
    if not _CONTROL_ARM.match(exposure["what"]):
        return None
    other = _OTHER_ARM.match(text, exposure.end("what"), end)
    if other is None or _CONTROL_ARM.match(other["arm"]):
        return None
    return other.start("arm"), other.end("arm")


def _clause_end(text: str, start: int, end: int) -> int:
    match = re.search(r";\s|,\s+(?:whereas|while|but|and\s+(?:the|a|an|patients|those)\b)", text[start:end])
    return start + match.start() if match else end


def _strong_clauses(text: str, body: int) -> list[tuple[int, int]]:
    """Clauses joined by "; " or ", whereas/while/but" outside parentheses: each may state its own finding."""
    cuts, start = [], body
    for match in cues.STRONG_BREAK.finditer(text, body):
        before = text[:match.start()]
        if before.count("(") + before.count("[") == before.count(")") + before.count("]"):
            cuts.append((start, match.start()))
            start = match.end()
    cuts.append((start, len(text)))
    return cuts


def _pair(local: Local, sentence: Sentence, subjects: list, obj_start: int, obj_end: int, relation: str,
          direction: str, subgroup: str, ctx: Context, stats_region: tuple[int, int] | None = None,
          rule: str = "") -> list[Draft]:
    """One finding per subject item and object; an item's own P-value stays with it."""
    objects = object_concepts(local, obj_start, obj_end, ctx)
    if not objects or not subjects:
        return []
    region = stats_region or (obj_start, len(local.text))
    shared = local.stats_in(*region, kinds=("p_value", "effect_size", "count_percent", "percent"))
    drafts = []
    for start, end, concepts, label in subjects:
        own = local.stats_in(start, end, kinds=("p_value", "effect_size"))
        stats = own or (shared if len(subjects) == 1 else [])
        numbers = _numbers(stats)
        effect = next((s for s in stats if s.kind == "effect_size"), None)
        item_direction = direction
        if effect is not None and direction in ("increases", "unspecified") and \
                relation in ("associated with", "predicts") and \
                not _direction_words(local.text[obj_start:obj_start + 30]):
            item_direction = "increases" if effect.value > 1 else "decreases" if effect.value < 1 else direction
        subject = concepts[0] if concepts else None
        if subject is None and not stats and not any(iri for iri, _ in objects) and \
                not (label and len(label.split()) <= 4 and all(len((o or "").split()) <= 8 for _, o in objects)):
            continue  # nothing named, nothing counted: only a short subject and object phrase are kept
        for obj, obj_label in objects:
            if obj is not None and subject == obj:
                continue
            final_direction = item_direction
            if effect is not None and effect.measure in ("HR", "SHR") and _SURVIVAL.search(obj_label or "") and \
                    direction == "increases" and not _direction_words(local.text[obj_start:obj_start + 30]):
                final_direction = "decreases" if effect.value > 1 else "increases"
            p = numbers.get("p")
            drafts.append(Draft(
                relation=relation, direction=final_direction, subject_concept=subject, subject_label=label or None,
                object_concept=obj, object_label=obj_label or None, subgroup=subgroup, sentence=sentence,
                statistics=tuple(stats), count=numbers.get("count"), denominator=numbers.get("denominator"),
                percentage=numbers.get("percentage"),
                confidence=confidence(subject, obj, stats, "0.45" if p is None else "0.55"), found_by=rule,
            ))
    return drafts


def sentence_findings(sentence: Sentence, mentions: Sequence[ConceptMention], stats: Sequence[Statistic],
                      ctx: Context, keep: Callable[[Draft], bool] | None = None) -> list[Draft]:
    """The findings of one sentence (mentions and statistics in abstract coordinates).

    ``keep`` is the pipeline's gate: a worded finding it would drop does not count as a reading of
    the sentence, so the statistic-anchored reader still gets the sentence (or the clause) it held.
    """
    offset = sentence.start
    local = Local(
        sentence.text,
        tuple(ConceptMention(m.concept, m.start - offset, m.end - offset, m.text, m.kinds, m.via) for m in mentions),
        tuple(s.shifted(-offset) for s in stats),
    )
    subgroup, body = _leading_subgroup(sentence.text)
    subgroup = subgroup or ALL_PATIENTS
    analysis = cues.ANALYSIS_PREFIX.match(sentence.text, body)
    if analysis:
        body = analysis.end()
    drafts: list[Draft] = []
    for start, end in _strong_clauses(sentence.text, body):
        drafts += _relational(local, sentence, subgroup, start, end, ctx) or []
    if keep is not None:
        drafts = [d for d in drafts if keep(d)]
    if not drafts:
        drafts = anchored_findings(local, sentence, subgroup, body, ctx) + \
            occurrence_findings(local, sentence, subgroup, body, ctx)
    else:
        drafts += anchored_findings(local, sentence, subgroup, body, ctx, read=drafts)
    return [_to_abstract(_measured_change(d), offset) for d in drafts]


_CHANGE_OF = re.compile(r"^(?:(?:greater|larger|smaller|significant|more|mean|median|average)\s+)?"
                        r"(?:(?P<down>reductions?|decreases?|declines?|falls?|drops?|decrements?)|"
                        r"(?:increases?|improvements?|rises?|gains?|changes?))\s+(?:in|of)\s+(?P<what>.+)$",
                        re.IGNORECASE)


def _measured_change(draft: Draft) -> Draft:
    """A greater reduction in Y decreases Y: the outcome is the measure, the direction its change."""
    match = _CHANGE_OF.match(draft.object_label or "")
    if not match or draft.direction not in ("increases", "decreases") or draft.object_concept:
        return draft
    direction = draft.direction
    if match["down"]:
        direction = "decreases" if direction == "increases" else "increases"
    return replace(draft, object_label=match["what"], direction=direction)


def _to_abstract(draft: Draft, offset: int) -> Draft:
    return replace(draft, statistics=tuple(s.shifted(offset) for s in draft.statistics))

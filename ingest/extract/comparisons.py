"""Findings of trial comparisons: how randomised trials state that an arm changed an outcome, or did not.

Trial abstracts name the arm and the outcome in a handful of shapes that the
cohort rules of ``findings.py`` do not read:

* null comparisons: "there was no significant difference in Y between X and Z",
  "Y did not differ between groups", "Y was similar in both arms";
* an outcome that changed within an arm: "Y improved significantly in the X group",
  "Y was reduced if allocated X";
* an arm that had more or less of an outcome: "the X group had a lower Y",
  "X were more likely to Y";
* the arm's own verb: "X reduced Y" is read by the effect-verb rule in ``findings.py``.

When the sentence does not name the arm (a null comparison "between groups"),
the subject is the intervention the title names ("Efficacy of X versus Y ..."),
never a guess from elsewhere; without one the sentence gives no finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.extract.draft import Context, Draft, Local
from ingest.extract.sentences import Sentence

Pair = Callable[..., list[Draft]]
"""``findings._pair``: builds the drafts of a subject list and an object region."""

_SIG = r"(?:(?:statistically\s+)?significant(?:ly)?\s+|clinically\s+meaningful\s+|important\s+|apparent\s+)?"
NULL_DIFFERENCE = re.compile(
    rf"\b(?:no|not\s+a|did\s+not\s+find\s+(?:a|any))\s+{_SIG}(?:differences?|effects?|changes?|improvements?|"
    r"reductions?|increases?|decreases?|benefits?|associations?|relationships?|correlations?)\s+"
    r"(?:(?:was|were)\s+(?:found|observed|seen|noted|detected|identified|shown|demonstrated)\s+)?"
    r"(?:between\s+(?P<between>[^,;()]{2,80}?)\s+(?:for|in|regarding|on|with\s+respect\s+to)\s+|"
    r"(?:of\s+(?P<of>[^,;()]{2,60}?)\s+)?(?:in|for|on|regarding|with\s+respect\s+to|of)\s+)"
    r"(?P<object>[^,;()]{2,90}?)"
    r"(?=\s+(?:between|among|across|in\s+(?:the|either|both|any)|with\s+either|after|at|during|compared|versus|"
    r"vs\.?|or\s+in|from)\b|\s*[,;(.:]|\s*$)",
    re.IGNORECASE,
)
DID_NOT_DIFFER = re.compile(
    r"^(?P<object>(?:[^,;()]|\([^()]*\)){2,90}?)\s+(?:did\s+not|does\s+not|do\s+not|didn't)\s+"
    r"(?:significantly\s+)?(?:differ|change)(?:\s+significantly)?|"
    r"^(?P<object2>(?:[^,;()]|\([^()]*\)){2,90}?)\s+(?:was|were)\s+(?:similar|comparable|not\s+(?:significantly\s+)?"
    r"different)\b",
    re.IGNORECASE,
)
_BETWEEN_ARMS = re.compile(
    r"\b(?:between|among)\s+(?P<arms>[^,;()]{2,80}?)(?=\s*[,;(.]|\s+(?:at|after|in|for|during)\b|\s*$)",
    re.IGNORECASE,
)
_GENERIC_ARMS = re.compile(r"^(?:the\s+)?(?:two\s+|three\s+|treatment\s+|study\s+|both\s+|all\s+)?"
                           r"(?:groups|arms|treatments|formulations)$", re.IGNORECASE)
WITHIN_ARM = re.compile(
    r"^(?P<object>[^,;()]{2,90}?)\s+(?:was\s+|were\s+)?(?:significantly\s+|also\s+)*"
    r"(?P<verb>improved|increased|decreased|reduced|declined|fell|rose|lowered|shortened|prolonged)\s+"
    r"(?:significantly\s+)?(?:\w+\s+)?(?:(?:more\s+)?(?:in|with|among|for|if|when)\s+(?:allocated\s+(?:to\s+)?|"
    r"receiving\s+|treated\s+with\s+|patients\s+(?:in|on|receiving|with)\s+|those\s+(?:in|on|receiving|with)\s+)?)"
    r"(?:the\s+)?(?P<arm>[^,;()]{1,60}?)(?=\s+(?:group|arm)s?\b|\s+(?:compared|than|versus|vs\.?|relative)\b|"
    r"\s*[,;(.]|\s*$)",
    re.IGNORECASE,
)
ARM_HAD = re.compile(
    r"^(?:(?:Patients|Participants|Subjects|Children|Women|Men|Those|People)\s+(?:in|on|receiving|allocated\s+to)\s+)?"
    r"(?:the\s+)?(?P<arm>[^,;()]{1,60}?(?:\s+(?:group|arm)s?)?)\s+(?:had|showed|experienced|achieved|reported|"
    r"received|demonstrated|produced)\s+(?:a\s+|an\s+)?(?:statistically\s+)?(?:significantly\s+)?"
    r"(?P<word>lower|higher|longer|shorter|better|worse|superior|inferior|poorer|improved|reduced|increased|"
    r"greater|fewer|more|less|smaller|larger|faster|slower)\s+(?P<object>[^(;,]+?)"
    r"(?=\s+(?:than|compared|versus|vs\.?|relative|in\s+comparison|at|during|after)\b|\s*[(;,.]|\s*$)",
    re.IGNORECASE,
)
MORE_LIKELY = re.compile(
    r"^(?:(?:Patients|Participants|Subjects|Children|Women|Men|Those|People)\s+(?:in|on|receiving|allocated\s+to|"
    r"with)\s+)?(?:the\s+)?(?P<arm>[^,;()]{1,60}?)\s+(?:were|was)\s+(?:also\s+)?(?:significantly\s+)?"
    r"(?P<word>more|less)\s+likely\s+to\s+(?:be\s+|have\s+)?(?P<object>[^(;,]+?)"
    r"(?=\s+(?:than|compared|versus|vs\.?|relative)\b|\s*[(;,.]|\s*$)",
    re.IGNORECASE,
)
_DECREASE_VERBS = {"decreased", "reduced", "declined", "fell", "lowered", "shortened"}
_DECREASE_WORDS = {"lower", "shorter", "worse", "inferior", "poorer", "reduced", "fewer", "less", "smaller", "slower"}
_TITLE_SUBJECT = (
    re.compile(r"\b(?:Effects?|Efficacy|Effectiveness|Impact|Influence|Safety|Benefits?|Cost-effectiveness|"
               r"Comparison|Evaluation|Trial|Study)\b(?:\s*(?:,|and)\s*\w+)*\s+of\s+(?:an?\s+|the\s+)?"
               r"(?P<x>[^:,;]+?)\s+(?:versus|vs\.?|compared|on|in|for|to|during|as|among|with|and|at)\b",
               re.IGNORECASE),
    re.compile(r"^(?:An?\s+|The\s+)?(?P<x>[^:,;]+?)\s+(?:versus|vs\.?|compared\s+(?:with|to)|"
               r"for|in|to\s+(?:prevent|reduce|improve|treat))\b", re.IGNORECASE),
)
_NOT_ARM = re.compile(r"^(?:a|an|the|randomi[sz]ed|controlled|double-blind|trial|study|pilot|phase)\b", re.IGNORECASE)


def title_intervention(title: str | None) -> str | None:
    """The intervention a trial's title names ("Efficacy of X versus Y" -> X), or None."""
    if not title:
        return None
    for pattern in _TITLE_SUBJECT:
        match = pattern.search(title)
        if match:
            x = " ".join(match["x"].split())
            if 0 < len(x.split()) <= 8 and not _NOT_ARM.match(x):
                return x
    return None


def _arm_item(local: Local, start: int, end: int) -> tuple[int, int, list[str], str]:
    label = re.sub(r"^(?:the|a|an)\s+", "", " ".join(local.text[start:end].split()), flags=re.IGNORECASE)
    label = re.sub(r"\s+(?:groups?|arms?)$", "", label, flags=re.IGNORECASE) or label
    return (start, end, [], label)


def _null_subject(local: Local, start: int, end: int, ctx: Context,
                  named: tuple[int, int] | None) -> tuple[int, int, list[str], str] | None:
    """The arm a null comparison is about: the arms the sentence names, else the title's intervention."""
    if named is not None and not _GENERIC_ARMS.match(local.text[named[0]:named[1]].strip()):
        arms = re.split(r"\s+(?:and|versus|vs\.?|or)\s+", local.text[named[0]:named[1]], maxsplit=1)
        first = arms[0].strip()
        return (named[0], named[0] + len(first), [], re.sub(r"^(?:the|a|an)\s+", "", first,
                                                                flags=re.IGNORECASE))
    between = _BETWEEN_ARMS.search(local.text, start, end)
    if between and not _GENERIC_ARMS.match(between["arms"].strip()):
        arms = re.split(r"\s+(?:and|versus|vs\.?|or)\s+", between["arms"], maxsplit=1)
        first = arms[0].strip()
        if len(first.split()) <= 6:
            return (between.start("arms"), between.start("arms") + len(first), [],
                    re.sub(r"^(?:the|a|an)\s+", "", first, flags=re.IGNORECASE))
    if ctx.intervention:
        return (0, 0, [], ctx.intervention)
    return None


def comparison_findings(local: Local, sentence: Sentence, subgroup: str, body: int, end: int, ctx: Context,
                        pair: Pair) -> list[Draft] | None:
    """The findings of one clause read by the trial-comparison rules, or None when none of them applies."""
    text = local.text
    null = NULL_DIFFERENCE.search(text, body, end)
    if null:
        named = (null.start("between"), null.end("between")) if null["between"] else (
            (null.start("of"), null.end("of")) if null["of"] else None)
        subject = _null_subject(local, null.end("object"), end, ctx, named)
        if subject is not None:
            return pair(local, sentence, [subject], null.start("object"), null.end("object"), "associated with",
                        "no_effect", subgroup, ctx, stats_region=(null.start(), end), rule="no-significant-difference")
    clause = text[body:end]
    differ = DID_NOT_DIFFER.match(clause)
    if differ:
        name = "object" if differ["object"] else "object2"
        obj_start, obj_end = body + differ.start(name), body + differ.end(name)
        subject = _null_subject(local, body + differ.end(), end, ctx, None)
        if subject is not None:
            return pair(local, sentence, [subject], obj_start, obj_end, "associated with", "no_effect", subgroup,
                        ctx, stats_region=(obj_end, end), rule="outcome-did-not-differ")
    within = WITHIN_ARM.match(clause)
    if within and len(within["arm"].split()) <= 6:
        direction = "decreases" if within["verb"].casefold() in _DECREASE_VERBS else "increases"
        arm = _arm_item(local, body + within.start("arm"), body + within.end("arm"))
        return pair(local, sentence, [arm], body + within.start("object"), body + within.end("object"),
                    "associated with", direction, subgroup, ctx, stats_region=(body + within.end("verb"), end),
                    rule="outcome-changed-in-arm")
    for pattern, rule in ((ARM_HAD, "arm-had-comparative"), (MORE_LIKELY, "arm-more-likely")):
        match = pattern.match(clause)
        if match and len(match["arm"].split()) <= 8:
            direction = "decreases" if match["word"].casefold() in _DECREASE_WORDS else "increases"
            arm = _arm_item(local, body + match.start("arm"), body + match.end("arm"))
            return pair(local, sentence, [arm], body + match.start("object"), body + match.end("object"),
                        "associated with", direction, subgroup, ctx,
                        stats_region=(body + match.end("object"), end), rule=rule)
    return None

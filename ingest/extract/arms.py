"""Who a trial compares: the intervention a title names, and the arm labels an abstract defines.

"Efficacy of X versus Y" names X as the tested intervention; "resistance training (Arm A)" lets a
later "in arm A" be spelled out. Both only ever name what the text itself says.
"""

from __future__ import annotations

import re

_TITLE_SUBJECT = (
    re.compile(r"\b(?:Effects?|Efficacy|Effectiveness|Impact|Influence|Safety|Benefits?|Cost-effectiveness|"
               r"Comparison|Evaluation|Trial|Study)\b(?:\s*(?:,|and)\s*\w+)*\s+of\s+(?:an?\s+|the\s+)?"
               r"(?P<x>[^:,;]+?)\s+(?:versus|vs\.?|compared|on|in|for|to|during|as|among|with|and|at)\b",
               re.IGNORECASE),
    re.compile(r"^(?:An?\s+|The\s+)?(?P<x>[^:,;]+?)\s+(?:versus|vs\.?|compared\s+(?:with|to)|"
               r"for|in|to\s+(?:prevent|reduce|improve|treat))\b", re.IGNORECASE),
    re.compile(r"^(?P<x>[A-Z][\w-]{1,20}),\s+an?\s+"),  # "AKL1, a botanical mixture for ..."
)
_OUTCOME_FIRST = re.compile(r"(?:incidence|rates?|risk|outcomes?|prevalence|effects?|efficacy|safety|use|quality|"
                            r"relationships?|associations?)\b", re.IGNORECASE)
_TITLE_VERB = re.compile(r"\b(?:reduces|improves|increases|decreases|prevents|modulates?|supports|enhances|is|are|"
                         r"does|do|can|may|affects?)\b|'s?\b|\bpatients\b|\bpreference\b", re.IGNORECASE)
_OUTCOME_LAST = re.compile(r"\b(?:absorption|function|characteristics|markers?|length|size|status|levels?|"
                           r"concentrations?|expression|outcomes?|performance|survival|mortality|prevalence|"
                           r"incidence)(?:\s+(?:from|of)\s.*)?$", re.IGNORECASE)
"""A title phrase headed by a measured quantity ("X absorption from Y") names what was measured, not what was
tested."""
_NOT_ARM = re.compile(r"^(?:a|an|the|randomi[sz]ed|controlled|double-blind|trial|study|pilot|phase|rigorous|evaluation|"
                      r"cost-effectiveness|analysis)\b", re.IGNORECASE)


_ARM_DEFINITION = re.compile(
    r"(?P<x>\b[A-Za-z][\w/+-]*(?:\s+[\w/+-]+){0,4}?)\s*[(\[]\s*(?:the\s+)?"
    r"(?P<label>(?:[Aa]rm|[Gg]roup)\s+[A-Z0-9]{1,3}|[A-Z][A-Za-z0-9+-]{0,9})\s*(?:[,;:][^()\[\]]{0,30})?[)\]]"
)
_NOT_DEFINED = re.compile(r"^(?:the|a|an|and|or|of|in|to|with|was|were|received|receive|either|randomi[sz]ed)$",
                          re.IGNORECASE)


def arm_names(text: str) -> dict[str, str]:
    """Arm labels the text defines: "resistance training (Arm A)" -> {"arm a": "resistance training"}."""
    arms: dict[str, str] = {}
    for bracket in re.finditer(r"[(\[]", text[:20_000]):
        match = _ARM_DEFINITION.search(text, max(0, bracket.start() - 60), bracket.end() + 40)
        if match is None or match.start("label") < bracket.start():
            continue
        words = match["x"].split()[-4:]
        while words and _NOT_DEFINED.match(words[0]):
            words.pop(0)
        label = match["label"].casefold()
        if words and label not in arms and label != " ".join(words).casefold():
            arms[label] = " ".join(words[-4:])
    return arms


def title_intervention(title: str | None) -> str | None:
    """The intervention a trial's title names ("Efficacy of X versus Y" -> X), or None."""
    if not title:
        return None
    for pattern in _TITLE_SUBJECT:
        match = pattern.search(title)
        if match:
            x = " ".join(match["x"].split())
            if 0 < len(x.split()) <= 6 and not _NOT_ARM.match(x) and not _OUTCOME_FIRST.match(x) \
                    and not _TITLE_VERB.search(x) and not _OUTCOME_LAST.search(x):
                return x
    return None


_ASSIGNED_TO = re.compile(
    r"\b(?:randomi[sz]ed|randomly\s+(?:assigned|allocated)|assigned|allocated)\s+(?:\([^()]{0,40}\)\s+)?"
    r"(?:to|into|between)\s+(?:receive\s+)?(?:either\s+)?(?:an?\s+|the\s+)?"
    r"(?P<x>[^,;.()\[\]]{2,60}?)(?:\s*[(\[][^()\[\]]{0,60}[)\]])?,?\s+(?:or|versus|vs\.?|and|compared\s+with)\s+"
    r"(?:to\s+)?(?:an?\s+|the\s+)?(?P<y>[^,;.()\[\]]{2,60}?)(?=\s*[,;.()\[\]]|\s+(?:for|at|in|during|groups?|arms?)\b)",
    re.IGNORECASE,
)
_CONTROL_ARM = re.compile(r"^(?:placebo|controls?|usual\s+care|standard|sham|vehicle|no\s+|observation|"
                          r"conventional|saline)", re.IGNORECASE)


def text_intervention(text: str) -> str | None:
    """The tested arm a text's own allocation sentence names ("randomised to receive placebo or zinc" -> zinc).

    Used only when the title names no intervention: the first arm unless it is the control, then the
    other; at most six words, without a trailing "group" or "arm".
    """
    match = _ASSIGNED_TO.search(text[:20_000])
    if match is None:
        return None
    for name in (match["x"], match["y"]):
        arm = re.sub(r"\s+(?:groups?|arms?)$", "", " ".join(name.split()), flags=re.IGNORECASE)
        if arm and not _CONTROL_ARM.match(arm) and len(arm.split()) <= 6 and not _NOT_ARM.match(arm):
            return arm
    return None

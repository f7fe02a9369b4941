"""The names an abstract gives its tested arm, and one step that resolves every finding's subject to them.

A trial abstract names the arm it tests in several ways: the title's intervention
("Telephone Cognitive-Behavioral Therapy for ..."), the trial sentence's own term
("a randomized controlled trial of tCBT"), an abbreviation it defines, and generic
words ("the intervention group", "treated patients", "the active treatment").
Rules pick whichever of these the sentence happens to use, so the same arm came
out under different labels. ``resolve_subject`` runs on every relational draft,
whichever rule read it:

* a generic arm mention becomes the arm's name with the sentence's own words in
  brackets ("the intervention group" -> "Online Screening (intervention group)");
* an arm label the abstract defines ("group A", "arm I") is spelt out;
* a subject that is the tested arm's name also carries the abstract's other names
  for it ("Telephone Cognitive-Behavioral Therapy (tCBT)").

Nothing is invented: every name comes from the title or the abstract's own text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ingest.extract.draft import Context, Draft

_GENERIC = re.compile(
    r"^(?:the\s+|those\s+(?:in|on|receiving)\s+(?:the\s+)?|patients\s+(?:in|on)\s+(?:the\s+)?)?"
    r"(?:(?:active|experimental|intervention|treatment|treated|study|index|verum|test)"
    r"(?:\s+(?:treatment|group|arm|condition|cohort|patients|participants|subjects|children|women|men|mothers))?|"
    r"patients\s+treated|(?:the\s+)?intervention)$",
    re.IGNORECASE,
)
"""A subject that names the tested arm only by its role."""

_ROLE_IN_TEXT = re.compile(r"\bthe\s+(?P<role>intervention|experimental|active\s+treatment|treatment|study)"
                           r"\s+(?:group|arm)s?\b|\b(?:with|of|to)\s+the\s+intervention\b(?!\s+(?:period|trial|study|"
                           r"phase|design|programme|program))", re.IGNORECASE)
_TRIAL_OF = re.compile(
    r"\b(?:trial|study|evaluation)\s+(?:of|using|with|testing)\s+(?:an?\s+|the\s+)?"
    r"(?P<x>[A-Za-z][\w/+-]*(?:\s+(?:and\s+)?[\w/+-]+){0,4}?)"
    r"(?=\s*(?:[,.;:()]|\s(?:in|for|to|versus|vs\.?|compared|among|on|at|as|plus|over|during|was|were|is)\b))",
    re.IGNORECASE,
)
"""The allocation or design sentence naming the tested arm: "trial of tCBT in addition to ..."."""
_NOT_AN_ARM = re.compile(r"^(?:patients|participants|subjects|children|adults|women|men|people|the|a|an|"
                         r"efficacy|effects?|safety|two|three|four|different|this|these|rigorous|randomi[sz]ed|"
                         r"controlled|cluster|pilot|design|data)\b|\b(?:evaluation|analysis|design|outcomes?|follow-up|"
                         r"methods?|participants|patients)$", re.IGNORECASE)
_ARM_LABEL = re.compile(r"^(?:the\s+)?(?P<label>(?:arm|group)\s+[A-Z0-9]{1,3})(?:\s+(?:group|arm))?$", re.IGNORECASE)


@dataclass(frozen=True)
class ArmNames:
    """The tested arm's name (title or allocation sentence) and the other names the abstract uses for it."""

    name: str | None
    aliases: tuple[str, ...] = ()


def arm_names_of(text: str, ctx: Context) -> ArmNames:
    """The names of the arm the abstract tests, read once per abstract."""
    name = ctx.intervention
    aliases: list[str] = []
    trial = _TRIAL_OF.search(text[:6_000])  # the design sentence comes early
    if trial and not _NOT_AN_ARM.search(trial["x"]):
        x = " ".join(trial["x"].split())
        if name is None:
            name = x
        elif x.casefold() not in name.casefold() and name.casefold() not in x.casefold():
            aliases.append(x)
    if name is None:
        return ArmNames(None)
    folded = name.casefold()
    for short, long_form in ctx.abbreviations.items():
        if long_form.casefold() in folded and short.casefold() not in folded:
            aliases.append(short)
    role = _ROLE_IN_TEXT.search(text[:6_000])
    if role:
        aliases.append(" ".join(re.sub(r"^.*?\bthe\s+", "", role[0], flags=re.IGNORECASE).split()).casefold())
    return ArmNames(name, tuple(dict.fromkeys(aliases)))


def resolve_subject(draft: Draft, ctx: Context, arm: ArmNames) -> Draft:
    """``draft`` with its subject named as the abstract names the arm (generic or label mentions spelt out)."""
    label = draft.subject_label
    if draft.subject_concept is not None or not label or "(" in label:
        return draft
    bare = " ".join(label.split())
    defined = _ARM_LABEL.match(bare)
    if defined and defined["label"].casefold() in ctx.arms:
        return replace(draft, subject_label=f"{ctx.arms[defined['label'].casefold()]} ({bare})")
    if arm.name is None:
        return draft
    if _GENERIC.match(bare):
        others = [a for a in arm.aliases if a.casefold() not in bare.casefold()]
        return replace(draft, subject_label=f"{arm.name} ({'; '.join([bare, *others])})")
    if bare.casefold() == arm.name.casefold() and arm.aliases:
        return replace(draft, subject_label=f"{bare} ({'; '.join(arm.aliases)})")
    return draft

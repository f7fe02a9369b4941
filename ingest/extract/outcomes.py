"""Outcome lists of a relational clause: one finding per listed outcome, each with its own numbers.

"X reduced A (P = .01), B (P = .02), and increased C (P = .04)", "lower weight (P) and higher
activity (P)", "puerperal or neonatal infection rates": a clause names several outcomes, cut here
at commas and "and"/"or" outside brackets (never inside "the safety of X and Y"), each keeping its
own P-value and, when it brings one, its own verb or comparative. Used by the trial-comparison rules
(``comparisons.py``) and by the relation verbs of ``findings.py``.
"""

from __future__ import annotations

import re

from ingest.extract.draft import Context, Draft, Local, confidence
from ingest.extract.phrases import OBJECT_RANK, pick
from ingest.extract.sentences import Sentence

_RATIOS = {"HR", "OR", "RR", "IRR", "SHR"}
_ITEM_VERB = re.compile(r"(?:significantly\s+)?(?:an?\s+)?(?P<verb>improved|increased|decreased|reduced|lowered|"
                        r"shortened|prolonged|decrease|reduction|increase|improvement)\s+(?:in\s+|of\s+)?",
                        re.IGNORECASE)
DECREASE_VERBS = {"decreased", "reduced", "declined", "fell", "lowered", "shortened", "decrease", "reduction"}
DECREASE_WORDS = {"lower", "shorter", "worse", "inferior", "poorer", "reduced", "fewer", "less", "smaller", "slower"}
_STOP_OBJECT = re.compile(r"\s+(?:compared|than|versus|vs\.?|relative\s+to|in\s+comparison|between|among|"
                          r"after|at\s+\d|during|from\s+baseline|whereas|while|but|although|though|which)\b|;|,\s+"
                          r"(?:although|though|whereas|while|but|which)\b", re.IGNORECASE)
_ITEM_COMPARATIVE = re.compile(r"(?:a\s+|an\s+)?(?:significantly\s+)?(?P<word>higher|lower|greater|less|more|fewer|"
                               r"better|worse|longer|shorter|reduced|increased)\s+", re.IGNORECASE)
_NOT_AN_ITEM = re.compile(r"(?:mostly|mainly|especially|particularly|including|leading|resulting|except|"
                          r"respectively|in\s+\d)\b", re.IGNORECASE)
_PREPOSITION = re.compile(r"\s(?:of|between|from|for|with|in|receiving|among|at)\s", re.IGNORECASE)
_ITEM_BREAK = re.compile(r",\s*(?:and\s+|or\s+)?|\s+(?:and|or|as\s+well\s+as)\s+|\s+with\s+(?=no\s)",
                         re.IGNORECASE)
_LIST_AFTER = re.compile(r"\b(?:for|in|on|regarding|with\s+respect\s+to)\s+(?=[^(;]{2,80}\([^()]*[Pp]\s*[=<>≤≥])",
                         re.IGNORECASE)
_GENERIC_ARM = re.compile(r"^(?:the\s+)?(?:active\s+|experimental\s+|intervention\s+|treatment\s+|study\s+|"
                          r"treated\s+)*(?:group|arm|intervention|treatment|condition|participants|patients|"
                          r"subjects)s?$", re.IGNORECASE)


def _top_level_items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the list items between ``start`` and ``end``, cut at commas and "and"/"or" outside brackets."""
    items, depth, last, index = [], 0, start, start
    while index < end:
        char = text[index]
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(char, 0)
        if depth == 0:
            cut = _ITEM_BREAK.match(text, index, end)
            numeric = cut is not None and text[index - 1:index].isdigit() and text[cut.end():cut.end() + 1].isdigit()
            phrase = cut is not None and not cut.group().lstrip().startswith(",") and \
                _PREPOSITION.search(_unbracketed(text[last:index])) is not None  # "safety of X and Y" is one
            if cut and cut.end() > index and not numeric and not phrase:
                items.append((last, index))
                last = index = cut.end()
                continue
        index += 1
    items.append((last, end))
    return [(a, b) for a, b in items if re.search(r"[A-Za-z]{2,}", text[a:b])]


def _unbracketed(text: str) -> str:
    while re.search(r"[(\[][^()\[\]]*[)\]]", text):
        text = re.sub(r"[(\[][^()\[\]]*[)\]]", " ", text)
    return text


def _item_labels(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Labels of list items; a lone modifier shares the head of the next item ("puerperal or neonatal infection")."""
    labels = [phrase_label(text[a:b]) for a, b in spans]
    out = []
    for index, (a, b) in enumerate(spans):
        label = labels[index]
        following = labels[index + 1].split() if index + 1 < len(labels) else []
        joined = index + 1 < len(spans) and re.fullmatch(r"\s+(?:and|or)\s+", text[b:spans[index + 1][0]])
        if joined and len(label.split()) == 1 and len(following) >= 2 and label[:1].islower() \
                and text[a:b].strip() == label:
            label = " ".join([label, *following[1:]])
        out.append((a, b, label))
    return out


def object_end(text: str, start: int, end: int) -> int:
    """Where an object list stops: a comparison word or clause break outside brackets, else ``end``."""
    depth = 0
    for index in range(start, end):
        depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(text[index], 0)
        if depth == 0 and text[index] in " ;" and _STOP_OBJECT.match(text, index, end):
            return index
    return end


def phrase_label(text: str) -> str:
    """The words of an item without its bracketed numbers, leading articles, prepositions and comparatives."""
    while re.search(r"[(\[][^()\[\]]*[)\]]", text):  # innermost brackets first, then the ones around them
        text = re.sub(r"[(\[][^()\[\]]*[)\]]", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:.")
    text = re.sub(r"\s+(?:was|were)\s+(?:found|seen|observed|noted|detected|shown)$", "", text, flags=re.IGNORECASE)
    return re.sub(r"^(?:(?:the|a|an|both|in|for|on|of|less|more|fewer|greater|higher|lower)\s+)+", "", text,
                  flags=re.IGNORECASE)


def object_list_drafts(local: Local, sentence: Sentence, subject: tuple[int, int, list[str], str], obj_start: int,
                       obj_end: int, direction: str, subgroup: str, ctx: Context, rule: str,
                       stats_region: tuple[int, int], relation: str = "associated with") -> list[Draft]:
    """Drafts for a subject and a list of outcomes ("X reduced A (P), B (P), and C (P)")."""
    return outcome_drafts(local, sentence, subject, obj_start, obj_end, direction, subgroup, ctx, rule, stats_region,
                          relation)


def outcome_drafts(local: Local, sentence: Sentence, subject: tuple[int, int, list[str], str], obj_start: int,
                   obj_end: int, direction: str, subgroup: str, ctx: Context, rule: str,
            stats_region: tuple[int, int], relation: str = "associated with", listed: bool = True) -> list[Draft]:
    """One draft per object item; an item keeps its own P-value, a single item takes the clause's numbers."""
    text = local.text
    end = object_end(text, obj_start, obj_end)
    spans = _top_level_items(text, obj_start, end)
    if listed and len(spans) == 1:  # "... greater change compared to controls for pain (p), function (p) and ..."
        for tail in _LIST_AFTER.finditer(text, end, stats_region[1]):
            items = _top_level_items(text, tail.end(), object_end(text, tail.end(), stats_region[1]))
            if sum(bool(local.stats_in(a, b, kinds=("p_value",))) for a, b in items) >= 2:
                spans = items
                break
    shared = local.stats_in(*stats_region, kinds=("p_value", "effect_size"))
    label = subject[3]
    defined = ctx.arms.get(re.sub(r"^the\s+", "", label.casefold()))
    if defined:
        label = f"{label} ({defined})"
    elif _GENERIC_ARM.match(label) and ctx.intervention:
        label = f"{label} ({ctx.intervention})"
    drafts = []
    for start, stop, words in _item_labels(text, spans):
        if _NOT_AN_ITEM.match(words) or re.fullmatch(r"[\d/.,%\s]+", words):
            continue
        item_direction = direction
        null = re.match(r"no\s+(?:significant\s+)?(?:increase|decrease|difference|change)s?\s+(?:in|of)\s+", words)
        verb = _ITEM_VERB.match(words)
        comparative = _ITEM_COMPARATIVE.match(text, start + len(text[start:stop]) - len(text[start:stop].lstrip()))
        if comparative and not verb and not null and direction in ("increases", "decreases"):
            # "lower weight (P) and higher activity (P)": each item brings its own comparative
            item_direction = "decreases" if comparative["word"].casefold() in DECREASE_WORDS else "increases"
        if null:
            words, item_direction = words[null.end():], "no_effect"
        elif verb:  # "... reduced A (P), and increased B (P)": the item brings its own verb
            words = words[verb.end():]
            item_direction = "decreases" if verb["verb"].casefold() in DECREASE_VERBS else "increases"
        if not words or len(words.split()) > 10:
            continue
        own = local.stats_in(start, stop, kinds=("p_value", "effect_size"))
        stats = own or (shared if len(spans) == 1 else [])
        effect = next((s for s in stats if s.kind == "effect_size" and s.measure in _RATIOS), None)
        if effect is not None and item_direction == "unspecified":
            item_direction = "increases" if effect.value > 1 else "decreases" if effect.value < 1 else item_direction
        concepts = pick(local.mentions_in(start, stop), ctx, OBJECT_RANK)
        obj = concepts[0] if concepts else None
        subject_concept = subject[2][0] if subject[2] else None
        drafts.append(Draft(
            relation=relation, direction=item_direction, subject_concept=subject_concept, subject_label=label,
            object_concept=obj, object_label=words, subgroup=subgroup, sentence=sentence, statistics=tuple(stats),
            confidence=confidence(subject_concept, obj, stats, "0.45"), found_by=rule,
        ))
    return drafts

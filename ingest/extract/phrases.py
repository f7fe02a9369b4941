"""Reading the parts of a relational sentence: subject list items and the objects a span names.

"A (P = .02), B (P = .005), and C" is split into items at top-level commas and
conjunctions (never inside parentheses, so an item keeps its own P-value); each
item or object span is mapped to the most relevant, most specific vocabulary
concept it names, and keeps its own words as a label either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ingest.extract.concepts import ConceptMention, common_narrower, narrowest
from ingest.extract.draft import Context, Local

KIND_RANK = {"risk factor": 0, "resistance phenotype": 1, "therapy": 2, "outcome": 3, "disease": 4}
OBJECT_RANK = {"resistance phenotype": 0, "outcome": 1, "risk factor": 2, "therapy": 3, "disease": 4}
_ITEM_SPLIT = re.compile(r"\s*(?:,\s*(?:and|or)\s+|,\s*|;\s*|\s+and\s+|\s+or\s+|\s+as\s+well\s+as\s+|\s*&\s*)",
                         re.IGNORECASE)
_DEPTH = {"(": 1, "[": 1, ")": -1, "]": -1}
_SPLIT_FIRST = frozenset(",;&")
"""Characters other than whitespace an item separator can start with (every separator holds one)."""


def clean_label(text: str) -> str:
    """The words of a span without its statistics in parentheses and leading articles or conjunctions."""
    text = re.sub(r"\([^()]*(?:[Pp]\s*[=<>≤≥]|HR|OR|CI|%)[^()]*\)", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:.")
    return re.sub(r"^(?:and|or|the|a|an|both|either|also)\s+", "", text, flags=re.IGNORECASE)


def _rank(mention: ConceptMention, table: Mapping[str, int]) -> int:
    return min((table.get(kind, 9) for kind in mention.kinds), default=9)


def pick(mentions: Sequence[ConceptMention], ctx: Context, table: Mapping[str, int]) -> list[str]:
    """The concepts a span is about, most specific and most relevant first; the cohort's own therapy last."""
    if not mentions:
        return []
    useful = [m for m in mentions if m.concept not in ctx.cohort_concepts] or list(mentions)
    best = min(_rank(m, table) for m in useful)
    chosen = [m.concept for m in useful if _rank(m, table) == best]
    return narrowest(chosen, ctx.concepts)


def _recompose(item_text: str, item_start: int, mentions: list[ConceptMention], ctx: Context) -> list[ConceptMention]:
    """Try "modifier + concept" as a label: "prior history EM-ALL" -> "prior EM-ALL" (prior extramedullary disease)."""
    out = []
    for mention in mentions:
        before = item_text[: mention.start - item_start].split()
        found = None
        for word in reversed(before[-3:]):
            iri = ctx.matcher.lookup(f"{word} {mention.text}")
            if iri and iri != mention.concept:
                found = ConceptMention(iri, mention.start, mention.end, mention.text,
                                       ctx.concepts[iri].kinds, "label")
                break
        out.append(found or mention)
    return out


def subject_items(local: Local, start: int, end: int, ctx: Context) -> list[tuple[int, int, list[str], str]]:
    """Split a subject region into list items: (start, end, concepts, label)."""
    region = local.text[start:end]
    pieces: list[tuple[int, int]] = []
    depth, last = 0, 0
    for index, char in enumerate(region):
        depth += _DEPTH.get(char, 0)
        if depth == 0 and (char in _SPLIT_FIRST or char.isspace()):
            match = _ITEM_SPLIT.match(region, index)
            if match and match.end() > index and (index == 0 or region[index - 1] != " " or match.group().strip()):
                if index > last:
                    pieces.append((last, index))
                last = match.end()
    pieces.append((last, len(region)))
    items = []
    pending: list[tuple[int, int, str]] = []
    for a, b in pieces:
        text = region[a:b]
        if not text.strip():
            continue
        mentions = _recompose(text, start + a, local.mentions_in(start + a, start + b), ctx)
        concepts = pick(mentions, ctx, KIND_RANK)
        if not concepts and len(text.split()) <= 2 and not local.stats_in(start + a, start + b):
            pending.append((a, b, text.strip()))
            continue
        for pa, pb, word in pending:  # ellipsis: "concurrent or prior EM-ALL" -> "concurrent EM-ALL"
            composed = next((iri for mention in mentions
                             if (iri := ctx.matcher.lookup(f"{word} {mention.text}"))), None)
            if composed:
                items.append((start + a, start + b, [composed],
                              f"{word} {next(m.text for m in mentions if ctx.matcher.lookup(f'{word} {m.text}'))}"))
            elif not mentions:  # "age, gender, smoking duration": plain items of a list, each a subject
                items.append((start + pa, start + pb, [], clean_label(word)))
        pending = []
        items.append((start + a, start + b, concepts, clean_label(text)))
    if pending and not items:  # short items without a concept ("Age", "NPM1 mutations") are subjects by label
        items = [(start, end, [], clean_label(region))] if len(pending) == 1 else \
            [(start + a, start + b, [], clean_label(word)) for a, b, word in pending]
    elif pending:  # the last items of a list ("..., distant metastases and VEGF expression")
        items += [(start + a, start + b, [], clean_label(word)) for a, b, word in pending]
    return items


def object_concepts(local: Local, start: int, end: int, ctx: Context) -> list[tuple[str | None, str]]:
    """The outcomes or phenotypes a region names: a concept narrower than all of them wins, else each one."""
    mentions = [m for m in local.mentions_in(start, end) if m.concept not in ctx.cohort_concepts] or \
        local.mentions_in(start, end)
    label = clean_label(re.split(r"[(;]|\b(?:compared|versus|vs)\b", local.text[start:end])[0])
    label = re.sub(r"^(?:(?:developing|having|an?|the|lower|higher|reduced|increased|inferior|superior|worse|"
                   r"better|shorter|longer|poorer|improved|decreased)\s+)+", "", label, flags=re.IGNORECASE)
    if not mentions:
        return [(None, label)] if label and len(label.split()) <= 8 else []
    composed = common_narrower({m.concept for m in mentions}, ctx.concepts)
    if composed:
        return [(composed, label)]
    chosen = pick(mentions, ctx, OBJECT_RANK)
    if len(chosen) == 1:
        return [(chosen[0], label)]
    return [(iri, next(m.text for m in mentions if m.concept == iri)) for iri in chosen]

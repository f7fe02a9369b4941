"""One abstract in, its statistics, findings and concept mentions out (pure, no store).

The steps run in this order: concepts over the whole text (so an abbreviation
defined in one sentence is known in the next), statistics, sentences, then the
findings of each sentence. The abstract-level context (cohort size, the
cohort's own therapy and disease) is read once and handed to every sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from ingest.extract.arms import arm_names, text_intervention, title_intervention
from ingest.extract.concepts import ConceptMatcher, ConceptMention, default_matcher
from ingest.extract.draft import Context, Draft
from ingest.extract.findings import sentence_findings
from ingest.extract.gate import (
    Abbreviations,
    negated_comparison,
    passes,
    signed_change,
    significance_direction,
    tidy,
)
from ingest.extract.sentences import Sentence, split_sentences
from ingest.extract.statistics import Statistic, find_statistics
from ingest.extract.subjects import arm_names_of, resolve_subject
from kg.model import Evidence, Finding, Mention, PublicationRef

MAX_CHARS = 200_000
"""Longer texts are cut here: no abstract is this long, and the cost stays bounded."""

MAX_SENTENCE = 3_000
"""A "sentence" longer than this is not prose (a table, a list run together): no findings are read from it."""

_COHORT_KINDS = {"therapy", "disease"}
T = TypeVar("T")


@dataclass(frozen=True)
class ExtractedFinding:
    """A finding record and the statistics it was built from."""

    finding: Finding
    statistics: tuple[Statistic, ...]


@dataclass(frozen=True)
class Extraction:
    """Everything extraction read from one abstract."""

    publication: PublicationRef
    text: str
    statistics: tuple[Statistic, ...]
    findings: tuple[ExtractedFinding, ...]
    mentions: tuple[ConceptMention, ...]  # offsets into ``text``
    title_concepts: tuple[str, ...]
    sentences: int
    uninterpreted_sentences: int

    def concepts(self) -> list[str]:
        """The distinct concepts mentioned in the title and the abstract."""
        return list(dict.fromkeys([*self.title_concepts, *(m.concept for m in self.mentions)]))

    def records(self) -> list[Finding | Mention]:
        """The ``kg.model`` records to store: findings and one mention per concept."""
        found: list[Finding | Mention] = [item.finding for item in self.findings]
        found += [Mention(publication=self.publication, concept=iri) for iri in self.concepts()]
        return found


def _context(text: str, title: str | None, mentions: list[ConceptMention], stats: list[Statistic],
             sentences: list[Sentence], matcher: ConceptMatcher, title_mentions: list[ConceptMention]) -> Context:
    sizes = [s for s in stats if s.kind == "sample_size"]
    cohort_size = sizes[0].count if sizes else None
    first_end = sentences[0].end if sentences else 0
    cohort_end = sizes[0].end if sizes else first_end
    sentence_end = text.find(". ", cohort_end)
    limit = len(text) if sentence_end < 0 else sentence_end
    own = {m.concept for m in mentions if m.start < limit and set(m.kinds) & _COHORT_KINDS}
    own |= {m.concept for m in title_mentions if set(m.kinds) & _COHORT_KINDS}
    return Context(matcher=matcher, concepts=matcher.concepts, cohort_size=cohort_size, cohort_concepts=own,
                   intervention=title_intervention(title) or text_intervention(text), arms=arm_names(text),
                   abbreviations=Abbreviations(f"{title or ''}\n{text}").long_of)


def _finding(draft: Draft, publication: PublicationRef) -> Finding:
    p_values = [s for s in draft.statistics if s.kind == "p_value"]
    effects = [s for s in draft.statistics if s.kind == "effect_size"]
    p = p_values[0] if len(p_values) == 1 else None
    effect = effects[0] if len(effects) == 1 else None
    return Finding(
        publication=publication,
        relation=draft.relation,
        direction=draft.direction,  # type: ignore[arg-type]
        method="extracted",
        subject_concept=draft.subject_concept,
        subject_label=draft.subject_label,
        object_concept=draft.object_concept,
        object_label=draft.object_label,
        subgroup=draft.subgroup,
        count=draft.count,
        denominator=draft.denominator,
        percentage=draft.percentage,
        p_value=p.value if p else None,
        p_comparator=p.operator if p else None,  # type: ignore[arg-type]
        effect_measure=effect.measure if effect else None,
        effect_size=effect.value if effect else None,
        ci_low=effect.ci_low if effect else None,
        ci_high=effect.ci_high if effect else None,
        confidence=draft.confidence,
        evidence=(Evidence(publication=publication, text=draft.sentence.text,
                           start=draft.sentence.start, end=draft.sentence.end),),
        found_by=draft.found_by or None,
    )


def _until(items: Sequence[T], start: int, end: int) -> list[T]:
    """The items from ``start`` on that end by ``end`` (items are sorted by position)."""
    out = []
    for item in items[start:]:
        if item.end > end:  # type: ignore[attr-defined]
            break
        out.append(item)
    return out


_SECTION = re.compile(
    r"(?m)^[ \t]*(?:ABSTRACT\.)?(?P<name>[A-Z][A-Za-z]*(?:[ /&-][A-Za-z]+){0,4})[.:]?[ \t]*(?:\n|:[ \t]+)"
)
_NOT_RESULTS = re.compile(
    r"^(?:background|introduction|objectives?|aims?|purpose|rationale|context|hypothes[ie]s|importance|"
    r"methods?|design|setting|participants|patients|subjects|interventions?|materials?|measurements?|"
    r"study\s+design|main\s+outcome\s+measures?|outcome\s+measures?|trial\s+registration)"
    r"(?:\s*(?:and|&|/)\s*(?:methods?|design|setting|participants|objectives?|aims?))*$",
    re.IGNORECASE,
)


_CONCLUSION = re.compile(r"^(?:conclusions?|interpretations?|implications?|discussion|summary)\b", re.IGNORECASE)
_CONTENT = re.compile(r"[^\W\d_]{3,}", re.UNICODE)
_PLAIN = frozenset(["the", "and", "with", "for", "was", "were", "group", "groups", "patients", "than", "from",
                    "that", "this", "those", "rate", "rates", "level", "levels", "score", "scores"])


def _conclusion_spans(text: str) -> list[tuple[int, int]]:
    """The stretches a structured abstract labels as its conclusions."""
    headers = [(m.start(), m.end(), m["name"]) for m in _SECTION.finditer(text) if len(m["name"]) <= 40]
    return [(end, headers[i + 1][0] if i + 1 < len(headers) else len(text))
            for i, (_, end, name) in enumerate(headers) if _CONCLUSION.match(name.strip())]


def _content_words(label: str | None, concept: str | None) -> set[str]:
    words = f"{label or ''} {(concept or '').rsplit('/', 1)[-1].replace('-', ' ')}".casefold()
    return {w.rstrip("s") for w in _CONTENT.findall(words)} - _PLAIN


def _restates(record: Finding, earlier: Sequence[Finding]) -> bool:
    """Whether a finding names the subject and the outcome of a finding read before it (a conclusion repeating it)."""
    subject = _content_words(record.subject_label, record.subject_concept)
    obj = _content_words(record.object_label, record.object_concept)
    return any(subject & _content_words(f.subject_label, f.subject_concept) and
               obj & _content_words(f.object_label, f.object_concept) for f in earlier)


def _background_spans(text: str) -> list[tuple[int, int]]:
    """The stretches a structured abstract labels as background, aims or methods (no findings are read there)."""
    headers = [(m.start(), m.end(), m["name"]) for m in _SECTION.finditer(text) if len(m["name"]) <= 40]
    spans = []
    for index, (_, end, name) in enumerate(headers):
        stop = headers[index + 1][0] if index + 1 < len(headers) else len(text)
        if _NOT_RESULTS.match(name.strip()):
            spans.append((end, stop))
    return spans


def _labelled(draft: Draft, abbreviations: Abbreviations) -> Draft:
    """A label without a concept names the abstract's abbreviation with its long form (or the reverse)."""
    return replace(
        draft,
        subject_label=draft.subject_label if draft.subject_concept else abbreviations.label(draft.subject_label),
        object_label=draft.object_label if draft.object_concept else abbreviations.label(draft.object_label),
    )


def extract_abstract(text: str, publication: PublicationRef, *, title: str | None = None,
                     matcher: ConceptMatcher | None = None) -> Extraction:
    """Read one abstract. Never raises on odd text: what it cannot read is counted as uninterpreted."""
    matcher = matcher or default_matcher()
    text = (text or "")[:MAX_CHARS]
    mentions = matcher.find(text)
    stats = find_statistics(text)
    sentences = split_sentences(text)
    title_mentions = matcher.find(title) if title else []
    ctx = _context(text, title, mentions, stats, sentences, matcher, title_mentions)
    background = _background_spans(text)
    conclusions = _conclusion_spans(text)
    abbreviations = Abbreviations.from_long_forms(ctx.abbreviations)
    arm = arm_names_of(text, ctx)
    findings: dict[Finding, ExtractedFinding] = {}
    uninterpreted = 0
    m_index = s_index = 0
    for sentence in sentences:
        while m_index < len(mentions) and mentions[m_index].start < sentence.start:
            m_index += 1
        while s_index < len(stats) and stats[s_index].start < sentence.start:
            s_index += 1
        own_mentions = _until(mentions, m_index, sentence.end)
        own_stats = _until(stats, s_index, sentence.end)
        too_long = sentence.end - sentence.start > MAX_SENTENCE
        skipped = too_long or any(a <= sentence.start < b for a, b in background)
        drafts = [] if skipped else sentence_findings(sentence, own_mentions, own_stats, ctx,
                                                      keep=lambda d: passes(resolve_subject(tidy(d), ctx, arm)))
        for draft in drafts:
            draft = resolve_subject(tidy(draft), ctx, arm)
            if not passes(draft):
                continue
            checked = negated_comparison(significance_direction(draft))
            record = _finding(signed_change(_labelled(checked, abbreviations)), publication)
            if not draft.statistics and any(a <= sentence.start < b for a, b in conclusions) and \
                    _restates(record, [f for f in findings if f.subject_concept or f.subject_label]):
                continue  # a conclusion that repeats a result without numbers adds no finding
            if draft.found_by == "outcome-changed-in-arm" and _restates(
                    record, [f for f in findings if (f.subject_concept or f.subject_label) and
                             f.direction == record.direction and f.evidence[0].start != sentence.start]):
                continue  # a change within an arm that another sentence already reported (a second rater, say)
            findings.setdefault(record, ExtractedFinding(record, draft.statistics))
        if not drafts and not own_stats:
            uninterpreted += 1
    return Extraction(
        publication=publication,
        text=text,
        statistics=tuple(stats),
        findings=tuple(findings.values()),
        mentions=tuple(mentions),
        title_concepts=tuple(dict.fromkeys(m.concept for m in title_mentions)),
        sentences=len(sentences),
        uninterpreted_sentences=uninterpreted,
    )


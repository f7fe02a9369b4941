"""The intermediate records of extraction: a finding read from a sentence, and what the abstract tells it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ingest.extract.concepts import ConceptMatcher, ConceptMention
from ingest.extract.sentences import Sentence
from ingest.extract.statistics import Statistic
from kg.vocabulary import Concept

ALL_PATIENTS = "all patients"


@dataclass(frozen=True)
class Draft:
    """A finding read from one sentence, before it is tied to a publication."""

    relation: str
    direction: str
    subject_concept: str | None
    subject_label: str | None
    object_concept: str | None
    object_label: str | None
    subgroup: str
    sentence: Sentence
    statistics: tuple[Statistic, ...] = ()
    count: int | None = None
    denominator: int | None = None
    percentage: Decimal | None = None
    confidence: Decimal = Decimal("0.5")
    found_by: str = ""  # the name of the rule (``ingest.extract.rules``) that read it


@dataclass
class Context:
    """What the whole abstract tells each sentence: vocabulary, cohort size, the cohort's own therapy/disease."""

    matcher: ConceptMatcher
    concepts: Mapping[str, Concept]
    cohort_size: int | None = None
    cohort_concepts: set[str] = field(default_factory=set)
    intervention: str | None = None  # what the title says the study tested ("Efficacy of X versus Y")
    arms: dict[str, str] = field(default_factory=dict)  # "arm a" -> "resistance training", as the text defines
    abbreviations: dict[str, str] = field(default_factory=dict)  # "UC" -> "usual care", as the text defines


@dataclass(frozen=True)
class Local:
    """A sentence's mentions and statistics in sentence coordinates."""

    text: str
    mentions: tuple[ConceptMention, ...]
    stats: tuple[Statistic, ...]

    def mentions_in(self, start: int, end: int) -> list[ConceptMention]:
        return [m for m in self.mentions if m.start >= start and m.end <= end]

    def stats_in(self, start: int, end: int, kinds: Sequence[str] = ()) -> list[Statistic]:
        return [s for s in self.stats if s.start >= start and s.end <= end and (not kinds or s.kind in kinds)]


def confidence(subject: str | None, obj: str | None, stats: Sequence[Statistic], base: str) -> Decimal:
    """A score in [0, 1]: what a finding rests on (concepts, numbers) and how sure its cue is."""
    score = Decimal(base)
    score += Decimal("0.15") if obj else Decimal(0)
    score += Decimal("0.1") if subject else Decimal(0)
    score += Decimal("0.1") if stats else Decimal(0)
    return min(score, Decimal("0.95"))

"""Plain records that every ingestor produces and the RDF mapping consumes.

Frozen dataclasses with no rdflib import: parsers stay pure and testable, and
``kg/rdf.py`` is the one place that knows how a record becomes triples.
Numbers that authors report (percentages, P-values) are ``Decimal`` so that
"P = .005" keeps exactly the digits written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Direction = Literal["increases", "decreases", "no_effect", "unspecified"]
DIRECTIONS: tuple[Direction, ...] = ("increases", "decreases", "no_effect", "unspecified")

Method = Literal["curated", "extracted"]
METHODS: tuple[Method, ...] = ("curated", "extracted")

Comparator = Literal["=", "<", "<=", ">", ">="]
COMPARATORS: tuple[Comparator, ...] = ("=", "<", "<=", ">", ">=")


@dataclass(frozen=True)
class PublicationRef:
    """What identifies a publication: any of PMID, DOI or title (normalized by ``kg.ids``)."""

    pmid: str | None = None
    doi: str | None = None
    title: str | None = None


@dataclass(frozen=True)
class Author:
    """One author as listed on a publication, in list order (rank starts at 1)."""

    name: str
    rank: int
    orcid: str | None = None
    collective: bool = False


@dataclass(frozen=True)
class MeshQualifier:
    """A MeSH qualifier (subheading) attached to a heading."""

    ui: str
    name: str
    major: bool = False


@dataclass(frozen=True)
class MeshHeading:
    """A MeSH descriptor with its qualifiers, as indexed for one publication."""

    ui: str
    name: str
    major: bool = False
    qualifiers: tuple[MeshQualifier, ...] = ()


@dataclass(frozen=True)
class AbstractSection:
    """One section of a (possibly structured) abstract, kept in order."""

    text: str
    label: str | None = None


@dataclass(frozen=True)
class Publication:
    """Bibliographic record of one publication; fields a source does not know stay empty."""

    pmid: str | None = None
    pmcid: str | None = None
    doi: str | None = None
    title: str | None = None
    authors: tuple[Author, ...] = ()
    journal: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    year: int | None = None
    pub_date: str | None = None
    publication_types: tuple[str, ...] = ()
    mesh: tuple[MeshHeading, ...] = ()
    keywords: tuple[str, ...] = ()
    abstract: str | None = None
    abstract_sections: tuple[AbstractSection, ...] = ()
    is_book: bool = False
    last_refreshed: str | None = None
    """When the record was fetched from its database (ISO date-time), for incremental refresh."""

    @property
    def ref(self) -> PublicationRef:
        """The identifying part, used to mint the publication's IRI."""
        return PublicationRef(pmid=self.pmid, doi=self.doi, title=self.title)


@dataclass(frozen=True)
class Citation:
    """``citing`` cites ``cited`` (CiTO ``cites``)."""

    citing: PublicationRef
    cited: PublicationRef


@dataclass(frozen=True)
class Cohort:
    """The patients a study reports on."""

    publication: PublicationRef
    label: str
    size: int | None = None
    therapies: tuple[str, ...] = ()
    diseases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Evidence:
    """Where a finding comes from: the publication and, when known, the sentence and its offsets."""

    publication: PublicationRef
    text: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Finding:
    """One n-ary statement of a study: subject -relation-> object, with its numbers and evidence.

    ``subject_concept`` / ``object_concept`` are concept IRIs from the vocabulary;
    the ``*_label`` fields keep the words the source used.
    """

    publication: PublicationRef
    relation: str
    direction: Direction = "unspecified"
    method: Method = "curated"
    subject_concept: str | None = None
    subject_label: str | None = None
    object_concept: str | None = None
    object_label: str | None = None
    subgroup: str | None = None
    count: int | None = None
    denominator: int | None = None
    percentage: Decimal | None = None
    p_value: Decimal | None = None
    p_comparator: Comparator | None = None
    effect_measure: str | None = None
    effect_size: Decimal | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    confidence: Decimal | None = None
    cohort_label: str | None = None
    evidence: tuple[Evidence, ...] = ()
    found_by: str | None = None  # for extracted findings: the name of the extraction rule that read it


@dataclass(frozen=True)
class Mention:
    """A publication mentions a vocabulary concept."""

    publication: PublicationRef
    concept: str


Record = Publication | Citation | Cohort | Finding | Mention


@dataclass(frozen=True)
class SourceDocument:
    """Everything parsed from one source document; stored as one named graph.

    ``kind`` and ``key`` name the graph (e.g. ``page`` / the study's IRI key), so
    re-ingesting the same document replaces its graph instead of adding a second one.
    ``source`` says where it came from (a file URI or URL) for provenance.
    ``skipped`` lists what the parser could not use, one reason per entry.
    """

    kind: str
    key: str
    source: str
    records: tuple[Record, ...] = ()
    skipped: tuple[str, ...] = field(default=())

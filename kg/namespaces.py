"""Prefixes and closed namespaces used by the cohort-kg graph.

Closed namespaces (``DefinedNamespace``) raise on a misspelled term, so a typo
in the mapping fails at import time instead of silently minting a new IRI.
Standard vocabularies come first; ``CKG`` holds only what none of them covers.
"""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, DefinedNamespace
from rdflib.term import URIRef

BASE = "https://w3id.org/cohort-kg/"
"""Root of every IRI this project mints."""

ID = Namespace(BASE + "id/")
"""Instance data: findings, cohorts, evidence, authorships, provisional publications."""

GRAPH = Namespace(BASE + "graph/")
"""Named graphs, one per source document."""

CONCEPT = Namespace(BASE + "concept/")
"""SKOS concepts of the domain vocabulary (``ontology/vocabulary.ttl``)."""

PUBMED = Namespace("https://pubmed.ncbi.nlm.nih.gov/")
DOI = Namespace("https://doi.org/")
MESH = Namespace("http://id.nlm.nih.gov/mesh/")
NCIT = Namespace("http://purl.obolibrary.org/obo/NCIT_")
MONDO = Namespace("http://purl.obolibrary.org/obo/MONDO_")


class CITO(DefinedNamespace):
    """Citation Typing Ontology: the terms we use."""

    _NS = Namespace("http://purl.org/spar/cito/")
    cites: URIRef
    isCitedBy: URIRef


class FABIO(DefinedNamespace):
    """FRBR-aligned Bibliographic Ontology: the terms we use."""

    _NS = Namespace("http://purl.org/spar/fabio/")
    JournalArticle: URIRef
    Book: URIRef
    Expression: URIRef
    hasPubMedId: URIRef
    hasPubMedCentralId: URIRef
    hasPublicationYear: URIRef


class PRISM(DefinedNamespace):
    """PRISM basic metadata: the terms we use."""

    _NS = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
    doi: URIRef
    publicationName: URIRef
    volume: URIRef
    issueIdentifier: URIRef
    pageRange: URIRef
    publicationDate: URIRef
    keyword: URIRef
    issn: URIRef


class BIBO(DefinedNamespace):
    """Bibliographic Ontology: the terms we use."""

    _NS = Namespace("http://purl.org/ontology/bibo/")
    Document: URIRef
    AcademicArticle: URIRef


class CKG(DefinedNamespace):
    """The cohort-kg ontology (``ontology/cohort-kg.ttl``): what no standard vocabulary covers."""

    _NS = Namespace(BASE + "ontology#")

    # classes
    Study: URIRef
    Cohort: URIRef
    Finding: URIRef
    Evidence: URIRef
    RiskFactor: URIRef
    ResistancePhenotype: URIRef
    Outcome: URIRef
    Therapy: URIRef
    Disease: URIRef
    Direction: URIRef
    AssertionMethod: URIRef
    MeshHeading: URIRef
    AbstractSection: URIRef
    SourceGraph: URIRef

    # direction individuals
    Increases: URIRef
    Decreases: URIRef
    NoEffect: URIRef
    Unspecified: URIRef

    # method individuals
    Curated: URIRef
    Extracted: URIRef

    # study and cohort
    studiesCohort: URIRef
    cohortSize: URIRef
    therapy: URIRef
    disease: URIRef

    # finding (n-ary statement)
    reportsFinding: URIRef
    aboutCohort: URIRef
    subject: URIRef
    subjectLabel: URIRef
    relation: URIRef
    object: URIRef
    objectLabel: URIRef
    direction: URIRef
    subgroup: URIRef
    count: URIRef
    denominator: URIRef
    percentage: URIRef
    pValue: URIRef
    pValueComparator: URIRef
    effectMeasure: URIRef
    effectSize: URIRef
    ciLower: URIRef
    ciUpper: URIRef
    method: URIRef
    confidence: URIRef
    foundBy: URIRef
    hasEvidence: URIRef
    supersedes: URIRef
    statementKey: URIRef

    # evidence
    evidenceText: URIRef
    startOffset: URIRef
    endOffset: URIRef
    sourcePublication: URIRef

    # publications
    mentions: URIRef
    abbreviation: URIRef
    authorRank: URIRef
    orcid: URIRef
    publicationType: URIRef
    hasMeshHeading: URIRef
    descriptor: URIRef
    qualifier: URIRef
    majorTopic: URIRef
    hasAbstractSection: URIRef
    sectionLabel: URIRef
    sectionOrder: URIRef
    sectionText: URIRef
    provisional: URIRef
    lastRefreshed: URIRef

    # source graphs
    sourceKind: URIRef
    contentHash: URIRef
    emissionDigest: URIRef

    # derived counts (kg.counts)
    publicationCount: URIRef
    studyCount: URIRef
    findingCount: URIRef
    conceptCount: URIRef
    citationLinkCount: URIRef
    sourceGraphCount: URIRef
    basisHash: URIRef


PREFIXES: dict[str, str] = {
    "ckg": str(CKG),
    "id": str(ID),
    "concept": str(CONCEPT),
    "cito": str(CITO),
    "fabio": str(FABIO),
    "prism": str(PRISM),
    "bibo": str(BIBO),
    "dcterms": str(DCTERMS),
    "foaf": str(FOAF),
    "prov": str(PROV),
    "skos": str(SKOS),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
    "mesh": str(MESH),
    "ncit": str(NCIT),
    "mondo": str(MONDO),
    "pubmed": str(PUBMED),
}
"""Prefixes bound when serializing and offered to every SPARQL query."""

__all__ = [
    "BASE",
    "BIBO",
    "CITO",
    "CKG",
    "CONCEPT",
    "DCTERMS",
    "DOI",
    "FABIO",
    "FOAF",
    "GRAPH",
    "ID",
    "MESH",
    "MONDO",
    "NCIT",
    "OWL",
    "PREFIXES",
    "PRISM",
    "PROV",
    "PUBMED",
    "RDF",
    "RDFS",
    "SH",
    "SKOS",
    "XSD",
]

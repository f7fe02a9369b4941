"""Records -> RDF triples: the one place that knows the mapping.

Every record type has one ``to_triples`` function. ``document_triples`` maps a
whole source document and adds the PROV-O description of its named graph.
No blank nodes: every node has a content-derived IRI, so re-ingesting the
same document yields exactly the same triples.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from decimal import Decimal
from functools import singledispatch

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg import __version__
from kg.ids import (
    AGENT_IRI,
    abstract_section_iri,
    author_iri,
    cohort_iri,
    content_key,
    evidence_iri,
    finding_iri,
    is_provisional,
    mesh_heading_iri,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    publication_iri,
    statement_key,
)
from kg.model import Citation, Cohort, Finding, Mention, Publication, Record
from kg.namespaces import BIBO, CITO, CKG, DCTERMS, FABIO, FOAF, ID, MESH, PRISM, PROV, RDF, RDFS, XSD

Triple = tuple[Node, Node, Node]

DIRECTION_IRI = {
    "increases": CKG.Increases,
    "decreases": CKG.Decreases,
    "no_effect": CKG.NoEffect,
    "unspecified": CKG.Unspecified,
}
METHOD_IRI = {"curated": CKG.Curated, "extracted": CKG.Extracted}


def _text(value: str) -> Literal:
    return Literal(value)


def _decimal(value: Decimal) -> Literal:
    # Literal(Decimal) would normalise "0.050" and "5E-2" differently; keep a plain decimal form.
    return Literal(format(value, "f"), datatype=XSD.decimal)


def _integer(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def _optional(subject: URIRef, predicate: URIRef, value: object) -> Iterator[Triple]:
    """Yield one triple when the value is known, mapping Python types to XSD."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        yield subject, predicate, Literal(value, datatype=XSD.boolean)
    elif isinstance(value, int):
        yield subject, predicate, _integer(value)
    elif isinstance(value, Decimal):
        yield subject, predicate, _decimal(value)
    else:
        yield subject, predicate, _text(str(value))


@singledispatch
def to_triples(record: Record) -> Iterator[Triple]:
    """Map one record to triples."""
    raise TypeError(f"no RDF mapping for {type(record).__name__}")


@to_triples.register
def _publication(pub: Publication) -> Iterator[Triple]:
    node = URIRef(publication_iri(pub.ref))
    yield node, RDF.type, BIBO.Document
    yield node, RDF.type, FABIO.Book if pub.is_book else FABIO.JournalArticle
    if is_provisional(str(node)):
        yield node, CKG.provisional, Literal(True)
    yield from _optional(node, DCTERMS.title, pub.title)
    yield from _optional(node, DCTERMS.abstract, pub.abstract)
    yield from _optional(node, FABIO.hasPubMedId, pub.pmid and normalize_pmid(pub.pmid))
    yield from _optional(node, FABIO.hasPubMedCentralId, pub.pmcid and normalize_pmcid(pub.pmcid))
    yield from _optional(node, PRISM.doi, pub.doi and normalize_doi(pub.doi))
    yield from _optional(node, PRISM.publicationName, pub.journal)
    yield from _optional(node, PRISM.volume, pub.volume)
    yield from _optional(node, PRISM.issueIdentifier, pub.issue)
    yield from _optional(node, PRISM.pageRange, pub.pages)
    if pub.year is not None:
        yield node, FABIO.hasPublicationYear, Literal(f"{pub.year:04d}", datatype=XSD.gYear)
    yield from _optional(node, PRISM.publicationDate, pub.pub_date)
    if pub.last_refreshed:
        yield node, CKG.lastRefreshed, Literal(pub.last_refreshed, datatype=XSD.dateTime)
    for ptype in pub.publication_types:
        yield node, CKG.publicationType, _text(ptype)
    for keyword in pub.keywords:
        yield node, PRISM.keyword, _text(keyword)
    for author in pub.authors:
        anode = URIRef(author_iri(str(node), author.rank))
        yield node, DCTERMS.creator, anode
        yield anode, RDF.type, FOAF.Organization if author.collective else FOAF.Person
        yield anode, FOAF.name, _text(author.name)
        yield anode, CKG.authorRank, _integer(author.rank)
        yield from _optional(anode, CKG.orcid, author.orcid)
    for heading in pub.mesh:
        hnode = URIRef(mesh_heading_iri(str(node), heading.ui))
        yield node, CKG.hasMeshHeading, hnode
        yield hnode, RDF.type, CKG.MeshHeading
        yield hnode, CKG.descriptor, MESH[heading.ui]
        yield hnode, RDFS.label, _text(heading.name)
        yield hnode, CKG.majorTopic, Literal(heading.major)
        yield MESH[heading.ui], RDFS.label, _text(heading.name)
        for qualifier in heading.qualifiers:
            yield hnode, CKG.qualifier, MESH[qualifier.ui]
            yield MESH[qualifier.ui], RDFS.label, _text(qualifier.name)
    for order, section in enumerate(pub.abstract_sections, start=1):
        snode = URIRef(abstract_section_iri(str(node), order))
        yield node, CKG.hasAbstractSection, snode
        yield snode, RDF.type, CKG.AbstractSection
        yield snode, CKG.sectionOrder, _integer(order)
        yield snode, CKG.sectionText, _text(section.text)
        yield from _optional(snode, CKG.sectionLabel, section.label)


@to_triples.register
def _citation(citation: Citation) -> Iterator[Triple]:
    citing, cited = URIRef(publication_iri(citation.citing)), URIRef(publication_iri(citation.cited))
    yield citing, CITO.cites, cited
    # Both ends are publications even when no source has described them yet.
    yield citing, RDF.type, BIBO.Document
    yield cited, RDF.type, BIBO.Document


@to_triples.register
def _cohort(cohort: Cohort) -> Iterator[Triple]:
    node = URIRef(cohort_iri(cohort))
    study = URIRef(publication_iri(cohort.publication))
    yield study, RDF.type, CKG.Study
    yield study, CKG.studiesCohort, node
    yield node, RDF.type, CKG.Cohort
    yield node, RDFS.label, _text(cohort.label)
    yield from _optional(node, CKG.cohortSize, cohort.size)
    for therapy in cohort.therapies:
        yield node, CKG.therapy, URIRef(therapy)
    for disease in cohort.diseases:
        yield node, CKG.disease, URIRef(disease)


@to_triples.register
def _finding(finding: Finding) -> Iterator[Triple]:
    node = URIRef(finding_iri(finding))
    study = URIRef(publication_iri(finding.publication))
    yield study, CKG.reportsFinding, node
    yield node, RDF.type, CKG.Finding
    yield node, CKG.relation, _text(finding.relation)
    yield node, CKG.direction, DIRECTION_IRI[finding.direction]
    yield node, CKG.method, METHOD_IRI[finding.method]
    yield node, CKG.statementKey, _text(statement_key(finding))
    if finding.subject_concept:
        yield node, CKG.subject, URIRef(finding.subject_concept)
    if finding.object_concept:
        yield node, CKG.object, URIRef(finding.object_concept)
    yield from _optional(node, CKG.subjectLabel, finding.subject_label)
    yield from _optional(node, CKG.objectLabel, finding.object_label)
    yield from _optional(node, CKG.subgroup, finding.subgroup)
    yield from _optional(node, CKG.count, finding.count)
    yield from _optional(node, CKG.denominator, finding.denominator)
    yield from _optional(node, CKG.percentage, finding.percentage)
    yield from _optional(node, CKG.pValue, finding.p_value)
    yield from _optional(node, CKG.pValueComparator, finding.p_comparator)
    yield from _optional(node, CKG.effectMeasure, finding.effect_measure)
    yield from _optional(node, CKG.effectSize, finding.effect_size)
    yield from _optional(node, CKG.ciLower, finding.ci_low)
    yield from _optional(node, CKG.ciUpper, finding.ci_high)
    yield from _optional(node, CKG.confidence, finding.confidence)
    yield from _optional(node, CKG.foundBy, finding.found_by)
    if finding.cohort_label:
        cohort = Cohort(publication=finding.publication, label=finding.cohort_label)
        yield node, CKG.aboutCohort, URIRef(cohort_iri(cohort))
    for index, evidence in enumerate(finding.evidence):
        enode = URIRef(evidence_iri(str(node), index))
        yield node, CKG.hasEvidence, enode
        yield enode, RDF.type, CKG.Evidence
        yield enode, CKG.sourcePublication, URIRef(publication_iri(evidence.publication))
        yield from _optional(enode, CKG.evidenceText, evidence.text)
        yield from _optional(enode, CKG.startOffset, evidence.start)
        yield from _optional(enode, CKG.endOffset, evidence.end)


@to_triples.register
def _mention(mention: Mention) -> Iterator[Triple]:
    yield URIRef(publication_iri(mention.publication)), CKG.mentions, URIRef(mention.concept)


def records_triples(records: Iterable[Record]) -> set[Triple]:
    """All triples of the given records, as a set (sources repeat facts; RDF is a set)."""
    return {triple for record in records for triple in to_triples(record)}


HASH_MODULUS = 2**256
"""Line digests are added modulo this (the size of one SHA-256 digest)."""


def triple_line(triple: Triple) -> bytes:
    """One triple as its N-Triples line without the final `` .``, UTF-8 encoded: what the content hash digests."""
    return " ".join(term.n3() for term in triple).encode("utf-8")


class GraphDigest:
    """The content hash of a graph, fed one distinct triple at a time in any order.

    The sum modulo 2^256 of the SHA-256 of each distinct triple's line
    (``triple_line``), written as 64 hexadecimal digits. A sum needs no
    ordering, so a graph too big to hold can be hashed batch by batch; the
    caller must feed each triple once (a sum counts a repeated triple twice),
    which ``triples_hash`` ensures with a set and a staged write
    (``kg.store.staged``) by asking the store what it already holds.
    """

    def __init__(self) -> None:
        self._total = 0

    def add(self, triple: Triple) -> None:
        """Count one triple that was not fed before."""
        self.add_line(triple_line(triple))

    def add_line(self, line: bytes) -> None:
        """Count one triple's line (``triple_line``) that was not fed before."""
        self._total = (self._total + int.from_bytes(hashlib.sha256(line).digest(), "big")) % HASH_MODULUS

    def hexdigest(self) -> str:
        """The content hash of the triples fed so far."""
        return f"{self._total:064x}"


def triples_hash(triples: Iterable[Triple]) -> str:
    """A hash of a set of triples, independent of order: equal hashes mean equal graphs.

    ``GraphDigest`` over the distinct triples: repeats in ``triples`` count once,
    as the graph holds them once. Only the distinct lines of one call are held,
    never a sorted copy or one joined text.
    """
    digest = GraphDigest()
    for line in {triple_line(triple) for triple in triples}:
        digest.add_line(line)
    return digest.hexdigest()


class EmissionDigest:
    """A digest of a document as emitted: SHA-256 over each part's triples as sorted lines, in part order.

    Unlike ``GraphDigest`` it needs no deduplication across parts, so a document
    too big to hold can be digested without a store; in exchange it depends on
    how the document is cut into parts and on the mapping code. Equal emission
    digests mean the same graph; different ones say nothing.
    """

    def __init__(self) -> None:
        self._sha = hashlib.sha256()

    def add_part(self, triples: Iterable[Triple]) -> None:
        """Count the next part's triples (repeats within the part count once)."""
        lines = sorted({triple_line(triple) for triple in triples})
        self._sha.update(len(lines).to_bytes(8, "big"))  # marks where a part ends
        for line in lines:
            self._sha.update(line)
            self._sha.update(b"\n")

    def hexdigest(self) -> str:
        """The emission digest of the parts fed so far."""
        return self._sha.hexdigest()


def provenance_triples(
    graph: str, kind: str, source: str, content_hash: str, generated_at: datetime, emission: str | None = None
) -> Iterator[Triple]:
    """PROV-O description of one source graph: what, from where, when, by which tool version.

    ``emission`` (an ``EmissionDigest``) is given for graphs written in parts, so that
    re-ingesting the unchanged document can be recognised without staging it.
    """
    gnode = URIRef(graph)
    activity = URIRef(f"{ID}activity/{content_key(graph, content_hash)}")
    agent = URIRef(AGENT_IRI)
    yield gnode, RDF.type, CKG.SourceGraph
    yield gnode, RDF.type, PROV.Entity
    yield gnode, CKG.sourceKind, _text(kind)
    yield gnode, CKG.contentHash, _text(content_hash)
    if emission is not None:
        yield gnode, CKG.emissionDigest, _text(emission)
    yield gnode, PROV.generatedAtTime, Literal(generated_at.isoformat(timespec="seconds"), datatype=XSD.dateTime)
    if source:
        yield gnode, PROV.wasDerivedFrom, URIRef(source)
    yield gnode, PROV.wasGeneratedBy, activity
    yield activity, RDF.type, PROV.Activity
    yield activity, RDFS.label, _text(f"ingest of {kind} by cohort-kg {__version__}")
    yield activity, PROV.wasAssociatedWith, agent
    yield agent, RDF.type, PROV.SoftwareAgent
    yield agent, RDFS.label, _text("cohort-kg")

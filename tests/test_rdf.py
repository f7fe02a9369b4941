"""The RDF mapping against hand-written golden graphs."""

from datetime import UTC, datetime
from decimal import Decimal

from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.model import Author, Citation, Evidence, Finding, Publication, PublicationRef
from kg.rdf import provenance_triples, records_triples, triples_hash

PREFIXES = """
@prefix ckg: <https://w3id.org/cohort-kg/ontology#> .
@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix prism: <http://prismstandard.org/namespaces/basic/2.0/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix cito: <http://purl.org/spar/cito/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix pubmed: <https://pubmed.ncbi.nlm.nih.gov/> .
@prefix concept: <https://w3id.org/cohort-kg/concept/> .
"""


def assert_same(records, expected_turtle: str) -> None:
    got = Graph()
    for triple in records_triples(records):
        got.add(triple)
    expected = Graph().parse(data=PREFIXES + expected_turtle, format="turtle")
    if not isomorphic(got, expected):
        _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
        raise AssertionError(
            "graphs differ\nonly in mapping:\n" + only_got.serialize(format="nt")
            + "\nonly in expected:\n" + only_expected.serialize(format="nt")
        )


def test_publication_and_citation_golden():
    pub = Publication(pmid="0040075627".lstrip("0"), pmcid="11899621", doi="https://doi.org/10.3390/Cancers1.",
                      title="A title", authors=(Author(name="Doe J", rank=1),), journal="J Test", year=2025)
    cited = PublicationRef(pmid="7")
    author = "https://w3id.org/cohort-kg/id/author/"
    triples = set(records_triples([pub]))
    author_iri = next(str(o) for s, p, o in triples if str(p).endswith("creator"))
    assert author_iri.startswith(author) and author_iri.endswith("/1")
    assert_same(
        [pub, Citation(citing=pub.ref, cited=cited)],
        f"""
        pubmed:40075627 a bibo:Document, fabio:JournalArticle ;
            dcterms:title "A title" ; fabio:hasPubMedId "40075627" ; fabio:hasPubMedCentralId "PMC11899621" ;
            prism:doi "10.3390/cancers1" ; prism:publicationName "J Test" ;
            fabio:hasPublicationYear "2025"^^xsd:gYear ; dcterms:creator <{author_iri}> ;
            cito:cites pubmed:7 .
        pubmed:7 a bibo:Document .
        <{author_iri}> a foaf:Person ; foaf:name "Doe J" ; ckg:authorRank 1 .
        """,
    )


def test_finding_keeps_decimal_digits_and_evidence():
    ref = PublicationRef(pmid="1")
    finding = Finding(publication=ref, relation="predicts", direction="decreases", subject_concept=None,
                      object_label="CR rate", p_value=Decimal("0.005"), p_comparator="=",
                      evidence=(Evidence(publication=ref, text="sentence", start=3, end=11),))
    graph = Graph()
    for triple in records_triples([finding]):
        graph.add(triple)
    values = {str(o) for o in graph.objects(None, None)}
    assert "0.005" in values and "sentence" in values
    assert len(list(graph.subjects(None, None, unique=True))) == 3  # study, finding, evidence


def test_same_records_same_triples_and_hash():
    citation = Citation(citing=PublicationRef(pmid="5"), cited=PublicationRef(title="X"))
    records = [Publication(pmid="5", title="T"), citation]
    assert records_triples(records) == records_triples(list(reversed(records)))
    assert triples_hash(records_triples(records)) == triples_hash(records_triples(records))


def test_provenance_names_source_time_and_tool():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    triples = list(provenance_triples("https://w3id.org/cohort-kg/graph/page/x", "page", "file:///p.txt", "abc", when))
    text = " ".join(o.n3() for _, _, o in triples)
    assert '"page"' in text and "<file:///p.txt>" in text and "2026-01-02T03:04:05" in text
    assert any(str(p).endswith("wasAssociatedWith") for _, p, _ in triples)

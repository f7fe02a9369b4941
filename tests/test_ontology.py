"""Checks on the hand-written ontology, vocabulary and shapes files.

These files are edited by curators without touching code, so the tests are the safety net that
catches an undeclared term, a one-sided broader/narrower link or a synonym that would make the
recogniser ambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS

from kg import namespaces as ns
from kg.paths import ONTOLOGY_DIR

CKG_NS = str(ns.CKG._NS)
SCHEME = URIRef(str(ns.CONCEPT) + "scheme")
NCIT_PREFIX = "http://purl.obolibrary.org/obo/NCIT_"
ALLOWED_MAPPING_PREFIXES = (
    NCIT_PREFIX,
    "http://purl.obolibrary.org/obo/MONDO_",
    "http://purl.obolibrary.org/obo/MAXO_",
)
DOMAIN_CLASSES = frozenset(
    {ns.CKG.RiskFactor, ns.CKG.ResistancePhenotype, ns.CKG.Outcome, ns.CKG.Therapy, ns.CKG.Disease}
)
TERM_TYPES = frozenset(
    {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.NamedIndividual}
)

# The slugs code and curated data refer to; renaming one silently breaks links.
REQUIRED_SLUGS = {
    "blinatumomab": ns.CKG.Therapy,
    "allogeneic-hct": ns.CKG.Therapy,
    "inotuzumab-ozogamicin": ns.CKG.Therapy,
    "tisagenlecleucel": ns.CKG.Therapy,
    "car-t-cell-therapy": ns.CKG.Therapy,
    "bispecific-t-cell-engager": ns.CKG.Therapy,
    "acute-lymphoblastic-leukemia": ns.CKG.Disease,
    "b-cell-acute-lymphoblastic-leukemia": ns.CKG.Disease,
    "relapsed-refractory-all": ns.CKG.Disease,
    "high-leukemia-burden": ns.CKG.RiskFactor,
    "bone-marrow-blasts-over-50": ns.CKG.RiskFactor,
    "extramedullary-disease": ns.CKG.RiskFactor,
    "prior-extramedullary-disease": ns.CKG.RiskFactor,
    "active-extramedullary-disease": ns.CKG.RiskFactor,
    "extramedullary-relapse": ns.CKG.ResistancePhenotype,
    "cd19-expression": ns.CKG.RiskFactor,
    "cd19-moderate-strong-expression": ns.CKG.RiskFactor,
    "cd19-escape": ns.CKG.ResistancePhenotype,
    "cd19-negative": ns.CKG.ResistancePhenotype,
    "cd19-dim": ns.CKG.ResistancePhenotype,
    "response": ns.CKG.Outcome,
    "complete-remission": ns.CKG.Outcome,
    "minimal-residual-disease": ns.CKG.Outcome,
    "refractory-disease": ns.CKG.Outcome,
    "relapse": ns.CKG.Outcome,
    "overall-survival": ns.CKG.Outcome,
    "event-free-survival": ns.CKG.Outcome,
    "leukemia-free-survival": ns.CKG.Outcome,
}

# Abbreviations the recogniser matches case-sensitively, and the concept each must belong to.
REQUIRED_ABBREVIATIONS = {
    "CR": "complete-remission",
    "OS": "overall-survival",
    "EFS": "event-free-survival",
    "EM-ALL": "extramedullary-disease",
    "EMD": "extramedullary-disease",
    "allo-HCT": "allogeneic-hct",
    "HCT": "allogeneic-hct",
    "MRD": "minimal-residual-disease",
    "r/r ALL": "relapsed-refractory-all",
    "ALL": "acute-lymphoblastic-leukemia",
}


def _load(name: str) -> Graph:
    return Graph().parse(ONTOLOGY_DIR / name, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _load("cohort-kg.ttl")


@pytest.fixture(scope="module")
def vocabulary() -> Graph:
    return _load("vocabulary.ttl")


@pytest.fixture(scope="module")
def concepts(vocabulary: Graph) -> list[URIRef]:
    found = sorted({c for c in vocabulary.subjects(RDF.type, SKOS.Concept) if isinstance(c, URIRef)})
    assert found, "vocabulary.ttl declares no skos:Concept"
    return found


def _ckg_terms() -> list[str]:
    return sorted(ns.CKG.__annotations__)


def _slug(concept: URIRef) -> str:
    return str(concept).removeprefix(str(ns.CONCEPT))


def _normalise(label: str) -> str:
    """Approximate the recogniser's folding: case, hyphens and spacing do not distinguish labels."""
    text = unicodedata.normalize("NFKC", label).casefold()
    return re.sub(r"[\s\-]+", " ", text).strip()


@pytest.mark.parametrize("name", ["cohort-kg.ttl", "vocabulary.ttl", "shapes.ttl"])
def test_file_parses_and_is_not_empty(name: str) -> None:
    assert len(_load(name)) > 50


def test_ontology_header(ontology: Graph) -> None:
    headers = list(ontology.subjects(RDF.type, OWL.Ontology))
    assert headers == [URIRef("https://w3id.org/cohort-kg/ontology")]
    header = headers[0]
    assert ontology.value(header, OWL.versionInfo) is not None
    assert ontology.value(header, OWL.versionIRI) is not None
    assert ontology.value(header, DCTERMS.title) is not None
    assert ontology.value(header, DCTERMS.description) is not None
    assert ontology.value(header, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")


@pytest.mark.parametrize("term", _ckg_terms())
def test_every_ckg_term_is_declared(ontology: Graph, term: str) -> None:
    iri = URIRef(CKG_NS + term)
    types = set(ontology.objects(iri, RDF.type))
    assert types & TERM_TYPES, f"ckg:{term} has no OWL declaration in cohort-kg.ttl"
    labels = list(ontology.objects(iri, RDFS.label))
    assert len(labels) == 1 and labels[0].language == "en", f"ckg:{term} needs one English rdfs:label"
    definitions = list(ontology.objects(iri, SKOS.definition))
    assert len(definitions) == 1 and len(str(definitions[0])) > 20, f"ckg:{term} needs a skos:definition"


def test_ontology_declares_nothing_beyond_namespaces_py(ontology: Graph) -> None:
    declared = {
        str(s).removeprefix(CKG_NS)
        for s in ontology.subjects(RDF.type, None)
        if isinstance(s, URIRef) and str(s).startswith(CKG_NS)
    }
    assert declared == set(_ckg_terms())


def test_properties_are_typed_consistently(ontology: Graph) -> None:
    object_props = set(ontology.subjects(RDF.type, OWL.ObjectProperty))
    data_props = set(ontology.subjects(RDF.type, OWL.DatatypeProperty))
    assert not object_props & data_props
    xsd = "http://www.w3.org/2001/XMLSchema#"
    for prop in data_props:
        rng = ontology.value(prop, RDFS.range)
        assert rng is not None and str(rng).startswith(xsd), f"{prop} needs an XSD rdfs:range"
    for prop in object_props:
        assert ontology.value(prop, RDFS.domain) is not None, f"{prop} needs an rdfs:domain"
        rng = ontology.value(prop, RDFS.range)
        literal_range = rng is not None and str(rng).startswith(xsd)
        assert not literal_range, f"{prop} is an object property with a literal range"


@pytest.mark.parametrize(
    ("individual", "cls"),
    [
        (ns.CKG.Increases, ns.CKG.Direction),
        (ns.CKG.Decreases, ns.CKG.Direction),
        (ns.CKG.NoEffect, ns.CKG.Direction),
        (ns.CKG.Unspecified, ns.CKG.Direction),
        (ns.CKG.Curated, ns.CKG.AssertionMethod),
        (ns.CKG.Extracted, ns.CKG.AssertionMethod),
    ],
)
def test_individuals_are_typed(ontology: Graph, individual: URIRef, cls: URIRef) -> None:
    assert (individual, RDF.type, cls) in ontology
    assert (individual, RDF.type, OWL.NamedIndividual) in ontology


@pytest.mark.parametrize(
    "triple",
    [
        (ns.CKG.Finding, RDFS.subClassOf, PROV.Entity),
        (ns.CKG.Evidence, RDFS.subClassOf, PROV.Entity),
        (ns.CKG.SourceGraph, RDFS.subClassOf, PROV.Entity),
        (ns.CKG.Study, RDFS.subClassOf, ns.BIBO.Document),
        (ns.CKG.RiskFactor, RDFS.subClassOf, SKOS.Concept),
        (ns.CKG.ResistancePhenotype, RDFS.subClassOf, SKOS.Concept),
        (ns.CKG.Outcome, RDFS.subClassOf, SKOS.Concept),
        (ns.CKG.Therapy, RDFS.subClassOf, SKOS.Concept),
        (ns.CKG.Disease, RDFS.subClassOf, SKOS.Concept),
        (ns.CKG.sourcePublication, RDFS.subPropertyOf, PROV.wasDerivedFrom),
        (ns.CKG.abbreviation, RDFS.subPropertyOf, SKOS.altLabel),
        (ns.CKG.Study, SKOS.closeMatch, URIRef(NCIT_PREFIX + "C63536")),
    ],
)
def test_alignment_to_standard_vocabularies(ontology: Graph, triple: tuple[URIRef, URIRef, URIRef]) -> None:
    assert triple in ontology


def test_required_concepts_exist_with_their_class(vocabulary: Graph) -> None:
    for slug, cls in REQUIRED_SLUGS.items():
        concept = ns.CONCEPT[slug]
        assert (concept, RDF.type, SKOS.Concept) in vocabulary, f"missing concept {slug}"
        assert (concept, RDF.type, cls) in vocabulary, f"{slug} should be a {cls}"


def test_every_concept_is_well_formed(vocabulary: Graph, concepts: list[URIRef]) -> None:
    for concept in concepts:
        slug = _slug(concept)
        assert str(concept).startswith(str(ns.CONCEPT)), concept
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), f"bad slug {slug!r}"
        pref = list(vocabulary.objects(concept, SKOS.prefLabel))
        assert [p.language for p in pref] == ["en"], f"{slug}: needs exactly one prefLabel, in English"
        assert list(vocabulary.objects(concept, SKOS.notation)) == [Literal(slug)], f"{slug}: notation"
        assert (concept, SKOS.inScheme, SCHEME) in vocabulary, f"{slug}: not in the scheme"
        assert set(vocabulary.objects(concept, RDF.type)) & DOMAIN_CLASSES, f"{slug}: no ckg class"
        definition = vocabulary.value(concept, SKOS.definition)
        assert definition is not None and len(str(definition)) > 30, f"{slug}: needs a definition"


def test_broader_and_narrower_are_symmetric(vocabulary: Graph) -> None:
    broader = set(vocabulary.subject_objects(SKOS.broader))
    narrower_inverted = {(o, s) for s, o in vocabulary.subject_objects(SKOS.narrower)}
    only_broader = sorted(broader - narrower_inverted)
    only_narrower = sorted(narrower_inverted - broader)
    assert not only_broader, f"broader without matching narrower: {only_broader}"
    assert not only_narrower, f"narrower without matching broader: {only_narrower}"
    assert broader, "the vocabulary should have a hierarchy"


def test_hierarchy_has_no_cycles(vocabulary: Graph, concepts: list[URIRef]) -> None:
    for concept in concepts:
        ancestors = set(vocabulary.transitive_objects(concept, SKOS.broader)) - {concept}
        above = {a for anc in ancestors for a in vocabulary.transitive_objects(anc, SKOS.broader)}
        assert concept not in above, f"{_slug(concept)} is its own ancestor"


@pytest.mark.parametrize(
    ("narrow", "broad"),
    [
        ("tisagenlecleucel", "car-t-cell-therapy"),
        ("blinatumomab", "bispecific-t-cell-engager"),
        ("b-cell-acute-lymphoblastic-leukemia", "acute-lymphoblastic-leukemia"),
        ("relapsed-refractory-all", "acute-lymphoblastic-leukemia"),
        ("bone-marrow-blasts-over-50", "high-leukemia-burden"),
        ("prior-extramedullary-disease", "extramedullary-disease"),
        ("active-extramedullary-disease", "extramedullary-disease"),
        ("extramedullary-relapse", "extramedullary-disease"),
        ("cd19-moderate-strong-expression", "cd19-expression"),
        ("cd19-negative", "cd19-escape"),
        ("cd19-dim", "cd19-escape"),
        ("complete-remission", "response"),
    ],
)
def test_expected_hierarchy(vocabulary: Graph, narrow: str, broad: str) -> None:
    assert (ns.CONCEPT[narrow], SKOS.broader, ns.CONCEPT[broad]) in vocabulary


def test_required_abbreviations(vocabulary: Graph) -> None:
    for abbreviation, slug in REQUIRED_ABBREVIATIONS.items():
        owners = {_slug(s) for s in vocabulary.subjects(ns.CKG.abbreviation, Literal(abbreviation))}
        assert owners == {slug}, f"abbreviation {abbreviation!r} belongs to {owners}, expected {slug}"


def test_no_seed_typo_is_a_label(vocabulary: Graph) -> None:
    """Typos of one text are read by the recogniser's one-letter slip rule, never listed as labels."""
    labels = {str(o) for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel) for o in vocabulary.objects(None, p)}
    assert not labels & {"even-free survival", "event-fee survival"}


def test_no_label_is_shared_between_concepts(vocabulary: Graph, concepts: list[URIRef]) -> None:
    """A wording that names two concepts would make the recogniser pick one arbitrarily."""
    owners: dict[str, set[str]] = defaultdict(set)
    for concept in concepts:
        for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
            for label in vocabulary.objects(concept, prop):
                owners[_normalise(str(label))].add(_slug(concept))
        for label in vocabulary.objects(concept, ns.CKG.abbreviation):
            owners["abbr:" + str(label)].add(_slug(concept))
    clashes = {label: slugs for label, slugs in owners.items() if len(slugs) > 1}
    assert not clashes, f"labels used by several concepts: {clashes}"


def test_mappings_point_only_to_known_ontologies(vocabulary: Graph) -> None:
    for prop in (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch):
        for _, target in vocabulary.subject_objects(prop):
            assert str(target).startswith(ALLOWED_MAPPING_PREFIXES), target


@pytest.mark.parametrize(
    ("slug", "target"),
    [
        ("blinatumomab", NCIT_PREFIX + "C62528"),
        ("acute-lymphoblastic-leukemia", NCIT_PREFIX + "C3167"),
        ("acute-lymphoblastic-leukemia", "http://purl.obolibrary.org/obo/MONDO_0004967"),
        ("b-cell-acute-lymphoblastic-leukemia", "http://purl.obolibrary.org/obo/MONDO_0004947"),
        ("inotuzumab-ozogamicin", NCIT_PREFIX + "C71542"),
        ("tisagenlecleucel", NCIT_PREFIX + "C102758"),
        ("overall-survival", NCIT_PREFIX + "C125201"),
        ("complete-remission", NCIT_PREFIX + "C4870"),
    ],
)
def test_confirmed_exact_mappings(vocabulary: Graph, slug: str, target: str) -> None:
    assert (ns.CONCEPT[slug], SKOS.exactMatch, URIRef(target)) in vocabulary


def test_unmapped_concepts_are_flagged_where_expected(vocabulary: Graph) -> None:
    for slug in ("cd19-expression", "extramedullary-disease", "event-free-survival"):
        concept = ns.CONCEPT[slug]
        assert not list(vocabulary.objects(concept, SKOS.exactMatch))
        assert Literal("NCIT mapping to be confirmed") in set(vocabulary.objects(concept, RDFS.comment))

"""SHACL validation of small hand-written graphs.

Each broken graph differs from the conforming one by a single defect, so a failure here points
at exactly one shape (or at the mapping having drifted away from the shapes).
"""

from __future__ import annotations

import pytest
import rdflib
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from kg import namespaces as ns
from kg.validate import ValidationReport, Violation, format_report, validate_graph

PREFIXES = """
@prefix ckg: <https://w3id.org/cohort-kg/ontology#> .
@prefix concept: <https://w3id.org/cohort-kg/concept/> .
@prefix id: <https://w3id.org/cohort-kg/id/> .
@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix fabio: <http://purl.org/spar/fabio/> .
@prefix prism: <http://prismstandard.org/namespaces/basic/2.0/> .
@prefix cito: <http://purl.org/spar/cito/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix mesh: <http://id.nlm.nih.gov/mesh/> .
@prefix pubmed: <https://pubmed.ncbi.nlm.nih.gov/> .
"""

PUBLICATION = """
pubmed:31000001 a bibo:Document, fabio:JournalArticle, ckg:Study ;
    dcterms:title "Blinatumomab for relapsed/refractory ALL: a cohort of 65 patients" ;
    dcterms:abstract "Sixty-five patients with r/r ALL received blinatumomab." ;
    fabio:hasPubMedId "31000001" ;
    fabio:hasPubMedCentralId "PMC7000001" ;
    prism:doi "10.1182/bloodadvances.2020000001" ;
    prism:publicationName "Blood Advances" ;
    prism:volume "4" ; prism:issueIdentifier "12" ; prism:pageRange "2700-2710" ;
    fabio:hasPublicationYear "2020"^^xsd:gYear ;
    prism:publicationDate "2020-06-23"^^xsd:date ;
    ckg:publicationType "Journal Article" ;
    prism:keyword "blinatumomab" ;
    ckg:lastRefreshed "2026-11-25T10:00:00Z"^^xsd:dateTime ;
    dcterms:creator id:pub-31000001-author-1, id:pub-31000001-author-2 ;
    ckg:hasMeshHeading id:pub-31000001-mesh-D054198 ;
    ckg:hasAbstractSection id:pub-31000001-section-1 ;
    ckg:mentions concept:blinatumomab, concept:extramedullary-disease ;
    cito:cites pubmed:29000002 ;
    ckg:studiesCohort id:cohort-1 ;
    ckg:reportsFinding id:finding-1 .

pubmed:29000002 a bibo:Document, fabio:JournalArticle ;
    fabio:hasPubMedId "29000002" .

id:pub-31000001-author-1 a foaf:Person ;
    foaf:name "Ada Example" ; ckg:authorRank 1 ; ckg:orcid "0000-0002-1825-0097" .
id:pub-31000001-author-2 a foaf:Organization ;
    foaf:name "Example Leukemia Group" ; ckg:authorRank 2 .

id:pub-31000001-mesh-D054198 a ckg:MeshHeading ;
    ckg:descriptor mesh:D054198 ; ckg:qualifier mesh:Q000188 ; ckg:majorTopic true ;
    rdfs:label "Precursor Cell Lymphoblastic Leukemia-Lymphoma" .

id:pub-31000001-section-1 a ckg:AbstractSection ;
    ckg:sectionLabel "RESULTS" ; ckg:sectionOrder 1 ;
    ckg:sectionText "CR was achieved in 33 of 65 patients (51%)." .
"""

FINDINGS = """
id:cohort-1 a ckg:Cohort ;
    rdfs:label "adults with r/r B-ALL treated with blinatumomab" ;
    ckg:cohortSize 65 ;
    ckg:therapy concept:blinatumomab ;
    ckg:disease concept:relapsed-refractory-all .

id:finding-1 a ckg:Finding ;
    ckg:subject concept:extramedullary-disease ;
    ckg:subjectLabel "prior EM-ALL" ;
    ckg:relation "associated_with" ;
    ckg:object concept:complete-remission ;
    ckg:objectLabel "CR" ;
    ckg:direction ckg:Decreases ;
    ckg:subgroup "patients with prior EM-ALL" ;
    ckg:count 33 ; ckg:denominator 65 ; ckg:percentage 51.0 ;
    ckg:pValue 0.03 ; ckg:pValueComparator "=" ;
    ckg:effectMeasure "odds ratio" ; ckg:effectSize 0.35 ; ckg:ciLower 0.12 ; ckg:ciUpper 0.98 ;
    ckg:method ckg:Curated ; ckg:confidence 1.0 ;
    ckg:hasEvidence id:finding-1-evidence-0 ;
    ckg:aboutCohort id:cohort-1 .

id:finding-1-evidence-0 a ckg:Evidence ;
    ckg:sourcePublication pubmed:31000001 ;
    ckg:evidenceText "CR was achieved in 33 of 65 patients (51%)." ;
    ckg:startOffset 0 ; ckg:endOffset 44 .
"""

PROVENANCE = """
<https://w3id.org/cohort-kg/graph/pubmed/31000001> a ckg:SourceGraph, prov:Entity ;
    ckg:sourceKind "pubmed" ;
    ckg:contentHash "9f2c0e" ;
    prov:generatedAtTime "2026-11-25T10:00:00Z"^^xsd:dateTime ;
    prov:wasDerivedFrom pubmed:31000001 ;
    prov:wasGeneratedBy id:activity-1 .
id:activity-1 a prov:Activity ; prov:wasAssociatedWith id:agent-cohort-kg .
id:agent-cohort-kg a prov:SoftwareAgent .
"""

PUB = URIRef("https://pubmed.ncbi.nlm.nih.gov/31000001")
FINDING = ns.ID["finding-1"]


def _graph(*parts: str) -> Graph:
    return Graph().parse(data=PREFIXES + "".join(parts), format="turtle")


@pytest.fixture
def good() -> Graph:
    return _graph(PUBLICATION, FINDINGS, PROVENANCE)


def _replace(graph: Graph, subject: URIRef, predicate: URIRef, value: object) -> Graph:
    graph.remove((subject, predicate, None))
    graph.add((subject, predicate, value))  # type: ignore[arg-type]
    return graph


def _fails_on(report: ValidationReport, path: str, *, words: str = "") -> Violation:
    """Assert the report is non-conforming because of ``path`` and return that violation."""
    assert not report.conforms, "graph should not conform"
    hits = [v for v in report.violations if v.path == path and v.severity == "Violation"]
    assert hits, f"no violation on {path}:\n{format_report(report)}"
    if words:
        assert any(words.lower() in v.message.lower() for v in hits), format_report(report)
    return hits[0]


def test_conforming_graph(good: Graph) -> None:
    report = validate_graph(good)
    assert report.conforms, format_report(report)
    assert report.violations == ()
    assert format_report(report).startswith("Conforms")


def test_validation_does_not_modify_the_input(good: Graph) -> None:
    before = len(good)
    validate_graph(good)
    assert len(good) == before


def test_dataset_is_validated_as_a_union_of_its_graphs() -> None:
    """Evidence in one named graph may point at a publication described in another."""
    dataset = rdflib.Dataset()
    dataset.graph(ns.GRAPH["pubmed/31000001"]).parse(data=PREFIXES + PUBLICATION, format="turtle")
    dataset.graph(ns.GRAPH["curated/blina"]).parse(data=PREFIXES + FINDINGS, format="turtle")
    dataset.graph(ns.GRAPH["meta"]).parse(data=PREFIXES + PROVENANCE, format="turtle")
    report = validate_graph(dataset)
    assert report.conforms, format_report(report)


def test_finding_without_evidence(good: Graph) -> None:
    good.remove((FINDING, ns.CKG.hasEvidence, None))
    violation = _fails_on(validate_graph(good), "ckg:hasEvidence", words="at least one")
    assert violation.focus_node == "id:finding-1"


def test_evidence_link_to_untyped_node(good: Graph) -> None:
    good.remove((ns.ID["finding-1-evidence-0"], RDF.type, ns.CKG.Evidence))
    _fails_on(validate_graph(good), "ckg:hasEvidence", words="ckg:Evidence")


def test_count_above_denominator(good: Graph) -> None:
    _replace(good, FINDING, ns.CKG.count, Literal(70, datatype=ns.XSD.integer))
    violation = _fails_on(validate_graph(good), "ckg:count", words="larger than the denominator")
    assert violation.focus_node == "id:finding-1"
    assert "70" in violation.message and "65" in violation.message


def test_p_value_above_one(good: Graph) -> None:
    _replace(good, FINDING, ns.CKG.pValue, Literal("1.5", datatype=ns.XSD.decimal))
    violation = _fails_on(validate_graph(good), "ckg:pValue", words="between 0 and 1")
    assert "1.5" in violation.value


def test_p_value_as_double_is_rejected(good: Graph) -> None:
    """The mapping promises xsd:decimal; a Python float would silently become xsd:double."""
    _replace(good, FINDING, ns.CKG.pValue, Literal(0.03))
    _fails_on(validate_graph(good), "ckg:pValue")


@pytest.mark.parametrize(
    ("predicate", "bad_value"),
    [
        (ns.FABIO.hasPubMedId, "PMID:31000001"),
        (ns.FABIO.hasPubMedId, "031000001"),
        (ns.PRISM.doi, "https://doi.org/10.1182/bloodadvances.2020000001"),
        (ns.PRISM.doi, "10.1182/BloodAdvances.2020000001"),
        (ns.PRISM.doi, "10.12/x"),
        (ns.FABIO.hasPubMedCentralId, "7000001"),
        (ns.FABIO.hasPubMedCentralId, "pmc7000001"),
    ],
)
def test_malformed_identifiers(good: Graph, predicate: URIRef, bad_value: str) -> None:
    _replace(good, PUB, predicate, Literal(bad_value))
    report = validate_graph(good)
    path = {ns.FABIO.hasPubMedId: "fabio:hasPubMedId", ns.PRISM.doi: "prism:doi"}.get(
        predicate, "fabio:hasPubMedCentralId"
    )
    violation = _fails_on(report, path)
    assert violation.focus_node == "pubmed:31000001"
    assert bad_value in violation.value


def test_cites_a_non_publication(good: Graph) -> None:
    good.add((PUB, ns.CITO.cites, ns.ID["cohort-1"]))
    violation = _fails_on(validate_graph(good), "cito:cites", words="only publications can be cited")
    assert violation.value == "id:cohort-1"


def test_cites_a_literal(good: Graph) -> None:
    good.add((PUB, ns.CITO.cites, Literal("Smith et al. 2019")))
    _fails_on(validate_graph(good), "cito:cites")


def test_direction_outside_the_four_individuals(good: Graph) -> None:
    _replace(good, FINDING, ns.CKG.direction, URIRef(str(ns.CKG._NS) + "Maybe"))
    violation = _fails_on(validate_graph(good), "ckg:direction", words="exactly one direction")
    assert violation.value == "ckg:Maybe"


def test_two_directions(good: Graph) -> None:
    good.add((FINDING, ns.CKG.direction, ns.CKG.Increases))
    _fails_on(validate_graph(good), "ckg:direction")


def test_method_is_required(good: Graph) -> None:
    good.remove((FINDING, ns.CKG.method, None))
    _fails_on(validate_graph(good), "ckg:method")


def test_reversed_confidence_interval(good: Graph) -> None:
    _replace(good, FINDING, ns.CKG.ciLower, Literal("2.5", datatype=ns.XSD.decimal))
    _fails_on(validate_graph(good), "ckg:ciLower", words="reversed")


def test_finding_needs_an_object(good: Graph) -> None:
    good.remove((FINDING, ns.CKG.object, None))
    assert validate_graph(good).conforms  # the label alone is enough
    good.remove((FINDING, ns.CKG.objectLabel, None))
    report = validate_graph(good)
    assert not report.conforms
    assert any("ckg:object" in v.message and "ckg:objectLabel" in v.message for v in report.violations)


def test_subject_must_be_a_vocabulary_concept(good: Graph) -> None:
    _replace(good, FINDING, ns.CKG.subject, ns.CONCEPT["no-such-concept"])
    _fails_on(validate_graph(good), "ckg:subject", words="vocabulary concept")


def test_percentage_mismatch_is_only_a_warning(good: Graph) -> None:
    _replace(good, FINDING, ns.CKG.percentage, Literal("60", datatype=ns.XSD.decimal))
    report = validate_graph(good)
    assert report.conforms, format_report(report)
    assert [(v.severity, v.path) for v in report.violations] == [("Warning", "ckg:percentage")]
    assert "Warning" in format_report(report)


def test_publication_without_any_identifier() -> None:
    report = validate_graph(_graph("<https://example.org/paper/1> a bibo:Document ; prism:keyword \"x\" .\n"))
    assert not report.conforms
    assert any("PMID" in v.message and v.focus_node == "<https://example.org/paper/1>" for v in report.violations)


@pytest.mark.parametrize("cited", ["pubmed:29000003", "<https://doi.org/10.1182/blood.2019001234>"])
def test_cited_only_publication_is_identified_by_its_iri(cited: str) -> None:
    # A reference list types the cited paper and nothing more: its PubMed or DOI IRI identifies it.
    citation = f"pubmed:31000001 cito:cites {cited} . {cited} a bibo:Document .\n"
    graph = _graph(PUBLICATION, FINDINGS, PROVENANCE, citation)
    report = validate_graph(graph)
    assert report.conforms, format_report(report)


def test_provisional_publication_must_be_flagged() -> None:
    graph = _graph(
        """
        <https://w3id.org/cohort-kg/id/publication/abc123> a bibo:Document ;
            dcterms:title "Conference abstract without identifiers" .
        """
    )
    report = validate_graph(graph)
    assert any("provisional" in v.message for v in report.violations), format_report(report)
    graph.add((URIRef("https://w3id.org/cohort-kg/id/publication/abc123"), ns.CKG.provisional, Literal(True)))
    assert validate_graph(graph).conforms


def test_author_rank_and_name_are_required(good: Graph) -> None:
    author = ns.ID["pub-31000001-author-1"]
    good.remove((author, ns.CKG.authorRank, None))
    good.add((author, ns.FOAF.name, Literal("Ada B. Example")))
    report = validate_graph(good)
    assert {"ckg:authorRank", "foaf:name"} <= {v.path for v in report.violations}, format_report(report)


def test_malformed_orcid(good: Graph) -> None:
    url_form = Literal("https://orcid.org/0000-0002-1825-0097")
    _replace(good, ns.ID["pub-31000001-author-1"], ns.CKG.orcid, url_form)
    _fails_on(validate_graph(good), "ckg:orcid")


def test_mesh_descriptor_outside_mesh(good: Graph) -> None:
    _replace(good, ns.ID["pub-31000001-mesh-D054198"], ns.CKG.descriptor, ns.NCIT["C3167"])
    _fails_on(validate_graph(good), "ckg:descriptor")


def test_evidence_must_point_at_a_publication(good: Graph) -> None:
    _replace(good, ns.ID["finding-1-evidence-0"], ns.CKG.sourcePublication, ns.ID["cohort-1"])
    _fails_on(validate_graph(good), "ckg:sourcePublication", words="bibo:Document")


def test_evidence_span_must_not_end_before_it_starts(good: Graph) -> None:
    _replace(good, ns.ID["finding-1-evidence-0"], ns.CKG.endOffset, Literal(0, datatype=ns.XSD.integer))
    _replace(good, ns.ID["finding-1-evidence-0"], ns.CKG.startOffset, Literal(5, datatype=ns.XSD.integer))
    _fails_on(validate_graph(good), "ckg:endOffset", words="ends")


def test_source_graph_needs_generation_time(good: Graph) -> None:
    good.remove((None, ns.PROV.generatedAtTime, None))
    _fails_on(validate_graph(good), "prov:generatedAtTime")


def test_report_lines_use_prefixed_names(good: Graph) -> None:
    _replace(good, FINDING, ns.CKG.pValue, Literal("1.5", datatype=ns.XSD.decimal))
    text = format_report(validate_graph(good))
    lines = text.splitlines()
    assert lines[0].startswith("Does NOT conform")
    assert len(lines) == 2
    assert "id:finding-1 ckg:pValue" in lines[1]
    assert "https://" not in lines[1]


# -- a whole store, graph by graph -------------------------------------------------------------------

PUB_GRAPH = "https://w3id.org/cohort-kg/graph/pubmed/31000001"
FINDINGS_GRAPH = "https://w3id.org/cohort-kg/graph/curated/test"


def _store_with(graphs: dict[str, Graph]):
    from kg.store import OxigraphStore

    store = OxigraphStore(None)
    store.replace_graphs({name: list(graph) for name, graph in graphs.items()})
    return store


def test_store_is_validated_graph_by_graph_with_linked_types() -> None:
    from kg.validate import validate_store

    # The evidence (findings graph) cites a publication typed only in the PubMed graph.
    store = _store_with({PUB_GRAPH: _graph(PUBLICATION, PROVENANCE), FINDINGS_GRAPH: _graph(FINDINGS)})
    for batch in (1, 10_000):  # each graph alone, then both together
        report = validate_store(store, batch_quads=batch)
        assert report.conforms, format_report(report)


def test_store_validation_finds_what_the_union_finds() -> None:
    from kg.validate import validate_store

    broken = _graph(FINDINGS)
    broken.remove((FINDING, ns.CKG.hasEvidence, None))
    broken.add((ns.ID["finding-1"], ns.CKG.count, Literal(99)))
    store = _store_with({PUB_GRAPH: _graph(PUBLICATION, PROVENANCE), FINDINGS_GRAPH: broken})
    union = validate_graph(_graph(PUBLICATION, PROVENANCE) + broken)
    for batch in (1, 10_000):
        report = validate_store(store, batch_quads=batch)
        assert not report.conforms
        # compared by shape, not message: the store writes 51.0 in its canonical form 51
        assert {(v.focus_node, v.path, v.shape, v.severity) for v in report.violations} == {
            (v.focus_node, v.path, v.shape, v.severity) for v in union.violations}


def test_evidence_citing_a_publication_no_graph_describes() -> None:
    from kg.validate import validate_store

    store = _store_with({FINDINGS_GRAPH: _graph(FINDINGS)})
    report = validate_store(store, batch_quads=1)
    assert not report.conforms
    assert any(v.path == "ckg:sourcePublication" for v in report.violations), format_report(report)


def test_summary_groups_problems_by_shape_with_counts() -> None:
    from kg.validate import format_summary

    violations = [Violation(f"id:f{i}", "ckg:count", "", "too many", "Violation", "ckgsh:FindingShape/count")
                  for i in range(5)]
    violations.append(Violation("id:g", "", "", "odd percentage", "Warning", "ckgsh:FindingConsistencyShape"))
    text = format_summary(ValidationReport(conforms=False, violations=tuple(violations)), examples=2)
    lines = text.splitlines()
    assert lines[0] == "Does NOT conform. 6 problem(s) in 2 group(s):"
    assert lines[1].split() == ["5", "x", "Violation:", "ckgsh:FindingShape/count:", "too", "many"]
    assert [line.split()[1] for line in lines if "e.g." in line] == ["id:f0", "id:f1", "id:g"]
    assert format_summary(ValidationReport(conforms=True, violations=())) == "Conforms: no problems found."


# -- every graph the project produces validates ----------------------------------------------------------


def test_generated_benchmark_corpus_conforms() -> None:
    from bench.generate import GENERATED_AT, generate_documents
    from kg.model import Finding
    from kg.paths import ONTOLOGY_DIR
    from kg.pipeline import Pipeline
    from kg.store import OxigraphStore
    from kg.validate import format_summary, validate_store

    docs = list(generate_documents(80, seed=3))
    findings = [r for doc in docs for r in doc.records if isinstance(r, Finding)]
    assert findings and all(f.evidence for f in findings)  # every generated finding cites its paper
    store = OxigraphStore(None)
    with Pipeline(store, now=GENERATED_AT) as pipeline:
        pipeline.write_rdf_files([ONTOLOGY_DIR / "vocabulary.ttl"], "vocabulary")
        pipeline.write(docs)
    report = validate_store(store, batch_quads=5_000)
    assert report.conforms, format_summary(report)
    # each paper's graph types the papers it cites without describing them
    cited_only = "ASK { GRAPH ?g { ?cited a bibo:Document FILTER NOT EXISTS { ?cited fabio:hasPubMedId ?id } } }"
    assert store.query(cited_only).boolean


def test_real_pubmed_records_with_references_conform(tmp_path) -> None:
    from conftest import EUTILS_FIXTURES, require_shared

    from kg.store import OxigraphStore
    from kg.validate import format_summary, validate_store

    require_shared(EUTILS_FIXTURES / "metapub")
    files = [path for path in sorted(EUTILS_FIXTURES.rglob("*.xml")) if b"<ReferenceList" in path.read_bytes()
             and b"<PubmedArticleSet" in path.read_bytes()][:6]
    assert files, f"no PubMed records with reference lists under {EUTILS_FIXTURES}"
    from kg.cli import main as kg_main

    store_dir = tmp_path / "store"
    for path in files:
        assert kg_main(["ingest", "pubmed-xml", str(path), "--store", str(store_dir)]) == 0
    store = OxigraphStore(store_dir)
    try:
        assert store.query("ASK { ?a cito:cites ?b . ?b a bibo:Document FILTER NOT EXISTS { ?b dcterms:title ?t } }"
                           ).boolean, "the fixtures should hold cited-only publications"
        report = validate_store(store)
    finally:
        store.close()
    assert report.conforms, format_summary(report)


def test_summary_groups_messages_that_quote_values() -> None:
    from kg.validate import format_summary

    violations = tuple(Violation(f"id:f{n}", "ckg:count", str(n), f"The count ({n}) is larger", "Violation",
                                 "ckgsh:FindingShape") for n in (7, 9))
    lines = format_summary(ValidationReport(conforms=False, violations=violations)).splitlines()
    assert lines[0].endswith("2 problem(s) in 1 group(s):")
    assert lines[1].split()[:2] == ["2", "x"]

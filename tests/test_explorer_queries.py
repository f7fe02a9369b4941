"""The catalog queries the explorer added, answered on the graph `kg build` makes from the bundled data."""

from __future__ import annotations

from decimal import Decimal

from rdflib import Literal, URIRef

from kg import namespaces as ns
from kg.queries import run_named

STUDY_TITLE = "Correlates of Resistance and Relapse During Blinatumomab Therapy"
CITING = {"40075627", "39995843", "39800374", "39692275", "39386214"}
STUDY_PMID = "28494518"


def local(value: str | None) -> str | None:
    return value.rsplit("/", 1)[-1] if value else None


def test_finding_network_gives_concept_kinds_and_numbers(seed_store):
    rows = run_named(seed_store, "finding-network").values()
    assert len({r["finding"] for r in rows}) == 18
    kinds = {(local(r["subject"]), r["subjectKind"]) for r in rows if r["subject"]}
    kinds |= {(local(r["object"]), r["objectKind"]) for r in rows if r["object"]}
    assert ("bone-marrow-blasts-over-50", "RiskFactor") in kinds
    assert ("cd19-negative", "ResistancePhenotype") in kinds
    assert ("complete-remission", "Outcome") in kinds
    blasts = [r for r in rows if local(r["subject"]) == "bone-marrow-blasts-over-50"]
    assert {(r["relation"], r["directionName"], Decimal(r["pValue"])) for r in blasts} == {
        ("predicts", "Decreases", Decimal("0.02"))
    }
    text_only = [r for r in rows if r["subject"] is None and r["subjectLabel"]]
    assert [r["subjectLabel"] for r in text_only] == ["pretreatment factors"]


def test_publications_lists_every_document_with_citation_counts(seed_store):
    rows = run_named(seed_store, "publications").values()
    assert {r["pmid"] for r in rows if r["pmid"]} == CITING | {STUDY_PMID}
    study = [r for r in rows if (r["title"] or "").startswith(STUDY_TITLE)]
    assert len(study) == 1 and study[0]["citedBy"] == 5 and study[0]["cites"] == 0
    facts = {k: study[0][k] for k in ("pmid", "doi", "journal", "year")}
    assert facts == {"pmid": STUDY_PMID, "doi": "10.1002/ajh.24783", "journal": "Am J Hematol", "year": 2017}
    assert study[0]["publication"] == str(ns.PUBMED[STUDY_PMID])
    assert all(r["cites"] == 1 for r in rows if r["pmid"] in CITING)


def test_study_volume_pages_and_no_provisional_node(seed_store):
    study = ns.PUBMED[STUDY_PMID]
    facts = seed_store.query(
        f"SELECT ?v ?pg WHERE {{ <{study}> <{ns.PRISM.volume}> ?v ; <{ns.PRISM.pageRange}> ?pg }}"
    ).values()
    assert [(str(f["v"]), str(f["pg"])) for f in facts] == [("92", "858-865")]
    provisional = seed_store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?s), '/publication/title-')) }"
    ).values()
    assert provisional[0]["n"] == 0


def test_every_title_gives_its_concept_mentions(seed_store):
    everything_all = {"concept": "concept:acute-lymphoblastic-leukemia"}
    rows = run_named(seed_store, "publications-mentioning", everything_all).values()
    named = {(r["pmid"], local(r["mentioned"])) for r in rows}
    assert ("40075627", "b-cell-acute-lymphoblastic-leukemia") in named
    assert ("39386214", "b-cell-acute-lymphoblastic-leukemia") in named
    assert (STUDY_PMID, "relapsed-refractory-all") in named
    blinatumomab = run_named(seed_store, "publications-mentioning", {"concept": "concept:blinatumomab"}).values()
    assert {r["pmid"] for r in blinatumomab} == {STUDY_PMID}


def test_authors_in_list_order(seed_store):
    rows = run_named(seed_store, "authors", {"publication": str(ns.PUBMED["40075627"])}).values()
    assert [(r["rank"], r["name"]) for r in rows] == [(1, "Csizmar C"), (2, "Litzow M"), (3, "Saliba A")]


def test_citation_links_both_ends(seed_store):
    every = run_named(seed_store, "citation-links").values()
    assert {r["citingPmid"] for r in every} == CITING
    one = run_named(seed_store, "citation-links", {"publication": str(ns.PUBMED["39386214"])}).values()
    assert [(r["citingPmid"], r["citingYear"]) for r in one] == [("39386214", 2024)]
    assert one[0]["citedTitle"].startswith(STUDY_TITLE)


def test_top_concepts_ranks_by_findings(seed_store):
    rows = run_named(seed_store, "top-concepts").values()
    counts = {local(r["concept"]): r["findings"] for r in rows}
    assert counts["complete-remission"] == 4
    assert counts["extramedullary-relapse"] == 4
    assert counts["cd19-negative"] == 3
    assert [r["findings"] for r in rows] == sorted((r["findings"] for r in rows), reverse=True)


def test_compare_concept_includes_narrower_concepts(seed_store):
    rows = run_named(seed_store, "compare-concept", {"concept": "concept:extramedullary-relapse"}).values()
    got = {(r["role"], r["subgroup"], r["count"], str(r["percentage"]), r["pValue"]) for r in rows}
    assert got == {
        ("object", "refractory", 13, "41", None),
        ("object", "responders who relapsed", 8, "40", None),
        ("object", "all patients", None, "None", "0.01"),
        ("object", "all patients", None, "None", "0.04"),
    }
    broader = run_named(seed_store, "compare-concept", {"concept": "concept:extramedullary-disease"}).values()
    assert {local(r["matched"]) for r in broader} >= {"prior-extramedullary-disease", "active-extramedullary-disease"}
    assert len(broader) > len(rows)


def test_mesh_mentions_and_last_refresh_on_a_small_graph(memory_store):
    pub = ns.PUBMED["1"]
    heading = URIRef("https://w3id.org/cohort-kg/id/mesh/x/1")
    descriptor = URIRef("http://id.nlm.nih.gov/mesh/D015451")
    concept = URIRef("https://w3id.org/cohort-kg/concept/blinatumomab")
    memory_store.replace_graphs({"urn:g": [
        (pub, ns.RDF.type, ns.BIBO.Document),
        (pub, ns.DCTERMS.title, Literal("t")),
        (pub, ns.CKG.hasMeshHeading, heading),
        (heading, ns.CKG.descriptor, descriptor),
        (heading, ns.RDFS.label, Literal("Leukemia, B-Cell")),
        (heading, ns.CKG.majorTopic, Literal(True)),
        (pub, ns.CKG.mentions, concept),
        (pub, ns.CKG.lastRefreshed, Literal("2026-01-02T03:04:05Z")),
        (pub, ns.CITO.cites, ns.PUBMED["2"]),
        (pub, ns.FABIO.hasPubMedId, Literal("1")),
    ]})
    mesh = run_named(memory_store, "publication-mesh", {"publication": str(pub)}).values()
    assert [(r["heading"], r["major"]) for r in mesh] == [("Leukemia, B-Cell", True)]
    mentions = run_named(memory_store, "concept-mentions", {"publication": str(pub)}).values()
    assert [r["concept"] for r in mentions] == [str(concept)]
    stamp = run_named(memory_store, "last-refresh").values()
    assert stamp[0]["lastRefresh"] == "2026-01-02T03:04:05Z"


def test_last_refresh_gives_both_stamps_when_both_exist(memory_store):
    """A refresh stamp and a source graph's write stamp: each maximum is found beside the other."""
    pub = ns.PUBMED["1"]
    graph = "https://w3id.org/cohort-kg/graph/test/stamped"
    memory_store.replace_graphs({graph: [
        (pub, ns.CKG.lastRefreshed, Literal("2026-01-02", datatype=ns.XSD.date)),
        (URIRef(graph), ns.PROV.generatedAtTime, Literal("2026-03-04T05:06:07Z", datatype=ns.XSD.dateTime)),
    ]})
    [row] = run_named(memory_store, "last-refresh").values()
    assert row["lastRefresh"] is not None and str(row["lastRefresh"]).startswith("2026-01-02")
    assert row["lastWrite"] is not None and str(row["lastWrite"]).startswith("2026-03-04")


def test_curated_finding_shows_the_evidence_of_the_extracted_finding_it_supersedes(tmp_path, seed_page):
    from ingest.build import SEED_DIR, build
    from kg.store import open_store

    spec = str(tmp_path / "store")
    build(spec, SEED_DIR, [seed_page])
    store = open_store(spec)
    try:
        pairs = store.query(f"SELECT ?c ?e WHERE {{ ?c <{ns.CKG.supersedes}> ?e }}").values()
        assert pairs, "the seed page's extracted findings should be superseded by curated ones"
        curated = {str(p["c"]) for p in pairs}
        for name in ("findings", "finding-network"):
            rows = run_named(store, name, {"limit": "0"}).values()
            shown = {r["finding"]: r["evidence"] for r in rows if r["finding"] in curated}
            assert shown and all(shown.values()), f"{name}: a curated finding without its twin's evidence"
            bare = [r for r in rows if r["method"] == "Curated" and r["finding"] not in curated]
            assert all(r["evidence"] is None for r in bare)
    finally:
        store.close()


def test_title_only_publications_get_the_identifiers_another_table_gives():
    from ingest.bibliography import with_known_identifiers
    from kg.model import Citation, Finding, Publication, PublicationRef, SourceDocument

    title = "A Study of Something: Relapsed/Refractory ALL"
    table = SourceDocument(kind="bibliography", key="b", source="file:///b", records=(
        Publication(pmid="123", doi="10.1/x", title=title),
    ))
    page = SourceDocument(kind="page", key="p", source="file:///p", records=(
        Publication(title="a study of something - relapsed/refractory all"),
        Citation(citing=PublicationRef(pmid="9"), cited=PublicationRef(title=title.upper())),
        Finding(publication=PublicationRef(title=title), relation="rate"),
        Publication(title="Another paper"),
    ))
    _, fixed = with_known_identifiers([table, page])
    study, link, finding, other = fixed.records
    assert (study.pmid, study.doi, study.title) == ("123", "10.1/x", title)
    assert link.cited == PublicationRef(pmid="123", doi="10.1/x", title=title)
    assert finding.publication.pmid == "123"
    assert other == Publication(title="Another paper")


def test_citing_papers_per_year_counts_in_the_store(seed_store):
    rows = run_named(seed_store, "citing-papers-per-year").values()
    assert [(r["year"], r["papers"]) for r in rows] == [(2024, 2), (2025, 3)]


def test_publications_mentioning_answers_with_its_default(seed_store):
    rows = run_named(seed_store, "publications-mentioning").values()
    assert {r["pmid"] for r in rows} == {"40075627", "39386214", STUDY_PMID}, "narrower concepts of ALL are found"

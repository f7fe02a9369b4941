"""Every explorer page under Streamlit's AppTest, on the seed graph and on an empty store."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from rdflib import Literal
from streamlit.testing.v1 import AppTest

from explorer.ui import md_escape
from kg import namespaces as ns
from kg.store import OxigraphStore

APP = str(REPO_ROOT / "app.py")
PAGES = ["questions", "overview", "graph", "findings", "publications", "compare", "sparql", "refresh"]
MARKUP_PMID = "99999901"
MARKUP_TITLE = "Blinatumomab <script>alert(1)</script> and <b>bold</b> [x](javascript:alert(2)) **CD19**"


@pytest.fixture(scope="module")
def seed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed graph plus one publication whose title carries markup, built in a temp store.

    The ingestors strip tags from titles, so the markup goes in as raw triples: the app must be
    safe whatever a store holds.
    """
    from ingest.build import SEED_DIR, build
    from kg.counts import refresh_counts

    location = tmp_path_factory.mktemp("app") / "store"
    build(str(location), SEED_DIR, [])
    publication = ns.PUBMED[MARKUP_PMID]
    store = OxigraphStore(location)
    store.replace_graphs({"https://w3id.org/cohort-kg/graph/test/markup": [
        (publication, ns.RDF.type, ns.BIBO.Document),
        (publication, ns.FABIO.hasPubMedId, Literal(MARKUP_PMID)),
        (publication, ns.DCTERMS.title, Literal(MARKUP_TITLE)),
    ]})
    refresh_counts(store)  # what every kg write does after changing the store
    store.close()
    return location


@pytest.fixture(scope="module")
def empty_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("empty") / "store"
    OxigraphStore(location).close()  # the explorer opens stores, it does not create them
    return location


def open_page(monkeypatch: pytest.MonkeyPatch, store: Path, page: str) -> AppTest:
    monkeypatch.setenv("KG_STORE", str(store))
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception, app.exception
    app.switch_page(f"explorer/pages/{page}.py").run()
    return app


def caption_count(app: AppTest, pattern: str) -> tuple[int, int]:
    for caption in app.caption:
        match = re.search(pattern, caption.value)
        if match:
            return int(match[1]), int(match[2])
    raise AssertionError(f"no caption matches {pattern!r}: {[c.value for c in app.caption]}")


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_the_seed_graph(monkeypatch, seed_path, page):
    app = open_page(monkeypatch, seed_path, page)
    assert not app.exception, app.exception
    assert app.title, "every page has a title"
    assert not [m for m in app.markdown if m.allow_html], "no page renders HTML"
    assert not app.get("help_info"), "no bare expression is echoed by Streamlit's magic"


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_on_an_empty_store(monkeypatch, empty_path, page):
    app = open_page(monkeypatch, empty_path, page)
    assert not app.exception, app.exception
    if page not in ("sparql", "refresh"):
        assert app.info, "an empty store is explained, not shown as a blank page"


def test_overview_counts_what_the_graph_holds(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "overview")
    metrics = {m.label: int(m.value) for m in app.metric}
    assert metrics["Findings"] == 18
    assert metrics["Citation links"] == 5
    assert metrics["Publications"] >= 7


def test_graph_filters_change_the_network(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "graph")
    shown, total = caption_count(app, r"(\d+) of (\d+) nodes")
    assert shown == total > 15
    app.multiselect(key="g_subgroups").set_value(["refractory"]).run()
    narrowed, _ = caption_count(app, r"(\d+) of (\d+) nodes")
    assert narrowed < shown
    app.selectbox(key="g_p").set_value("≤ 0.01").run()
    app.multiselect(key="g_subgroups").set_value([]).run()
    by_p, _ = caption_count(app, r"(\d+) of (\d+) nodes")
    assert by_p < shown


def test_graph_neighbourhood_and_details(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "graph")
    shown, _ = caption_count(app, r"(\d+) of (\d+) nodes")
    focus = "https://w3id.org/cohort-kg/concept/cd19-negative"
    app.selectbox(key="g_focus").set_value(focus).run()
    around, _ = caption_count(app, r"(\d+) of (\d+) nodes")
    assert 1 < around < shown
    app.selectbox(key="g_details").set_value(focus).run()
    assert any("resistance phenotype · " + focus in c.value for c in app.caption)
    (details,) = [d.value for d in app.dataframe]
    assert list(details.columns[:4]) == ["Subject", "Direction", "Object", "P"]
    assert len(details) == 3 and "Evidence" in details and "None" not in details.to_string()
    assert not app.get("text"), "evidence is in the table, not a bare list of sentences"


def test_one_step_around_a_phenotype_shows_its_risk_factors_and_an_edge_drills_down(monkeypatch, seed_path):
    monkeypatch.setenv("KG_STORE", str(seed_path))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["focus"] = "https://w3id.org/cohort-kg/concept/extramedullary-relapse"
    app.run()
    app.switch_page("explorer/pages/graph.py").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="g_focus").value == "https://w3id.org/cohort-kg/concept/extramedullary-relapse"
    edges = app.selectbox(key="g_edge").options
    assert any(e.startswith("moderate/strong CD19 expression → extramedullary relapse") for e in edges), edges
    assert any(e.startswith("prior extramedullary disease → extramedullary relapse") for e in edges), edges
    pick = next(v for v in app.selectbox(key="g_edge").options if v.startswith("moderate/strong"))
    app.selectbox(key="g_edge").select(pick).run()
    findings, papers = (d.value for d in app.dataframe)
    assert list(zip(findings["Direction"], findings["P"], strict=True)) == [("higher", "P = 0.01")]
    assert list(papers["PMID"]) == ["https://pubmed.ncbi.nlm.nih.gov/28494518/"]


def test_findings_filters_and_csv(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "findings")
    assert caption_count(app, r"Showing 1-(\d+) of (\d+) findings") == (18, 18)
    app.selectbox(key="f_subgroup").set_value("refractory").run()
    assert caption_count(app, r"Showing 1-(\d+) of (\d+) findings") == (3, 3)
    app.checkbox(key="f_use_p").check().run()
    app.selectbox(key="f_subgroup").set_value("").run()
    # P <= 0.05: 0.02, 0.005, 0.05, 0.01, 0.04
    assert caption_count(app, r"Showing 1-(\d+) of (\d+) findings") == (5, 5)
    assert set(app.dataframe[0].value["P"]) == {"P = 0.02", "P = 0.005", "P = 0.05", "P = 0.01", "P = 0.04"}
    assert len(app.get("download_button")) == 1


def test_findings_concept_and_method_filters_are_bound_in_the_store(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "findings")
    concepts = app.selectbox(key="f_concept").options
    assert "extramedullary relapse" in concepts
    app.selectbox(key="f_concept").set_value("extramedullary relapse").run()
    shown, total = caption_count(app, r"Showing 1-(\d+) of (\d+) findings")
    assert shown == total == 4
    table = app.dataframe[0].value
    assert all("extramedullary relapse" in (s, o) for s, o in zip(table["Subject"], table["Object"], strict=True))
    app.selectbox(key="f_concept").set_value("").run()
    assert app.selectbox(key="f_method").options == ["any", "Curated"]  # the seed graph's findings are curated
    app.selectbox(key="f_method").set_value("https://w3id.org/cohort-kg/ontology#Curated").run()
    assert caption_count(app, r"Showing 1-(\d+) of (\d+) findings") == (18, 18)
    assert set(app.dataframe[0].value["Method"]) == {"Curated"}


def test_findings_pages_through_the_store(monkeypatch, seed_path):
    from explorer import data

    monkeypatch.setenv("KG_STORE", str(seed_path))
    first = data._answer(str(seed_path), "findings-filtered", (("limit", "5"),))
    second = data._answer(str(seed_path), "findings-filtered", (("limit", "5"), ("offset", "5")))
    assert first.total == second.total == 18
    assert data.page_text(second, "findings") == "Showing 6-10 of 18 findings"
    assert not set(first.frame["finding"]) & set(second.frame["finding"]), "pages do not overlap"
    assert list(first.frame["finding"]) == sorted(first.frame["finding"]), "a stable order: by finding IRI"


def test_publication_search_and_literal_markup(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "publications")
    shown, total = caption_count(app, r"Showing 1-(\d+) of (\d+) publications")
    assert shown == total >= 7
    app.text_input(key="p_search").input("Csizmar").run()  # an author's name, matched in the store
    assert caption_count(app, r"Showing 1-(\d+) of (\d+) publications") == (1, 1)
    assert any(md_escape("Antibody-Based") in h.value for h in app.subheader)
    app.text_input(key="p_search").input(MARKUP_PMID).run()
    assert caption_count(app, r"Showing 1-(\d+) of (\d+) publications") == (1, 1)
    heading = app.subheader[0].value
    assert heading == md_escape(MARKUP_TITLE), "the title goes to Markdown fully escaped"
    assert "<script>" not in heading and "<b>" not in heading
    assert not [m for m in app.markdown if m.allow_html]


def test_markdown_escape_keeps_every_character():
    escaped = md_escape(MARKUP_TITLE)
    assert re.sub(r"\\(.)", r"\1", escaped) == MARKUP_TITLE
    assert "\\<script\\>" in escaped


def test_compare_changes_with_the_concept(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "compare")
    app.selectbox(key="c_concept").set_value("https://w3id.org/cohort-kg/concept/extramedullary-relapse").run()
    first = caption_count(app, r"(\d+) findings from (\d+) publication")
    app.selectbox(key="c_concept").set_value("https://w3id.org/cohort-kg/concept/cd19-negative").run()
    second = caption_count(app, r"(\d+) findings from (\d+) publication")
    assert first != second
    assert app.get("arrow_vega_lite_chart") or app.get("vega_lite_chart")


def run_sparql(monkeypatch, store: Path, query: str) -> AppTest:
    app = open_page(monkeypatch, store, "sparql")
    app.text_area(key="q_text").input(query).run()
    app.button(key="q_run").click().run()
    assert not app.exception, app.exception
    return app


@pytest.mark.parametrize("query", [
    "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
    "DROP ALL",
    "CLEAR GRAPH <urn:x>",
    "LOAD <http://example.org/x.ttl>",
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
])
def test_sparql_refuses_changes_and_remote_calls(monkeypatch, seed_path, query):
    app = run_sparql(monkeypatch, seed_path, query)
    assert app.error and app.error[0].value.startswith("Refused:")
    assert not app.dataframe


def test_sparql_update_leaves_the_store_unchanged(monkeypatch, seed_path):
    before = open_page(monkeypatch, seed_path, "overview")
    count = {m.label: m.value for m in before.metric}
    run_sparql(monkeypatch, seed_path, "DELETE WHERE { ?s ?p ?o }")
    after = open_page(monkeypatch, seed_path, "overview")
    assert {m.label: m.value for m in after.metric} == count


def test_sparql_syntax_error_names_the_position(monkeypatch, seed_path):
    app = run_sparql(monkeypatch, seed_path, "SELECT ?x\nWHERE { ?x ?p }")
    assert app.error and "line 2, column" in app.error[0].value
    assert "^" in app.code[0].value and "WHERE { ?x ?p }" in app.code[0].value


def test_sparql_returns_rows(monkeypatch, seed_path):
    app = run_sparql(monkeypatch, seed_path, "SELECT ?pmid WHERE { ?p fabio:hasPubMedId ?pmid }")
    assert len(app.dataframe) == 1
    assert len(app.dataframe[0].value) >= 6
    assert len(app.get("download_button")) == 2


def test_sparql_page_keeps_the_engines_lexical_forms(monkeypatch, seed_path):
    query = ('SELECT ?n ?d ?t ?x WHERE { VALUES (?n ?d ?t ?x) { (30000 "PT0S"^^xsd:duration '
             '"2026-01-01T00:00:00Z"^^xsd:dateTime "-0"^^xsd:double) } }')
    app = run_sparql(monkeypatch, seed_path, query)
    assert not app.exception and not app.error
    row = app.dataframe[0].value.iloc[0]
    assert list(row) == ["30000", "PT0S", "2026-01-01T00:00:00Z", "-0"]
    assert [button.proto.label for button in app.get("download_button")] == ["Download CSV", "Download JSON"]


def test_sparql_caps_rows_and_says_so(monkeypatch, seed_path):
    app = run_sparql(monkeypatch, seed_path, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }")
    assert app.warning and "capped at 5000" in app.warning[0].value
    assert len(app.dataframe[0].value) == 5000


def test_refresh_page_shows_its_form(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "refresh")
    assert not app.info
    assert [button.label for button in app.button] == ["Plan (send nothing)", "Run refresh"]
    assert [field.key for field in app.text_input] == ["r_email", "r_key", "r_pmids"]
    assert [field.key for field in app.number_input] == ["r_depth"]
    assert [box.key for box in app.checkbox] == ["r_extracted", "r_force"]


def test_refresh_page_says_when_refresh_is_missing(monkeypatch, seed_path):
    monkeypatch.setitem(sys.modules, "ingest.pubmed.refresh", None)  # makes the page's import raise ImportError
    app = open_page(monkeypatch, seed_path, "refresh")
    assert len(app.info) == 1 and "not installed" in app.info[0].value
    assert not app.button and not app.text_input


def test_questions_page_answers_the_four_questions(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "questions")
    assert len(app.dataframe) == 4
    cr, phenotypes, citing, em = (frame.value for frame in app.dataframe)
    assert list(cr.columns[:4]) == ["Risk factor", "Direction", "Outcome", "P"]
    assert set(zip(cr["Risk factor"], cr["P"], strict=True)) == {
        ("prior extramedullary disease", "P = 0.005"), ("bone marrow blasts >50%", "P = 0.02"),
        ("active extramedullary disease", "P = 0.05")}
    assert set(cr["Direction"]) == {"lower"}
    assert ("extramedullary relapse", "responders who relapsed", "8/20", "40") in set(
        zip(phenotypes["Resistance phenotype"], phenotypes["Subgroup"], phenotypes["n/N"], phenotypes["%"],
            strict=True))
    assert "None" not in phenotypes.to_string() and "nan" not in phenotypes.to_string()
    by_title = dict(zip(citing["Title"], citing["Concepts mentioned"], strict=True))
    assert "B-cell acute lymphoblastic leukemia" in by_title[
        "Antibody-Based and Other Novel Agents in Adult B-Cell Acute Lymphoblastic Leukemia."]
    assert "PMID 39800374 · J Immunother Cancer" in by_title
    assert not any("untitled" in t.lower() for t in by_title)
    assert set(citing["PMID"]) >= {"https://pubmed.ncbi.nlm.nih.gov/39386214/"}
    assert set(zip(em["Risk factor"], em["Direction"], em["P"], strict=True)) == {
        ("moderate/strong CD19 expression", "higher", "P = 0.01"),
        ("prior extramedullary disease", "higher", "P = 0.04")}
    links = [(link.proto.page, link.proto.query_string) for link in app.get("page_link")]
    assert [q for page, q in links if page == "sparql"] == [
        "query=risk-factors-for-outcome", "query=resistance-phenotypes",
        "query=citing-publications-mentions&study=https%3A%2F%2Fpubmed.ncbi.nlm.nih.gov%2F28494518",
        "query=risk-factors-for-phenotype"]
    assert [q.split("%2F")[-1] for page, q in links if page == "graph"] == [
        "complete-remission", "cd19-escape", "28494518", "extramedullary-relapse"]


def test_sparql_catalog_query_gives_the_same_rows_as_kg_query(monkeypatch, seed_path, tmp_path):
    from ingest.build import SEED_DIR, build
    from kg.queries import run_named

    app = open_page(monkeypatch, seed_path, "sparql")
    app.selectbox(key="q_pick").set_value("risk-factors-for-outcome").run()
    assert "VALUES" in app.text_area(key="q_text").value
    app.button(key="q_run").click().run()
    assert not app.exception and not app.error
    frame = app.dataframe[0].value
    build(str(tmp_path / "same"), SEED_DIR, [])  # the app holds the seed store's lock: a copy of the same data
    store = OxigraphStore(tmp_path / "same")
    try:
        expected = run_named(store, "risk-factors-for-outcome").values()
    finally:
        store.close()
    assert len(frame) == len(expected) == 3
    assert set(frame["riskFactor"]) == {r["riskFactor"] for r in expected}


def test_sparql_link_opens_a_bound_catalog_query_and_pages_it(monkeypatch, seed_path):
    monkeypatch.setenv("KG_STORE", str(seed_path))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["query"] = "findings"
    app.query_params["limit"] = "5"
    app.run()
    app.switch_page("explorer/pages/sparql.py").run()
    assert not app.exception, app.exception
    assert "LIMIT 5" in app.text_area(key="q_text").value
    notes = [i.value for i in app.info if "Showing" in i.value]
    assert notes == ["Showing 1-5 of 18 (this query is paged: 5 a page)"]
    app.button(key="q_next").click().run()
    assert "OFFSET 5" in app.text_area(key="q_text").value
    assert [i.value for i in app.info if "Showing" in i.value] == ["Showing 6-10 of 18 (this query is paged: 5 a page)"]


def test_sparql_unknown_prefix_is_one_readable_line(monkeypatch, seed_path):
    app = run_sparql(monkeypatch, seed_path, "SELECT * WHERE { ?s foo:bar ?o }")
    (error,) = app.error
    assert error.value.startswith("Unknown prefix 'foo:' at line 1.")
    assert "ckg:" in error.value and "'\\u{" not in error.value and "\n" not in error.value


def test_publications_never_show_untitled_or_none(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "publications")
    listed = app.dataframe[0].value
    assert "PMID 39800374 · J Immunother Cancer" in set(listed["Title"])
    assert "None" not in listed.to_string() and "untitled" not in listed.to_string().lower()
    picker = app.selectbox(key="p_chosen")
    assert "PMID" in picker.options[0] and not picker.options[0].startswith("PMID"), "a titled paper by default"
    assert not any("untitled" in o.lower() or "None" in o for o in picker.options)
    app.text_input(key="p_search").input("39692275").run()
    assert app.subheader[0].value == md_escape("PMID 39692275 · Cancer Med")


def test_findings_table_is_readable(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "findings")
    table = app.dataframe[0].value
    assert list(table.columns[:5]) == ["Subject", "Direction", "Object", "P", "Subgroup"]
    assert {"P = 0.005", "P = 0.02", ""} <= set(table["P"])
    assert "pComparator" not in table and "None" not in table.to_string() and "nan" not in table.to_string()
    assert set(table["PMID"]) == {"https://pubmed.ncbi.nlm.nih.gov/28494518/"}


def test_compare_starts_from_the_catalog_default_and_says_what_page_it_shows(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "compare")
    assert app.selectbox(key="c_concept").value == "https://w3id.org/cohort-kg/concept/extramedullary-relapse"
    assert any(c.value.startswith("showing 1-4 of 4 findings") for c in app.caption)
    assert not app.get("button"), "one page: no next page"


def test_graph_of_a_large_store_is_aggregated_by_the_store(monkeypatch, seed_path):
    """Above the threshold the page draws the store's concept-network counts and drills down page by page."""
    from explorer import graphview

    monkeypatch.setattr(graphview, "STORE_AGGREGATE_ABOVE", 0)  # the seed graph stands in for a large one
    monkeypatch.setenv("KG_STORE", str(seed_path))
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["focus"] = "https://w3id.org/cohort-kg/concept/extramedullary-relapse"
    app.run()
    app.switch_page("explorer/pages/graph.py").run()
    assert not app.exception, app.exception
    assert any("aggregated by the store from 18 findings" in c.value for c in app.caption)
    assert app.selectbox(key="g_focus").value == "https://w3id.org/cohort-kg/concept/extramedullary-relapse"
    around, whole = caption_count(app, r"(\d+) of (\d+) nodes")
    assert 2 < around < whole
    edges = app.selectbox(key="g_edge").options
    assert any(e.startswith("moderate/strong CD19 expression → extramedullary relapse (1 finding)") for e in edges)
    pick = next(v for v in edges if v.startswith("moderate/strong"))
    app.selectbox(key="g_edge").select(pick).run()
    findings, papers = (d.value for d in app.dataframe)
    assert list(zip(findings["Direction"], findings["P"], strict=True)) == [("higher", "P = 0.01")]
    assert list(papers["PMID"]) == ["https://pubmed.ncbi.nlm.nih.gov/28494518/"]
    assert any(c.value.startswith("Showing 1-1 of 1 findings") for c in app.caption)
    app.selectbox(key="g_details").set_value("https://w3id.org/cohort-kg/concept/extramedullary-relapse").run()
    assert any(c.value.startswith("Showing 1-4 of 4 findings") for c in app.caption)
    app.selectbox(key="g_focus").set_value(None).run()
    _, everything = caption_count(app, r"(\d+) of (\d+) nodes")
    app.selectbox(key="g_p").set_value("≤ 0.01").run()  # bound as ?maxP in the store
    _, by_p = caption_count(app, r"(\d+) of (\d+) nodes")
    app.selectbox(key="g_p").set_value("any").run()
    app.multiselect(key="g_subgroups").set_value(["refractory"]).run()
    _, by_subgroup = caption_count(app, r"(\d+) of (\d+) nodes")
    assert by_p < everything and by_subgroup < everything


def test_cached_answers_follow_the_stores_change_marker(tmp_path):
    """An answer cached before a kg write is not served after it: the cache key holds the store's marker."""
    from ingest.build import SEED_DIR, build
    from kg.counts import refresh_counts

    location = tmp_path / "store"
    build(str(location), SEED_DIR, [])
    from explorer import data

    spec = str(location)
    before = data.marker(spec)
    assert before, "kg build wrote the counts graph the marker reads"
    count = data._named(spec, "graph-stats", (), before).iloc[0]["publications"]
    store = data.get_store(spec)  # the app's one open handle (the store takes a lock)
    store.replace_graphs({"https://w3id.org/cohort-kg/graph/test/marker": [
        (ns.PUBMED["99999903"], ns.RDF.type, ns.BIBO.Document)]})
    refresh_counts(store)  # what every kg write does after changing the store
    data.marker.clear()  # the marker is reused for a few seconds; a page run after that reads it again
    after = data.marker(spec)
    assert after != before
    assert data._named(spec, "graph-stats", (), after).iloc[0]["publications"] == count + 1
    assert data._named(spec, "graph-stats", (), before).iloc[0]["publications"] == count, "keyed, not overwritten"
    store.close()  # the owner handle: stops its channel and releases the lock
    data._open.clear()

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
PAGES = ["overview", "graph", "findings", "publications", "compare", "sparql", "refresh"]
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
    return tmp_path_factory.mktemp("empty") / "store"


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
    assert shown == total > 20
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
    assert app.dataframe, "the details list the findings about the node"


def test_findings_filters_and_csv(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "findings")
    shown, total = caption_count(app, r"(\d+) of (\d+) findings")
    assert shown == total == 18
    app.multiselect(key="f_subgroups").set_value(["refractory"]).run()
    assert caption_count(app, r"(\d+) of (\d+) findings") == (3, 18)
    app.checkbox(key="f_use_p").check().run()
    app.multiselect(key="f_subgroups").set_value([]).run()
    assert caption_count(app, r"(\d+) of (\d+) findings")[0] == 5  # P <= 0.05: 0.02, 0.005, 0.05, 0.01, 0.04
    assert len(app.get("download_button")) == 1


def test_publication_search_and_literal_markup(monkeypatch, seed_path):
    app = open_page(monkeypatch, seed_path, "publications")
    _, total = caption_count(app, r"(\d+) of (\d+) publications")
    app.text_input(key="p_search").input("Csizmar").run()
    assert caption_count(app, r"(\d+) of (\d+) publications") == (1, total)
    assert any(md_escape("Antibody-Based") in h.value for h in app.subheader)
    app.text_input(key="p_search").input(MARKUP_PMID).run()
    assert caption_count(app, r"(\d+) of (\d+) publications")[0] == 1
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
    first = caption_count(app, r"(\d+) findings from (\d+) publications")
    app.selectbox(key="c_concept").set_value("https://w3id.org/cohort-kg/concept/cd19-negative").run()
    second = caption_count(app, r"(\d+) findings from (\d+) publications")
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

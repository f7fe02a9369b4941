"""The explorer's Refresh page driving the real refresh (``ingest.pubmed.refresh``) against the loopback stand-in.

``KG_EUTILS_URL`` points the page's E-utilities client at the stand-in, so the
page, the client, the refresh and the store all run as in production; only NCBI
is replaced. The stand-in records every request, which shows the page reached it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO_ROOT
from eutils_server import EutilsStandIn, RunningStandIn
from streamlit.testing.v1 import AppTest

from explorer.data import get_store
from ingest.pubmed.parser import parse_pubmed_xml
from kg import namespaces as ns
from kg.store import OxigraphStore, Store

APP = str(REPO_ROOT / "app.py")
PMID = "39386214"  # one of the records the stand-in serves from tests/fixtures/eutils


@pytest.fixture
def built_store(tmp_path: Path) -> str:
    from ingest.build import build
    from kg.paths import SEED_DIR

    location = str(tmp_path / "store")
    build(location, SEED_DIR, [])
    return location


def graphs_with_title(store: Store) -> dict[str, str]:
    """The named graphs that give the publication a title, with that title."""
    rows = store.query(f'SELECT ?g ?t WHERE {{ GRAPH ?g {{ ?p <{ns.FABIO.hasPubMedId}> "{PMID}" ; '
                       f"<{ns.DCTERMS.title}> ?t }} }}").rows
    return {str(g): str(t) for g, t in rows}


def test_refresh_page_runs_the_real_refresh_against_the_stand_in(monkeypatch, built_store):
    before = OxigraphStore(Path(built_store))
    try:
        graphs_before = graphs_with_title(before)
    finally:
        before.close()  # the page opens the store itself: one writer per store
    monkeypatch.setenv("KG_STORE", built_store)
    with RunningStandIn(EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()) as standin:
        monkeypatch.setenv("KG_EUTILS_URL", standin.url)
        app = AppTest.from_file(APP, default_timeout=120).run()
        app.switch_page("explorer/pages/refresh.py").run()
        app.text_input(key="r_email").input("tests@example.org")
        app.text_input(key="r_key").input("test-key")  # 10 requests/s instead of 3: a faster test
        app.text_input(key="r_pmids").input(PMID)
        app.number_input(key="r_depth").set_value(0)
        app.button[0].click().run()
        fetched = standin.state.requests_to("efetch.fcgi")
        served = standin.state.record(PMID)
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.success and app.success[0].value == "Refresh finished"
    assert fetched and all(("api_key", "test-key") in seen.params for seen in fetched)
    summary = dict(zip(app.table[0].value.index, app.table[0].value.iloc[:, 0], strict=True))
    assert summary["requests"] == len(standin.state.seen) > 0
    assert summary["records_written"] == 1
    (record,) = parse_pubmed_xml(b"<PubmedArticleSet>" + served + b"</PubmedArticleSet>")
    written = {graph: title for graph, title in graphs_with_title(get_store(built_store)).items()
               if graph not in graphs_before}
    assert list(written.values()) == [record.publication.title]  # one new graph: the fetched PubMed record

"""The explorer's refresh page under Streamlit's AppTest, running the real refresh against the loopback stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO_ROOT
from eutils_server import EutilsStandIn, RunningStandIn
from streamlit.testing.v1 import AppTest

from ingest.enrich import enrich_document
from ingest.pubmed_page import read_page
from kg.pipeline import run_pipeline
from kg.store import OxigraphStore

APP = str(REPO_ROOT / "app.py")
STUDY = "https://pubmed.ncbi.nlm.nih.gov/90000001"


@pytest.fixture
def page_store(seed_page: Path, tmp_path: Path) -> Path:
    location = tmp_path / "store"
    store = OxigraphStore(location)
    run_pipeline(store, read_page(seed_page), enrich=enrich_document)
    store.close()
    return location


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch):
    with RunningStandIn(EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()) as running:
        monkeypatch.setenv("KG_EUTILS_URL", running.url)
        yield running


def open_refresh_page(monkeypatch: pytest.MonkeyPatch, store: Path) -> AppTest:
    monkeypatch.setenv("KG_STORE", str(store))
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception, app.exception
    app.switch_page("explorer/pages/refresh.py").run()
    assert not app.exception, app.exception
    app.text_input(key="r_email").input("tests@example.org")
    return app


def button(app: AppTest, label: str):
    return next(b for b in app.button if b.label == label)


def summary(app: AppTest) -> dict[str, int]:
    table = app.table[0].value
    return dict(zip(table["what"], table["count"], strict=True))


def test_page_runs_the_refresh_shows_phases_retries_and_what_changed(monkeypatch, page_store, standin):
    app = open_refresh_page(monkeypatch, page_store)
    standin.state.faults.extend([None, None, "500"])  # the first elink request fails once, then succeeds
    button(app, "Run refresh").click().run()
    assert not app.exception, app.exception
    assert app.success and "finished" in app.success[0].value
    counts = summary(app)
    assert counts["resolved by title/DOI"] == 1 and counts["publications in scope"] == 7
    assert counts["PubMed records written"] == 7 and counts["retries"] == 1 and counts["answered 429"] == 0
    phases = " ".join(c.value for c in app.caption)
    assert "resolved 1 of 1" in phases and "linked 2 of 2" in phases and "fetched 6 of 6" in phases
    assert any("elink.fcgi: HTTP 500" in w.value and "retry 1/4" in w.value for w in app.warning)
    assert any(b.label == "Cancel refresh" for b in app.button)

    button(app, "Run refresh").click().run()  # right after: a fixed point
    assert not app.exception, app.exception
    again = summary(app)
    assert again["requests"] == 0 and again["PubMed records written"] == 0 and again["new publications"] == 0


def test_plan_button_sends_nothing(monkeypatch, page_store, standin):
    app = open_refresh_page(monkeypatch, page_store)
    button(app, "Plan (send nothing)").click().run()
    assert not app.exception, app.exception
    plan = app.code[0].value
    assert "to resolve by title/DOI: 1" in plan and "estimated requests:" in plan
    assert standin.state.seen == []


def test_cancel_stops_between_requests_and_a_rerun_completes(monkeypatch, page_store, standin):
    app = open_refresh_page(monkeypatch, page_store)

    def press_cancel(number: int, path: str) -> bool:
        if number == 4:  # after the resolution (esearch, efetch) and the first elink
            app.session_state["r_cancel_event"].set()
        return False

    standin.state.on_arrival = press_cancel
    button(app, "Run refresh").click().run()
    assert not app.exception, app.exception
    assert any("cancelled" in w.value for w in app.warning)
    assert not app.success
    assert len(standin.state.seen) == 4  # nothing was asked after the cancel
    standin.state.on_arrival = None
    button(app, "Run refresh").click().run()
    assert app.success and not app.exception
    assert summary(app)["PubMed records written"] == 6  # the study's record was stored before the cancel

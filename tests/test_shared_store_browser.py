"""The explorer owns the store while ``kg serve`` answers beside it and ``kg`` commands write it.

A headless Streamlit process (the explorer) opens the store as its owner; Chromium, driven by
Playwright, shows the overview page; ``kg serve`` on the same store forwards its queries to the
owner; ``kg ingest`` and ``kg refresh`` write through the owner channel and ``kg query`` reads
through it; the endpoint at once, and the page after a reload, show what they wrote.
Needs /usr/bin/chromium and ../shared (the E-utilities fixtures).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import EUTILS_FIXTURES, require_shared, run_kg
from eutils_server import EutilsStandIn, RunningStandIn
from explorer_process import ARGS, CHROMIUM, running_explorer
from test_browser import _cells
from test_shared_store import findings_table, serving, sparql

from kg.store.owner import read_discovery

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REFRESHED_PMID = "39386214"
ABSTRACTS = ("SELECT (COUNT(?a) AS ?n) "
             f"WHERE {{ <https://pubmed.ncbi.nlm.nih.gov/{REFRESHED_PMID}> dcterms:abstract ?a }}")
"""The seed has no abstract for this publication; ``kg refresh`` fetches one."""


@pytest.fixture
def explorer(tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen[bytes]]]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (scripts/test-services.sh installs it as root)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is missing (pip install -e '.[dev]')")
    from ingest.build import SEED_DIR, build

    store = tmp_path / "store"
    build(str(store), SEED_DIR, [])
    with running_explorer(store, tmp_path / "streamlit.log") as (url, process):
        yield url, store, process


def _metric(page: object, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


def _open_overview(page: object, url: str) -> None:
    page.goto(f"{url}/overview")
    page.get_by_role("heading", name="Overview").first.wait_for()
    page.locator('[data-testid="stMetricValue"]').first.wait_for()


def _abstracts_on_the_sparql_page(page: object, url: str) -> str:
    """Run ``ABSTRACTS`` on the explorer's SPARQL page (which queries the explorer's own open store)."""
    page.goto(f"{url}/sparql")
    page.get_by_role("heading", name="SPARQL").first.wait_for()
    editor = page.get_by_role("textbox", name="Query")
    editor.fill(ABSTRACTS)
    editor.press("Control+Enter")
    page.get_by_role("button", name="Run query").click()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    return _cells(page, 0)[-1]


def test_the_explorer_owns_the_store_and_shows_what_other_processes_write(explorer, tmp_path: Path):
    require_shared(EUTILS_FIXTURES)
    from playwright.sync_api import sync_playwright

    url, store, process = explorer
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        _open_overview(page, url)
        assert _metric(page, "Studies") == "1"
        assert _abstracts_on_the_sparql_page(page, url) == "0"
        _open_overview(page, url)
        info = read_discovery(store)
        assert info is not None and info.pid == process.pid  # the Streamlit process is the owner

        with serving(store, tmp_path / "serve.log") as (_serve, sparql_url):
            assert sparql(sparql_url, ABSTRACTS) == [{"n": "0"}]
            ingest = run_kg("ingest", "findings", findings_table(tmp_path), store=store)
            assert ingest.returncode == 0 and "lock" not in ingest.stderr.lower(), ingest.stderr
            standin = EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()
            with RunningStandIn(standin) as running:
                refresh = run_kg("refresh", "--pmid", REFRESHED_PMID, "--eutils-url", running.url, store=store,
                                 env={"NCBI_EMAIL": "tests@example.org"})
            assert refresh.returncode == 0 and "lock" not in refresh.stderr.lower(), refresh.stderr
            stats = run_kg("stats", store=store)
            assert stats.returncode == 0 and "studies: 2" in stats.stdout, stats.stderr
            query = run_kg("query", ABSTRACTS, "--format", "csv", store=store)
            assert query.returncode == 0 and query.stdout.split() == ["n", "1"], query.stdout + query.stderr
            assert sparql(sparql_url, ABSTRACTS) == [{"n": "1"}]  # the endpoint answers with the new data at once

        page.reload()
        _open_overview(page, url)
        assert _metric(page, "Studies") == "2"  # the cached overview answers were dropped after the writes
        assert page.locator('[data-testid="stException"]').count() == 0
        assert _abstracts_on_the_sparql_page(page, url) == "1"
        assert page.locator('[data-testid="stException"]').count() == 0
        browser.close()
    assert process.poll() is None

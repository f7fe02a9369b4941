"""The explorer on a generated 1M-triple graph in a real browser: pages show one page of rows and say where it sits.

The 1M corpus of ``bench/generate.py`` (about 7,000 findings, more than the graph page's
``STORE_AGGREGATE_ABOVE``, so its store-aggregated view is the one drawn; the store the timing
benchmark uses) is loaded with ``kg load``, the bundled data is built on top with ``kg build``, and the
explorer, started as ``kg explore`` starts it, is driven by Debian's Chromium through Playwright. The
test checks what a user sees (first page of rows, "Showing a-b of N", the next page, a search, the
aggregated graph); timings are measured by ``bench/explorer_pages.py``, not here.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_kg
from explorer_process import ARGS, CHROMIUM, running_explorer

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZE = "1m"


@pytest.fixture(scope="module")
def large_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The generated corpus loaded and the bundled data built on top; its counts as the store keeps them."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (scripts/test-services.sh installs it as root)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is missing (pip install -e '.[dev]')")
    from kg.queries import run_named
    from kg.store import OxigraphStore

    folder = tmp_path_factory.mktemp("large")
    corpus, store = folder / "corpus.nq", folder / "store"
    generated = subprocess.run([sys.executable, "-m", "bench.generate", SIZE, str(corpus)], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=600)
    assert generated.returncode == 0, generated.stderr
    for args in (("load", corpus), ("build",)):
        done = run_kg(*args, store=store, timeout=600)
        assert done.returncode == 0, done.stderr
    opened = OxigraphStore(store)
    try:
        counts = {k: int(v) for k, v in run_named(opened, "graph-stats").values()[0].items()}
    finally:
        opened.close()
    return store, counts


@pytest.fixture(scope="module")
def large_app(large_store: tuple[Path, dict[str, int]]) -> Iterator[str]:
    store, _ = large_store
    with running_explorer(store, store.parent / "streamlit.log") as (url, _process):
        yield url


@pytest.fixture(scope="module")
def page(large_app: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(90_000)
        yield tab
        browser.close()


def _open(page: object, url: str, title: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=title, exact=True).first.wait_for()


def _first_row(page: object) -> list[str]:
    """The cells of the first table's first row (Streamlit keeps an accessible grid of the drawn cells)."""
    frame = page.locator('[data-testid="stDataFrame"]').first
    frame.locator("[role=gridcell]").first.wait_for(state="attached")
    width = frame.locator("[role=columnheader]").count()
    return [text.strip() for text in frame.locator("[role=gridcell]").all_text_contents()[:width]]


def _showing(page: object, noun: str) -> tuple[int, int, int]:
    """The numbers of the "Showing a-b of N <noun>" line, once it is drawn."""
    line = page.get_by_text(re.compile(rf"^Showing [\d,]+-[\d,]+ of [\d,]+ {noun}$")).first
    line.wait_for()
    numbers = re.findall(r"[\d,]+", line.inner_text())
    first, last, total = (int(n.replace(",", "")) for n in numbers)
    return first, last, total


def test_findings_show_their_first_page_and_the_next(large_store, large_app, page):
    _, counts = large_store
    _open(page, f"{large_app}/findings", "Findings")
    assert _showing(page, "findings") == (1, 50, counts["findings"])
    assert counts["findings"] > 2_000
    assert any(_first_row(page)), "the first row has cells"
    page.get_by_role("button", name="Next").click()
    page.get_by_text(f"Showing 51-100 of {counts['findings']:,} findings").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0


def test_publications_show_their_first_page_and_a_search(large_store, large_app, page):
    _, counts = large_store
    _open(page, f"{large_app}/publications", "Publications")
    assert _showing(page, "publications") == (1, 100, counts["publications"])
    first = _first_row(page)
    assert first[0], "the newest publication is named"
    page.get_by_label("Search title, author, PMID or DOI").fill("blinatumomab therapy")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^Showing 1-\d+ of \d+ publications$")).first.wait_for()
    page.get_by_role("heading", name=re.compile("Blinatumomab Therapy")).first.wait_for()
    _, last, total = _showing(page, "publications")
    assert 1 <= last == total < counts["publications"]


def test_graph_draws_the_stores_aggregate(large_store, large_app, page):
    _, counts = large_store
    _open(page, f"{large_app}/graph", "Graph")
    page.get_by_text(re.compile(rf"aggregated by the store from {counts['findings']:,} findings")).first.wait_for()
    page.locator('iframe[title="streamlit_agraph.agraph"]').first.wait_for(state="attached")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_questions_page_answers_on_a_large_graph(large_app, page):
    _open(page, large_app, "The lab's questions")
    page.locator('[data-testid="stDataFrame"]').nth(3).wait_for(state="attached")
    page.get_by_text(re.compile(r"^showing 1-\d+ of \d+$")).first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0

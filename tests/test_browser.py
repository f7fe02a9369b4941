"""The explorer in a real browser: Debian's Chromium driven by Playwright against `streamlit run app.py`.

Needs /usr/bin/chromium (scripts/test-services.sh installs it) and the playwright Python package (the
dev extra; no browser download). Screenshots of every page go to artifacts/screenshots/.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from explorer_process import ARGS, CHROMIUM, running_explorer

from explorer.graphview import FOCUS_COLOUR, KINDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SHOTS = REPO_ROOT / "artifacts" / "screenshots"
GRAPH_FRAME = 'iframe[title="streamlit_agraph.agraph"]'
MARKUP_PMID = "99999902"
MARKUP_TITLE = "Relapse <b>bold</b> <img src=x onerror=alert(3)> <script>alert(1)</script> end"
OUTCOME_RGB = tuple(int(KINDS["Outcome"][i:i + 2], 16) for i in (1, 3, 5))


def _add_markup_publication(location: Path) -> None:
    """A publication whose title carries live markup, stored as raw triples (ingest would strip tags)."""
    from rdflib import Literal

    from kg import namespaces as ns
    from kg.store import OxigraphStore

    store = OxigraphStore(location)
    publication = ns.PUBMED[MARKUP_PMID]
    store.replace_graphs({"https://w3id.org/cohort-kg/graph/test/markup": [
        (publication, ns.RDF.type, ns.BIBO.Document),
        (publication, ns.FABIO.hasPubMedId, Literal(MARKUP_PMID)),
        (publication, ns.DCTERMS.title, Literal(MARKUP_TITLE)),
    ]})
    store.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (scripts/test-services.sh installs it as root)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is missing (pip install -e '.[dev]')")
    from ingest.build import SEED_DIR, build

    store = tmp_path_factory.mktemp("browser") / "store"
    build(str(store), SEED_DIR, [])
    _add_markup_publication(store)
    with running_explorer(store, store.parent / "streamlit.log") as (url, _process):
        yield url


REQUESTS: list[str] = []
"""Every URL the browser asked for during this module (the offline test reads it)."""


@pytest.fixture(scope="module")
def browser_page(app_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda request: REQUESTS.append(request.url))
        page.set_default_timeout(30_000)
        yield page
        browser.close()


def _cells(page: object, table: int) -> list[str]:
    """The text of every cell of the n-th data frame on the page (Streamlit draws them on a canvas and
    keeps an accessible grid of the same cells in the DOM)."""
    frame = page.locator('[data-testid="stDataFrame"]').nth(table)
    frame.locator("[role=gridcell]").first.wait_for(state="attached")
    return [text.strip() for text in frame.locator("[role=gridcell]").all_text_contents()]


def _rows(page: object, table: int) -> list[list[str]]:
    """The n-th data frame's rows as lists of cell texts, split by its column count."""
    cells = _cells(page, table)
    width = page.locator('[data-testid="stDataFrame"]').nth(table).locator("[role=columnheader]").count()
    return [cells[i:i + width] for i in range(0, len(cells), width)]


def _open(page: object, url: str, title: str) -> None:
    page.goto(url)
    page.get_by_role("heading", name=title).first.wait_for()


def _colour_pixels(png: bytes, rgb: tuple[int, int, int], tolerance: int = 6) -> list[tuple[int, int]]:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    pixels = image.load()
    return [(x, y) for y in range(0, height, 2) for x in range(0, width, 2)
            if all(abs(c - r) <= tolerance for c, r in zip(pixels[x, y], rgb, strict=True))]


def _largest_blob(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The largest group of touching sampled pixels (sampled every 2 px)."""
    left = set(points)
    best: list[tuple[int, int]] = []
    while left:
        stack = [left.pop()]
        blob = []
        while stack:
            x, y = stack.pop()
            blob.append((x, y))
            for step in ((2, 0), (-2, 0), (0, 2), (0, -2)):
                near = (x + step[0], y + step[1])
                if near in left:
                    left.remove(near)
                    stack.append(near)
        best = max(best, blob, key=len)
    return best


def test_graph_page_shows_nodes_and_a_click_shows_details(app_url, browser_page):
    page = browser_page
    _open(page, f"{app_url}/graph", "Graph")
    canvas = page.frame_locator(GRAPH_FRAME).locator("canvas")
    canvas.wait_for()
    page.wait_for_timeout(1500)  # the component draws after its first render message
    box = canvas.bounding_box()
    hits = _colour_pixels(canvas.screenshot(), OUTCOME_RGB)
    page.screenshot(path=str(SHOTS / "graph.png"), full_page=True)
    assert len(hits) > 20, "no outcome node drawn on the graph canvas"
    blob = _largest_blob(hits)  # the biggest outcome dot, clicked in its middle
    cx = sum(x for x, _ in blob) / len(blob)
    cy = sum(y for _, y in blob) / len(blob)
    page.mouse.click(box["x"] + cx, box["y"] + cy)
    details = page.get_by_text("outcome · https://w3id.org/cohort-kg/concept/")
    details.first.wait_for()
    details.first.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # the findings table below the heading draws
    page.screenshot(path=str(SHOTS / "graph-details.png"), full_page=True)
    assert details.count() >= 1
    chosen = page.get_by_role("combobox", name="Details for (or click a node)").input_value()
    heading = page.locator("h3").last.inner_text()
    assert heading and heading == chosen, "the details picker follows the click"
    header = page.locator('[data-testid="stDataFrame"]').first.locator("[role=columnheader]").all_text_contents()
    assert [h.strip() for h in header[:4]] == ["Subject", "Direction", "Object", "P"]


def test_neighbourhood_view_centres_on_the_chosen_node(app_url, browser_page):
    page = browser_page
    _open(page, f"{app_url}/graph", "Graph")
    page.get_by_label("Neighbourhood around").click()
    page.keyboard.type("CD19-negative")
    page.keyboard.press("Enter")
    page.get_by_text(re.compile(r"^\d+ of \d+ nodes")).first.wait_for()
    canvas = page.frame_locator(GRAPH_FRAME).locator("canvas")
    canvas.wait_for()
    page.wait_for_timeout(1500)
    focus = _colour_pixels(canvas.screenshot(), tuple(int(FOCUS_COLOUR[i:i + 2], 16) for i in (1, 3, 5)))
    page.screenshot(path=str(SHOTS / "graph-neighbourhood.png"), full_page=True)
    assert len(focus) > 20, "the chosen node is drawn in the focus colour"
    caption = page.get_by_text(re.compile(r"^\d+ of \d+ nodes")).first.inner_text()
    shown, total = (int(n) for n in re.findall(r"\d+", caption)[:2])
    assert 1 < shown < total


def test_sparql_page_returns_rows(app_url, browser_page):
    page = browser_page
    _open(page, f"{app_url}/sparql", "SPARQL")
    page.get_by_role("button", name="Run query").click()
    table = page.locator('[data-testid="stDataFrame"]')
    table.first.wait_for()
    caption = page.get_by_text("rows", exact=False)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SHOTS / "sparql.png"), full_page=True)
    assert table.count() == 1
    counts = [re.match(r"(\d[\d,]*) rows", text.strip()) for text in caption.all_inner_texts()]
    assert any(m and int(m.group(1).replace(",", "")) > 0 for m in counts)


def test_markup_in_a_title_is_shown_as_text(app_url, browser_page):
    page = browser_page
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _open(page, f"{app_url}/publications", "Publications")
    page.get_by_label("Search title, author, PMID or DOI").fill(MARKUP_PMID)
    page.keyboard.press("Enter")
    heading = page.get_by_role("heading", name="Relapse <b>bold</b>")
    heading.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / "publications-markup.png"), full_page=True)
    assert heading.inner_text().startswith("Relapse <b>bold</b> <img src=x onerror=alert(3)> <script>")
    assert page.locator("main b", has_text="bold").count() == 0
    assert page.locator('main img[src="x"]').count() == 0
    assert dialogs == []


@pytest.mark.parametrize(("path", "title"), [
    ("overview", "Overview"), ("findings", "Findings"), ("publications", "Publications"),
    ("compare", "Compare a concept across studies"), ("refresh", "Refresh from PubMed"),
])
def test_every_page_renders_in_the_browser(app_url, browser_page, path, title):
    page = browser_page
    _open(page, f"{app_url}/{path}", title)
    page.wait_for_timeout(1500)  # charts and tables finish drawing
    page.screenshot(path=str(SHOTS / f"{path}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Page not found").count() == 0


def test_the_four_questions_are_answered_on_the_first_page(app_url, browser_page):
    page = browser_page
    _open(page, app_url, "The lab's questions")
    page.locator('[data-testid="stDataFrame"]').nth(3).wait_for()
    page.screenshot(path=str(SHOTS / "questions.png"), full_page=True)
    cr = _rows(page, 0)
    assert {(r[0], r[1], r[3]) for r in cr} == {
        ("prior extramedullary disease", "lower", "P = 0.005"), ("bone marrow blasts >50%", "lower", "P = 0.02"),
        ("active extramedullary disease", "lower", "P = 0.05")}
    phenotypes = _rows(page, 1)
    assert ["extramedullary relapse", "responders who relapsed", "8/20", "40"] in [r[:4] for r in phenotypes]
    assert ["CD19-negative", "refractory", "", "18"] in [r[:4] for r in phenotypes]
    citing = {r[0]: r for r in _rows(page, 2)}
    assert "B-cell acute lymphoblastic leukemia" in citing[
        "Antibody-Based and Other Novel Agents in Adult B-Cell Acute Lymphoblastic Leukemia."][3]
    assert "PMID 39800374 · J Immunother Cancer" in citing
    assert not any("untitled" in t.lower() or t == "None" for t in citing)
    em = _rows(page, 3)
    assert {(r[0], r[1], r[3]) for r in em} == {
        ("moderate/strong CD19 expression", "higher", "P = 0.01"),
        ("prior extramedullary disease", "higher", "P = 0.04")}
    assert page.get_by_text("None", exact=True).count() == 0


def test_a_question_opens_its_catalog_query_with_the_same_rows(app_url, browser_page):
    page = browser_page
    _open(page, app_url, "The lab's questions")
    page.get_by_role("link", name="Catalog query: risk-factors-for-outcome").click()
    page.get_by_role("heading", name="SPARQL").wait_for()
    page.get_by_text("3 rows", exact=True).wait_for()
    page.screenshot(path=str(SHOTS / "questions-catalog-query.png"), full_page=True)
    names = {r[1] for r in _rows(page, 0)}
    assert names == {"prior extramedullary disease", "bone marrow blasts >50%", "active extramedullary disease"}


def test_a_question_opens_the_graph_around_its_concept(app_url, browser_page):
    page = browser_page
    _open(page, app_url, "The lab's questions")
    page.locator('[data-testid="stDataFrame"]').nth(3).wait_for()
    links = page.get_by_role("link", name="Show in the graph")
    links.nth(3).wait_for()  # the fourth answer's link renders after its table
    assert links.count() == 4
    links.nth(3).click()
    page.get_by_role("heading", name="Graph", exact=True).wait_for()
    page.get_by_text(re.compile(r"^\d+ of \d+ nodes")).first.wait_for()
    page.frame_locator(GRAPH_FRAME).locator("canvas").wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "questions-graph.png"), full_page=True)
    focus = page.get_by_role("combobox", name="Neighbourhood around").input_value()
    assert "extramedullary relapse" in focus
    canvas = page.frame_locator(GRAPH_FRAME).locator("canvas")
    focus_rgb = tuple(int(FOCUS_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    assert len(_colour_pixels(canvas.screenshot(), focus_rgb)) > 20, "the linked node is drawn as the focus"
    assert page.get_by_role("combobox", name="Findings behind an edge").count() == 1


def test_no_request_leaves_the_machine_and_no_deploy_button(app_url, browser_page):
    page = browser_page
    for path in ("", "overview", "graph", "findings", "publications", "compare", "sparql", "refresh"):
        page.goto(f"{app_url}/{path}")
        page.locator("h1").first.wait_for()
        page.wait_for_timeout(1200)  # icons, fonts and components load after the first paint
        assert page.get_by_role("button", name="Deploy").count() == 0
        assert page.locator('[data-testid="stAppDeployButton"]').count() == 0
    assert REQUESTS, "the recorder saw the pages load"
    outside = sorted({url for url in REQUESTS if not re.match(r"^(https?|wss?)://127\.0\.0\.1[:/]", url)
                      and not url.startswith(("data:", "blob:", "about:"))})
    assert outside == []

"""Explorer page timings in a real browser: every page, cold and warm, on the seed graph and a large store.

Not a test. Run with::

    .venv/bin/python -m bench.explorer_pages --store artifacts/bench1m/store [--repeat 2]

For each store (the seed graph, built into a temp folder, is the baseline of the same run; then the
store given with ``--store``, e.g. the 1M-triple corpus of ``bench/generate.py`` loaded with
``kg load`` plus ``kg build``), it starts ``streamlit run app.py`` on a free loopback port and drives
Debian's Chromium with Playwright. "Cold" is the first visit of a page after the server started (empty
caches); "warm" is the median of later visits of the same page in a new browser tab (cached answers).
A page is ready when its title is drawn, no spinner or skeleton is left and its main element (a
table, chart or the graph canvas) is there. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PAGES = [
    ("", "Questions", "The lab's questions", '[data-testid="stDataFrame"]'),
    ("overview", "Overview", "Overview", '[data-testid="stDataFrame"]'),
    ("graph", "Graph", "Graph", 'iframe[title="streamlit_agraph.agraph"]'),
    ("findings", "Findings", "Findings", '[data-testid="stDataFrame"]'),
    ("publications", "Publications", "Publications", '[data-testid="stDataFrame"]'),
    ("compare", "Compare", "Compare a concept across studies", '[data-testid="stDataFrame"]'),
    ("sparql", "SPARQL", "SPARQL", "textarea"),
]
"""URL path, menu label, page title, and the element that shows the page's answer."""
READY = (
    "() => !document.querySelector('[data-testid=\"stSpinner\"], [data-testid=\"stSkeleton\"]')"
    " && !document.querySelector('[data-testid=\"stStatusWidget\"]')"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(launcher: str, store: Path, port: int) -> list[str]:
    """``kg explore``'s own command line (libraries preloaded), or a plain ``streamlit run app.py``."""
    if launcher == "kg-explore":
        from explorer.launch import streamlit_command

        return streamlit_command(argparse.Namespace(address="127.0.0.1", port=port, store=str(store)))
    return [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address",
            "127.0.0.1", "--server.port", str(port), "--", "--store", str(store)]


def _serve(store: Path, log: Path, launcher: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    process = subprocess.Popen(
        _command(launcher, store, port),
        cwd=REPO_ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT, env={**os.environ, "KG_STORE": ""},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise TimeoutError("streamlit did not start")


def _ready(page: object, title: str, selector: str) -> None:
    page.get_by_role("heading", name=title, exact=True).first.wait_for()
    page.locator(selector).first.wait_for(state="attached")
    page.wait_for_function(READY)


def measure(store: Path, repeat: int, log: Path, launcher: str = "kg-explore") -> dict[str, tuple[float, float]]:
    """Cold and warm (median) seconds per page for one store.

    Cold: the page opened by its URL right after the server started (empty caches, Streamlit's own
    JavaScript included). Warm: the same page reached again from the menu after visiting another page,
    as a user switches pages (cached answers, no reload of the app).
    """
    from playwright.sync_api import sync_playwright

    process, url = _serve(store, log, launcher)
    times: dict[str, tuple[float, float]] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(120_000)
            for path, label, title, selector in PAGES:
                start = time.monotonic()
                page.goto(f"{url}/{path}")
                _ready(page, title, selector)
                cold = time.monotonic() - start
                warm = []
                for _ in range(repeat):
                    other = "SPARQL" if label != "SPARQL" else "Questions"
                    page.get_by_test_id("stSidebarNav").get_by_role("link", name=other, exact=True).click()
                    page.get_by_role("heading", name=other if other == "SPARQL" else "The lab's questions",
                                     exact=True).first.wait_for()
                    page.wait_for_function(READY)
                    start = time.monotonic()
                    page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True).click()
                    _ready(page, title, selector)
                    warm.append(time.monotonic() - start)
                times[label] = (cold, statistics.median(warm))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="the large store to time (after kg build)")
    parser.add_argument("--repeat", type=int, default=2, help="warm visits per page (median reported)")
    parser.add_argument("--launcher", choices=("kg-explore", "streamlit"), default="kg-explore",
                        help="start the server as kg explore does (default) or as a plain streamlit run app.py")
    args = parser.parse_args(argv)
    from ingest.build import SEED_DIR, build

    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed"
        build(str(seed), SEED_DIR, [])
        loads = [os.getloadavg()]
        baseline = measure(seed, args.repeat, Path(tmp) / "seed.log", args.launcher)
        loads.append(os.getloadavg())
        large = measure(args.store, args.repeat, Path(tmp) / "large.log", args.launcher)
        loads.append(os.getloadavg())
    # The machine is shared: the load averages say how much else ran while the pages were timed.
    print("load average (1 min) at the start, between the stores and at the end: "
          + " / ".join(f"{load[0]:.1f}" for load in loads))
    print(f"| page | seed cold | seed warm | {args.store.name} cold | {args.store.name} warm |")
    print("|---|---|---|---|---|")
    for name, (cold, warm) in large.items():
        base_cold, base_warm = baseline[name]
        print(f"| {name} | {base_cold:.2f} s | {base_warm:.2f} s | {cold:.2f} s | {warm:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

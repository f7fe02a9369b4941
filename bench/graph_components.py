"""Compare three Streamlit graph components in the offline headless Chromium: what loads, how fast.

Not a test. Run with ``.venv/bin/python bench/graph_components.py`` (needs /usr/bin/chromium and the
three packages: ``pip install streamlit-agraph st-link-analysis pyvis``). For each component and size a
throwaway Streamlit script draws a generated graph; the browser blocks every request that leaves
127.0.0.1 (as on the lab machines) and we time from navigation until a drawn canvas appears, and list
the blocked hosts. Interaction (does a node click reach Python?) is read from each package's code.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

SCRIPTS = {
    "streamlit-agraph": """
from streamlit_agraph import agraph, Node, Edge, Config
import random
random.seed(1)
N = {n}
nodes = [Node(id=str(i), label=str(i), x=random.uniform(-800, 800), y=random.uniform(-800, 800), size=10)
         for i in range(N)]
edges = [Edge(source=str(i), target=str(random.randrange(N))) for i in range(N)]
agraph(nodes=nodes, edges=edges, config=Config(width="100%", height=600, physics=False))
""",
    "st-link-analysis": """
from st_link_analysis import st_link_analysis, Event
import random
random.seed(1)
N = {n}
nodes = [{{"data": {{"id": str(i), "label": "N", "name": str(i)}}}} for i in range(N)]
edges = [{{"data": {{"id": f"e{{i}}", "label": "E", "source": str(i), "target": str(random.randrange(N))}}}}
         for i in range(N)]
st_link_analysis({{"nodes": nodes, "edges": edges}}, layout="{layout}", height=600,
                 events=[Event("click", "tap", "node")])
""",
    "pyvis (cdn_resources=in_line)": """
import streamlit.components.v1 as components
from pyvis.network import Network
import random
random.seed(1)
N = {n}
net = Network(height="600px", width="100%", cdn_resources="in_line")
for i in range(N):
    net.add_node(i, label=str(i))
for i in range(N):
    net.add_edge(i, random.randrange(N))
net.toggle_physics(False)
components.html(net.generate_html(), height=620)
""",
}
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(script: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=1)
            return process, url
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not start")


def measure(browser: object, url: str) -> tuple[float | None, set[str]]:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    blocked: set[str] = set()

    def route(request_route: object) -> None:
        host = urlparse(request_route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost") or request_route.request.url.startswith(("data:", "blob:", "about:")):
            request_route.continue_()
        else:
            blocked.add(host)
            request_route.abort()

    page.route("**/*", route)
    start = time.perf_counter()
    page.goto(url)
    try:
        frame = page.frame_locator("iframe").first
        frame.locator("canvas").first.wait_for(timeout=90_000)
        page.wait_for_function(
            """() => [...document.querySelectorAll('iframe')].some(f => {
                 const c = f.contentDocument && f.contentDocument.querySelector('canvas');
                 return c && c.width > 0; })""", timeout=90_000)
        elapsed: float | None = time.perf_counter() - start
    except Exception:  # noqa: BLE001 - a component that never draws is a result, not a crash
        elapsed = None
    page.close()
    return elapsed, blocked


def main() -> None:
    from playwright.sync_api import sync_playwright

    rows = ["| component | nodes | canvas drawn after | requests leaving 127.0.0.1 (blocked) |", "|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for name, template in SCRIPTS.items():
            for n in (250, 2000):
                script = Path(tmp) / f"g{abs(hash((name, n)))}.py"
                script.write_text("import streamlit as st\n" + template.format(n=n, layout="cose"))
                process, url = serve(script)
                try:
                    elapsed, blocked = measure(browser, url)
                finally:
                    process.terminate()
                    process.wait()
                shown = "never (nothing drawn in 90 s)" if elapsed is None else f"{elapsed:.2f} s"
                rows.append(f"| {name} | {n} | {shown} | {', '.join(sorted(blocked)) or 'none'} |")
                print(rows[-1], flush=True)
        browser.close()
    print("\n".join(rows))


if __name__ == "__main__":
    main()

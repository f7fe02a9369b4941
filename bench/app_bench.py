"""Explorer benchmark: server time to build the graph page, and page-switch time on the seed graph.

Not a test. Run with ``.venv/bin/python bench/app_bench.py [--repeat 3]``; prints a Markdown table.

Graph page: generated finding networks of about 200, 2,000 and 20,000 nodes go through what the page
does before the browser draws (filter -> networkx graph -> aggregate when large -> cap -> layout ->
component elements). The baseline in the same run is the 200-node graph; a second column shows the
same graphs without the cap or the aggregation (what the browser would have to draw). Page switch: AppTest run time
per page on the seed graph (in-process, no browser or network: a proxy for the server's share of a
page switch), cold (first visit) and warm (cached data).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from explorer.graphview import Filters, agraph_elements, make_view

KINDS = ["RiskFactor", "ResistancePhenotype", "Outcome"]
SUBGROUPS = ["all patients", "responders", "refractory", "relapsed"]


def generate(nodes: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A finding network of about ``nodes`` nodes: 70% findings, 20% concepts, 10% publications."""
    rng = random.Random(seed)
    n_findings, n_concepts, n_pubs = int(nodes * 0.7), max(3, int(nodes * 0.2)), max(1, int(nodes * 0.1))
    concepts = [f"https://w3id.org/cohort-kg/concept/c{i}" for i in range(n_concepts)]
    pubs = [f"https://pubmed.ncbi.nlm.nih.gov/{10_000_000 + i}" for i in range(n_pubs)]
    rows = []
    for i in range(n_findings):
        subject, obj = rng.sample(concepts, 2)
        p = rng.choice([None, 0.001, 0.01, 0.04, 0.2])
        rows.append({
            "finding": f"https://w3id.org/cohort-kg/id/finding/curated-{i}", "study": rng.choice(pubs),
            "studyTitle": f"Study {i % n_pubs}", "year": 2000 + i % 25, "pmid": None,
            "subject": subject, "subjectLabel": subject.rsplit("/", 1)[-1], "subjectKind": rng.choice(KINDS),
            "object": obj, "objectLabel": obj.rsplit("/", 1)[-1], "objectKind": rng.choice(KINDS),
            "relation": "predicts", "directionName": "Decreases", "subgroup": rng.choice(SUBGROUPS),
            "count": None, "denominator": None, "percentage": rng.choice([None, 12, 40]), "pComparator": "=",
            "pValue": p, "method": "Curated", "evidence": None,
        })
    links = [{"citing": rng.choice(pubs), "citingPmid": None, "citingTitle": "a", "citingYear": 2020,
              "cited": rng.choice(pubs), "citedPmid": None, "citedTitle": "b", "citedYear": 2019}
             for _ in range(n_pubs)]
    return pd.DataFrame(rows), pd.DataFrame(links)


def timed(work: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def graph_page(rows: pd.DataFrame, links: pd.DataFrame, max_nodes: int) -> int:
    view = make_view(rows, links, Filters(), max_nodes=max_nodes)
    nodes, _ = agraph_elements(view)
    return len(nodes)


def bench_graph(repeat: int) -> list[str]:
    lines = ["| nodes generated | shown (cap 250) | page build, capped | ratio to 200 | shown uncapped | "
             "page build, uncapped |", "|---|---|---|---|---|---|"]
    baseline = None
    for size in (200, 2_000, 20_000):
        rows, links = generate(size)
        capped = timed(lambda rows=rows, links=links: graph_page(rows, links, 250), repeat)
        baseline = baseline or capped
        shown = graph_page(rows, links, 250)
        uncapped = timed(lambda rows=rows, links=links, size=size: graph_page(rows, links, 10 * size), 1)
        full = f"{graph_page(rows, links, 10 * size)} | {uncapped:.2f} s"
        lines.append(f"| {size:,} | {shown} | {capped:.2f} s | {capped / baseline:.1f}× | {full} |")
    return lines


def bench_pages(repeat: int) -> list[str]:
    from streamlit.testing.v1 import AppTest

    from ingest.build import SEED_DIR, build

    store = Path(tempfile.mkdtemp()) / "store"
    build(str(store), SEED_DIR, [])
    os.environ["KG_STORE"] = str(store)
    app_path = str(Path(__file__).resolve().parents[1] / "app.py")
    app = AppTest.from_file(app_path, default_timeout=120).run()
    lines = ["| page | first visit (cold cache) | switch back (warm, median) |", "|---|---|---|"]
    pages = ["overview", "graph", "findings", "publications", "compare", "sparql", "refresh"]
    cold = {}
    for page in pages:
        start = time.perf_counter()
        app.switch_page(f"explorer/pages/{page}.py").run()
        cold[page] = time.perf_counter() - start
    for page in pages:
        warm = timed(lambda page=page: app.switch_page(f"explorer/pages/{page}.py").run(), repeat)
        lines.append(f"| {page} | {cold[page] * 1000:.0f} ms | {warm * 1000:.0f} ms |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (median reported)")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores (shared with other jobs), python {sys.version.split()[0]}\n")
    print("\n".join(bench_graph(args.repeat)))
    print()
    print("\n".join(bench_pages(args.repeat)))


if __name__ == "__main__":
    main()

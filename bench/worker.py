"""One measurement in a fresh process, so its peak memory (``ru_maxrss``) is its own.

``bench/run.py`` starts this module once per engine and size and reads one JSON
object from its standard output. Three jobs:

* ``oxigraph``: open the on-disk store ``kg load`` built and time every query,
  cold (first run on a freshly opened store) then warm (repeated runs);
* ``rdflib``: the baseline, rdflib's default in-memory ``Dataset`` (union default graph):
  parse the same N-Quads file, then the same queries, in-process;
* ``mapping``: the records path, generated ``SourceDocument``s through
  ``kg.pipeline.run_pipeline`` into a fresh on-disk store.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import signal
import sys
import time
from pathlib import Path
from typing import Any

from kg.namespaces import PREFIXES


def _timed_runs(run: Any, repeats: int, budget: float) -> tuple[list[float], int]:
    """Warm timings in ms: up to ``repeats`` runs, fewer when one run eats the time budget."""
    times: list[float] = []
    rows = 0
    spent = 0.0
    while len(times) < repeats and (spent < budget or not times):
        start = time.perf_counter()
        rows = run()
        elapsed = time.perf_counter() - start
        times.append(elapsed * 1000)
        spent += elapsed
    return times, rows


def measure_oxigraph(store_path: Path, queries: list[dict[str, str]], repeats: int, budget: float) -> dict:
    from kg.store import OxigraphStore

    results = {}
    for query in queries:
        store = OxigraphStore(store_path, read_only=True)  # freshly opened: its caches are empty
        start = time.perf_counter()
        rows = len(store.query(query["text"]).rows)
        cold = (time.perf_counter() - start) * 1000
        warm, _ = _timed_runs(lambda store=store, text=query["text"]: len(store.query(text).rows), repeats, budget)
        results[query["name"]] = {"cold_ms": cold, "warm_ms": warm, "rows": rows}
        store.close()
        gc.collect()
    return {"queries": results}


class QueryTimeout(Exception):
    """A baseline query ran past its time limit (rdflib has no timeout of its own)."""


def _alarm(signum: int, frame: object) -> None:
    raise QueryTimeout


def measure_rdflib(nquads: Path, queries: list[dict[str, str]], repeats: int, budget: float,
                   timeout: int, derived: Path | None = None) -> dict:
    """The baseline: rdflib is pure Python, so SIGALRM can interrupt a query that would run for hours.

    ``derived`` holds what ``kg load`` computed after loading the corpus (the counts graph): it is
    parsed after the timed load so both engines answer the same queries over the same data.
    """
    from rdflib import Dataset

    start = time.perf_counter()
    dataset = Dataset(default_union=True)
    dataset.parse(nquads, format="nquads")
    load = time.perf_counter() - start
    if derived is not None:
        dataset.parse(derived, format="nquads")
    quads = len(dataset)
    results = {}
    for query in queries:
        def run(text: str = query["text"]) -> int:
            return len(list(dataset.query(text, initNs=PREFIXES)))

        start = time.perf_counter()
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(timeout)
        try:
            rows = run()
        except QueryTimeout:
            results[query["name"]] = {"timeout_s": timeout}
            continue
        finally:
            signal.alarm(0)
        cold = (time.perf_counter() - start) * 1000
        warm, _ = _timed_runs(run, repeats, budget)
        results[query["name"]] = {"cold_ms": cold, "warm_ms": warm, "rows": rows}
    return {"load_s": load, "quads": quads, "queries": results}


def measure_mapping(store_path: Path, publications: int, seed: int) -> dict:
    from bench.generate import GENERATED_AT, generate_documents
    from kg.pipeline import run_pipeline
    from kg.store import OxigraphStore

    docs = list(generate_documents(publications, seed))  # records in memory first: time only the mapping path
    store = OxigraphStore(store_path)
    start = time.perf_counter()
    summary = run_pipeline(store, docs, now=GENERATED_AT)
    elapsed = time.perf_counter() - start
    quads = store.quad_count()
    store.close()
    return {"seconds": elapsed, "triples": summary.triples, "quads": quads, "documents": summary.written}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="One benchmark measurement (used by bench/run.py).")
    parser.add_argument("job", choices=["oxigraph", "rdflib", "mapping"])
    parser.add_argument("--store", type=Path)
    parser.add_argument("--nquads", type=Path)
    parser.add_argument("--derived", type=Path, help="N-Quads the store derived after loading (baseline only)")
    parser.add_argument("--queries", type=Path, help="JSON list of {name, text}")
    parser.add_argument("--only", help="run only the query variant of this name")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--budget", type=float, default=5.0, help="seconds of warm runs per query at most")
    parser.add_argument("--timeout", type=int, default=60, help="seconds before a baseline query is given up")
    parser.add_argument("--publications", type=int, default=0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    queries = json.loads(args.queries.read_text()) if args.queries else []
    if args.only:
        queries = [q for q in queries if q["name"] == args.only]
    if args.job == "oxigraph":
        result = measure_oxigraph(args.store, queries, args.repeats, args.budget)
    elif args.job == "rdflib":
        result = measure_rdflib(args.nquads, queries, args.repeats, args.budget, args.timeout, args.derived)
    else:
        result = measure_mapping(args.store, args.publications, args.seed)
    result["self_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

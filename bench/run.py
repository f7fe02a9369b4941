"""One command for the whole benchmark: ``python -m bench.run [--quick] [--sizes 100k,1m,10m]``.

For each size, in one run: generate (or reuse) the corpus, bulk-load it with the
real ``kg load`` command (timed as a subprocess, peak memory from ``wait4``),
measure every catalog query in ``kg/queries/*.rq`` (discovered at run time) cold
and warm, repeat the load and queries on rdflib's in-memory ``Dataset`` as the
baseline, and time the records -> ``kg.pipeline.run_pipeline`` path. Results go to
a JSON file under ``bench/results/`` and a Markdown table in ``docs/benchmarks.md``.

Each measurement runs in its own process, so the figures are that process's alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.generate import FIRST_PMID, GENERATOR_VERSION, parse_size, publications_for, write_nquads
from bench.report import WHOLE, machine_description, render_markdown, write_section
from kg.counts import CONCEPT_USE, COUNTS_GRAPH, GRAPH_COUNTS
from kg.queries import NamedQuery, catalog, prepare
from kg.sparql import bind_values

log = logging.getLogger("bench")

REPO_ROOT = Path(__file__).resolve().parent.parent

WORK_DIR = REPO_ROOT / "artifacts" / "bench"
RESULTS_DIR = REPO_ROOT / "bench" / "results"
DOCS = REPO_ROOT / "docs" / "benchmarks.md"
BASELINE_LIMIT_S = 600.0
MAPPING_CAP = 1_000_000
LIVE_COUNTS = {"graph-stats": GRAPH_COUNTS, "top-concepts": CONCEPT_USE}
"""Catalog queries that read ``kg.counts``' stored figures, with the live query that computes them."""
SAMPLE_PARAMS = {"term": "EM-ALL", "study": f"pubmed:{FIRST_PMID}"}
"""Values for parameters without a default: a concept abbreviation and the oldest (most-cited) paper."""


@dataclass(frozen=True)
class Child:
    """What a finished subprocess left behind."""

    seconds: float
    cpu_seconds: float
    maxrss_mb: float
    stdout: str


class ChildTimeout(Exception):
    """A measured subprocess ran past its time limit and was killed."""


def run_child(cmd: list[str], timeout: float | None = None) -> Child:
    """Run a command, timing it and reading its own peak RSS and CPU time (``wait4``)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=REPO_ROOT)
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        if timer:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if timeout and proc.returncode == -signal.SIGKILL:
            raise ChildTimeout(f"{' '.join(cmd[3:6])} killed after {timeout:.0f} s")
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd[:4])}... failed ({proc.returncode}): {err.read()[-2000:]}")
        return Child(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out.read())


def query_variants(queries: dict[str, NamedQuery]) -> list[dict[str, str]]:
    """Every catalog query with its defaults, plus the variants worth timing.

    One variant per parameter the bench can fill, and for a paged query its whole answer
    (``limit=0``) besides the default first page.
    """
    variants = []
    for query in queries.values():
        kind = "aggregate" if "COUNT(" in query.text.upper() or "GROUP BY" in query.text.upper() else "join"
        if query.name in LIVE_COUNTS:
            kind = "aggregate"  # reads the counts kg.counts stored: the same figures, computed at load time
        paged = query.page_size is not None
        variants.append({"name": query.name, "kind": kind, "text": bind_values(*prepare(query, {})), "paged": paged})
        for parameter in query.parameters:
            if parameter.default is None and parameter.name in SAMPLE_PARAMS:
                value = SAMPLE_PARAMS[parameter.name]
                text = bind_values(*prepare(query, {parameter.name: value}))
                variants.append({"name": f"{query.name} ({parameter.name}={value})", "kind": kind, "text": text,
                                 "paged": paged})
        if query.name in LIVE_COUNTS:  # it reads stored counts: also time computing them, as every load does
            variants.append({"name": f"{query.name} (computed live)", "kind": "aggregate",
                             "text": LIVE_COUNTS[query.name]})
        if query.page_size is not None:  # the default is one page; this is what an export of it costs
            text = bind_values(*prepare(query, {"limit": "0"}))
            variants.append({"name": f"{query.name} (limit=0)", "kind": WHOLE, "text": text})
    return variants


def corpus_file(size: int, seed: int) -> tuple[Path, int]:
    """The N-Quads corpus for a size, generated once and reused (same seed, same bytes)."""
    publications = publications_for(size, seed)
    path = WORK_DIR / f"corpus-v{GENERATOR_VERSION}-{size}-p{publications}-s{seed}.nq"
    if not path.is_file():
        log.info("generating %s", path.name)
        partial = path.with_suffix(".partial")
        write_nquads(partial, publications, seed)
        partial.rename(path)
    return path, publications


def export_counts(store: Path, out: Path) -> Path:
    """The counts graph `kg load` derived, as N-Quads, for the baseline to hold the same data."""
    import pyoxigraph as ox

    opened = ox.Store.read_only(str(store))
    try:
        with out.open("wb") as handle:
            ox.serialize(opened.quads_for_pattern(None, None, None, ox.NamedNode(COUNTS_GRAPH)), handle,
                         ox.RdfFormat.N_QUADS)
    finally:
        del opened
    return out


def available_mb() -> float:
    """Memory the kernel says is available now (MemAvailable), in MB."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable"):
            return int(line.split()[1]) / 1024
    return float("inf")


def disk_size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def _worker(job: str, *args: str, timeout: float | None = None) -> tuple[dict, Child]:
    child = run_child([sys.executable, "-m", "bench.worker", job, *args], timeout)
    return json.loads(child.stdout), child


def bench_size(size: int, seed: int, queries_file: Path, repeats: int, baseline_estimate: float | None,
               budget: float, timeout: int, ox_timeout: int, *, baseline: bool = True, mapping: bool = True,
               baseline_memory: float | None = None) -> dict:
    """All measurements for one corpus size."""
    nquads, publications = corpus_file(size, seed)
    quads = sum(1 for _ in nquads.open("rb"))
    store = WORK_DIR / f"store-{size}"
    shutil.rmtree(store, ignore_errors=True)
    log.info("%s: kg load of %d quads", nquads.name, quads)
    load = run_child([sys.executable, "-m", "kg", "load", str(nquads), "--store", str(store)])
    loaded_mb = disk_size_mb(store)
    log.info("kg optimize (compaction; the queries run on the compacted store)")
    optimize = run_child([sys.executable, "-m", "kg", "optimize", "--store", str(store)])
    result: dict = {
        "size": size, "quads": quads, "publications": publications,
        "load": {"seconds": load.seconds, "cpu_seconds": load.cpu_seconds, "maxrss_mb": load.maxrss_mb,
                 "triples_per_s": quads / load.seconds,
                 "disk_mb": loaded_mb, "file_mb": nquads.stat().st_size / 2**20,
                 "optimize_s": optimize.seconds, "optimized_disk_mb": disk_size_mb(store)},
    }
    log.info("queries on the embedded store, one fresh process each")
    variants = json.loads(queries_file.read_text())
    ox_results: dict[str, dict] = {}
    peak = 0.0
    for variant in variants:
        try:
            ox, child = _worker("oxigraph", "--store", str(store), "--queries", str(queries_file),
                                "--only", variant["name"], "--repeats", str(repeats), "--budget", str(budget),
                                timeout=ox_timeout)
        except ChildTimeout:
            ox_results[variant["name"]] = {"timeout_s": ox_timeout}
            continue
        ox_results.update(ox["queries"])
        peak = max(peak, child.maxrss_mb)
    result["oxigraph"] = {"queries": ox_results, "maxrss_mb": peak}
    if not baseline:
        result["rdflib"] = {"skipped": "not requested (--no-baseline)"}
    elif baseline_estimate is not None and baseline_estimate > BASELINE_LIMIT_S:
        result["rdflib"] = {"skipped": f"its parse alone, extrapolated from the smaller size, would take "
                                       f"{baseline_estimate:.0f} s (over the 10-minute limit)"}
    elif baseline_memory is not None and baseline_memory > available_mb() / 2:
        result["rdflib"] = {"skipped": f"its memory, extrapolated from the smaller size, would reach "
                                       f"{baseline_memory / 1024:.0f} GB (over half of this machine's "
                                       f"{available_mb() / 1024:.0f} GB available)"}
    else:
        log.info("baseline: rdflib in-memory Dataset")
        derived = export_counts(store, WORK_DIR / f"derived-{size}.nq")
        rd, child = _worker("rdflib", "--nquads", str(nquads), "--derived", str(derived), "--queries",
                            str(queries_file), "--repeats", str(repeats), "--budget", str(budget),
                            "--timeout", str(timeout))
        result["rdflib"] = {**rd, "maxrss_mb": child.maxrss_mb, "seconds": child.seconds}
    if not mapping:
        result["mapping"] = {"skipped": "not requested (--no-mapping)"}
        return result
    mapped = publications_for(min(size, MAPPING_CAP), seed)
    log.info("mapping path: %d documents through kg.loader", mapped)
    mapping_store = WORK_DIR / f"mapping-store-{size}"
    shutil.rmtree(mapping_store, ignore_errors=True)
    mp, child = _worker("mapping", "--store", str(mapping_store), "--publications", str(mapped), "--seed", str(seed))
    result["mapping"] = {**mp, "maxrss_mb": child.maxrss_mb, "triples_per_s": mp["quads"] / mp["seconds"]}
    shutil.rmtree(mapping_store, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark kg load and the query catalog against rdflib.")
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated triple counts (default: 100k,1m)")
    parser.add_argument("--quick", action="store_true", help="one small corpus, few repeats (CI, under a minute)")
    parser.add_argument("--repeats", type=int, default=20, help="warm runs per query (default: 20)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, help="Markdown file to update (default: docs/benchmarks.md; "
                        "bench/results/quick.md with --quick)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the rdflib baseline")
    parser.add_argument("--no-mapping", action="store_true", help="skip the records -> kg.loader measurement")
    parser.add_argument("--keep", action="store_true", help="keep the stores under artifacts/bench")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    sizes = [10_000] if args.quick else [parse_size(s) for s in args.sizes.split(",")]
    repeats = 3 if args.quick else args.repeats
    budget = 0.5 if args.quick else 5.0
    timeout = 2 if args.quick else 20
    ox_timeout = 20 if args.quick else 60
    output = args.output or (RESULTS_DIR / "quick.md" if args.quick else DOCS)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)

    variants = query_variants(catalog())
    queries_file = WORK_DIR / "queries.json"
    queries_file.write_text(json.dumps(variants))
    machine = machine_description()
    results: list[dict] = []
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for size in sorted(sizes):
        estimate = memory = None
        if results and "load_s" in results[-1]["rdflib"]:
            previous = results[-1]
            # Each query is capped by its timeout; the parse is what grows without bound.
            estimate = previous["rdflib"]["load_s"] * size / previous["size"]
            memory = previous["rdflib"]["maxrss_mb"] * size / previous["size"]
        results.append(bench_size(size, args.seed, queries_file, repeats, estimate, budget, timeout, ox_timeout,
                                  baseline=not args.no_baseline, mapping=not args.no_mapping,
                                  baseline_memory=memory))
        if not args.keep:
            shutil.rmtree(WORK_DIR / f"store-{size}", ignore_errors=True)
        # Written after every size, so an interrupted long run still leaves its finished sizes.
        (RESULTS_DIR / f"results-{stamp}.json").write_text(json.dumps({"machine": machine, "results": results},
                                                                       indent=1))
        markdown = render_markdown(machine, results, variants)
        write_section(output, markdown)
    print(markdown)
    empty = [f"{r['size']}: {name}" for r in results for name, q in r["oxigraph"]["queries"].items()
             if q.get("rows") == 0]
    if empty:
        log.warning("queries with no rows: %s", "; ".join(empty))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of ``kg validate`` on a generated corpus: graph-by-graph batches against the whole store at once.

Run: ``python -m bench.validate_bench [--size 1.5m] [--batch-quads 50000] [--work DIR] [--no-baseline]``.

The corpus comes from ``bench.generate`` (the same mapping the loader uses), loaded into an on-disk
store. Each approach then validates that store in its own child process, so its peak resident
memory (max RSS) is its own:

* ``batched``: ``kg.validate.validate_store``, source graphs in batches of ``--batch-quads`` quads
  with the types of the nodes they point at (what ``kg validate`` runs);
* ``whole`` (the baseline, in the same run): every triple read through one ``CONSTRUCT`` into an
  rdflib graph and validated at once.

Prints a Markdown table: wall and CPU seconds (CPU is the fairer comparison on a shared machine),
peak RSS, problems found and whether the store conforms.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox

MB = 1024


def validate_once(store_dir: Path, mode: str, batch_quads: int) -> dict[str, object]:
    """One validation in this process: seconds, peak RSS in MB, problems, conformance."""
    from rdflib import Graph

    from kg.store import OxigraphStore
    from kg.validate import validate_graph, validate_store

    store = OxigraphStore(store_dir, read_only=True)
    started = time.perf_counter()
    if mode == "batched":
        report = validate_store(store, batch_quads=batch_quads)
    else:
        graph = Graph()
        for triple in store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }").triples or []:
            graph.add(triple)
        report = validate_graph(graph)
    seconds = time.perf_counter() - started
    store.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"mode": mode, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "rss_mb": usage.ru_maxrss / MB,  # kB on Linux
            "problems": len(report.violations), "conforms": report.conforms}


def run_mode(store_dir: Path, mode: str, batch_quads: int) -> dict[str, object]:
    command = [sys.executable, "-m", "bench.validate_bench", "--one", mode, "--store", str(store_dir),
               "--batch-quads", str(batch_quads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def build_store(size: int, work: Path) -> tuple[Path, int]:
    """Generate a corpus of about ``size`` triples and load it into an on-disk store; return it and its quads."""
    from bench.generate import publications_for, write_nquads
    from kg.store import OxigraphStore

    corpus = work / "corpus.nq"
    write_nquads(corpus, publications_for(size))
    store_dir = work / "store"
    store = OxigraphStore(store_dir)
    quads = store.load_file(corpus, ox.RdfFormat.N_QUADS, None)
    store.close()
    corpus.unlink()
    return store_dir, quads


def main(argv: list[str] | None = None) -> int:
    from bench.generate import parse_size

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1.5m", help="target triples of the generated corpus (default 1.5m)")
    parser.add_argument("--batch-quads", type=int, default=50_000)
    parser.add_argument("--work", type=Path, help="folder for the corpus and store (default: a temporary one)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the whole-store baseline")
    parser.add_argument("--one", choices=["batched", "whole"], help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(validate_once(args.store, args.one, args.batch_quads)))
        return 0
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        started = time.perf_counter()
        store_dir, quads = build_store(parse_size(args.size), Path(folder))
        print(f"corpus: {quads:,} quads, generated and loaded in {time.perf_counter() - started:.0f} s", flush=True)
        modes = ["batched"] if args.no_baseline else ["batched", "whole"]
        rows = [run_mode(store_dir, mode, args.batch_quads) for mode in modes]
    print(f"\n| approach ({quads:,} quads) | wall s | CPU s | peak RSS (MB) | problems | conforms |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        label = f"graph batches of {args.batch_quads:,} quads" if row["mode"] == "batched" else "whole store (baseline)"
        print(f"| {label} | {row['seconds']:.0f} | {row['cpu']:.0f} | {row['rss_mb']:.0f} | {row['problems']} "
              f"| {row['conforms']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Sweep the parallel bulk loader's settings: threads x chunk size, against the single call.

Run: ``python -m bench.parallel_load FILE [--threads 1,2,3,4] [--chunk-mb 16,32,64] [--repeat 3]``.

Each setting loads FILE (N-Triples or N-Quads) into a fresh on-disk store in its own
process (so peak memory is that load's alone), ``--repeat`` times, round-robin. ``--threads 1`` is
the single ``bulk_load`` call of before, the baseline the others are compared with
in the same run. Prints a Markdown table: median seconds, quads/s, ratio to the
baseline, peak RSS and the store's size on disk.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MB = 1024 * 1024


def load_once(path: Path, store_dir: Path, threads: int, chunk_mb: int) -> dict[str, float]:
    """One load in this process: seconds (load + flush), quads, peak RSS in MB, store size in MB."""
    from kg.store import OxigraphStore, rdf_format

    store = OxigraphStore(store_dir, load_threads=threads, chunk_bytes=chunk_mb * MB)
    started = time.perf_counter()
    quads = store.load_file(path, rdf_format(path.name), None if path.suffix == ".nq" else "http://example.org/g")
    seconds = time.perf_counter() - started
    store.close()
    disk = sum(f.stat().st_size for f in store_dir.rglob("*") if f.is_file()) / MB
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    return {"seconds": seconds, "quads": quads, "rss_mb": rss, "disk_mb": disk}


def run_setting(path: Path, threads: int, chunk_mb: int, work: Path) -> dict[str, float]:
    store_dir = work / f"store-{threads}-{chunk_mb}"
    shutil.rmtree(store_dir, ignore_errors=True)
    command = [sys.executable, "-m", "bench.parallel_load", str(path), "--one",
               "--threads", str(threads), "--chunk-mb", str(chunk_mb), "--work", str(work)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    shutil.rmtree(store_dir, ignore_errors=True)
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    summary, _, details = __doc__.partition("\n\n")
    parser = argparse.ArgumentParser(
        description=summary, epilog=details, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("file", type=Path)
    parser.add_argument("--threads", default="1,2,3,4", help="comma-separated thread counts (1 = one call)")
    parser.add_argument("--chunk-mb", default="16,32,64", help="comma-separated chunk sizes in MB")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=None, help="where the scratch stores go (default: a temp dir)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="kg-parallel-load-"))
    if args.one:
        threads, chunk_mb = int(args.threads), int(args.chunk_mb)
        print(json.dumps(load_once(args.file, work / f"store-{threads}-{chunk_mb}", threads, chunk_mb)))
        return 0
    settings = [(1, 32)] + [(int(t), int(c)) for t in args.threads.split(",") if t != "1"
                            for c in args.chunk_mb.split(",")]
    print("| threads | chunk MB | median s | quads/s | vs one call | peak RSS MB | on disk MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    # Round-robin over the settings, so a burst of load from other work on the machine hits all alike.
    results: dict[tuple[int, int], list[dict[str, float]]] = {setting: [] for setting in settings}
    for _ in range(args.repeat):
        for threads, chunk_mb in settings:
            results[threads, chunk_mb].append(run_setting(args.file, threads, chunk_mb, work))
    baseline = None
    for (threads, chunk_mb), runs in results.items():
        seconds = statistics.median(run["seconds"] for run in runs)
        baseline = baseline or seconds
        chunk = "-" if threads == 1 else str(chunk_mb)
        print(f"| {threads} | {chunk} | {seconds:.2f} | {runs[0]['quads'] / seconds:,.0f} | "
              f"{baseline / seconds:.2f}x | {max(r['rss_mb'] for r in runs):.0f} | {runs[0]['disk_mb']:.0f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

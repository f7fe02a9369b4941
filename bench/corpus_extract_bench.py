"""Benchmark of extraction on the real-abstract corpus: abstracts per second on one core, with a baseline.

Not a test. Run:  .venv/bin/python bench/corpus_extract_bench.py [--passes 5] [--baseline-commit REV]

Only the dev split of ``../shared/fixtures/abstracts/abstracts.jsonl`` is read
(through ``ingest.extract.corpus.dev_records``), so the benchmark never looks
at the held-out test abstracts. Compared in the same run, each in its own child
process pinned to one CPU core:

* ``baseline`` - the extractor as it was at ``--baseline-commit`` (default: the
  commit this branch started from), exported with ``git archive`` into a temporary
  folder and imported from there;
* ``current`` - the extractor of this checkout;
* ``kg extract FILE.jsonl`` - the command end to end (process start, imports,
  vocabulary, JSON Lines out), on a temporary file holding the dev records five
  times over (so the one-off start-up is spread as it is on a real corpus), and on
  a file of one record (the start-up alone); the five-fold file is also run with the
  baseline's code first on the import path (``python -m kg`` with ``PYTHONPATH``).

Each pass extracts every dev abstract once; the table gives the median pass, as
wall-clock time and as CPU time of the pinned process (on a machine shared with
other jobs the wall clock also counts the time the core was lent to them), and the
fastest pass's CPU rate. With ``--rounds N`` every measurement is repeated N times,
baseline and current taking turns, so a change of load during the run falls on both
(the medians are over all passes of all rounds).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "fixtures" / "abstracts" / "abstracts.jsonl"
BASE_COMMIT = "c072674"

_CHILD = r"""
import json, os, sys, time
os.sched_setaffinity(0, {int(sys.argv[3])})
sys.path.insert(0, sys.argv[1])
from ingest.extract.pipeline import extract_abstract
from kg.model import PublicationRef
records = [json.loads(line) for line in open(sys.argv[2], encoding="utf-8")]
extract_abstract(records[0]["text"], PublicationRef(title="warm-up"))
times, cpu = [], []
for _ in range(int(sys.argv[4])):
    start, start_cpu = time.perf_counter(), time.process_time()
    for r in records:
        extract_abstract(r["text"], PublicationRef(pmid=r.get("pmid"), title=r.get("title") or r["id"]),
                         title=r.get("title"))
    times.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
print(json.dumps({"abstracts": len(records), "times": times, "cpu": cpu}))
"""


def _dev_file(folder: Path, copies: int = 1, limit: int | None = None) -> Path:
    sys.path.insert(0, str(ROOT))
    from ingest.extract.corpus import dev_records

    path = folder / f"dev-{copies}-{limit}.jsonl"
    lines = [json.dumps({"id": r.id, "pmid": r.pmid, "title": r.title, "text": r.text}) + "\n"
             for r in dev_records(CORPUS)][:limit]
    path.write_text("".join(lines * copies), encoding="utf-8")
    return path


def _run_child(code_root: Path, corpus: Path, passes: int) -> dict:
    cpu = sorted(os.sched_getaffinity(0))[0]
    result = subprocess.run([sys.executable, "-c", _CHILD, str(code_root), str(corpus), str(cpu), str(passes)],
                            capture_output=True, text=True, check=True, cwd=code_root)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _command(corpus: Path, passes: int, code_root: Path = ROOT) -> dict:
    cpu = sorted(os.sched_getaffinity(0))[0]
    times, used = [], []
    count = sum(1 for _ in corpus.open(encoding="utf-8"))
    env = {**os.environ, "PYTHONPATH": str(code_root)}
    for _ in range(passes):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(["taskset", "-c", str(cpu), sys.executable, "-m", "kg", "extract", str(corpus),
                        "--format", "json"], check=True, stdout=subprocess.DEVNULL, cwd=code_root, env=env)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        used.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return {"abstracts": count, "times": times, "cpu": used}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passes", type=int, default=5)
    parser.add_argument("--baseline-commit", default=BASE_COMMIT)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        corpus = _dev_file(folder)
        base = folder / "baseline"
        base.mkdir()
        archive = subprocess.run(["git", "archive", args.baseline_commit], capture_output=True, check=True,
                                 cwd=ROOT).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        five, one = _dev_file(folder, copies=5), _dev_file(folder, limit=1)
        measures = [
            (f"baseline (extractor at {args.baseline_commit})", lambda: _run_child(base, corpus, args.passes)),
            ("current (this checkout)", lambda: _run_child(ROOT, corpus, args.passes)),
            (f"kg extract FILE.jsonl --format json (dev records x5, end to end), code at {args.baseline_commit}",
             lambda: _command(five, args.passes, base)),
            ("kg extract FILE.jsonl --format json (dev records x5, end to end)", lambda: _command(five, args.passes)),
            ("kg extract FILE.jsonl --format json (one record: start-up alone)", lambda: _command(one, args.passes)),
        ]
        rows: dict[str, dict] = {}
        for _ in range(args.rounds):
            for name, measure in measures:
                result = measure()
                row = rows.setdefault(name, {"abstracts": result["abstracts"], "times": [], "cpu": []})
                row["times"] += result["times"]
                row["cpu"] += result["cpu"]
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print("| what | abstracts | median wall s | abstracts/s (wall) | median CPU s | abstracts/s (CPU, one core) "
          "| fastest pass, abstracts/s (CPU) |")
    print("|---|---|---|---|---|---|---|")
    for name, result in rows.items():
        wall, cpu = statistics.median(result["times"]), statistics.median(result["cpu"])
        n, fastest = result["abstracts"], min(result["cpu"])
        print(f"| {name} | {n} | {wall:.3f} | {n / wall:.0f} | {cpu:.3f} | {n / cpu:.0f} | {n / fastest:.0f} |")


if __name__ == "__main__":
    main()

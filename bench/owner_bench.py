"""What working through a store's owner costs: catalog queries and ``kg load``, direct vs through the owner.

Run: ``python -m bench.owner_bench [--nq FILE.nq] [--repeats 30]``.

* **Catalog queries.** Every catalog query with its default parameters, on the seed store
  (``kg build``) and, with ``--nq``, on a store loaded from that N-Quads file. *In-process*
  is ``OxigraphStore.query`` in this process (what the explorer pays as owner, and every
  command without an owner); *through the owner* is ``OwnerClient.query`` from this
  process while ``kg serve`` owns the store in another (what every other command pays).
  In-process and owner rounds alternate (3 in-process, 2 owner), and each p50 is over all
  rounds of its path: the baseline is measured in the same run, on the same machine state.
  "Added at best" compares the fastest runs of each path. "Channel" is, per request through
  the owner, its time minus what the owner reports it spent evaluating and serializing
  (``X-Owner-Seconds``): the channel's own cost (HTTP, parsing and term conversion on the
  client, which in-process also pays), which the engine's speed swings on a busy machine
  do not blur. p50 is
  nearest-rank over ``--repeats`` warm runs after 3 untimed ones.
* **Loading.** With ``--nq``: ``kg load FILE --store NEW`` as a user runs it (a subprocess,
  start-up and derived counts included), once into a fresh store nobody owns (direct) and
  once into a fresh store that ``kg serve`` owns (through the owner); quads/s and the ratio.

Prints a Markdown table per part.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3
"""In-process rounds; the owner's rounds sit between them (ROUNDS - 1 of them)."""


def nearest_rank(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def catalog_texts() -> dict[str, tuple[str, dict]]:
    """Every catalog query's text and bindings with its default parameters (its first page when paged)."""
    from kg.queries import catalog, prepare

    texts: dict[str, tuple[str, dict]] = {}
    for name, query in catalog().items():
        try:
            texts[name] = prepare(query, {})
        except Exception:  # noqa: BLE001 - a query that needs a parameter without default is left out
            continue
    return texts


def time_queries(query: Callable[[str, dict], object], texts: dict[str, tuple[str, dict]],
                 repeats: int) -> dict[str, list[float]]:
    """Milliseconds per run of each query, after 3 untimed runs."""
    timings: dict[str, list[float]] = {}
    for name, (text, bindings) in texts.items():
        for _ in range(3):
            query(text, bindings)
        runs = []
        for _ in range(repeats):
            start = time.perf_counter()
            query(text, bindings)
            runs.append((time.perf_counter() - start) * 1000)
        timings[name] = runs
    return timings


@contextmanager
def owner(store: Path) -> Iterator[subprocess.Popen[str]]:
    """``kg serve`` owning ``store`` (its endpoint on a free port) until the block ends."""
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0",
                                "--workers", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               cwd=REPO_ROOT)
    try:
        assert process.stdout is not None
        if "SPARQL endpoint on" not in process.stdout.readline():
            raise RuntimeError(f"kg serve did not start on {store}")
        yield process
    finally:
        process.terminate()
        process.wait(timeout=60)


def in_process(store: Path, texts: dict[str, tuple[str, dict]], repeats: int) -> dict[str, list[float]]:
    from kg.store import OxigraphStore

    opened = OxigraphStore(store)
    try:
        return time_queries(lambda text, bindings: opened.query(text, bindings), texts, repeats)
    finally:
        opened.close()


def through_owner(store: Path, texts: dict[str, tuple[str, dict]], repeats: int) -> dict[str, list[float]]:
    from kg.store import open_store
    from kg.store.client import OwnerClient

    with owner(store):
        client = open_store(str(store))
        assert isinstance(client, OwnerClient), "the store was opened directly: no owner found"

        def query(text: str, bindings: dict) -> None:
            start = time.perf_counter()
            client.query(text, bindings)
            channel = (time.perf_counter() - start) - (client.last_owner_seconds or 0.0)
            CHANNEL_MS.setdefault(text, []).append(channel * 1000)

        return time_queries(query, texts, repeats)


CHANNEL_MS: dict[str, list[float]] = {}
"""Per query text: milliseconds of each request through the owner that the owner did not spend evaluating."""


def query_table(label: str, store: Path, repeats: int) -> str:
    """The Markdown rows comparing in-process and owner p50 for every catalog query on ``store``."""
    texts = catalog_texts()
    local_runs: dict[str, list[float]] = {name: [] for name in texts}
    owner_runs: dict[str, list[float]] = {name: [] for name in texts}
    for round_ in range(ROUNDS):  # in-process, owner, in-process, ...: drift on a shared machine hits both
        for name, runs in in_process(store, texts, repeats).items():
            local_runs[name] += runs
        if round_ < ROUNDS - 1:
            for name, runs in through_owner(store, texts, repeats).items():
                owner_runs[name] += runs
    lines = [f"\n### Catalog queries, {label}\n",
             "| query | in-process p50 ms | through the owner p50 ms | added at p50 ms | added at best ms "
             "| channel p50 ms |", "|---|---:|---:|---:|---:|---:|"]
    added, added_best, channel = [], [], []
    for name in texts:
        local = nearest_rank(local_runs[name], 0.5)
        far = nearest_rank(owner_runs[name], 0.5)
        best = min(owner_runs[name]) - min(local_runs[name])
        spent = nearest_rank(CHANNEL_MS.pop(texts[name][0], [0.0]), 0.5)
        added.append(far - local)
        added_best.append(best)
        channel.append(spent)
        lines.append(f"| {name} | {local:.2f} | {far:.2f} | {far - local:+.2f} | {best:+.2f} | {spent:.2f} |")
    lines.append(f"| **median over queries** | | | **{nearest_rank(added, 0.5):+.2f}** | "
                 f"**{nearest_rank(added_best, 0.5):+.2f}** | **{nearest_rank(channel, 0.5):.2f}** |")
    lines.append(f"| **largest** | | | **{max(added):+.2f}** | **{max(added_best):+.2f}** | **{max(channel):.2f}** |")
    return "\n".join(lines)


def timed_load(nq: Path, store: Path) -> tuple[float, int]:
    """Seconds of ``kg load FILE --store STORE`` as a subprocess, and the quads it says it added."""
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "kg", "load", str(nq), "--store", str(store)],
                            capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"kg load failed: {result.stderr.strip()}")
    added = int(result.stdout.split(":")[-1].split()[0])
    return seconds, added


def load_table(nq: Path, work: Path) -> str:
    """Direct load vs load through an owner, each into a fresh store."""
    from kg.store import OxigraphStore

    direct_seconds, direct_quads = timed_load(nq, work / "direct")
    owned = work / "owned"
    OxigraphStore(owned).close()  # an empty store for the owner to hold
    with owner(owned):
        owner_seconds, owner_quads = timed_load(nq, owned)
    direct_rate, owner_rate = direct_quads / direct_seconds, owner_quads / owner_seconds
    return "\n".join([
        f"\n### kg load {nq.name}\n",
        "| path | quads | seconds | quads/s | ratio to direct |", "|---|---:|---:|---:|---:|",
        f"| direct (no owner) | {direct_quads} | {direct_seconds:.1f} | {direct_rate:,.0f} | 1.00 |",
        f"| through the owner | {owner_quads} | {owner_seconds:.1f} | {owner_rate:,.0f} | "
        f"{owner_rate / direct_rate:.2f} |",
    ])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nq", type=Path, help="an N-Quads file (python -m bench.generate 1m FILE) to load and query")
    parser.add_argument("--repeats", type=int, default=30, help="timed runs per query and path (default: 30)")
    args = parser.parse_args(argv)
    from ingest.build import SEED_DIR, build

    work = Path(tempfile.mkdtemp(prefix="kg-owner-bench-"))
    try:
        seed = work / "seed"
        build(str(seed), SEED_DIR, [])
        print(query_table("seed store", seed, args.repeats), flush=True)
        if args.nq:
            print(load_table(args.nq, work), flush=True)
            print(query_table(f"{args.nq.name} (the direct load's store)", work / "direct", args.repeats),
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

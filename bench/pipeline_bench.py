"""Benchmark of the ingest pipeline (not a test): how often a command derives, and what that costs.

A store is filled with the seed graph (``kg build``) and ``--base`` generated
PubMed records (``kg ingest pubmed-xml``), so the whole-graph derive step has
something to count. Then, timed:

1. ``kg ingest pubmed-xml`` of ``--ingest`` more generated records
   (batches of 500 documents);
2. ``refresh`` of ``--refresh`` citing papers against the loopback stand-in
   (no rate limit: the stand-in allows 10,000 requests/s and the client's clock
   is fake, so the time is the store's, not NCBI's pacing): links both ways in
   batches of 200, then the records.

Each case reports wall time, CPU time of this process (the store and the
stand-in run in it; steadier than wall time on a shared machine) and how many
times the whole-graph count query ran (one per derive step, plus the before
and after figures of a refresh), counted at ``OxigraphStore.query``. With
``--rounds N`` the modes alternate N times and the medians are printed. When the code
has ``kg.pipeline`` (one derive per command), each case runs twice in the same
process: as the code is, and with a derive forced after every batch (the
baseline: what a per-batch derive costs on the same data). On older code the
script measures the code as it is, so the two can be compared by commit.

``--derive-cost`` times one derive stage alone (median of 5) on the filled store.

Usage: .venv/bin/python bench/pipeline_bench.py [--base 3000] [--ingest 3000] [--refresh 2000] [--rounds 3]
                                                [--derive-cost]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from eutils_bench import FIRST, STUDY, _generator, synthetic_record  # noqa: E402
from eutils_server import EutilsStandIn, RunningStandIn  # noqa: E402
from pubmed_helpers import FakeClock  # noqa: E402

import kg  # noqa: E402
from ingest.pubmed.client import EutilsClient  # noqa: E402
from ingest.pubmed.refresh import refresh  # noqa: E402
from kg.cli import main as kg_main  # noqa: E402
from kg.store import OxigraphStore  # noqa: E402

HEAD = b'<?xml version="1.0" ?>\n<PubmedArticleSet>\n'
HAS_PIPELINE = (Path(kg.__file__).parent / "pipeline.py").is_file()
"""Whether the code measured has ``kg.pipeline`` (looked up beside ``kg``, not through an editable install)."""


class QueryCounter:
    """Counts the whole-graph count queries (``sourceGraphs`` is only in that query) sent to any store."""

    def __init__(self) -> None:
        self.counts = 0
        self.original = OxigraphStore.query

    def __enter__(self) -> QueryCounter:
        counter = self

        def query(store: OxigraphStore, text: str, *args: object, **kwargs: object) -> object:
            if "sourceGraphs" in text:
                counter.counts += 1
            return counter.original(store, text, *args, **kwargs)

        OxigraphStore.query = query  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        OxigraphStore.query = self.original  # type: ignore[method-assign]


@contextlib.contextmanager
def per_batch_derive(enabled: bool) -> Iterator[None]:
    """The baseline: derive after every written batch, as a loader that derives per batch would."""
    if not enabled:
        yield
        return
    from kg.pipeline import Pipeline

    original = Pipeline.__init__

    def init(self: Pipeline, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        self.progress = lambda summary: self.derive()  # called after every batch

    Pipeline.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        Pipeline.__init__ = original  # type: ignore[method-assign]


def xml_file(path: Path, first: int, count: int) -> Path:
    path.write_bytes(HEAD + b"".join(synthetic_record(str(first + n)) for n in range(count)) + b"</PubmedArticleSet>\n")
    return path


def base_store(folder: Path, count: int) -> Path:
    store = folder / "store"
    assert kg_main(["build", "--store", str(store)]) == 0
    if count:
        assert kg_main(["ingest", "pubmed-xml", str(xml_file(folder / "base.xml", 10_000_000, count)),
                        "--store", str(store)]) == 0
    return store


def bench_ingest(folder: Path, base: int, count: int, baseline: bool) -> dict[str, float]:
    store = base_store(folder, base)
    path = xml_file(folder / "more.xml", 20_000_000, count)
    with per_batch_derive(baseline), QueryCounter() as counter:
        started, cpu = time.perf_counter(), time.process_time()
        assert kg_main(["ingest", "pubmed-xml", str(path), "--store", str(store)]) == 0
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"wall": wall, "cpu": cpu, "derives": counter.counts}


def bench_refresh(folder: Path, base: int, count: int, baseline: bool) -> dict[str, float]:
    path = base_store(folder, base)
    state = EutilsStandIn(limit=10_000, keyed_limit=10_000).load_fixtures()
    state.generate = _generator(state)
    pmids = [str(FIRST + i) for i in range(count)]
    state.links[("pubmed_pubmed_citedin", STUDY)] = tuple(pmids)
    for pmid in pmids:
        state.links[("pubmed_pubmed_refs", pmid)] = (STUDY,)
    store = OxigraphStore(path)
    try:
        with RunningStandIn(state) as standin, per_batch_derive(baseline), QueryCounter() as counter:
            client = EutilsClient(base_url=standin.url, email="bench@example.org", clock=FakeClock())
            started, cpu = time.perf_counter(), time.process_time()
            summary = refresh(store, client, pmids=pmids, depth=1)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        store.close()
    return {"wall": wall, "cpu": cpu, "derives": counter.counts, "records": summary.records_written,
            "batches": len(state.seen)}


def bench_derive_cost(folder: Path, base: int, runs: int = 5) -> dict[str, float]:
    """One derive stage on the filled store (forced, as after a write): median wall and CPU of ``runs``."""
    from kg.counts import refresh_derived

    store = OxigraphStore(base_store(folder, base))
    walls, cpus = [], []
    try:
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            refresh_derived(store, force=True)
            walls.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
        quads = store.quad_count()
    finally:
        store.close()
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus), "quads": quads}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", type=int, default=2000, help="generated records in the store before each case")
    parser.add_argument("--ingest", type=int, default=2000, help="records of the timed kg ingest pubmed-xml")
    parser.add_argument("--refresh", type=int, default=2000, help="citing papers of the timed refresh")
    parser.add_argument("--rounds", type=int, default=1, help="times each case runs (modes alternate)")
    parser.add_argument("--derive-cost", action="store_true",
                        help="only time one derive stage (median of 5) on the store of --base records")
    args = parser.parse_args()
    if args.derive_cost:
        with tempfile.TemporaryDirectory() as tmp:
            cost = bench_derive_cost(Path(tmp), args.base)
        print(f"one derive stage on {cost['quads']} quads: median wall {cost['wall'] * 1000:.0f} ms, "
              f"cpu {cost['cpu'] * 1000:.0f} ms")
        return
    modes = [("as is", False), ("derive per batch (baseline)", True)] if HAS_PIPELINE else [("as is", False)]
    print(f"code: {'kg.pipeline present' if HAS_PIPELINE else 'no kg.pipeline'}; store holds the seed graph + "
          f"{args.base} generated records before each case; {args.rounds} round(s)")
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for _ in range(args.rounds):
        for label, baseline in modes:
            for case, bench in (("ingest", bench_ingest), ("refresh", bench_refresh)):
                size = args.ingest if case == "ingest" else args.refresh
                with tempfile.TemporaryDirectory() as tmp:
                    result = bench(Path(tmp), args.base, size, baseline)
                results.setdefault((case, label), []).append(result)
                print(f"  {case} {size}, {label}: wall {result['wall']:.1f} s, cpu {result['cpu']:.1f} s, "
                      f"{result['derives']} whole-graph count(s)", flush=True)
    for (case, label), runs in results.items():
        what = (f"ingest pubmed-xml {args.ingest} records" if case == "ingest" else
                f"refresh {args.refresh} citing papers ({runs[0]['batches']} requests)")
        print(f"{what}, {label}: median wall {statistics.median(r['wall'] for r in runs):.1f} s, "
              f"median cpu {statistics.median(r['cpu'] for r in runs):.1f} s, "
              f"{runs[0]['derives']} whole-graph count(s)")


if __name__ == "__main__":
    main()

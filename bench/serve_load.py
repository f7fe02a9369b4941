"""Bounded load on loopback: ``kg serve`` (embedded store) against Virtuoso, same graph, same queries.

Not a test. Run from the repository root::

    .venv/bin/python bench/serve_load.py [--nquads FILE | --triples 1000000] [--clients 8] [--queries 2000]

Steps: build the seed graph and bulk-load the corpus into a fresh on-disk store;
start ``kg serve`` on it; start a private Virtuoso (tests/virtuoso.py) and load the
same quads with its bulk loader; then send the catalog mix from N client threads
to each and report throughput, p50/p99 latency and errors. Baselines in the same
run: the same queries evaluated in-process by pyoxigraph (serialized to SPARQL
JSON, one thread), and one aggregate query through rdflib's SPARQL engine over the
same data (the slow path a pre-parsed query falls back to).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the Virtuoso and kg-serve launchers live with the tests

from endpoint_process import start_endpoint  # noqa: E402
from standin_corpus import write_standin_nquads  # noqa: E402
from virtuoso import start_virtuoso  # noqa: E402

from ingest.build import SEED_DIR, build  # noqa: E402
from kg.model import PublicationRef  # noqa: E402
from kg.queries import catalog, prepare  # noqa: E402
from kg.sparql import bind_values  # noqa: E402
from kg.store import OxigraphStore, native_query  # noqa: E402
from kg.store.remote import with_prefixes  # noqa: E402

STUDY_TITLE = "Correlates of Resistance and Relapse During Blinatumomab Therapy"
AGGREGATE = "graph-stats"
SINGLE = "concept"  # seconds per call on a large graph (see docs/endpoint.md): timed alone, not in the load


def interactive_mix(study: str) -> dict[str, str]:
    """The catalog queries a user clicks through, parameters bound as the CLI binds them."""
    values = {
        "risk-factors-for-outcome": {},
        "risk-factors-for-phenotype": {},
        "resistance-phenotypes": {},
        "citing-publications": {"study": study},
        "findings": {"study": study},
    }
    queries = catalog()
    return {name: bind_values(*prepare(queries[name], v)) for name, v in values.items()}


@dataclass
class LoadResult:
    """One load run."""

    target: str
    seconds: float
    latencies: list[float]
    errors: int
    first_error: str

    def row(self) -> str:
        ok = sorted(self.latencies)
        p50 = statistics.median(ok) * 1000 if ok else float("nan")
        p99 = ok[min(len(ok) - 1, int(len(ok) * 0.99))] * 1000 if ok else float("nan")
        rate = (len(ok) + self.errors) / self.seconds
        return f"| {self.target} | {len(ok) + self.errors} | {rate:.0f} | {p50:.1f} | {p99:.1f} | {self.errors} |"


def run_load(target: str, send: callable, mix: list[str], clients: int, total: int) -> LoadResult:
    """``total`` requests round-robin over ``mix`` from ``clients`` threads, each with its own session."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def client() -> None:
        session = requests.Session()
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            started = time.perf_counter()
            try:
                response = send(session, mix[index % len(mix)])
                ok, detail = response.status_code == 200, f"HTTP {response.status_code}: {response.text[:200]}"
            except requests.RequestException as exc:
                ok, detail = False, str(exc)
            elapsed = time.perf_counter() - started
            with lock:
                (latencies.append(elapsed) if ok else errors.append(detail))

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(target, time.perf_counter() - started, latencies, len(errors), errors[0] if errors else "")


def per_query_ms(send_one: callable, mix: dict[str, str], repeat: int = 5) -> dict[str, float]:
    """Median single-client latency of each query."""
    out = {}
    for name, text in mix.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            try:
                send_one(text)
            except Exception as exc:  # noqa: BLE001 - a failed query is reported, not fatal
                print(f"{name}: failed: {str(exc)[:200]}")
                times.append(float("nan"))
                break
            times.append(time.perf_counter() - started)
        out[name] = statistics.median(times) * 1000
    return out


def timings(send_one: callable, mix: dict[str, str], single: dict[str, str]) -> dict[str, float]:
    """The mix five times each, the heavy single queries once."""
    return {**per_query_ms(send_one, mix), **per_query_ms(send_one, single, repeat=1)}


def direct_with_limit(store_dir: Path, text: str, limit: float) -> float:
    """One evaluation in a killable worker process (ms), NaN past ``limit`` seconds."""
    from kg.endpoint import CheckpointPool, EvalRequest
    from kg.guard import QueryTimeout

    store = OxigraphStore(store_dir)
    pool = CheckpointPool(store, 1)
    try:
        started = time.perf_counter()
        try:
            pool.evaluate(EvalRequest(text, "application/sparql-results+json", 10**9), limit)
        except QueryTimeout:
            return float("nan")
        return (time.perf_counter() - started) * 1000
    finally:
        pool.close()
        store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nquads", type=Path, help="corpus to load (default: generate a stand-in one)")
    parser.add_argument("--triples", type=int, default=1_000_000, help="size of the stand-in corpus")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2, help="kg serve worker processes")
    parser.add_argument("--skip-rdflib", action="store_true", help="skip the slow rdflib-engine baseline")
    parser.add_argument("--skip-virtuoso", action="store_true")
    parser.add_argument("--single-limit", type=float, default=60.0,
                        help="seconds allowed to the concept query (it is slow on large graphs)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="kg-serve-bench-"))
    store_dir = work / "store"
    build(str(store_dir), SEED_DIR, [])
    seed = OxigraphStore(store_dir)
    title_filter = f'FILTER(STRSTARTS(?t, "{STUDY_TITLE}"))'
    found = seed.query(f"SELECT ?s WHERE {{ ?s a ckg:Study ; dcterms:title ?t {title_filter} }}")
    study = str(found.rows[0][0])
    concepts = {
        "risk": [str(r[0]).rsplit("/", 1)[1] for r in seed.query("SELECT ?c WHERE { ?c a ckg:RiskFactor }").rows],
        "outcome": ["complete-remission", "extramedullary-relapse", "cd19-negative", "extramedullary-disease"],
    }
    corpus = args.nquads
    if corpus is None:
        corpus = work / "standin.nq"
        started = time.perf_counter()
        count = write_standin_nquads(corpus, args.triples, PublicationRef(title=STUDY_TITLE), concepts)
        print(f"stand-in corpus: {count} quads in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    seed.engine.bulk_load(path=str(corpus), format=ox.RdfFormat.N_QUADS)
    seed.engine.flush()
    quads = seed.quad_count()
    print(f"embedded store: {quads} quads, bulk load {time.perf_counter() - started:.1f} s")

    mix = interactive_mix(study)
    queries = catalog()
    aggregate = queries[AGGREGATE].text
    single = {AGGREGATE: aggregate, SINGLE: bind_values(*prepare(queries[SINGLE], {"term": "EM-ALL"}))}

    # Baseline 1: in-process pyoxigraph, answers serialized as SPARQL JSON (what the endpoint sends).
    def direct(text: str) -> bytes:
        answer = native_query(seed.engine, text)
        return answer.serialize(format=ox.QueryResultsFormat.JSON)

    direct_ms = per_query_ms(direct, {**mix, AGGREGATE: aggregate})
    seed.close()
    direct_ms[SINGLE] = direct_with_limit(store_dir, single[SINGLE], args.single_limit)

    endpoint = start_endpoint(str(store_dir), "--workers", str(args.workers), "--timeout", str(args.single_limit))
    virtuoso = None
    try:
        def via_endpoint(session: requests.Session, text: str) -> requests.Response:
            return session.post(endpoint.url, data={"query": text}, timeout=args.single_limit,
                                headers={"Accept": "application/sparql-results+json"})

        endpoint_ms = timings(lambda t: via_endpoint(requests, t).raise_for_status(), mix, single)
        results = [run_load("kg serve (embedded)", via_endpoint, list(mix.values()), args.clients, args.queries)]

        virtuoso_ms: dict[str, float] = {}
        if not args.skip_virtuoso:
            virtuoso = start_virtuoso(work / "virtuoso")
            if isinstance(virtuoso, str):
                print(f"Virtuoso skipped: {virtuoso}")
                virtuoso = None
            else:
                started = time.perf_counter()
                shutil.copy(corpus, virtuoso.folder / "db" / "corpus.nq")
                import os

                os.environ.update(virtuoso.environment())
                build(virtuoso.query_url, SEED_DIR, [])
                db = virtuoso.folder / "db"
                virtuoso.isql(f"ld_dir('{db}', 'corpus.nq', 'https://w3id.org/cohort-kg/graph/unused');")
                virtuoso.isql("rdf_loader_run();", timeout=1800)
                virtuoso.isql("checkpoint;", timeout=600)
                print(f"virtuoso: bulk load {time.perf_counter() - started:.1f} s")

                def via_virtuoso(session: requests.Session, text: str) -> requests.Response:
                    return session.post(virtuoso.query_url, data={"query": with_prefixes(text)},
                                        timeout=args.single_limit,
                                        headers={"Accept": "application/sparql-results+json"})

                virtuoso_ms = timings(lambda t: via_virtuoso(requests, t).raise_for_status(), mix, single)
                results.append(run_load("Virtuoso 7.2 /sparql", via_virtuoso, list(mix.values()), args.clients,
                                        args.queries))
    finally:
        endpoint.stop()
        if virtuoso is not None:
            virtuoso.stop()

    rdflib_ms = None
    if not args.skip_rdflib:
        rdflib_ms = rdflib_aggregate(store_dir, aggregate)

    print(f"\n## {quads} quads, {args.clients} clients, {args.queries} queries (interactive catalog mix)\n")
    print("| target | requests | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
    for result in results:
        print(result.row())
        if result.errors:
            print(f"first error: {result.first_error}")
    print("\n| query | pyoxigraph in-process ms | kg serve ms | Virtuoso ms |\n|---|---|---|---|")
    for name in [*mix, *single]:
        v = f"{virtuoso_ms[name]:.1f}" if name in virtuoso_ms else "-"
        print(f"| {name} | {direct_ms[name]:.1f} | {endpoint_ms[name]:.1f} | {v} |")
    print(f"\n(nan: no answer within the {args.single_limit:g} s limit; {SINGLE} is timed once, the others 5 times)")
    if rdflib_ms is not None:
        ratio = rdflib_ms / direct_ms[AGGREGATE]
        print(f"\n{AGGREGATE} through rdflib's SPARQL engine (pre-parsed query over the same pyoxigraph data): "
              f"{rdflib_ms:.0f} ms, {ratio:.0f}x the in-process pyoxigraph time")
    shutil.rmtree(work, ignore_errors=True)
    return 0


def rdflib_aggregate(store_dir: Path, aggregate: str) -> float:
    """The aggregate query evaluated by rdflib's engine over an oxrdflib (pyoxigraph) dataset: one run, ms."""
    from oxrdflib import OxigraphStore as RdflibOxigraphStore
    from rdflib import Dataset
    from rdflib.plugins.sparql import prepareQuery

    from kg.namespaces import PREFIXES

    # The same on-disk data (seed graphs + corpus) the endpoint serves, behind rdflib's Store API.
    dataset = Dataset(store=RdflibOxigraphStore(store=ox.Store.read_only(str(store_dir))), default_union=True)
    prepared = prepareQuery(aggregate, initNs=PREFIXES)
    started = time.perf_counter()
    list(dataset.query(prepared))
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    sys.exit(main())

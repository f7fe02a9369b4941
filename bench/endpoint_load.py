"""The endpoint at the engine's limit: per-query overhead, and load with slow queries and a writer.

Not a test; loopback only, bounded in requests and seconds. Run from the repository root::

    .venv/bin/python -m bench.endpoint_load                      # the seed graph, in a temporary store
    .venv/bin/python -m bench.endpoint_load --store /tmp/store1m  # an existing store (kg load of a 1M corpus)

``--baseline REV`` runs the same parts first against the code of commit REV (``git archive`` into a
temporary folder, then this script again with that folder first on ``PYTHONPATH``), so old and new
code are measured in one run, back to back, on the same store.

Part 1, where the time goes (one process owns the store, as ``kg serve`` does): each query is
timed as the engine in-process (evaluation only, then evaluation plus serialization to SPARQL
JSON, which is the worker's whole job), through ``CheckpointPool.evaluate`` (adds the checkpoint
check, dispatch to a worker process and the pipe back) and over HTTP with a keep-alive session
(adds the HTTP server and client). Medians of ``--repeat`` runs after one warm-up.

Part 2, what a checkpoint costs: ``Store.backup`` and a read-only open of the result, on the
quiet store and while a writer thread commits every ``--write-pause`` seconds.

Part 3, load: an owner process opens the store read-write and serves it (``EndpointServer`` with
a ``CheckpointPool``), optionally with a writer thread calling ``store.replace_graphs`` on a graph
of its own in a loop. Simple queries (a PMID lookup and a 2-hop join, PMIDs varied) come from 1, 4
or 16 client threads with keep-alive sessions in this process, with and without 2 more clients
sending a query that runs into the time limit. Throughput and p50/p95/p99 of the simple queries,
their errors, the slow queries' answers and the 1-minute load average at the start and end of each
run are printed as Markdown tables, followed by the pool's own counters where the code has them
(checkpoints made, queries that waited for one, checkpoints opened ahead of and on demand). The
writer's graph is dropped at the end, so the store is left as it was.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import pyoxigraph as ox
import requests
from rdflib import Literal, URIRef

from kg.queries import catalog, prepare
from kg.sparql import bind_values
from kg.store import OxigraphStore, native_query

JSON = "application/sparql-results+json"
WRITER_GRAPH = "https://example.org/bench/endpoint-writer"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"


def lookup(pmid: int) -> str:
    return f'SELECT ?paper ?title WHERE {{ ?paper fabio:hasPubMedId "{pmid}" ; dcterms:title ?title }}'


def two_hop(pmid: int) -> str:
    return (f'SELECT ?cited ?title WHERE {{ ?paper fabio:hasPubMedId "{pmid}" ; cito:cites ?cited . '
            "?cited dcterms:title ?title }")


GROUP_BY = ("SELECT ?direction (COUNT(?finding) AS ?n) WHERE { ?finding a ckg:Finding ; ckg:direction ?direction } "
            "GROUP BY ?direction")
ORDERED_FILTER = ("SELECT ?finding ?p WHERE { ?finding ckg:pValue ?p FILTER(?p < 0.05) } "
                  "ORDER BY ?p ?finding LIMIT 100")


def pmids(store: OxigraphStore) -> list[int]:
    """PMIDs of publications that cite something (the lookups and joins are varied over them)."""
    rows = store.query("SELECT DISTINCT ?id WHERE { ?p fabio:hasPubMedId ?id ; cito:cites ?c } LIMIT 2000").rows
    return [int(str(row[0])) for row in rows]


def overhead_queries(pmid: int) -> dict[str, str]:
    """The queries of the overhead table, named as in the docs."""
    findings = catalog()["findings"]
    return {
        "catalog: findings (first page)": bind_values(*prepare(findings, {})),
        "2-hop join": two_hop(pmid),
        "GROUP BY over all findings": GROUP_BY,
        "FILTER p < 0.05 ORDER BY LIMIT 100": ORDERED_FILTER,
        "ASK {} (fixed cost)": "ASK {}",
    }


def drain(answer: object) -> object:
    """Read every solution of an answer (evaluation happens while reading)."""
    return bool(answer) if isinstance(answer, ox.QueryBoolean) else list(answer)  # type: ignore[call-overload]


def interleaved_ms(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, list[float]]:
    """Milliseconds of each run, ``repeat`` times after one warm-up.

    The runs take turns, so load from elsewhere on the machine falls on all of them alike.
    """
    for run in runs.values():
        run()  # warm-up: caches, the worker's open checkpoint
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def part_overhead(path: Path, workers: int, repeat: int) -> None:
    from kg.endpoint import CheckpointPool, EvalRequest, evaluate_native
    from kg.serve import EndpointServer, ServeConfig

    store = OxigraphStore(path)
    ids = pmids(store)
    results = []
    server = EndpointServer(store, ServeConfig(port=0, workers=workers, timeout=60))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(host, port)  # one keep-alive connection, a lean client
    try:
        pool = CheckpointPool(store, 1)
        try:
            for name, text in overhead_queries(ids[0]).items():
                request = EvalRequest(text, JSON, 10_000)
                body = text.encode("utf-8")

                def over_http(body: bytes = body) -> bytes:
                    connection.request("POST", "/sparql", body=body,
                                       headers={"Content-Type": "application/sparql-query", "Accept": JSON})
                    response = connection.getresponse()
                    data = response.read()
                    if response.status != 200:
                        raise RuntimeError(f"HTTP {response.status}: {data[:200]!r}")
                    return data

                times = interleaved_ms({
                    "engine": lambda t=text: drain(native_query(store.engine, t)),
                    "serialized": lambda r=request: evaluate_native(store.engine, r),
                    "pool": lambda r=request: pool.evaluate(r, 60),
                    "http": over_http,
                }, repeat)
                results.append((name, times, len(over_http())))
        finally:
            pool.close()
    finally:
        connection.close()
        server.shutdown()
        server.server_close()
    store.close()
    print(f"\n### Where the time goes ({path.name}, {repeat} interleaved runs, ms: median / minimum)\n")
    print("| query | engine: evaluate | engine: evaluate + JSON | pool: + checkpoint check, dispatch, pipe | "
          "HTTP: + server and client | answer bytes | target 1.2 x (evaluate + JSON) + 2 ms: median / minimum |")
    print("|---|---|---|---|---|---|---|")
    for name, times, size in results:
        cells = {key: (statistics.median(values), min(values)) for key, values in times.items()}
        verdicts = []
        for index in (0, 1):
            target = 1.2 * cells["serialized"][index] + 2
            verdicts.append(f"{target:.1f} {'met' if cells['http'][index] <= target else 'missed'}")
        keys = ("engine", "serialized", "pool", "http")
        row = " | ".join(f"{cells[key][0]:.2f} / {cells[key][1]:.2f}" for key in keys)
        print(f"| {name} | {row} | {size} | {' / '.join(verdicts)} |")


def part_checkpoint(path: Path, write_pause: float, rounds: int = 8) -> None:
    """What a checkpoint costs: ``backup`` and a read-only open, on the quiet store and beside a writer."""
    store = OxigraphStore(path)
    folder = path / ".kg-snapshots-bench"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    rows = []
    try:
        for writing in (False, True):
            stop = threading.Event()

            def writer(stop: threading.Event = stop) -> None:
                version = 0
                while not stop.is_set():
                    version += 1
                    triples = [(URIRef(f"https://example.org/bench/s{i}"), URIRef("https://example.org/bench/v"),
                                Literal(f"c{version}-{i}")) for i in range(200)]
                    store.replace_graphs({WRITER_GRAPH: triples})
                    time.sleep(write_pause)

            thread = threading.Thread(target=writer) if writing else None
            if thread:
                thread.start()
            backups, opens = [], []
            for index in range(rounds):
                target = folder / f"{int(writing)}-{index}"
                started = time.perf_counter()
                store.engine.backup(str(target))
                backups.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                reader = ox.Store.read_only(str(target))
                opens.append((time.perf_counter() - started) * 1000)
                del reader
                shutil.rmtree(target)
                time.sleep(0.2)
            stop.set()
            if thread:
                thread.join()
            label = f"writer committing every {write_pause * 1000:g} ms" if writing else "no writer"
            rows.append((label, backups, opens))
    finally:
        store.drop_graphs([WRITER_GRAPH])
        store.close()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n### Checkpoint cost ({path.name}, {rounds} rounds, ms: median and range)\n")
    print("| while | backup (checkpoint) | read-only open of it |\n|---|---|---|")
    for label, backups, opens in rows:
        print(f"| {label} | {statistics.median(backups):.0f} ({min(backups):.0f}-{max(backups):.0f}) | "
              f"{statistics.median(opens):.0f} ({min(opens):.0f}-{max(opens):.0f}) |")


# -- load ----------------------------------------------------------------------------------------


def owner_main(path: str, workers: int, timeout: float, write_pause: float | None, max_lag: float,
               conn: Connection) -> None:
    """The owning process: the store read-write, the endpoint, and optionally a writer thread."""
    from kg.serve import EndpointServer, ServeConfig

    store = OxigraphStore(Path(path))
    # max_lag only when set: the load part also runs against earlier code (the baseline) that lacks it.
    config = ServeConfig(port=0, workers=workers, timeout=timeout, **({"max_lag": max_lag} if max_lag else {}))
    server = EndpointServer(store, config)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    writes = [0]

    def writer() -> None:
        while not stop.is_set():
            writes[0] += 1
            triples = [(URIRef(f"https://example.org/bench/s{i}"), URIRef("https://example.org/bench/v"),
                        Literal(f"w{writes[0]}-{i}")) for i in range(200)]
            store.replace_graphs({WRITER_GRAPH: triples})
            if write_pause:
                time.sleep(write_pause)

    thread = threading.Thread(target=writer, daemon=True) if write_pause is not None else None
    if thread:
        thread.start()
    host, port = server.server_address[:2]
    conn.send(f"http://{host}:{port}/sparql")
    conn.recv()  # told to stop
    stop.set()
    if thread:
        thread.join()
    server.shutdown()
    server.server_close()
    store.drop_graphs([WRITER_GRAPH])
    store.close()
    counters = getattr(server.evaluator, "counters", None)  # absent in code before the background checkpoints
    conn.send((writes[0], counters and vars(counters)))


@dataclass
class Scenario:
    """One load run's outcome."""

    clients: int
    slow: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    slow_statuses: list[int] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # the 1-minute load average at the start and the end of the run

    def row(self, writer: str) -> str:
        ok = sorted(self.latencies)

        def pct(q: float) -> float:
            return ok[min(len(ok) - 1, int(len(ok) * q))] * 1000 if ok else float("nan")

        rate = len(ok) / self.seconds if self.seconds else 0.0
        slow = ", ".join(f"{s}x{self.slow_statuses.count(s)}" for s in sorted(set(self.slow_statuses))) or "-"
        return (f"| {self.clients} | {self.slow} | {writer} | {len(ok) + len(self.errors)} | {rate:.0f} | "
                f"{statistics.median(ok) * 1000:.1f} | {pct(0.95):.1f} | {pct(0.99):.1f} | {len(self.errors)} | "
                f"{slow} | {self.load[0]:.1f}-{self.load[1]:.1f} |")


def run_scenario(url: str, ids: list[int], clients: int, slow: int, per_client: int, seconds: float,
                 timeout: float) -> Scenario:
    result = Scenario(clients, slow)
    load_before = os.getloadavg()[0]
    lock = threading.Lock()
    done = threading.Event()
    deadline = time.monotonic() + seconds

    def simple(index: int) -> None:
        session = requests.Session()
        for n in range(per_client):
            if time.monotonic() > deadline:
                return
            pmid = ids[(index * per_client + n) % len(ids)]
            text = lookup(pmid) if n % 2 else two_hop(pmid)
            started = time.perf_counter()
            try:
                response = session.post(url, data={"query": text}, headers={"Accept": JSON}, timeout=60)
                detail = "" if response.status_code == 200 else f"HTTP {response.status_code}: {response.text[:120]}"
            except requests.RequestException as exc:
                detail = str(exc)[:120]
            elapsed = time.perf_counter() - started
            with lock:
                (result.errors.append(detail) if detail else result.latencies.append(elapsed))

    def slow_client() -> None:
        session = requests.Session()
        while not done.is_set():
            try:
                status = session.post(url, data={"query": SLOW}, timeout=timeout + 30).status_code
            except requests.RequestException:
                status = 0
            with lock:
                result.slow_statuses.append(status)

    slow_threads = [threading.Thread(target=slow_client) for _ in range(slow)]
    for thread in slow_threads:
        thread.start()
    if slow:
        time.sleep(0.5)  # the slow queries are running (and reniced) before the simple ones start
    started = time.perf_counter()
    threads = [threading.Thread(target=simple, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    done.set()
    for thread in slow_threads:
        thread.join()
    result.load = (load_before, os.getloadavg()[0])
    return result


def part_load(path: Path, ids: list[int], args: argparse.Namespace) -> None:
    context = multiprocessing.get_context("spawn")
    lag = f", max lag {args.max_lag:g} s" if args.max_lag else ""
    print(f"\n### Load ({path.name}; {args.workers} workers, time limit {args.timeout:g} s{lag}; simple queries: "
          f"PMID lookup and 2-hop join, at most {args.per_client} per client and {args.seconds:g} s per run)\n")
    print("| clients | slow clients | writer | simple queries | queries/s | p50 ms | p95 ms | p99 ms | errors | "
          "slow answers (status x count) | load avg 1 min |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    notes: list[str] = []
    pauses = {"both": (None, args.write_pause), "no": (None,), "yes": (args.write_pause,)}[args.writer]
    for write_pause in pauses:
        parent, child = context.Pipe()
        owner = context.Process(target=owner_main,
                                args=(str(path), args.workers, args.timeout, write_pause, args.max_lag, child))
        owner.start()
        url = parent.recv()
        writer = "no" if write_pause is None else f"every {write_pause * 1000:g} ms"
        try:
            for clients in args.clients:
                for slow in (0, 2):
                    result = run_scenario(url, ids, clients, slow, args.per_client, args.seconds, args.timeout)
                    print(result.row(writer), flush=True)
                    if result.errors:
                        print(f"first error: {result.errors[0]}", flush=True)
        finally:
            parent.send("stop")
            writes, counters = parent.recv()
            owner.join(30)
        if write_pause is not None:
            notes.append(f"the writer committed {writes} replacements of a 200-triple graph during these runs")
        if counters:
            notes.append(f"the endpoint's pool, writer {writer}: {counters}")
    for note in notes:
        print(f"\n({note})")


def git_head() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()


def run_baseline(rev: str, argv: list[str]) -> None:
    """Run this script with the same arguments (but ``--baseline``) against the code of commit ``rev``."""
    rest: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--baseline":
            skip = True
        elif arg != "--baseline-last" and not arg.startswith("--baseline="):
            rest.append(arg)
    with tempfile.TemporaryDirectory(prefix="kg-endpoint-baseline-") as old:
        archive = subprocess.run(["git", "archive", rev], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", old], input=archive, check=True)
        print(f"\n## Baseline: commit {rev}", flush=True)
        env = {**os.environ, "PYTHONPATH": old}
        subprocess.run([sys.executable, str(Path(__file__).resolve()), *rest], env=env, check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing on-disk store (default: the seed graph, built)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=3.0, help="the endpoint's time limit (s)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--per-client", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0, help="bound of each load run")
    parser.add_argument("--write-pause", type=float, default=0.1, help="seconds between the writer's commits")
    parser.add_argument("--clients", type=lambda text: [int(n) for n in text.split(",")], default=[1, 4, 16],
                        help="client counts, comma-separated (default: 1,4,16)")
    parser.add_argument("--writer", choices=("both", "no", "yes"), default="both",
                        help="runs without the writer, with it, or both (default)")
    parser.add_argument("--max-lag", type=float, default=0.0, help="the endpoint's --max-lag (s)")
    parser.add_argument("--skip-overhead", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--skip-checkpoint", action="store_true")
    parser.add_argument("--baseline", metavar="REV", help="run the same parts against commit REV first")
    parser.add_argument("--baseline-last", action="store_true", help="run the baseline after this checkout")
    args = parser.parse_args(argv)
    if args.baseline:
        if not args.baseline_last:
            run_baseline(args.baseline, sys.argv[1:] if argv is None else argv)
        print(f"\n## This checkout ({git_head()})", flush=True)
        run_parts(args)
        if args.baseline_last:
            run_baseline(args.baseline, sys.argv[1:] if argv is None else argv)
        return 0
    return run_parts(args)


def run_parts(args: argparse.Namespace) -> int:
    """The parts the arguments ask for, on this checkout's code."""
    work = None
    path = args.store
    if path is None:
        from ingest.build import SEED_DIR, build

        work = Path(tempfile.mkdtemp(prefix="kg-endpoint-bench-"))
        path = work / "seed"
        build(str(path), SEED_DIR, [])
    store = OxigraphStore(path)
    ids = pmids(store) or [0]
    print(f"store {path}: {store.quad_count()} quads, {len(ids)} PMIDs with citations")
    store.close()
    try:
        if not args.skip_overhead:
            part_overhead(path, args.workers, args.repeat)
        if not args.skip_checkpoint:
            part_checkpoint(path, args.write_pause)
        if not args.skip_load:
            part_load(path, ids, args)
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


"""The endpoint's checkpoint pool with real worker processes: fresh data, whole writes, limits, clean-up."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from conftest import endpoint_in_thread
from endpoint_process import start_endpoint
from rdflib import Literal, URIRef

from kg.endpoint import SLOW_NICENESS, SNAPSHOTS, CheckpointPool, EvalRequest
from kg.errors import StoreError
from kg.guard import QueryTimeout
from kg.serve import ServeConfig
from kg.store import OxigraphStore

JSON = "application/sparql-results+json"
BULK = "https://example.org/graph/bulk"
SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?b . ?c ?q ?d . ?e ?r ?f }"  # 1e9 rows over BULK's 1000 triples
SIMPLE = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <https://example.org/graph/bulk> { ?s ?p ?o } }"


def triples(count: int, tag: str) -> list[tuple[URIRef, URIRef, Literal]]:
    """``count`` triples whose objects carry ``tag`` (two versions of a graph differ in every triple)."""
    return [(URIRef(f"https://example.org/s{i}"), URIRef("https://example.org/v"), Literal(f"{tag}-{i}"))
            for i in range(count)]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OxigraphStore]:
    """An on-disk store with one graph of 1000 triples, held open read-write by this process (the owner)."""
    opened = OxigraphStore(tmp_path / "store")
    opened.replace_graphs({BULK: triples(1000, "bulk")})
    yield opened
    opened.close()


def count(pool: CheckpointPool, query: str, timeout: float = 30.0) -> int:
    answer = pool.evaluate(EvalRequest(query, JSON, 1000), timeout)
    return int(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])


def snapshots(store: OxigraphStore) -> list[str]:
    """The checkpoints on disk, of every pool on the store."""
    return sorted(p.name for p in (Path(store.location) / SNAPSHOTS).glob("*/g*"))


def children(pid: int) -> set[int]:
    """Every live descendant of a process, read from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    """Poll ``condition`` until it holds or ``seconds`` pass (how real processes are waited for)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_committed_write_is_seen_by_the_next_query(store):
    pool = CheckpointPool(store, 2)
    try:
        assert count(pool, SIMPLE) == 1000
        store.replace_graphs({BULK: triples(7, "new")})
        assert count(pool, SIMPLE) == 7
        store.drop_graphs([BULK])
        assert count(pool, SIMPLE) == 0
    finally:
        pool.close()


def test_the_endpoint_serves_what_the_owner_just_wrote(store):
    with endpoint_in_thread(store, ServeConfig(port=0, workers=2)) as url:
        def ask() -> int:
            response = requests.get(url, params={"query": SIMPLE}, headers={"Accept": JSON}, timeout=30)
            response.raise_for_status()
            return int(response.json()["results"]["bindings"][0]["n"]["value"])

        assert ask() == 1000
        store.replace_graphs({BULK: triples(3, "x")})
        assert ask() == 3


def test_a_query_never_sees_half_a_write(store):
    """A writer replaces a graph of N triples in a loop; every count is N and every answer one version."""
    size = 300
    graph = "https://example.org/graph/flip"
    store.replace_graphs({graph: triples(size, "v0")})
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        version = 0
        while not stop.is_set():
            version += 1
            store.replace_graphs({graph: triples(size, f"v{version}")})
            written.append(version)

    query = (f"SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?tag) AS ?versions) WHERE {{ GRAPH <{graph}> "
             "{ ?s ?p ?o BIND(STRBEFORE(STR(?o), \"-\") AS ?tag) } }")
    pool = CheckpointPool(store, 2)
    thread = threading.Thread(target=writer)
    thread.start()
    seen: set[tuple[int, int]] = set()
    deadline = time.monotonic() + 30
    try:
        asked = 0
        while (asked < 20 or len(written) < 3) and time.monotonic() < deadline:  # queries across several commits
            asked += 1
            answer = pool.evaluate(EvalRequest(query, JSON, 10), 30.0)
            row = json.loads(answer.body)["results"]["bindings"][0]
            seen.add((int(row["n"]["value"]), int(row["versions"]["value"])))
    finally:
        stop.set()
        thread.join()
        pool.close()
    assert seen == {(size, 1)}
    assert len(written) >= 3  # the writer committed during the queries


def test_slow_query_ends_at_the_limit_while_a_simple_one_is_answered(store):
    with endpoint_in_thread(store, ServeConfig(port=0, workers=2, timeout=3.0)) as url:
        slow: list[requests.Response] = []
        thread = threading.Thread(target=lambda: slow.append(requests.get(url, params={"query": SLOW}, timeout=60)))
        thread.start()
        simple = []
        while thread.is_alive() and len(simple) < 200:
            simple.append(requests.get(url, params={"query": SIMPLE}, headers={"Accept": JSON}, timeout=60))
        thread.join()
    assert slow[0].status_code == 503
    assert "time limit" in slow[0].text
    assert simple and all(r.status_code == 200 for r in simple)
    assert {r.json()["results"]["bindings"][0]["n"]["value"] for r in simple} == {"1000"}


def test_slow_worker_is_reniced_then_killed_and_replaced(store):
    pool = CheckpointPool(store, 2)
    try:
        before = set(pool.worker_pids)
        assert len(before) == 2
        errors: list[BaseException] = []

        def slow() -> None:
            try:
                count(pool, SLOW, timeout=3.0)
            except QueryTimeout as exc:
                errors.append(exc)

        thread = threading.Thread(target=slow)
        thread.start()
        assert wait_for(lambda: len(pool.worker_pids) == 1, 5)  # the slow query holds one worker
        (worker,) = before - set(pool.worker_pids)
        normal = os.getpriority(os.PRIO_PROCESS, 0)
        alone = []
        for _ in range(10):  # alone on the pool, the slow query keeps its priority
            alone.append(os.getpriority(os.PRIO_PROCESS, worker))
            time.sleep(0.05)
        assert set(alone) == {normal}

        def reniced() -> bool:
            assert count(pool, SIMPLE) == 1000  # short queries arrive: the slow one must yield to them
            return os.getpriority(os.PRIO_PROCESS, worker) == SLOW_NICENESS

        assert wait_for(reniced, 5)
        thread.join()
        assert len(errors) == 1
        assert wait_for(lambda: not alive(worker), 5)
        after = set(pool.worker_pids)
        assert len(after) == 2 and worker not in after
        assert all(os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, 0) for pid in after)
        assert count(pool, SIMPLE) == 1000  # the replacement answers
    finally:
        pool.close()


def test_old_checkpoints_are_deleted_and_close_removes_the_folder(store):
    pool = CheckpointPool(store, 2)
    try:
        assert len(snapshots(store)) == 1
        for index in range(5):
            store.replace_graphs({BULK: triples(10 + index, "w")})
            assert count(pool, SIMPLE) == 10 + index
            assert len(snapshots(store)) == 1  # no query reads the older ones
        assert snapshots(store) == [f"g{store.generation}"]
    finally:
        pool.close()
    assert not (Path(store.location) / SNAPSHOTS).exists()


def test_a_checkpoint_being_read_is_kept_until_its_query_ends(store):
    pool = CheckpointPool(store, 2)
    try:
        first = snapshots(store)
        errors: list[BaseException] = []

        def slow() -> None:
            try:
                count(pool, SLOW, timeout=2.0)
            except QueryTimeout as exc:
                errors.append(exc)

        thread = threading.Thread(target=slow)
        thread.start()
        assert wait_for(lambda: len(pool.worker_pids) == 1, 5)  # the slow query holds a worker
        store.replace_graphs({BULK: triples(5, "n")})
        assert count(pool, SIMPLE) == 5
        assert first[0] in snapshots(store) and len(snapshots(store)) == 2
        thread.join()
        assert len(errors) == 1
        assert snapshots(store) == [f"g{store.generation}"]
    finally:
        pool.close()


def test_kill_9_leaves_no_worker_and_a_restart_cleans_stale_checkpoints(tmp_path):
    location = tmp_path / "served"
    owner = OxigraphStore(location)
    owner.replace_graphs({BULK: triples(1000, "bulk")})
    owner.close()
    endpoint = start_endpoint(str(location), "--workers", "2")
    try:
        response = requests.get(endpoint.url, params={"query": SIMPLE}, headers={"Accept": JSON}, timeout=60)
        assert response.status_code == 200
        (stale,) = (location / SNAPSHOTS).glob("p*/g0")
        (stale / "stale-marker").write_text("left by a killed server")
        workers = children(endpoint.process.pid)
        assert len(workers) >= 2
        os.kill(endpoint.process.pid, signal.SIGKILL)
        endpoint.process.wait(10)
        assert wait_for(lambda: not any(alive(pid) for pid in workers), 20), "workers outlived their owner"
        assert (stale / "stale-marker").exists()
    finally:
        if endpoint.process.poll() is None:
            endpoint.stop()
    restarted = start_endpoint(str(location), "--workers", "2")
    try:
        assert not stale.parent.exists()
        assert len(list((location / SNAPSHOTS).glob("p*/g0"))) == 1  # the new server's own
        response = requests.get(restarted.url, params={"query": SIMPLE}, headers={"Accept": JSON}, timeout=60)
        assert response.json()["results"]["bindings"][0]["n"]["value"] == "1000"
    finally:
        restarted.stop()
    assert not (location / SNAPSHOTS).exists()  # a clean stop removes them


def test_max_lag_serves_a_recent_checkpoint_without_making_a_new_one(store):
    pool = CheckpointPool(store, 1, max_lag=600.0)
    try:
        assert count(pool, SIMPLE) == 1000
        store.replace_graphs({BULK: triples(4, "lagging")})
        assert count(pool, SIMPLE) == 1000  # the checkpoint is younger than max_lag: no new one
        assert snapshots(store) == ["g1"]
    finally:
        pool.close()


def test_negative_max_lag_is_one_line_error(kg, tmp_path):
    result = kg("serve", "--port", "0", "--max-lag", "-1", store=tmp_path / "store", timeout=60)
    assert result.returncode == 1
    assert result.stderr.strip() == "kg: error: --max-lag must be 0 or more seconds"


def test_two_pools_on_one_store_keep_their_own_checkpoints(store):
    first = CheckpointPool(store, 1)
    second = CheckpointPool(store, 1)
    try:
        store.replace_graphs({BULK: triples(9, "both")})
        assert count(first, SIMPLE) == count(second, SIMPLE) == 9
        first.close()
        store.replace_graphs({BULK: triples(8, "second")})
        assert count(second, SIMPLE) == 8
        assert snapshots(store) == [f"g{store.generation}"]
    finally:
        first.close()
        second.close()
    assert not (Path(store.location) / SNAPSHOTS).exists()


def test_a_worker_killed_from_outside_fails_one_query_and_is_replaced(store):
    pool = CheckpointPool(store, 1)
    try:
        (worker,) = pool.worker_pids
        os.kill(worker, signal.SIGKILL)
        assert wait_for(lambda: not alive(worker), 5)
        with pytest.raises(StoreError, match="query worker failed"):
            count(pool, SIMPLE)
        assert count(pool, SIMPLE) == 1000
        assert pool.worker_pids != [worker]
    finally:
        pool.close()


def test_after_an_idle_pause_the_next_query_pays_for_no_checkpoint(store):
    """A commit on an idle pool is checkpointed and opened by idle workers before the next query arrives."""
    pool = CheckpointPool(store, 2)
    try:
        assert count(pool, SIMPLE) == 1000
        store.replace_graphs({BULK: triples(6, "ahead")})
        generation = store.generation
        # The background thread makes the checkpoint and tells both idle workers to open it.
        assert wait_for(lambda: snapshots(store) == [f"g{generation}"] and pool.counters.opened_ahead >= 2, 10)
        before = dataclasses.replace(pool.counters)
        assert count(pool, SIMPLE) == 6
        assert count(pool, SIMPLE) == 6
        after = pool.counters
        assert after.waited == before.waited  # no query waited for a checkpoint
        assert after.opened_on_demand == before.opened_on_demand  # no worker opened one while asked
        assert after.checkpoints == before.checkpoints == 1
    finally:
        pool.close()


def test_a_query_right_after_a_commit_waits_for_the_checkpoint_that_holds_it(store):
    """Freshness stays exact: however fast the query follows the commit, it sees the commit."""
    pool = CheckpointPool(store, 2)
    try:
        for index in range(10):
            store.replace_graphs({BULK: triples(20 + index, "burst")})
            assert count(pool, SIMPLE) == 20 + index
        assert pool.counters.checkpoints <= 10
        assert pool.counters.failures == 0
    finally:
        pool.close()


def test_a_checkpoint_that_cannot_be_made_fails_the_waiting_query_and_is_retried(store):
    pool = CheckpointPool(store, 1)
    try:
        def broken() -> None:
            raise StoreError("cannot make a checkpoint of the store: disk full (injected)")

        pool._make_snapshot = broken  # type: ignore[method-assign]
        store.replace_graphs({BULK: triples(3, "lost")})
        with pytest.raises(StoreError, match="disk full"):
            count(pool, SIMPLE)
        assert pool.counters.failures >= 1
        del pool._make_snapshot  # the disk has room again
        assert count(pool, SIMPLE) == 3
    finally:
        pool.close()


def test_a_query_that_waited_for_a_worker_reads_the_newest_checkpoint(store):
    """A checkpoint made while a query waits for a worker is the one it reads (fresher, and already open)."""
    pool = CheckpointPool(store, 1)
    try:
        errors: list[BaseException] = []
        answers: list[int] = []

        def slow() -> None:
            try:
                count(pool, SLOW, timeout=2.0)
            except QueryTimeout as exc:
                errors.append(exc)

        holder = threading.Thread(target=slow)
        holder.start()
        assert wait_for(lambda: pool.worker_pids == [], 5)  # the only worker runs the slow query
        waiting = threading.Thread(target=lambda: answers.append(count(pool, SIMPLE)))
        waiting.start()
        assert wait_for(lambda: pool._current.readers == 2, 5)  # the simple query pinned the first checkpoint
        store.replace_graphs({BULK: triples(5, "later")})
        assert wait_for(lambda: pool.counters.checkpoints == 1, 5)
        holder.join()
        waiting.join()
        assert len(errors) == 1
        assert answers == [5]  # it arrived before the write, and read the checkpoint made after it
        assert snapshots(store) == [f"g{store.generation}"]
    finally:
        pool.close()

"""A graph too big for one request, written through the store's owner in bounded batches.

In process: an ``OwnedStore`` and an ``OwnerClient`` over a real loopback channel, for the
staged write's steps and the owner abandoning the writes of gone or idle clients. As a user
runs it: ``kg serve`` owns the store and ``kg ingest page`` of a page over the staging
threshold (2,500 cited-by entries, about 50,000 triples, as in ``tests/test_staged_write.py``)
goes through it, is killed half way, and is re-run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_kg
from rdflib import Literal, URIRef

from bench.memory_bench import write_page
from kg.errors import StoreError
from kg.loader import BATCH_TRIPLES
from kg.store import open_store
from kg.store.client import OwnerClient, OwnerStagedGraph
from kg.store.interface import Triple
from kg.store.owner import OwnedStore
from kg.store.staged import BATCH_QUADS, REGISTRY, staging_name

G = "https://w3id.org/cohort-kg/graph/test/owner-staged"
ENTRIES = 2_500
GENERATED_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"


def triple(n: int) -> tuple[URIRef, URIRef, Literal]:
    return URIRef(f"https://example.org/s{n}"), URIRef("https://example.org/p"), Literal(n)


def graph_size(client: OwnerClient, graph: str) -> int:
    answer = client.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    return int(answer.rows[0][0])  # type: ignore[arg-type]


def staging_quads(client: OwnerClient) -> int:
    """Quads staged beside ``G`` and registry entries of staged writes under way."""
    return graph_size(client, staging_name(G)) + graph_size(client, REGISTRY.value)


@pytest.fixture
def owned(tmp_path: Path) -> Iterator[OwnedStore]:
    """This test process as the owner of a new on-disk store."""
    open_store(str(tmp_path / "store")).close()  # an owner opens an existing store only
    store = open_store(str(tmp_path / "store"), own=True)
    assert isinstance(store, OwnedStore)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture
def client(owned: OwnedStore) -> Iterator[OwnerClient]:
    other = open_store(owned.location)
    assert isinstance(other, OwnerClient)
    try:
        yield other
    finally:
        other.close()


# -- the steps, in process ------------------------------------------------------------------


def test_a_staged_write_through_the_owner_yields_new_triples_once_and_commits(owned: OwnedStore,
                                                                           client: OwnerClient):
    staged = client.stage_graph(G)
    assert isinstance(staged, OwnerStagedGraph) and not staged.replaces
    assert owned.service.open_stages == [G]
    assert list(staged.add([triple(1), triple(2), triple(3)])) == [triple(1), triple(2), triple(3)]
    assert list(staged.add([triple(2), triple(4), triple(3)])) == [triple(4)]  # an earlier request gave 2 and 3
    staged.commit([triple(5)])
    assert owned.service.open_stages == []
    assert graph_size(client, G) == 5
    assert staging_quads(client) == 0


def test_each_add_request_carries_one_bounded_batch(owned: OwnedStore, client: OwnerClient,
                                                    monkeypatch: pytest.MonkeyPatch):
    sizes: list[int] = []
    add = owned.service.add_to_stage

    def counting_add(key: str, triples: list[Triple]) -> list[int]:
        sizes.append(len(triples))
        return add(key, triples)

    monkeypatch.setattr(owned.service, "add_to_stage", counting_add)
    staged = client.stage_graph(G, batch_quads=7)
    assert len(list(staged.add(triple(n) for n in range(30)))) == 30
    staged.commit([])
    assert sizes == [7, 7, 7, 7, 2]
    assert graph_size(client, G) == 30


def test_an_abandoned_replacement_keeps_the_old_graph(owned: OwnedStore, client: OwnerClient):
    client.replace_graphs({G: [triple(1), triple(2)]})
    staged = client.stage_graph(G)
    assert staged.replaces
    assert list(staged.add(triple(n) for n in range(10, 20)))
    assert graph_size(client, G) == 2  # staged beside the old graph, which readers still see
    assert staging_quads(client) == 10 + 1  # and the registry entry
    staged.abandon()
    assert graph_size(client, G) == 2 and staging_quads(client) == 0
    assert owned.service.open_stages == []


def test_a_second_writer_of_the_same_graph_is_refused_while_the_first_lives(owned: OwnedStore,
                                                                           client: OwnerClient):
    first = client.stage_graph(G)
    with pytest.raises(StoreError, match=f"pid {os.getpid()}.*is writing {G}"):
        client.stage_graph(G)
    first.abandon()
    client.stage_graph(G).abandon()  # free again


def test_the_owner_abandons_the_writes_of_gone_or_idle_clients(owned: OwnedStore, client: OwnerClient):
    client.replace_graphs({G: [triple(1)]})
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    key, replaces = owned.service.begin_stage(G, dead.pid)  # a client that exited without a word
    assert replaces
    owned.service.add_to_stage(key, [triple(2), triple(3)])
    assert staging_quads(client) == 2 + 1
    assert owned.service.reap() == 1
    assert staging_quads(client) == 0 and graph_size(client, G) == 1
    with pytest.raises(StoreError, match="abandoned"):
        owned.service.add_to_stage(key, [triple(4)])

    staged = client.stage_graph(G)  # this process lives, but stays idle too long
    list(staged.add([triple(5)]))
    assert owned.service.reap() == 0
    owned.service.stage_idle_seconds = 0.0
    assert owned.service.reap() == 1
    with pytest.raises(StoreError, match="abandoned"):
        list(staged.add([triple(6)]))
    assert graph_size(client, G) == 1 and staging_quads(client) == 0


# -- kg serve owns the store, kg ingest page goes through it ----------------------------------


@contextmanager
def serving(store: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``kg -vv serve`` owning a new ``store`` (its requests logged to ``log``), stopped with Ctrl-C at the end."""
    open_store(str(store)).close()
    process = subprocess.Popen([sys.executable, "-m", "kg", "-vv", "serve", "--store", str(store), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=log.open("wb"), cwd=REPO_ROOT,
                               env={**os.environ, "KG_STORE": ""})
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert b"SPARQL endpoint on" in line, log.read_text(encoding="utf-8", errors="replace")
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def export_lines(store: Path, graph_part: str = "") -> list[str]:
    """The store's quads in graphs whose name holds ``graph_part``, as sorted lines without clock readings."""
    done = run_kg("export", "--format", "nquads", store=store)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines()
                  if GENERATED_AT not in line and graph_part in line.rsplit(" ", 2)[-2])


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An old page, a changed new one, and stores each ingested directly (no owner)."""
    folder = tmp_path_factory.mktemp("owner-staged")
    old, new = folder / "old.txt", folder / "new.txt"
    write_page(old, ENTRIES)
    write_page(new, ENTRIES - 100)
    new.write_text(new.read_text(encoding="utf-8").replace("None are real.", "None are real, and it changed."),
                   encoding="utf-8")
    assert ENTRIES * 20 > BATCH_TRIPLES and ENTRIES * 20 > 2 * BATCH_QUADS  # staged, in several requests
    old_store, new_store = folder / "old-store", folder / "new-store"
    for page, store in ((old, old_store), (old, new_store), (new, new_store)):
        done = run_kg("ingest", "page", page, store=store)
        assert done.returncode == 0, done.stderr
    return {"old": old, "new": new, "old_store": old_store, "new_store": new_store}


@pytest.mark.slow
def test_a_big_page_through_kg_serve_is_staged_and_equals_a_direct_ingest(pages: dict[str, Path], tmp_path: Path):
    store, log = tmp_path / "store", tmp_path / "serve.log"
    with serving(store, log):
        done = run_kg("ingest", "page", pages["old"], store=store)
        assert done.returncode == 0, done.stderr
        assert "1 graph(s) written" in done.stdout, done.stdout
        requests = log.read_text(encoding="utf-8", errors="replace")
        assert "POST /stage/begin" in requests and "POST /stage/commit" in requests
        assert requests.count("POST /stage/add") >= 3  # several bounded batches, not one request
        assert export_lines(store) == export_lines(pages["old_store"])  # same quads, same content hash
        count = run_kg("stats", store=store).stdout

        again = run_kg("ingest", "page", pages["old"], store=store)
        assert again.returncode == 0, again.stderr
        assert "0 graph(s) written" in again.stdout and "1 unchanged" in again.stdout, again.stdout
        later = log.read_text(encoding="utf-8", errors="replace")[len(requests):]
        assert "POST /stage/" not in later  # the stored emission digest matched: nothing was staged
        assert export_lines(store) == export_lines(pages["old_store"])
        assert run_kg("stats", store=store).stdout == count


@pytest.mark.slow
def test_a_client_killed_mid_stage_leaves_the_owner_serving_the_old_graph(pages: dict[str, Path], tmp_path: Path):
    store, log = tmp_path / "store", tmp_path / "serve.log"
    old_page = export_lines(pages["old_store"], "/graph/page/")
    with serving(store, log):
        assert run_kg("ingest", "page", pages["old"], store=store).returncode == 0
        killed = run_kg("ingest", "page", pages["new"], store=store, env={"KG_TEST_KILL_AT": "staged-part"})
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert export_lines(store, "/graph/page/") == old_page  # the staged batches sit beside it, unseen
        deadline = time.monotonic() + 30
        while export_lines(store, "/graph/staging/") and time.monotonic() < deadline:
            time.sleep(0.5)  # the owner notices the client's process is gone within a second or so
        assert export_lines(store, "/graph/staging/") == []
        assert "abandoning the staged write" in log.read_text(encoding="utf-8", errors="replace")

        rerun = run_kg("ingest", "page", pages["new"], store=store)
        assert rerun.returncode == 0, rerun.stderr
        assert export_lines(store, "/graph/page/") == export_lines(pages["new_store"], "/graph/page/")


@pytest.mark.slow
def test_ctrl_c_mid_stage_has_the_owner_drop_the_staged_batches(pages: dict[str, Path], tmp_path: Path):
    store, log = tmp_path / "store", tmp_path / "serve.log"
    with serving(store, log):
        assert run_kg("ingest", "page", pages["old"], store=store).returncode == 0
        writer = subprocess.Popen([sys.executable, "-m", "kg", "ingest", "page", str(pages["new"]),
                                   "--store", str(store)], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, "KG_STORE": "", "KG_TEST_PAUSE_AT": "staged-part"})
        try:
            assert writer.stderr is not None
            assert "paused at staged-part" in writer.stderr.readline()
            assert export_lines(store, "/graph/staging/")  # the first batches sit on the owner
            writer.send_signal(signal.SIGINT)
            _, err = writer.communicate(timeout=120)
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
        assert writer.returncode != 0 and "Traceback" not in err, err
        assert "POST /stage/abandon" in log.read_text(encoding="utf-8", errors="replace")  # the client's own undo
        assert export_lines(store, "/graph/staging/") == []
        assert export_lines(store, "/graph/page/") == export_lines(pages["old_store"], "/graph/page/")

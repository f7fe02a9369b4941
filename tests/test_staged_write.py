"""A page too big for one transaction is staged, and a crash at any step leaves the old graph or the new one.

Real ``kg`` processes, killed at each step of the staged write by the test hooks of
``kg.faults``; the next writable open (``kg stats --recount``) finishes or undoes the write.
The pages are generated with 2,500 cited-by entries (about 50,000 triples): more than the
loader's batch (``kg.loader.BATCH_TRIPLES``), so the staged path is taken with several
staging transactions (``kg.store.staged.BATCH_QUADS``).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT, run_kg

from bench.memory_bench import write_page
from kg.loader import BATCH_TRIPLES
from kg.store.staged import BATCH_QUADS

ENTRIES = 2_500
GENERATED_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"


def page_lines(store: Path) -> list[str]:
    """The store's quads as sorted N-Quads lines, without the clock reading of each graph."""
    done = run_kg("export", "--format", "nquads", store=store)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if GENERATED_AT not in line)


def stats(store: Path) -> list[str]:
    done = run_kg("stats", store=store)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()[1:]  # the first line names the store's folder


@pytest.fixture(scope="module")
def pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The old page, a new version of it (other abstract, 100 fewer entries) and their stores."""
    folder = tmp_path_factory.mktemp("staged")
    old, new = folder / "old.txt", folder / "new.txt"
    write_page(old, ENTRIES)
    write_page(new, ENTRIES - 100)
    new.write_text(new.read_text(encoding="utf-8").replace("None are real.", "None are real, and it changed."),
                   encoding="utf-8")
    assert ENTRIES * 20 > BATCH_TRIPLES and ENTRIES * 20 > 2 * BATCH_QUADS  # the staged path, several batches
    old_store, new_store = folder / "old-store", folder / "new-store"
    for page, store in ((old, old_store), (old, new_store), (new, new_store)):
        done = run_kg("ingest", "page", page, store=store)
        assert done.returncode == 0, done.stderr
    return {"old": old, "new": new, "old_store": old_store, "new_store": new_store}


def test_staged_page_replaces_the_graph_and_reingest_writes_nothing(pages: dict[str, Path], tmp_path: Path):
    old, new = page_lines(pages["old_store"]), page_lines(pages["new_store"])
    assert old != new
    assert not [line for line in old + new if "/graph/staging/" in line]  # nothing left of the staging
    store = tmp_path / "store"
    shutil.copytree(pages["new_store"], store)
    # The stored emission digest matches, so nothing is staged: a kill at the first staged batch is never reached.
    again = run_kg("ingest", "page", pages["new"], store=store, env={"KG_TEST_KILL_AT": "staged-part"})
    assert again.returncode == 0, again.stderr
    assert "0 graph(s) written" in again.stdout and "1 unchanged" in again.stdout, again.stdout
    assert page_lines(store) == new
    done = run_kg("export", "--format", "nquads", store=store)
    assert done.stdout == run_kg("export", "--format", "nquads", store=pages["new_store"]).stdout  # same clock too


@pytest.mark.slow
@pytest.mark.parametrize(("point", "outcome"), [
    ("staged-part", "old"),  # staged, not committed: dropped on the next open
    ("staged-commit", "new"),  # committed, nothing copied yet: rolled forward
    ("staged-removed", "new"),  # the old graph's leftovers removed, nothing copied
    ("staged-copy", "new"),  # half copied
    ("staged-clear", "new"),  # copied, the staging graph half cleared
])
def test_a_kill_at_each_step_leaves_the_old_graph_or_the_new_one(pages: dict[str, Path], tmp_path: Path,
                                                                 point: str, outcome: str):
    store = tmp_path / "store"
    shutil.copytree(pages["old_store"], store)
    killed = run_kg("ingest", "page", pages["new"], store=store, env={"KG_TEST_KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    recovered = run_kg("stats", "--recount", store=store)  # the next writable open
    assert recovered.returncode == 0, recovered.stderr
    expected = pages[f"{outcome}_store"]
    assert page_lines(store) == page_lines(expected)
    assert stats(store) == stats(expected)  # the derived counts follow the data


@pytest.mark.slow
@pytest.mark.parametrize(("point", "graphs"), [("staged-part", 0), ("staged-commit", 1)])
def test_a_killed_first_ingest_leaves_no_graph_or_the_whole_one(pages: dict[str, Path], tmp_path: Path,
                                                               point: str, graphs: int):
    store = tmp_path / "store"
    killed = run_kg("ingest", "page", pages["old"], store=store, env={"KG_TEST_KILL_AT": point})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert run_kg("stats", "--recount", store=store).returncode == 0
    lines = page_lines(store)
    page_graph = [line for line in page_lines(pages["old_store"]) if "/graph/page/" in line]
    if graphs:
        assert [line for line in lines if "/graph/page/" in line] == page_graph
    else:
        assert not [line for line in lines if "/graph/page/" in line or "/graph/staging/" in line]
    assert f"sourceGraphs: {graphs}" in stats(store)


@pytest.mark.slow
def test_ctrl_c_while_staging_keeps_the_old_graph_and_readers_wait(pages: dict[str, Path], tmp_path: Path):
    store = tmp_path / "store"
    shutil.copytree(pages["old_store"], store)
    writer = subprocess.Popen([sys.executable, "-m", "kg", "ingest", "page", str(pages["new"]), "--store", str(store)],
                              cwd=REPO_ROOT, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "KG_TEST_PAUSE_AT": "staged-part"})
    try:
        assert writer.stderr is not None
        assert "paused at staged-part" in writer.stderr.readline()
        # A reader during the write cannot see the staging graph: the writer holds the store.
        reader = run_kg("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", store=store,
                        env={"KG_STORE_WAIT": "0"})
        assert reader.returncode == 1 and "busy" in reader.stderr, reader.stderr
        writer.send_signal(signal.SIGINT)
        _, err = writer.communicate(timeout=120)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert writer.returncode != 0
    assert "Traceback" not in err, err
    assert page_lines(store) == page_lines(pages["old_store"])
    assert stats(store) == stats(pages["old_store"])


@pytest.mark.slow
def test_a_recovery_killed_half_way_is_finished_by_the_next_open(pages: dict[str, Path], tmp_path: Path):
    store = tmp_path / "store"
    shutil.copytree(pages["old_store"], store)
    killed = run_kg("ingest", "page", pages["new"], store=store, env={"KG_TEST_KILL_AT": "staged-commit"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    # The recovering open rolls the write forward and is itself killed while copying.
    recovering = run_kg("stats", "--recount", store=store, env={"KG_TEST_KILL_AT": "staged-copy"})
    assert recovering.returncode == -signal.SIGKILL, recovering.stderr
    assert run_kg("stats", "--recount", store=store).returncode == 0
    assert page_lines(store) == page_lines(pages["new_store"])
    assert stats(store) == stats(pages["new_store"])

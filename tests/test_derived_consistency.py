"""Derived data (counts, supersessions) stays consistent with the data through crashes and Ctrl-C.

The crash is real: the ``kg`` process kills itself with SIGKILL between the data
write and the derived write (``KG_TEST_KILL_AT``). The Ctrl-C is real too: ``kg
load`` waits at a known point (``KG_TEST_PAUSE_AT``) and the test sends SIGINT.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT, run_kg

from kg.counts import GRAPH_COUNTS, derived_current
from kg.faults import KILL_AT_ENV, PAUSE_AT_ENV
from kg.queries import get_query
from kg.store import OxigraphStore


def kg(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return run_kg(*args, env=env, timeout=120)


def stored_and_live(path: Path) -> tuple[dict, dict, bool]:
    """The counts as stored, as computed live, and whether the store thinks they are current."""
    store = OxigraphStore(path)
    try:
        stored = (store.query(get_query("graph-stats").text).values() or [{}])[0]
        live = store.query(GRAPH_COUNTS).values()[0]
        return stored, live, derived_current(store)
    finally:
        store.close()


def test_kill_between_data_and_counts_is_detected_and_repaired_by_build(tmp_path):
    store = tmp_path / "store"
    killed = kg("build", "--store", str(store), env={KILL_AT_ENV: "after-data"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stored, live, current = stored_and_live(store)
    assert live["publications"] > 0
    assert stored.get("publications") != live["publications"]  # the crash left the counts stale
    assert not current
    again = kg("build", "--store", str(store))
    assert again.returncode == 0, again.stderr
    assert "0 graph(s) written" in again.stdout  # the data was complete: only the derived part is redone
    stored, live, current = stored_and_live(store)
    assert current
    assert {name: stored[name] for name in live} == live


def test_kg_stats_shows_live_counts_when_stale_and_recount_stores_them(tmp_path):
    store = tmp_path / "store"
    assert kg("build", "--store", str(store), env={KILL_AT_ENV: "after-data"}).returncode == -signal.SIGKILL
    stats = kg("stats", "--store", str(store))
    assert stats.returncode == 0, stats.stderr
    assert "showing live counts" in stats.stderr
    _, live, current = stored_and_live(store)
    assert not current  # kg stats reads: it leaves the repair to the next write or --recount
    assert f"publications: {live['publications']}" in stats.stdout
    recount = kg("stats", "--recount", "--store", str(store))
    assert recount.returncode == 0 and f"publications: {live['publications']}" in recount.stdout
    assert stored_and_live(store)[2]


def test_unchanged_build_leaves_current_counts_alone(tmp_path):
    store = tmp_path / "store"
    assert kg("build", "--store", str(store)).returncode == 0
    stats = kg("stats", "--store", str(store))
    assert "showing live counts" not in stats.stderr
    assert stored_and_live(store)[2]


def interrupt_load(*args: str) -> subprocess.CompletedProcess:
    """Run ``kg load``, wait until it has loaded its file, then press Ctrl-C (SIGINT)."""
    process = subprocess.Popen([sys.executable, "-m", "kg", "load", *args], cwd=REPO_ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, PAUSE_AT_ENV: "after-load"})
    assert process.stderr is not None
    line = process.stderr.readline()
    assert "paused at after-load" in line, line
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, line + stderr)


def graphs(path: Path) -> set[str]:
    store = OxigraphStore(path)
    try:
        return {str(row[0]) for row in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows}
    finally:
        store.close()


def test_ctrl_c_during_load_into_an_empty_store_undoes_the_file(tmp_path):
    source = tmp_path / "data.nt"
    source.write_text("".join(f"<http://example.org/s{n}> <http://example.org/p> \"{n}\" .\n" for n in range(500)))
    store = tmp_path / "store"
    result = interrupt_load(str(source), "--store", str(store))
    assert result.returncode == 130
    assert f"nothing of {source} remains" in result.stderr
    assert "Traceback" not in result.stderr
    assert graphs(store) == set()


def test_ctrl_c_during_quads_into_a_used_store_names_what_remains(tmp_path):
    store = tmp_path / "store"
    first = tmp_path / "first.nq"
    first.write_text("<http://example.org/a> <http://example.org/p> \"1\" <http://example.org/g1> .\n")
    assert kg("load", str(first), "--store", str(store)).returncode == 0
    second = tmp_path / "second.nq"
    second.write_text("<http://example.org/b> <http://example.org/p> \"2\" <http://example.org/g1> .\n"
                      "<http://example.org/c> <http://example.org/p> \"3\" <http://example.org/g2> .\n")
    result = interrupt_load(str(second), "--store", str(store))
    assert result.returncode == 130
    assert "<http://example.org/g1>" in result.stderr and "1 graph(s) that existed before" in result.stderr
    assert "Traceback" not in result.stderr
    present = graphs(store)
    assert "http://example.org/g2" not in present  # created by the interrupted file: undone
    assert "http://example.org/g1" in present
    assert stored_and_live(store)[2]  # the counts were brought up to date with what remains


def test_ctrl_c_during_ingest_keeps_whole_graphs_and_current_counts(tmp_path):
    source = REPO_ROOT / "tests" / "fixtures" / "eutils" / "efetch_edge_cases.xml"
    store = tmp_path / "store"
    process = subprocess.Popen([sys.executable, "-m", "kg", "ingest", "pubmed-xml", str(source), "--store", str(store)],
                               cwd=REPO_ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, PAUSE_AT_ENV: "after-batch"})
    assert process.stderr is not None
    while "paused at after-batch" not in (line := process.stderr.readline()):
        assert line, "kg ended without reaching the pause"
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    stored, live, current = stored_and_live(store)
    assert current and live["publications"] > 0
    assert {name: stored[name] for name in live} == live


def test_kill_during_kg_load_leaves_a_pending_mark_that_kg_stats_resolves(tmp_path):
    store = tmp_path / "store"
    assert kg("build", "--store", str(store)).returncode == 0
    extra = tmp_path / "extra.nt"
    extra.write_text("".join(f"<https://example.org/doc/{n}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                             "<http://purl.org/ontology/bibo/Document> .\n" for n in range(3)))
    killed = kg("load", str(extra), "--store", str(store), env={KILL_AT_ENV: "after-data"})
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    stored, live, current = stored_and_live(store)
    assert not current and stored["publications"] + 3 == live["publications"]
    stats = kg("stats", "--store", str(store))
    assert "showing live counts" in stats.stderr and f"publications: {live['publications']}" in stats.stdout
    assert not stored_and_live(store)[2]  # kg stats reads only
    assert kg("stats", "--recount", "--store", str(store)).returncode == 0
    assert stored_and_live(store)[2]

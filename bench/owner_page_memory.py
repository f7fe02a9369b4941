"""Peak memory of ``kg ingest page`` through a store's owner, on both sides of the channel (not a test).

A page over the staging threshold written while ``kg serve`` owns the store goes
as a staged write in bounded batches (``OwnerClient.stage_graph``). This script
generates pages of ``--page-entries`` cited-by entries and a quarter of that, and
for each measures, as child processes read with ``wait4``:

- the client: ``kg ingest page`` beside a running ``kg serve`` (its peak RSS and wall);
- the owner: that ``kg serve``, stopped with Ctrl-C after the ingest (its peak RSS
  over its whole life, so it includes serving; the floor row is an owner that
  served no write);
- the same ingest with no owner (the embedded store's staged write), the baseline.

With ``--baseline-tree DIR`` (``git archive <commit> | tar -x -C DIR``) both processes
also run with that tree's code (``PYTHONPATH=DIR``) at ``--baseline-page-entries``
entries and a quarter of them: a tree that sends the whole graph in one request
holds it in both processes.

Usage: .venv/bin/python bench/owner_page_memory.py [--page-entries 48000] [--baseline-tree DIR]
                                                   [--baseline-page-entries 12000]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.memory_bench import ROOT, peak_rss_mb, row, write_page


def new_store(path: Path) -> None:
    """An empty on-disk store (an owner opens existing stores only)."""
    from kg.store import open_store

    open_store(str(path)).close()


def owned_ingest(page: Path | None, store: Path, code: Path) -> tuple[float, float, float]:
    """``kg ingest page`` beside ``kg serve`` on ``store``: the owner's peak RSS, the client's, the client's wall.

    Without a page the owner only starts and stops (the floor); the client figures are then 0.
    """
    env = {**os.environ, "KG_STORE": "", **({"PYTHONPATH": str(code)} if code != ROOT else {})}
    owner = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--store", str(store), "--port", "0"],
                             cwd=code, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    try:
        assert owner.stdout is not None
        if b"SPARQL endpoint on" not in owner.stdout.readline():
            raise SystemExit("kg serve did not start")
        client_rss, wall = peak_rss_mb("ingest", "page", str(page), "--store", str(store), code=code) \
            if page is not None else (0.0, 0.0)
    finally:
        owner.send_signal(signal.SIGINT)
    _, _, usage = os.wait4(owner.pid, 0)
    return usage.ru_maxrss / 1024, client_rss, wall


def measure(label: str, code: Path, entries: int, folder: Path) -> None:
    """The rows of one tree at ``entries`` entries: direct, then owner and client."""
    page = folder / f"page-{entries}.txt"
    if not page.exists():
        write_page(page, entries)
    size = f"{page.stat().st_size / 1e6:.1f} MB page, {entries:,} cited-by entries"
    tree = "baseline" if code != ROOT else "this"
    direct = folder / f"direct-{tree}-{entries}"
    rss, wall = peak_rss_mb("ingest", "page", str(page), "--store", str(direct), code=code)
    row(f"`kg ingest page`, no owner{label}", size, rss, wall)
    owned = folder / f"owned-{tree}-{entries}"
    new_store(owned)
    owner_rss, client_rss, wall = owned_ingest(page, owned, code)
    row(f"`kg ingest page` beside `kg serve`: the client{label}", size, client_rss, wall)
    row(f"the same: the owner (`kg serve`){label}", size, owner_rss, wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--page-entries", type=int, default=48_000)
    parser.add_argument("--baseline-tree", type=Path)
    parser.add_argument("--baseline-page-entries", type=int, default=12_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kg-owner-page-") as tmp:
        folder = Path(tmp)
        floor = folder / "floor"
        new_store(floor)
        started = time.perf_counter()
        owner_rss, _, _ = owned_ingest(None, floor, ROOT)
        print("| command | input | peak RSS (MB) | wall (s) |\n|---|---|---:|---:|")
        row("`kg serve` that serves no write (owner floor)", "-", owner_rss, time.perf_counter() - started)
        for entries in (args.page_entries // 4, args.page_entries):
            measure("", ROOT, entries, folder)
        if args.baseline_tree is not None:
            for entries in (args.baseline_page_entries // 4, args.baseline_page_entries):
                measure(", code of the baseline tree", args.baseline_tree.resolve(), entries, folder)


if __name__ == "__main__":
    main()

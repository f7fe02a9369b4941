"""Explorer pages, server side only: Streamlit's AppTest runs the app in process, no browser.

Not a test. Run with::

    .venv/bin/python -m bench.explorer_server --store artifacts/bench1m/store [--app OTHER/app.py]

For each page, a fresh Python process (empty caches) runs the app once (its first page, Questions),
switches to the page ("first visit": the page's own queries and work, Questions' answers already
cached) and runs it again ("rerun": cached answers). The seed graph, built into a temp folder, is timed
first as the baseline of the same run. ``--app`` times another checkout's ``app.py`` (its folder goes
first on the import path), which is how a change is compared with the code before it. What the
browser adds (Streamlit's client, drawing tables and the graph) is measured by ``bench.explorer_pages``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGES = ("questions", "graph", "findings", "publications", "overview", "compare")

_CHILD = """
import json, os, sys, time
from streamlit.testing.v1 import AppTest
app_path, page = sys.argv[1], sys.argv[2]
start = time.perf_counter()
app = AppTest.from_file(app_path, default_timeout=600).run()
first = time.perf_counter() - start
if page != "questions":
    start = time.perf_counter()
    app.switch_page(f"explorer/pages/{page}.py").run()
    first = time.perf_counter() - start
start = time.perf_counter()
app.run()
rerun = time.perf_counter() - start
print(json.dumps({"first": first, "rerun": rerun, "exception": bool(app.exception)}))
"""


def time_page(app: Path, store: Path, page: str) -> dict[str, float]:
    """First visit and rerun seconds of one page, in a fresh process."""
    env = {**os.environ, "KG_STORE": str(store), "PYTHONPATH": str(app.parent)}
    done = subprocess.run([sys.executable, "-c", _CHILD, str(app), page], cwd=app.parent, env=env,
                          capture_output=True, text=True, timeout=900)
    if done.returncode:
        raise RuntimeError(f"{page}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="the large store to time (after kg build)")
    parser.add_argument("--app", type=Path, default=REPO_ROOT / "app.py", help="the app.py to run")
    args = parser.parse_args(argv)
    from ingest.build import SEED_DIR, build

    with tempfile.TemporaryDirectory() as tmp:
        seed = Path(tmp) / "seed"
        build(str(seed), SEED_DIR, [])
        print(f"app: {args.app.resolve()}; load average (1 min) at the start: {os.getloadavg()[0]:.1f}")
        print(f"| page | seed first visit | seed rerun | {args.store.name} first visit | {args.store.name} rerun |")
        print("|---|---|---|---|---|")
        for page in PAGES:
            base, large = time_page(args.app.resolve(), seed, page), time_page(args.app.resolve(), args.store, page)
            flag = " (exception)" if base["exception"] or large["exception"] else ""
            print(f"| {page}{flag} | {base['first']:.2f} s | {base['rerun']:.2f} s | {large['first']:.2f} s | "
                  f"{large['rerun']:.2f} s |", flush=True)
        print(f"load average (1 min) at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

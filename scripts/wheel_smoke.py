"""Build the wheel, install it into a fresh virtual environment and use it from outside the checkout.

``make test`` runs this before the test suite. The tests import the checkout
(an editable install with the repository on ``sys.path``), so they cannot see
what only an installed wheel gets wrong: a data file left out of the package,
a path resolved relative to the repository, a command that exists only through
the checkout's metadata. This script checks the wheel's file list, installs it
(dependencies come through pip's cache or the configured index, nothing else)
and, from a temporary folder, runs ``kg --help``, ``kg ingest --help``, ``kg build``, ``validate``, ``query``,
``extract``, ``serve`` (answering one SPARQL query on loopback) and the
explorer app (one run of its script under Streamlit's AppTest).

Usage: ``python scripts/wheel_smoke.py [--keep]``. Prints one line per step with
its time; on failure, one line saying which step and why, exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ABSTRACT = ROOT / "tests" / "fixtures" / "abstracts" / "blinatumomab_mrd.txt"
EXPECTED_IN_WHEEL = {
    "kg/ontology/cohort-kg.ttl", "kg/ontology/shapes.ttl", "kg/ontology/vocabulary.ttl",
    "kg/seed/blinatumomab-rr-all-bibliography.csv", "kg/seed/blinatumomab-rr-all-findings.csv",
    "kg/queries/publications.rq", "explorer/app.py", "explorer/pages/overview.py", "explorer/launch.py",
}
NOT_IN_WHEEL = ("tests/", "bench/", "data/", "ontology/", "app.py", "scripts/")
COUNT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
APP_CHECK = """
import os, sys
from streamlit.testing.v1 import AppTest
import explorer.app
app = AppTest.from_file(explorer.app.__file__, default_timeout=120).run()
if app.exception:
    sys.exit(f"explorer raised: {app.exception[0].message}")
print("explorer ok:", [title.value for title in app.title])
"""


class SmokeError(Exception):
    """A step failed; the message says which and why."""


def step(name: str, command: Sequence[str | Path], *, cwd: Path, env: dict[str, str],
         timeout: float = 300) -> str:
    """Run one command; its standard output, or ``SmokeError`` with the end of its error output."""
    start = time.perf_counter()
    result = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise SmokeError(f"{name}: exit {result.returncode}: {' | '.join(tail)}")
    print(f"  {name:<28} {time.perf_counter() - start:6.1f} s", flush=True)
    return result.stdout


def check_wheel(wheel: Path) -> None:
    """The package carries its data files and nothing from outside the packages."""
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(EXPECTED_IN_WHEEL - names)
    if missing:
        raise SmokeError(f"wheel: missing {', '.join(missing)}")
    stray = sorted(name for name in names if name.startswith(NOT_IN_WHEEL))
    if stray:
        raise SmokeError(f"wheel: holds files from outside the packages: {', '.join(stray[:5])}")
    print(f"  {'wheel file list':<28} {len(names)} files, data files present", flush=True)


def serve_one_query(kg: Path, store: Path, cwd: Path, env: dict[str, str]) -> int:
    """Start ``kg serve`` on a free loopback port, ask one query, stop the server; the quad count it answered."""
    start = time.perf_counter()
    process = subprocess.Popen([str(kg), "serve", "--store", str(store), "--port", "0"], cwd=cwd, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        lines: list[str] = []
        url = None
        for line in process.stdout:  # the server prints its address once it listens
            lines.append(line)
            match = re.search(r"(http://127\.0\.0\.1:\d+/sparql)", line)
            if match:
                url = match.group(1)
                break
        if url is None:
            raise SmokeError(f"kg serve: did not start: {' | '.join(lines[-3:]).strip()}")
        request = urllib.request.Request(f"{url}?{urllib.parse.urlencode({'query': COUNT_QUERY})}",
                                         headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.load(response)
        count = int(answer["results"]["bindings"][0]["n"]["value"])
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    print(f"  {'kg serve + one query':<28} {time.perf_counter() - start:6.1f} s", flush=True)
    return count


def smoke(work: Path) -> None:
    """Every step, in a fresh folder; raises ``SmokeError`` at the first failure."""
    here = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    here.pop("PYTHONPATH", None)
    step("build the wheel", [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", work / "dist",
                             ROOT], cwd=ROOT, env=here)
    (wheel,) = (work / "dist").glob("cohort_kg-*.whl")
    check_wheel(wheel)
    shutil.rmtree(ROOT / "build", ignore_errors=True)  # setuptools' staging folder, not the wheel

    venv = work / "venv"
    # The venv gets no pip of its own: this interpreter's pip installs into it (--python), which saves
    # bootstrapping pip; --no-compile leaves byte-compiling to the first import of each module.
    step("create a fresh venv", [sys.executable, "-m", "venv", "--without-pip", venv], cwd=work, env=here)
    python, kg = venv / "bin" / "python", venv / "bin" / "kg"
    step("pip install the wheel", [sys.executable, "-m", "pip", "--python", python, "install", "--quiet",
                                   "--no-compile", wheel], cwd=work, env=here, timeout=600)

    run = work / "run"  # nothing of the checkout here: the installed package must carry everything
    run.mkdir()
    env = {**here, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{here.get('PATH', '')}",
           "KG_STORE": ""}
    store = run / "store"
    version = step("kg --version", [kg, "--version"], cwd=run, env=env).strip()
    listing = step("kg --help", [kg, "--help"], cwd=run, env=env)
    for name in ("build", "extract", "serve", "explore", "refresh"):
        if not re.search(rf"^\s+{name}\s", listing, re.MULTILINE):
            raise SmokeError(f"kg --help: the {name} command is missing")
    sources = step("kg ingest --help", [kg, "ingest", "--help"], cwd=run, env=env)
    for name in ("page", "findings", "bibliography", "abstract", "pubmed-xml"):
        if not re.search(rf"^\s+{name}\s", sources, re.MULTILINE):
            raise SmokeError(f"kg ingest --help: the {name} source is missing")
    built = step("kg build", [kg, "build", "--store", store], cwd=run, env=env)
    step("kg validate", [kg, "validate", "--store", store], cwd=run, env=env)
    rows = step("kg query", [kg, "query", "citing-publications", "--format", "csv", "--param", "limit=0",
                             "--store", store], cwd=run, env=env).strip().splitlines()
    if len(rows) < 2:
        raise SmokeError(f"kg query: no rows from the built graph ({built.strip()})")
    shutil.copy(ABSTRACT, run / ABSTRACT.name)
    extracted = step("kg extract", [kg, "extract", ABSTRACT.name, "--format", "json"], cwd=run, env=env)
    if "findings" not in extracted:
        raise SmokeError(f"kg extract: no findings in its output: {extracted[:200]!r}")
    served = serve_one_query(kg, store, run, env)
    if served <= 0:
        raise SmokeError("kg serve: answered, but counted no quads")
    step("explorer (AppTest)", [python, "-c", APP_CHECK], cwd=run, env={**env, "KG_STORE": str(store)})
    print(f"  {version}: {len(rows) - 1} citing publications, {served} quads served", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the smoke test in a temporary folder (kept with ``--keep``)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kg-wheel-smoke-"))
    start = time.perf_counter()
    print(f"wheel smoke test in {work}", flush=True)
    try:
        smoke(work)
    except (SmokeError, subprocess.TimeoutExpired) as exc:
        print(f"wheel smoke test failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"wheel smoke test passed in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

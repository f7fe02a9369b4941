"""How long ``kg`` takes to start: ``--version`` and ``--help`` against baselines measured in the same run.

Each case is a fresh interpreter started N times (wall clock, median and 90th
percentile). The baselines bracket the figures: the bare interpreter (the floor)
and an eager start that imports every built-in source and command module (what
loading every registered plugin object at start costs). The
modules column counts what the interpreter had imported when the case finished
(from ``-X importtime``), so a figure that moves can be traced to an import.

Usage: ``python bench/cli_startup.py [--runs N]`` (prints a Markdown table).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EAGER = (
    "from kg.cli import main\n"
    "from kg.plugins import BUILTIN_COMMANDS, BUILTIN_SOURCES, Command, Source\n"
    "[r.load(Source) for r in BUILTIN_SOURCES]; [r.load(Command) for r in BUILTIN_COMMANDS]\n"
)
CASES: dict[str, list[str]] = {
    "python -c pass (floor)": ["-c", "pass"],
    "eager: import every command module (baseline)": ["-c", EAGER],
    "kg --version": ["-m", "kg", "--version"],
    "kg --help": ["-m", "kg", "--help"],
    "kg ingest --help": ["-m", "kg", "ingest", "--help"],
    "kg serve --help (imports the server)": ["-m", "kg", "serve", "--help"],
}


def time_case(args: list[str], runs: int) -> tuple[float, float, float]:
    """Median and 90th percentile wall time, and median CPU time (user + system), in seconds.

    CPU time is reported beside wall time because it moves much less when other
    processes compete for the cores: on a busy machine compare the CPU column.
    """
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    walls.sort()
    return statistics.median(walls), walls[min(len(walls) - 1, int(0.9 * len(walls)))], statistics.median(cpus)


def module_count(args: list[str]) -> int:
    """How many modules the case imports (one ``-X importtime`` line per module)."""
    result = subprocess.run([sys.executable, "-X", "importtime", *args], cwd=ROOT, capture_output=True, text=True,
                            check=True)
    return sum(1 for line in result.stderr.splitlines() if line.startswith("import time:") and "|" in line) - 1


def main() -> int:
    """Measure every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="starts per case (default 20)")
    runs = parser.parse_args().runs
    print(f"| case ({runs} starts each) | wall median | wall p90 | CPU median | modules imported |")
    print("|---|---:|---:|---:|---:|")
    for name, args in CASES.items():
        median, p90, cpu = time_case(args, runs)
        print(f"| {name} | {median * 1000:.0f} ms | {p90 * 1000:.0f} ms | {cpu * 1000:.0f} ms "
              f"| {module_count(args)} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

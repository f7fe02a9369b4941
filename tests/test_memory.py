"""Peak memory of ``kg ingest pubmed-xml`` and ``kg ingest page`` does not grow with the input.

PubMed XML is written in batches, each flushed; a page is read in parts and a big one staged
(``kg.store.staged``). The full-size figures (200 MB of XML, a 300,000-entry page) come from
``bench/memory_bench.py`` and are reported in docs/benchmarks.md; here a 4x larger input must
cost less than 1.5x (XML) or 1.3x (page) the memory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from bench.memory_bench import write_page, write_pubmed_xml

MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""
"""Runs the command and prints its peak RSS in KiB. Linux counts the pages a forked child shares with its
parent in the child's high-water mark, so the command must be forked from this small process, not from
pytest (which can hold gigabytes after other tests)."""


def peak_rss_mb(*args: str) -> float:
    """Peak resident memory (MB) of one ``kg`` process, measured by a small parent of its own."""
    done = subprocess.run([sys.executable, "-c", MEASURE, sys.executable, "-m", "kg", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split()[-1]) / 1024


@pytest.mark.slow
def test_pubmed_xml_peak_memory_grows_sub_linearly(tmp_path: Path):
    peaks = {}
    for megabytes in (4, 16):
        path = tmp_path / f"pubmed-{megabytes}.xml"
        records = write_pubmed_xml(path, megabytes)
        assert records > 70 * megabytes  # the larger input spans several batches of 500 records
        peaks[megabytes] = peak_rss_mb("ingest", "pubmed-xml", str(path), "--store", str(tmp_path / f"s{megabytes}"))
    print(f"peak RSS: {peaks}")
    assert peaks[16] < 1.5 * peaks[4], peaks
    assert peaks[16] < 600, peaks


@pytest.mark.slow
def test_page_peak_memory_grows_sub_linearly(tmp_path: Path):
    peaks = {}
    for entries in (12_000, 48_000):  # 240,000 and 960,000 triples: both staged, in many batches
        path = tmp_path / f"page-{entries}.txt"
        write_page(path, entries)
        peaks[entries] = peak_rss_mb("ingest", "page", str(path), "--store", str(tmp_path / f"s{entries}"))
    print(f"peak RSS: {peaks}")
    assert peaks[48_000] < 1.3 * peaks[12_000], peaks
    assert peaks[48_000] < 600, peaks

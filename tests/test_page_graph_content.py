"""A page's graph is the same whatever the memory work on the write path, and re-ingest changes nothing.

The expected digests were taken from ``kg export --format nquads`` of stores built by the
code of ``main`` (commit dd7ca7c) before the page was streamed: the digest covers the sorted
N-Quads lines of the page's graph without the lines that depend on the clock
(``prov:generatedAtTime``) or on the content hash (``ckg:contentHash`` and the activity, whose
IRI is made from it). A digest rather than the exported text keeps the seed page's abstract out
of the repository. The stored ``ckg:contentHash`` is compared with its value under the
order-independent definition of ``kg.rdf.triples_hash``: a change in how it is computed would
make every stored page look changed and be rewritten on the next ingest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import run_kg

from bench.memory_bench import write_page

GENERATED_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"
CONTENT_HASH = "<https://w3id.org/cohort-kg/ontology#contentHash>"
ACTIVITY = "<https://w3id.org/cohort-kg/id/activity/"


def page_graph_lines(store: Path) -> list[str]:
    """The sorted N-Quads lines of the store's page graphs, exported as a user does."""
    done = run_kg("export", "--format", "nquads", store=store)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if "/graph/page/" in line.rsplit(" ", 2)[-2])


def digest_without_clock(lines: list[str]) -> str:
    """Digest of the lines that neither the clock nor the content hash's definition changes."""
    kept = [line for line in lines if GENERATED_AT not in line and CONTENT_HASH not in line and ACTIVITY not in line]
    return hashlib.sha256("\n".join(kept).encode("utf-8")).hexdigest()


def content_hashes(lines: list[str]) -> list[str]:
    return [line.split(" ", 2)[2].split('"')[1] for line in lines if f" {CONTENT_HASH} " in line]


def ingest_twice(page: Path, store: Path) -> list[str]:
    """Ingest the page twice; the second run must write nothing and leave the graph as it was."""
    first = run_kg("ingest", "page", page, store=store)
    assert first.returncode == 0, first.stderr
    lines = page_graph_lines(store)
    second = run_kg("ingest", "page", page, store=store)
    assert second.returncode == 0, second.stderr
    assert "0 graph(s) written" in second.stderr + second.stdout, second.stderr
    assert page_graph_lines(store) == lines  # not even the timestamp moved
    return lines


def test_generated_page_graph_is_unchanged_and_reingest_is_idempotent(tmp_path: Path):
    page = tmp_path / "page.txt"
    write_page(page, 300)
    lines = ingest_twice(page, tmp_path / "store")
    assert len(lines) == EXPECTED_GENERATED[0]
    assert content_hashes(lines) == [EXPECTED_GENERATED[1]]
    assert digest_without_clock(lines) == EXPECTED_GENERATED[2]


def test_seed_page_graph_is_unchanged_and_reingest_is_idempotent(seed_page: Path, tmp_path: Path):
    lines = ingest_twice(seed_page, tmp_path / "store")
    assert len(lines) == EXPECTED_SEED[0]
    assert content_hashes(lines) == [EXPECTED_SEED[1]]
    assert digest_without_clock(lines) == EXPECTED_SEED[2]


# (quads in the page graph, its stored content hash, digest of its quads without clock and hash), the
# quad count and last digest from main (dd7ca7c), the content hash under the order-independent definition
EXPECTED_GENERATED = (6018, "8d0897f1b8ae454dd8b9362284a61c44590576a4d6995253d9354a410ab5ac00",
                      "2d378bd3bdaf5db7a3a5419f2bb27ff4467a9e375b4b93f4843a02017025d9a6")
EXPECTED_SEED = (640, "8ba127747d6b4579386d1921246e74b002de797545bf88b2860aad30e60e87be",
                 "260acd52c5320bb1b2a82238ac98620f0d4eeb056deb918acb3927d53dd12ca7")

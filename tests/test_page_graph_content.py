"""A page's graph is the same whatever the memory work on the write path, and re-ingest changes nothing.

The expected digests were taken from ``kg export --format nquads`` of stores built by the
code of ``main`` (commit a2a1be1) before the write path was changed: the digest covers the
sorted N-Quads lines of the page's graph without its ``prov:generatedAtTime`` line (a clock
reading). A digest rather than the exported text keeps the seed page's abstract out of the
repository. The stored ``ckg:contentHash`` is compared too: a change in how it is computed
would make every stored page look changed and be rewritten on the next ingest.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from conftest import run_kg

from bench.memory_bench import write_page

GENERATED_AT = "<http://www.w3.org/ns/prov#generatedAtTime>"
CONTENT_HASH = "<https://w3id.org/cohort-kg/ontology#contentHash>"


def page_graph_lines(store: Path) -> list[str]:
    """The sorted N-Quads lines of the store's page graphs, exported as a user does."""
    done = run_kg("export", "--format", "nquads", store=store)
    assert done.returncode == 0, done.stderr
    return sorted(line for line in done.stdout.splitlines() if "/graph/page/" in line.rsplit(" ", 2)[-2])


def digest_without_clock(lines: list[str]) -> str:
    kept = [line for line in lines if GENERATED_AT not in line]
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


# (quads in the page graph, its stored content hash, digest of its quads without the clock), from main
EXPECTED_GENERATED = (6018, "a18e137ce5bffeca11ff128dfddeb10699902ee6a7dcdfbe7aa3072f62529691",
                      "ca67daf38cb8565cd700706e48fce77d402c9aefccb8858f745efa1c18d18afd")
EXPECTED_SEED = (640, "4af57fe93a3b0adaa71eff58986e8999f59707ac72be975232cf60b425d401bc",
                 "ff24b9506aedee8330ca76c011a58c13847bf893f3e4bb987c696e50c27ce33d")

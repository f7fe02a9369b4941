"""Where the memory of ``kg ingest page`` goes, stage by stage, in one process (not a test).

Generates a saved page with ``--entries`` cited-by entries (``bench.memory_bench.write_page``)
and runs the stages of the ingest one after the other, as ``kg ingest page`` does, printing
for each the Python objects it holds and its transient peak (``tracemalloc``) and the
process's resident memory (``VmRSS``, ``VmHWM`` from ``/proc/self/status``). The baseline
in the same run is the process after its imports, and the content hash computed the way
the code of ``main`` at a2a1be1 did (join the sorted lines, then hash) beside the current
``kg.rdf.triples_hash`` (a sum of line digests: another definition, so another value).
The stages hold the whole page, as ``read_page`` gives it; ``kg ingest page`` reads it in
parts instead (``stream_page``), measured as a process by ``bench/memory_bench.py``.
The store write is measured last and without ``tracemalloc``
(its memory is pyoxigraph's, outside Python's allocator): once as ``kg`` writes a new
graph, once replacing that graph with the same page's triples plus one. Last, in two child
processes, pyoxigraph alone: ``Store.extend`` of the page's quads given as a list (as
``kg.store.embedded`` builds them) and as an iterator, to split the write into the quads
held in Python and the transaction.

Usage: .venv/bin/python bench/page_memory_stages.py [--entries 12000]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.memory_bench import write_page  # noqa: E402


def status_mb() -> str:
    """Current and peak resident memory of this process."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    rss, hwm = (int(fields[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM"))
    return f"RSS {rss:,.0f} MB, peak {hwm:,.0f} MB"


def traced(name: str, started: int) -> int:
    """Print what the stage left held and its transient peak (MB); return the current traced size."""
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    print(f"| {name} | {(current - started) / 1e6:,.1f} | {(peak - started) / 1e6:,.1f} | {status_mb()} |", flush=True)
    tracemalloc.reset_peak()
    return current


def joined_hash(triples: Iterable[tuple]) -> str:
    """The content hash as main computed it: the sorted lines joined into one text, then hashed."""
    lines = sorted(" ".join(term.n3() for term in triple) for triple in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def extend_only(page: Path, how: str, folder: Path) -> None:
    """Write the page's quads into a new on-disk store with one ``extend``; print the peak it adds."""
    import pyoxigraph as ox

    import ingest.enrich
    from ingest.pubmed_page import read_page
    from kg.rdf import records_triples
    from kg.store.interface import to_ox

    triples = records_triples(ingest.enrich.enrich_document(next(read_page(page))).records)
    graph = ox.NamedNode("https://example.org/graph")
    store = ox.Store(str(folder / f"extend-{how}"))
    quads = (ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph) for s, p, o in triples)
    gc.collect()
    before = status_mb()
    store.extend(list(quads) if how == "list" else quads)
    given = "a list" if how == "list" else "an iterator"
    print(f"| pyoxigraph alone: extend from {given} ({len(triples):,} quads) | - | - "
          f"| before: {before}; after: {status_mb()} |", flush=True)
    store.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=12_000)
    parser.add_argument("--extend-only", nargs=2, metavar=("PAGE", "HOW"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.extend_only:
        with tempfile.TemporaryDirectory(prefix="kg-extend-") as tmp:
            extend_only(Path(args.extend_only[0]), args.extend_only[1], Path(tmp))
        return

    import ingest.enrich
    from ingest.pubmed_page import read_page
    from kg.loader import write_documents
    from kg.rdf import records_triples, triples_hash
    from kg.store import open_store

    with tempfile.TemporaryDirectory(prefix="kg-page-stages-") as tmp:
        page = Path(tmp) / "page.txt"
        write_page(page, args.entries)
        size = page.stat().st_size / 1e6
        print(f"{args.entries:,} cited-by entries, {size:,.1f} MB page; after imports: {status_mb()}")
        print("\n| stage | held (MB) | transient peak (MB) | process |\n|---|---:|---:|---|")
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        doc = next(read_page(page))
        now = traced("parse (records)", base)
        doc = ingest.enrich.enrich_document(doc)
        now = traced(f"enrich ({len(doc.records):,} records)", now)
        triples = records_triples(doc.records)
        now = traced(f"rdflib triples ({len(triples):,})", now)
        old = joined_hash(triples)
        now = traced("content hash, baseline (join then hash)", now)
        new = triples_hash(triples)
        now = traced("content hash, kg.rdf.triples_hash", now)
        assert len(old) == len(new) == 64
        tracemalloc.stop()
        del triples, doc
        gc.collect()

        store = open_store(str(Path(tmp) / "store"))
        for what, extra in (("write a new graph", 0), ("replace the graph", 1)):
            doc = ingest.enrich.enrich_document(next(read_page(page)))
            if extra:  # a changed page (another abstract): the existing graph is replaced
                doc = replace(doc, records=(replace(doc.records[0], abstract="changed"), *doc.records[1:]))
            gc.collect()
            before = status_mb()
            started = time.perf_counter()
            summary = write_documents(store, [doc], known={}, aliases={})
            print(f"| store: {what} ({summary.triples:,} triples, {time.perf_counter() - started:,.1f} s) | - | - "
                  f"| before: {before}; after: {status_mb()} |", flush=True)
            del doc
        store.close()
        for how in ("list", "iterator"):
            subprocess.run([sys.executable, __file__, "--extend-only", str(page), how], check=True)


if __name__ == "__main__":
    main()

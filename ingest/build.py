"""``kg build``: the whole graph from the project's own files, offline.

Loads the ontology and the SKOS vocabulary, then every curated table shipped
with the package (``data/seed/``; bibliographies first, then findings), then any pages
named on the command line. Each piece is its own named graph, so running it
again changes nothing, and running it after editing a table replaces only
that table's graph.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path

from ingest.bibliography import read_bibliography, with_known_identifiers
from ingest.curated import read_findings
from ingest.enrich import enrich_document
from ingest.pubmed_page import read_page
from kg.loader import LoadSummary
from kg.paths import ONTOLOGY_DIR, SEED_DIR
from kg.pipeline import Pipeline
from kg.plugins import Command
from kg.store import open_store


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed-dir", type=Path, default=SEED_DIR, help="folder of curated tables (default: bundled)")
    parser.add_argument("--page", type=Path, action="append", default=[], metavar="FILE",
                        help="also ingest this saved PubMed page (repeatable)")


def build(store_spec: str | None, seed_dir: Path, pages: list[Path], *, now: datetime | None = None) -> LoadSummary:
    """Load ontology, vocabulary, seed tables and pages through one pipeline; return what changed.

    Every file is parsed before the store is opened, so a bad table or page leaves the store as it was;
    the derive stage runs once, after the last graph.

    ``now`` fixes the provenance timestamp (for comparing two builds); by default it is the current time.
    """
    docs = [doc for path in sorted(seed_dir.glob("*-bibliography.csv")) for doc in read_bibliography(path)]
    docs += [doc for path in sorted(seed_dir.glob("*-findings.csv")) for doc in read_findings(path)]
    docs += [doc for path in pages for doc in read_page(path)]
    store = open_store(store_spec)
    try:
        with Pipeline(store, enrich=enrich_document, now=now) as pipeline:
            pipeline.write_rdf_files([ONTOLOGY_DIR / "cohort-kg.ttl"], "ontology")
            pipeline.write_rdf_files([ONTOLOGY_DIR / "vocabulary.ttl"], "vocabulary")
            pipeline.write(with_known_identifiers(docs))
    finally:
        store.close()
    return pipeline.summary


def _run(args: argparse.Namespace) -> int:
    summary = build(args.store, args.seed_dir, args.page)
    print(summary.describe("build"))
    return 0


BUILD = Command(
    name="build",
    help="build the graph from the bundled ontology, vocabulary and seed tables (offline)",
    add_arguments=_add_arguments,
    run=_run,
)

"""The file sources of this package, registered as ``kg ingest page|findings|bibliography``."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from ingest.bibliography import read_bibliography
from ingest.curated import read_findings
from ingest.enrich import enrich_document
from ingest.pubmed_page import stream_page
from kg.loader import StreamedDocument
from kg.model import SourceDocument
from kg.plugins import Source


def _each_file(reader):  # noqa: ANN001, ANN202 - a Path -> documents function
    def documents(args: argparse.Namespace) -> Iterator[SourceDocument | StreamedDocument]:
        for path in args.files:
            yield from reader(path)

    return documents


PAGE = Source(
    name="page",
    help="a saved PubMed abstract page: the study, its abstract and its cited-by list",
    documents=_each_file(stream_page),
    enrich=enrich_document,
)
FINDINGS = Source(
    name="findings",
    help="a curated findings table (CSV, one finding per row; see README)",
    documents=_each_file(read_findings),
)
BIBLIOGRAPHY = Source(
    name="bibliography",
    help="a bibliographic table (CSV: pmid, pmcid, doi, title, authors, journal, year, cites_*)",
    documents=_each_file(read_bibliography),
    enrich=enrich_document,
)

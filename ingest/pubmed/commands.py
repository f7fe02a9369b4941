"""The command-line faces of the PubMed package: ``kg refresh`` and ``kg ingest pubmed-xml``."""

from __future__ import annotations

import argparse
import gzip
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tqdm import tqdm

from ingest.enrich import enrich_document
from ingest.pubmed.client import BASE_URL_ENV, EutilsClient
from ingest.pubmed.parser import PubmedRecord, iter_pubmed_xml
from ingest.pubmed.refresh import ProgressEvent, plan_refresh, refresh
from kg.errors import InputError
from kg.ids import source_file_iri
from kg.model import Citation, PublicationRef, SourceDocument
from kg.plugins import Command, Source
from kg.store import open_store

log = logging.getLogger(__name__)

REFRESH_DESCRIPTION = """\
Complete the literature around the studies from NCBI PubMed (E-utilities).

Scope, said once: the publications expanded (asked who cites them and what
they cite) are the seeds and what --depth citation steps reach from them.
Seeds are the curated studies (typed as studies or reporting a curated
finding) and the publications your own sources cite (the study of a saved
page, the papers of a bibliography); with --pmid, only the PMIDs named.
Papers whose only findings were extracted from their abstracts are seeds
only with --expand-extracted. Every publication within the depth gets its
full PubMed record; one known only from a reference list is stored as its
PMID and its cites link, and gets its record only when a run's depth reaches
it. Publications known only by title or DOI are resolved to their PMID first.

A refresh converges: each batch is stored as soon as it arrives, a
publication refreshed in the last 7 days is not asked again (see --since,
--force), stored link graphs are reused, and an unchanged graph is never
rewritten. So a second run right after a first changes nothing, and a run
interrupted anywhere (Ctrl-C, kill, network loss) and started again ends
in the graph an uninterrupted run makes. --dry-run says what would be asked.

NCBI rules are kept: at most 3 requests/s (10 with NCBI_API_KEY), tool and
e-mail on every request (set NCBI_EMAIL), POST and the history server for
large sets; every request has a whole-request deadline and transport errors
are retried with backoff (each retry is shown). PubMed's cited-by data comes
from PMC full texts and is incomplete.

environment: NCBI_EMAIL, NCBI_API_KEY (never logged, never sent to another
host), KG_EUTILS_URL (a mirror or a test server; same as --eutils-url)
"""


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _refresh_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pmid", action="append", default=[], metavar="PMID",
                        help="seeds: these publications (repeatable) instead of the studies")
    parser.add_argument("--depth", type=int, default=1, metavar="N",
                        help="citation steps (cites and cited-by) to follow from the seeds (default: 1); "
                             "every publication within them gets its full record")
    parser.add_argument("--expand-extracted", action="store_true",
                        help="also seed the papers whose only findings were extracted from their abstracts")
    parser.add_argument("--force", action="store_true",
                        help="ask again even what was refreshed recently (equal answers are not rewritten)")
    parser.add_argument("--since", type=_date, metavar="DATE",
                        help="treat records refreshed on or after DATE (YYYY-MM-DD) as current "
                             "(default: 7 days ago)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would be asked (publications per E-utility, batches, estimated "
                             "requests and time) and send nothing")
    parser.add_argument("--deadline", type=float, default=300.0, metavar="SECONDS",
                        help="whole-request deadline: a request not fully answered by then is retried "
                             "(default: 300)")
    parser.add_argument("--eutils-url", metavar="URL",
                        help=f"E-utilities base URL (default: ${BASE_URL_ENV}, else NCBI)")


class _Display:
    """Progress on stderr: a bar per phase where stderr is a terminal, a log line per phase and retry."""

    def __init__(self) -> None:
        self.bar: tqdm | None = None
        self.phase = ""
        # tqdm.write builds its lock inside a try whose finally releases it: a Ctrl-C while the lock is
        # built would become an AttributeError there, so the lock is built here, outside any finally.
        tqdm.get_lock()

    def __call__(self, event: ProgressEvent) -> None:
        if event.phase == "retry":
            tqdm.write(f"kg refresh: retry: {event.message}", file=sys.stderr)
            return
        if event.phase != self.phase:
            self.close()
            self.phase = event.phase
            if event.phase == "done":
                return
            tqdm.write(f"kg refresh: {event.phase}: {event.message}", file=sys.stderr)
            self.bar = tqdm(total=event.planned, desc=event.phase, unit="pub", disable=None, file=sys.stderr)
        if self.bar is not None:
            self.bar.total = event.planned
            self.bar.n = event.done
            self.bar.set_postfix_str(f"{event.done} {_VERB.get(event.phase, 'done')} of {event.planned}",
                                     refresh=False)
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


_VERB = {"resolve": "resolved", "links": "linked", "records": "fetched"}


def _run_refresh(args: argparse.Namespace) -> int:
    if args.depth < 0:
        raise InputError("--depth must be 0 or more")
    if args.deadline <= 0:
        raise InputError("--deadline must be more than 0 seconds")
    store = open_store(args.store)
    try:
        if args.dry_run:
            plan = plan_refresh(store, pmids=args.pmid or None, depth=args.depth, force=args.force,
                                since=args.since, expand_extracted=args.expand_extracted)
            print("dry run: nothing is sent\n" + plan.describe())
            return 0
        client = EutilsClient(base_url=args.eutils_url, deadline=args.deadline)
        display = _Display()
        try:
            summary = refresh(store, client, pmids=args.pmid or None, depth=args.depth, force=args.force,
                              since=args.since, expand_extracted=args.expand_extracted, progress=display)
        finally:
            display.close()
    finally:
        store.close()
    print(summary.describe())
    return 0


REFRESH = Command(
    name="refresh",
    help="complete publications and citation links from NCBI PubMed (E-utilities)",
    description=REFRESH_DESCRIPTION,
    add_arguments=_refresh_arguments,
    run=_run_refresh,
)


def _open(path: Path):  # noqa: ANN202 - a binary file object
    try:
        handle = path.open("rb")
        if handle.read(2) == b"\x1f\x8b":
            handle.close()
            return gzip.open(path, "rb")
        handle.seek(0)
        return handle
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def _records(path: Path) -> Iterator[PubmedRecord]:
    """The records of one file (plain or gzip), streamed; unreadable compressed data is an ``InputError``."""
    with _open(path) as stream:
        try:
            yield from iter_pubmed_xml(stream, where=str(path))
        except (OSError, EOFError) as exc:
            raise InputError(f"{path}: cannot read compressed data ({exc})") from exc


def _document(record: PubmedRecord, source: str) -> SourceDocument:
    pub = record.publication
    cites = tuple(Citation(citing=pub.ref, cited=PublicationRef(pmid=r)) for r in record.references)
    return SourceDocument(kind="pubmed", key=pub.pmid or "", source=source, records=(pub, *cites))


def read_pubmed_xml(path: Path) -> Iterator[SourceDocument]:
    """One source document per PubMed record of an XML file (plain or gzip), streamed."""
    source = source_file_iri(path)
    for record in _records(path):
        yield _document(record, source)


def check_pubmed_xml(path: Path) -> int:
    """Parse a whole file without keeping anything; raise ``InputError`` if any of it is bad.

    The bulk source stores batches while it parses, so it checks every file first:
    a file that is truncated or hostile halfway leaves the store unchanged.
    """
    return sum(1 for _ in _records(path))


@dataclass(frozen=True)
class _Copy:
    """Where one record of a PMID sits in the input: file, record number in it, and its revision date."""

    path: Path
    number: int
    revised: str | None

    def describe(self) -> str:
        return f"{self.path.name} record {self.number}" + (f" (revised {self.revised})" if self.revised else "")


def _newer(old: _Copy, new: _Copy) -> bool:
    """Whether ``new`` replaces ``old``: a later revision date wins; without two dates to compare, the later copy."""
    if old.revised and new.revised and old.revised != new.revised:
        return new.revised > old.revised
    return True


def choose_copies(paths: list[Path]) -> dict[str, _Copy]:
    """Check every file completely and pick, for each PMID, the copy to store.

    A PMID found twice in the input keeps its most recently revised record
    (``DateRevised``), else the one that comes last; one warning names both copies.
    Storing one copy per PMID also keeps a re-run from rewriting its graph.
    """
    chosen: dict[str, _Copy] = {}
    for path in paths:
        number = 0
        for number, record in enumerate(_records(path), start=1):
            pmid = record.publication.pmid or ""
            copy = _Copy(path, number, record.revised)
            known = chosen.get(pmid)
            if known is None:
                chosen[pmid] = copy
                continue
            keep = copy if _newer(known, copy) else known
            log.warning("PMID %s appears twice: %s and %s; keeping %s", pmid, known.describe(), copy.describe(),
                        keep.describe())
            chosen[pmid] = keep
        log.info("%s: %d records", path, number)
    return chosen


def _documents(args: argparse.Namespace) -> Iterator[SourceDocument]:
    chosen = choose_copies(list(args.files))
    for path in args.files:
        source = source_file_iri(path)
        for number, record in enumerate(_records(path), start=1):
            copy = chosen.get(record.publication.pmid or "")
            if copy is not None and copy.path == path and copy.number == number:
                yield _document(record, source)


PUBMED_XML = Source(
    name="pubmed-xml",
    help="PubMed XML files (efetch output or the annual baseline's pubmed*.xml.gz), streamed",
    documents=_documents,
    description="Load PubMed XML files without calling E-utilities: one graph per record "
                "(graph/pubmed/<PMID>, the same graph kg refresh writes). Every file is checked "
                "completely before anything is stored; then records are stored in batches as they "
                "are parsed, so memory stays bounded for baseline-sized files.",
    streaming=True,
    enrich=enrich_document,
)

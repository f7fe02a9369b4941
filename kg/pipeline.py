"""The ingest pipeline: parse -> enrich -> write -> derive, the one place that sequences the stages.

- **parse** (pure, in the sources: ``ingest/*``): a file or an answer becomes
  ``SourceDocument`` records. Sources do nothing else.
- **enrich** (``ingest/enrich.py``): records read from the text (extracted
  findings, concept mentions) are added to the document they come from, so
  they live and are replaced with it. The stage is passed in as a function
  (``Enricher``) because ``kg`` must not import ``ingest``: a ``kg.plugins.Source``
  names its enricher, and the ingest commands pass ``ingest.enrich.enrich_document``.
- **write** (``kg/loader.py``): one named graph per document, batches of
  documents per transaction, unchanged graphs skipped.
- **derive** (``kg/counts.py``, ``kg/supersede.py``, written through
  ``kg/derived.py``): supersessions and whole-graph counts, once per command,
  after the last batch, because each is a scan of the whole graph.

A command opens one ``Pipeline`` and writes through it as often as it needs
(``kg refresh`` writes once per E-utilities batch); leaving the ``with`` block
derives. An error or Ctrl-C inside the block still derives on the way out,
so the counts describe exactly the batches that were stored; a process killed
outright leaves the pending mark of ``kg.derived``, and the next writing command
(or ``kg stats``) derives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType

from kg.aliases import stored_aliases
from kg.counts import refresh_derived
from kg.errors import KGError
from kg.faults import crash_point
from kg.loader import (
    BATCH_TRIPLES,
    LoadSummary,
    StreamedDocument,
    rdf_file_payloads,
    stored_hashes,
    write_documents,
    write_payloads,
)
from kg.model import Record, SourceDocument
from kg.store import Store
from kg.store.load import uninterruptible

log = logging.getLogger(__name__)

Enricher = Callable[[SourceDocument], SourceDocument]
"""The enrich stage: a document in, the same document with the records read from its text added."""

Progress = Callable[[LoadSummary], None]
"""Called after every written batch with the command's running summary."""


class Pipeline:
    """One command's run of the stages over one store: write as often as needed, derive once at the end."""

    def __init__(self, store: Store, *, enrich: Enricher | None = None, now: datetime | None = None,
                 batch_size: int = 500, batch_triples: int = BATCH_TRIPLES, progress: Progress | None = None) -> None:
        self.store = store
        self.enrich = enrich
        self.now = now
        self.batch_size = batch_size
        self.batch_triples = batch_triples
        self.progress = progress
        self.summary = LoadSummary()
        """Everything written through this pipeline so far."""
        self._known: dict[str, str] | None = None
        self._aliases: dict[str, str] | None = None

    def stored_state_changed(self) -> None:
        """Say that something other than this pipeline rewrote source graphs or recorded aliases.

        The stored content hashes and aliases are read once and then kept up to
        date by the pipeline's own writes; a step that rewrites graphs directly
        (merging resolved publications) calls this so they are read again.
        """
        self._known = None
        self._aliases = None

    def _state(self) -> tuple[dict[str, str], dict[str, str]]:
        if self._known is None or self._aliases is None:
            self._known = stored_hashes(self.store)
            self._aliases = stored_aliases(self.store)  # merged publications keep their merged identity
        return self._known, self._aliases

    def _enriched(self, documents: Iterable[SourceDocument | StreamedDocument]
                  ) -> Iterable[SourceDocument | StreamedDocument]:
        enrich = self.enrich
        if enrich is None:
            return documents
        return (enrich_parts(doc, enrich) if isinstance(doc, StreamedDocument) else enrich(doc) for doc in documents)

    def write(self, documents: Iterable[SourceDocument | StreamedDocument]) -> LoadSummary:
        """Enrich and write the documents (streamed, in batches); return what this call wrote."""
        known, aliases = self._state()
        running = self.summary

        def after_batch(batch: LoadSummary) -> None:
            if self.progress is not None:
                merged = LoadSummary(running.written, running.unchanged, running.triples, running.skipped)
                merged.merge(batch)
                self.progress(merged)

        summary = write_documents(self.store, self._enriched(documents), known=known, aliases=aliases,
                                  batch_size=self.batch_size, batch_triples=self.batch_triples, now=self.now,
                                  after_batch=after_batch)
        self.summary.merge(summary)
        return summary

    def write_rdf_files(self, paths: Iterable[Path], kind: str) -> LoadSummary:
        """Write small RDF files (ontology, vocabulary) as one graph each; they are not enriched."""
        known, _ = self._state()
        summary = LoadSummary()
        write_payloads(self.store, rdf_file_payloads(paths, kind), summary, known, self.now)
        self.summary.merge(summary)
        return summary

    def derive(self) -> bool:
        """Run the derive stage now; returns whether anything was recomputed.

        Also repairs derived data left stale by an earlier command that was killed
        before its own derive stage, so it runs even when nothing was written.
        """
        if self.summary.written:
            crash_point("after-data")
        return refresh_derived(self.store, self.now)

    def __enter__(self) -> Pipeline:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if kind is None:
            self.derive()
            return
        if not issubclass(kind, (Exception, KeyboardInterrupt)):
            return
        with uninterruptible():  # a second Ctrl-C must not cut the derive stage short
            try:
                self.derive()
            except (KGError, OSError) as exc:  # the store itself failed: leave the pending mark for the next command
                # INFO, not WARNING: the user sees one line, the error that ended the command.
                log.info("derived data not refreshed after the failure (the next kg write redoes it): %s", exc)


def enrich_parts(doc: StreamedDocument, enrich: Enricher) -> StreamedDocument:
    """The streamed document with each part enriched as it is read (one part held at a time).

    Each part goes through the enricher as a document of its own; the study's
    findings come from the part that holds the study. What the enricher skips
    is added to the document's ``skipped``, which the two share.
    """

    def parts() -> Iterator[tuple[Record, ...]]:
        for part in doc.parts():
            enriched = enrich(SourceDocument(kind=doc.kind, key=doc.key, source=doc.source, records=part))
            doc.skipped.extend(enriched.skipped)
            yield enriched.records

    return StreamedDocument(kind=doc.kind, key=doc.key, source=doc.source, parts=parts, skipped=doc.skipped)


def run_pipeline(
    store: Store,
    documents: Iterable[SourceDocument | StreamedDocument],
    *,
    enrich: Enricher | None = None,
    now: datetime | None = None,
    batch_size: int = 500,
    batch_triples: int = BATCH_TRIPLES,
    progress: Progress | None = None,
) -> LoadSummary:
    """Run every stage over the documents: enrich (when given), write in batches, then derive once."""
    with Pipeline(store, enrich=enrich, now=now, batch_size=batch_size, batch_triples=batch_triples,
                  progress=progress) as pipeline:
        return pipeline.write(documents)

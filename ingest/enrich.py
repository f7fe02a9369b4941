"""The seam between ingestors that bring abstracts and the finding extractor.

Every ingestor that produces publications with abstracts (pages, PubMed XML,
E-utilities refresh) passes each document through ``enrich_document`` before
it is stored, so that findings and concept mentions derived from the text
land in the same named graph as the text itself and are replaced with it.
The extractor (``ingest/extract/``) plugs in here; until it is present the
document passes through unchanged.
"""

from __future__ import annotations

from kg.model import SourceDocument


def enrich_document(doc: SourceDocument) -> SourceDocument:
    """Return the document with records derived from its abstracts added."""
    return doc

"""The seam between ingestors that bring abstracts and the finding extractor.

Every ingestor that produces publications with abstracts (pages, PubMed XML,
E-utilities refresh) passes each document through ``enrich_document`` before
it is stored, so that findings and concept mentions derived from the text
land in the same named graph as the text itself and are replaced with it.

Each publication with an abstract gets its extracted findings (method
``extracted``) and one ``Mention`` per vocabulary concept named in its title
or abstract; a publication known only by its title gets the mentions of its
title. Curated findings are never touched here: which of two findings of the
same statement wins is decided after loading (``kg.supersede``), where both
sources are visible.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from ingest.extract.concepts import default_matcher
from ingest.extract.pipeline import extract_abstract
from kg.model import Mention, Publication, Record, SourceDocument

log = logging.getLogger(__name__)


def abstract_text(pub: Publication) -> str | None:
    """The text the extractor reads for a publication: its abstract, or its sections joined one per line.

    Public so that scoring reads exactly the text an ingest extracts from.
    """
    if pub.abstract:
        return pub.abstract
    sections = [f"{s.label}: {s.text}" if s.label else s.text for s in pub.abstract_sections if s.text]
    return "\n".join(sections) or None


def derived_records(pub: Publication) -> list[Record]:
    """Findings and mentions read from one publication's title and abstract."""
    text = abstract_text(pub)
    if text:
        return list(extract_abstract(text, pub.ref, title=pub.title).records())
    if pub.title:
        concepts = dict.fromkeys(m.concept for m in default_matcher().find(pub.title))
        return [Mention(publication=pub.ref, concept=iri) for iri in concepts]
    return []


def enrich_document(doc: SourceDocument) -> SourceDocument:
    """Return the document with records derived from its abstracts added."""
    extra: list[Record] = []
    skipped: list[str] = []
    for record in doc.records:
        if not isinstance(record, Publication):
            continue
        try:
            extra.extend(derived_records(record))
        except Exception as exc:  # noqa: BLE001 - one odd abstract must not stop an ingest of thousands
            log.warning("extraction failed for %s: %s", record.pmid or record.title, exc)
            skipped.append(f"extraction failed for {record.pmid or record.title!r}: {exc}")
    if not extra and not skipped:
        return doc
    known = set(doc.records)
    added = tuple(dict.fromkeys(r for r in extra if r not in known))
    return replace(doc, records=doc.records + added, skipped=doc.skipped + tuple(skipped))

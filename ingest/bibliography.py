"""Bibliographic tables: publications and what they cite, one publication per CSV row.

The project ships one for the seed study and its citing papers so that the
graph can be built offline; curators can keep their own. Authors are listed
in order, separated by ';'. ``cites_pmid`` / ``cites_doi`` / ``cites_title``
name one publication the row's publication cites.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

from ingest.csvtable import RowError, identifier_cell, integer_cell, list_cell, read_rows
from ingest.text import clean_text
from kg.errors import InputError
from kg.ids import normalize_doi, normalize_pmcid, normalize_pmid, normalize_title, source_file_iri
from kg.model import Author, Citation, Publication, PublicationRef, Record, SourceDocument

COLUMNS = {
    "pmid", "pmcid", "doi", "title", "authors", "journal", "year", "volume", "issue", "pages",
    "cites_pmid", "cites_doi", "cites_title",
}


def _row_records(row: dict[str, str]) -> list[Record]:
    pub = Publication(
        pmid=identifier_cell(row.get("pmid", ""), "pmid", normalize_pmid),
        pmcid=identifier_cell(row.get("pmcid", ""), "pmcid", normalize_pmcid),
        doi=identifier_cell(row.get("doi", ""), "doi", normalize_doi),
        title=clean_text(row.get("title", "")) or None,
        authors=tuple(Author(name=n, rank=i) for i, n in enumerate(list_cell(row.get("authors", "")), start=1)),
        journal=row.get("journal") or None,
        year=integer_cell(row.get("year", ""), "year", minimum=1000),
        volume=row.get("volume") or None,
        issue=row.get("issue") or None,
        pages=row.get("pages") or None,
    )
    if not (pub.pmid or pub.doi or pub.title):
        raise RowError("pmid/doi/title: give at least one")
    records: list[Record] = [pub]
    cited = PublicationRef(
        pmid=identifier_cell(row.get("cites_pmid", ""), "cites_pmid", normalize_pmid),
        doi=identifier_cell(row.get("cites_doi", ""), "cites_doi", normalize_doi),
        title=row.get("cites_title") or None,
    )
    if cited.pmid or cited.doi or cited.title:
        records.append(Citation(citing=pub.ref, cited=cited))
    return records


def parse_bibliography(path: Path) -> SourceDocument:
    """Validate every row and return the table as one document; the first bad row raises."""
    records: list[Record] = []
    for number, row in read_rows(path, set(), COLUMNS):
        try:
            records.extend(_row_records(row))
        except InputError as exc:
            raise InputError(f"{path.name}:{number}: {exc}") from None
    if not records:
        raise InputError(f"{path.name}: no publications")
    return SourceDocument(kind="bibliography", key=path.stem, source=source_file_iri(path), records=tuple(records))


def read_bibliography(path: Path) -> Iterator[SourceDocument]:
    """The ``kg ingest bibliography`` source (the pipeline adds the concepts each title mentions)."""
    yield parse_bibliography(path)


def known_identifiers(docs: Iterable[SourceDocument]) -> dict[str, PublicationRef]:
    """Normalized title -> PMID/DOI/title of every publication in the documents that has a PMID or DOI."""
    known: dict[str, PublicationRef] = {}
    for doc in docs:
        for record in doc.records:
            if isinstance(record, Publication) and record.title and (record.pmid or record.doi):
                known.setdefault(normalize_title(record.title), record.ref)
    return known


def _identified(value: object, known: dict[str, PublicationRef]) -> object:
    """The value with every title-only publication (or reference) that ``known`` identifies given its PMID/DOI."""
    if isinstance(value, tuple):
        return tuple(_identified(item, known) for item in value)
    if not is_dataclass(value) or isinstance(value, type):
        return value
    if isinstance(value, (Publication, PublicationRef)) and not (value.pmid or value.doi) and value.title:
        match = known.get(normalize_title(value.title))
        if match is not None:
            value = replace(value, pmid=match.pmid, doi=match.doi, title=match.title)
    changes = {}
    for field in fields(value):
        current = getattr(value, field.name)
        if isinstance(current, tuple) or is_dataclass(current):
            updated = _identified(current, known)
            if updated != current:
                changes[field.name] = updated
    return replace(value, **changes) if changes else value


def with_known_identifiers(docs: list[SourceDocument]) -> list[SourceDocument]:
    """The documents with publications known only by title identified where another document names them.

    A saved abstract page names its study by title alone, while the bundled bibliography gives that
    study's PMID and DOI: without this the page's study, its extracted findings and its citing papers'
    links would hang on a second, provisional node, and curated findings keyed on the PMID would never
    meet the extracted findings they supersede.
    """
    known = known_identifiers(docs)
    if not known:
        return docs
    return [replace(doc, records=tuple(_identified(r, known) for r in doc.records)) for doc in docs]

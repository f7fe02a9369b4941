"""Bibliographic tables: publications and what they cite, one publication per CSV row.

The project ships one for the seed study and its citing papers so that the
graph can be built offline; curators can keep their own. Authors are listed
in order, separated by ';'. ``cites_pmid`` / ``cites_doi`` / ``cites_title``
name one publication the row's publication cites.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ingest.csvtable import RowError, integer_cell, list_cell, read_rows
from ingest.text import clean_text
from kg.errors import InputError
from kg.ids import normalize_doi, normalize_pmcid, normalize_pmid, source_file_iri
from kg.model import Author, Citation, Publication, PublicationRef, Record, SourceDocument

COLUMNS = {
    "pmid", "pmcid", "doi", "title", "authors", "journal", "year", "volume", "issue", "pages",
    "cites_pmid", "cites_doi", "cites_title",
}


def _normalized(value: str, column: str, normalize) -> str | None:  # noqa: ANN001 - one of kg.ids' normalizers
    if not value:
        return None
    try:
        return normalize(value)
    except InputError as exc:
        raise RowError(f"{column}: {exc}") from None


def _row_records(row: dict[str, str]) -> list[Record]:
    pub = Publication(
        pmid=_normalized(row.get("pmid", ""), "pmid", normalize_pmid),
        pmcid=_normalized(row.get("pmcid", ""), "pmcid", normalize_pmcid),
        doi=_normalized(row.get("doi", ""), "doi", normalize_doi),
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
        pmid=_normalized(row.get("cites_pmid", ""), "cites_pmid", normalize_pmid),
        doi=_normalized(row.get("cites_doi", ""), "cites_doi", normalize_doi),
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
    """The ``kg ingest bibliography`` source."""
    yield parse_bibliography(path)

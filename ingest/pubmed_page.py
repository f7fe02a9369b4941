"""PubMed abstract pages saved as text: the study, its abstract, and its cited-by list.

The format (as a browser's "save as text" gives it): the title line, a few
navigation lines, the abstract, then one entry per citing paper made of a
title line, an author line, a journal line ("Journal. 2025; 17(5):12-9.") and
an identifier line ("PMID: 1 PMC: 2. DOI: 10.x/y."). Real pages are messy: an
entry may lack its title, the author and journal lines may be run together,
a journal line may be cut short. The parser keeps what it can and reports
what it skipped, with the line number and the reason.
"""

from __future__ import annotations

import hashlib
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ingest.text import clean_text
from kg.errors import InputError
from kg.ids import content_key, normalize_doi, normalize_pmcid, normalize_pmid, publication_iri, source_bytes_iri
from kg.loader import StreamedDocument
from kg.model import Author, Citation, Publication, Record, SourceDocument
from kg.textfile import decode_utf8, read_bytes

NAVIGATION = {
    "overview", "authors", "affiliations", "abstract", "keywords", "figures", "cite", "comment in",
    "conflict of interest statement", "publication types", "mesh terms", "substances",
    "grants and funding", "linkout - more resources", "full text links", "similar articles",
}
CITED_BY_MARKERS = {"cited by", "cited by other articles", "citing articles"}

_ID_LINE = re.compile(r"\b(?:PMID|PMC|DOI)\s*:", re.IGNORECASE)
_PMID = re.compile(r"\bPMID\s*:\s*(\S+?)[.;,]?(?=\s|$)", re.IGNORECASE)
_PMC = re.compile(r"\bPMC(?:ID)?\s*:\s*(\S+?)[.;,]?(?=\s|$)", re.IGNORECASE)
_DOI = re.compile(r"\bDOI\s*:\s*(\S+)", re.IGNORECASE)
_JOURNAL = re.compile(r"^(?P<journal>[^.;]+?)\.\s+(?P<year>(?:19|20)\d{2})\b[^;]*;?\s*(?P<rest>.*)$")
_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_VOLUME = re.compile(r"^(?P<volume>[^():\s.]+)?(?:\((?P<issue>[^()]*)(?P<closed>\))?)?(?::(?P<pages>[^\s.]+))?")
_AUTHOR = re.compile(r"^(?:[a-z]+ )*[A-Z][\w'’\-]*(?: [A-Z][\w'’\-]*)* [A-Z]{1,3}$")
_COLLECTIVE = re.compile(r"\b(group|consortium|committee|network|investigators|collaborat\w*)\b", re.IGNORECASE)


@dataclass
class ParsedPage:
    """What one page holds."""

    study: Publication
    citing: list[Publication]
    skipped: list[str]


def _split_authors_journal(line: str) -> tuple[list[str], str | None]:
    """Split 'Smith J, Doe AB Journal. 2024; 1(2).' into authors and the journal part (if any)."""
    parts = [part.strip() for part in line.split(",")]
    *head, last = parts
    tokens = last.split()
    for index in range(1, len(tokens)):
        if _INITIALS.match(tokens[index]) and index + 1 < len(tokens):
            rest = " ".join(tokens[index + 1 :])
            if _JOURNAL.match(rest):
                return [*head, " ".join(tokens[: index + 1])], rest
    return parts, None


def _is_author_list(names: list[str]) -> bool:
    return bool(names) and all(_AUTHOR.match(name) or _COLLECTIVE.search(name) for name in names)


def _journal_fields(text: str, where: str, skipped: list[str]) -> dict[str, object]:
    match = _JOURNAL.match(text.strip())
    if not match:
        skipped.append(f"{where}: journal line not understood: {text!r}")
        return {}
    fields: dict[str, object] = {"journal": match["journal"].strip(), "year": int(match["year"])}
    rest = match["rest"].strip().rstrip(".")
    volume = _VOLUME.match(rest)
    if volume:
        fields.update({k: volume[k] for k in ("volume", "issue", "pages") if volume[k]})
        if volume["issue"] is not None and not volume["closed"]:
            skipped.append(f"{where}: journal line cut short ({text!r}); kept journal, year and volume")
    return fields


def _identifiers(line: str, where: str, skipped: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, pattern, normalize in (
        ("pmid", _PMID, normalize_pmid),
        ("pmcid", _PMC, normalize_pmcid),
        ("doi", _DOI, normalize_doi),
    ):
        match = pattern.search(line)
        if match:
            try:
                found[key] = normalize(match.group(1))
            except InputError as exc:
                skipped.append(f"{where}: {exc}; identifier dropped")
    return found


def _entry(lines: list[tuple[int, str]], id_line: tuple[int, str] | None, skipped: list[str]) -> Publication | None:
    """One cited-by entry from its text lines (title, authors, journal) and its identifier line."""
    where = f"line {(id_line or lines[-1])[0]}"
    ids = _identifiers(id_line[1], where, skipped) if id_line else {}
    title: str | None = None
    authors: list[str] = []
    journal: dict[str, object] = {}
    for number, text in lines:
        names, journal_part = _split_authors_journal(text)
        if journal_part is not None and _is_author_list(names):
            authors, journal = names, _journal_fields(journal_part, f"line {number}", skipped)
        elif _JOURNAL.match(text) and not journal and (title is not None or authors):
            # a title can itself look like 'Something. 2020; ...' only before any title or author line
            journal = _journal_fields(text, f"line {number}", skipped)
        elif _is_author_list(names) and not authors:
            authors = names
        elif title is None and not authors:
            title = clean_text(text)
        else:
            skipped.append(f"line {number}: unexpected line in a cited-by entry: {text[:60]!r}")
    if not ids and not title:
        skipped.append(f"{where}: entry without PMID, DOI or title skipped")
        return None
    if id_line is None:
        skipped.append(f"{where}: entry without identifier line; kept by title")
    return Publication(
        pmid=ids.get("pmid"),
        pmcid=ids.get("pmcid"),
        doi=ids.get("doi"),
        title=title,
        authors=tuple(
            Author(name=name, rank=rank, collective=bool(_COLLECTIVE.search(name)))
            for rank, name in enumerate(authors, start=1)
        ),
        journal=journal.get("journal"),  # type: ignore[arg-type]
        year=journal.get("year"),  # type: ignore[arg-type]
        volume=journal.get("volume"),  # type: ignore[arg-type]
        issue=journal.get("issue"),  # type: ignore[arg-type]
        pages=journal.get("pages"),  # type: ignore[arg-type]
    )


def _is_paragraph(text: str) -> bool:
    """Abstract text: long, or several sentences; entry lines are short single statements."""
    return len(text) > 300 or len(re.findall(r"[a-z0-9)%]\.\s+[A-Z]", text)) >= 2


NumberedLine = tuple[int, str]
"""A non-empty, cleaned line of the page and its line number in the file (from 1)."""


def _numbered(lines: Iterable[str]) -> Iterator[NumberedLine]:
    """The page's lines cleaned, empty ones dropped, each with its line number."""
    for number, raw in enumerate(lines, start=1):
        line = clean_text(raw)
        if line:
            yield number, line


@dataclass(frozen=True)
class Layout:
    """Where a page's parts are, by line number: the study up to ``study_last``, entries after ``entries_after``."""

    study_last: int
    entries_after: int


def _layout(lines: Iterable[NumberedLine]) -> Layout:
    """Where the cited-by entries start; stops reading at an explicit marker.

    At the marker (which belongs to neither part), else after the last
    paragraph, else right after the title. Raises ``InputError`` when the first
    line is no title.
    """
    iter_lines = iter(lines)
    first = next(iter_lines, None)
    if first is None or _ID_LINE.match(first[1]):
        raise InputError("page has no title line (expected the study title on the first line)")
    boundary = first[0]
    for number, line in iter_lines:
        if line.casefold() in CITED_BY_MARKERS:
            return Layout(study_last=number - 1, entries_after=number)
        if _is_paragraph(line):
            boundary = number
    return Layout(study_last=boundary, entries_after=boundary)


def _study(lines: Iterable[NumberedLine], layout: Layout, skipped: list[str]) -> Publication:
    """The study: its title (the first line) and what comes before the cited-by entries."""
    iter_lines = iter(lines)
    _, title = next(iter_lines)
    study_ids: dict[str, str] = {}
    abstract_parts: list[str] = []
    for number, line in iter_lines:
        if number > layout.study_last:
            break
        if line.casefold() in NAVIGATION:
            continue
        if _ID_LINE.match(line) and not abstract_parts:
            study_ids = _identifiers(line, f"line {number}", skipped)
            continue
        abstract_parts.append(line)
    return Publication(
        pmid=study_ids.get("pmid"),
        pmcid=study_ids.get("pmcid"),
        doi=study_ids.get("doi"),
        title=title,
        abstract=" ".join(abstract_parts) or None,
    )


def _entries(lines: Iterable[NumberedLine], layout: Layout, skipped: list[str]) -> Iterator[Publication]:
    """The cited-by entries, one at a time."""
    block: list[NumberedLine] = []
    for number, line in lines:
        if number <= layout.entries_after or line.casefold() in NAVIGATION:
            continue
        if _ID_LINE.match(line):
            entry = _entry(block, (number, line), skipped)
            if entry:
                yield entry
            block = []
        else:
            block.append((number, line))
    if block:
        entry = _entry(block, None, skipped)
        if entry:
            yield entry


def parse_page(text: str) -> ParsedPage:
    """Parse a saved PubMed abstract page. Raises ``InputError`` when no study title is there."""
    lines = list(_numbered(text.splitlines()))
    layout = _layout(lines)
    skipped: list[str] = []
    study = _study(lines, layout, skipped)
    citing = list(_entries(lines, layout, skipped))
    return ParsedPage(study=study, citing=citing, skipped=skipped)


def page_document(text: str, source: str) -> SourceDocument:
    """The page as one source document: study, citing publications and their cites links."""
    page = parse_page(text)
    records = [page.study, *page.citing]
    records += [Citation(citing=pub.ref, cited=page.study.ref) for pub in page.citing]
    return SourceDocument(
        kind="page",
        key=content_key(publication_iri(page.study.ref)),
        source=source,
        records=tuple(records),
        skipped=tuple(page.skipped),
    )


def read_page(path: Path) -> Iterator[SourceDocument]:
    """Parse one page file into one document held whole (``kg build``, tests); see ``stream_page``."""
    raw = read_bytes(path)
    yield page_document(decode_utf8(raw, str(path)), source_bytes_iri(raw))


class Digest(Protocol):
    """What ``_file_lines`` needs of a hash object (``hashlib.sha256()``)."""

    def update(self, data: bytes, /) -> None:
        """Add bytes to the digest."""


PART_ENTRIES = 2_000
"""Cited-by entries per part of a streamed page: about 40,000 triples, the loader's batch bound."""


def _file_lines(path: Path, digest: Digest) -> Iterator[str]:
    """The file's text lines as ``str.splitlines`` gives them, read line by line; ``digest`` sees every byte."""
    try:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                digest.update(raw)
                try:
                    text = raw.decode("utf-8-sig" if number == 1 else "utf-8")
                except UnicodeDecodeError:
                    decode_utf8(raw, str(path), first_line=number)  # raises, placing the bad byte
                    raise
                yield from text.splitlines() or [""]
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None


def stream_page(path: Path, *, part_entries: int = PART_ENTRIES) -> Iterator[StreamedDocument]:
    """One page file as a document whose records come in parts (``kg ingest page``).

    The file is read once for the boundary of the cited-by list and its digest
    (the source IRI), once for the study, and again each time the parts are
    read: one part with the study, then parts of ``part_entries`` citing papers
    with their cites links. Only one part is held at a time, so a page of
    300,000 entries costs what 2,000 do. A file changed between two reads is an
    ``InputError`` when the parts end, before anything is committed.
    """
    digest = hashlib.sha256()
    raw_lines = _file_lines(path, digest)
    layout = _layout(_numbered(raw_lines))
    deque(raw_lines, maxlen=0)  # the rest of the file, for its digest
    source = f"urn:sha256:{digest.hexdigest()}"
    head_skipped: list[str] = []
    study = _study(_numbered(_file_lines(path, hashlib.sha256())), layout, head_skipped)
    document = StreamedDocument(kind="page", key=content_key(publication_iri(study.ref)), source=source,
                                parts=lambda: _parts(path, study, layout, head_skipped, document, part_entries))
    yield document


def _parts(path: Path, study: Publication, layout: Layout, head_skipped: list[str], document: StreamedDocument,
           part_entries: int) -> Iterator[tuple[Record, ...]]:
    """The records of a streamed page, part by part; fills ``document.skipped`` as it reads."""
    document.skipped[:] = head_skipped
    yield (study,)
    digest = hashlib.sha256()
    part: list[Record] = []
    for pub in _entries(_numbered(_file_lines(path, digest)), layout, document.skipped):
        part += [pub, Citation(citing=pub.ref, cited=study.ref)]
        if len(part) >= 2 * part_entries:
            yield tuple(part)
            part = []
    if part:
        yield tuple(part)
    if f"urn:sha256:{digest.hexdigest()}" != document.source:
        raise InputError(f"{path} changed while it was being read; ingest it again")

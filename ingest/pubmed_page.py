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

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.text import clean_text
from kg.errors import InputError
from kg.ids import content_key, normalize_doi, normalize_pmcid, normalize_pmid, publication_iri, source_bytes_iri
from kg.model import Author, Citation, Publication, SourceDocument
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


def parse_page(text: str) -> ParsedPage:
    """Parse a saved PubMed abstract page. Raises ``InputError`` when no study title is there."""
    lines = [(number, clean_text(raw)) for number, raw in enumerate(text.splitlines(), start=1)]
    lines = [(number, line) for number, line in lines if line]
    if not lines or _ID_LINE.match(lines[0][1]):
        raise InputError("page has no title line (expected the study title on the first line)")
    skipped: list[str] = []
    title = lines[0][1]
    body = lines[1:]

    # Where do the cited-by entries start? At an explicit marker, else after the last paragraph.
    marker = next((i for i, (_, line) in enumerate(body) if line.casefold() in CITED_BY_MARKERS), None)
    if marker is not None:
        head, tail = body[:marker], body[marker + 1 :]
    else:
        last_paragraph = max((i for i, (_, line) in enumerate(body) if _is_paragraph(line)), default=-1)
        head, tail = body[: last_paragraph + 1], body[last_paragraph + 1 :]

    study_ids: dict[str, str] = {}
    abstract_parts: list[str] = []
    for number, line in head:
        if line.casefold() in NAVIGATION:
            continue
        if _ID_LINE.match(line) and not abstract_parts:
            study_ids = _identifiers(line, f"line {number}", skipped)
            continue
        abstract_parts.append(line)

    citing: list[Publication] = []
    block: list[tuple[int, str]] = []
    for number, line in tail:
        if line.casefold() in NAVIGATION:
            continue
        if _ID_LINE.match(line):
            entry = _entry(block, (number, line), skipped)
            if entry:
                citing.append(entry)
            block = []
        else:
            block.append((number, line))
    if block:
        entry = _entry(block, None, skipped)
        if entry:
            citing.append(entry)

    study = Publication(
        pmid=study_ids.get("pmid"),
        pmcid=study_ids.get("pmcid"),
        doi=study_ids.get("doi"),
        title=title,
        abstract=" ".join(abstract_parts) or None,
    )
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
    """Parse one page file (the ``kg ingest page`` source); the pipeline enriches it."""
    raw = read_bytes(path)
    yield page_document(decode_utf8(raw, str(path)), source_bytes_iri(raw))


"""PubMed XML (efetch output, annual baseline files) -> ``Publication`` records, streamed.

A streaming ``iterparse`` over ``defusedxml`` rather than ``Bio.Entrez.read``:
Biopython builds the whole answer as nested dictionaries before returning
(measured in ``bench/eutils_bench.py``; see docs/refresh.md), while a baseline
file holds 30,000 records, so records are yielded one at a time and their
elements freed. defusedxml refuses entity declarations and external
references, so a hostile file cannot expand entities or reach the network;
the DOCTYPE line NCBI writes is allowed but never fetched.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ingest.text import clean_text
from kg.errors import InputError
from kg.ids import normalize_doi, normalize_pmcid, normalize_pmid
from kg.model import AbstractSection, Author, MeshHeading, MeshQualifier, Publication

ROOTS = {"PubmedArticleSet", "PubmedBookArticleSet"}
RECORDS = {"PubmedArticle", "PubmedBookArticle"}
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_YEAR = re.compile(r"\b(1[89]\d{2}|20\d{2})\b")
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.IGNORECASE)


@dataclass(frozen=True)
class PubmedRecord:
    """One PubMed record: the publication and the PMIDs of its reference list (when given)."""

    publication: Publication
    references: tuple[str, ...] = ()
    revised: str | None = None
    """``DateRevised`` as ``YYYY-MM-DD`` (NCBI's last change of the record), to pick the newest of two copies."""


def _text(element: Element | None) -> str | None:
    """Plain text of an element including inline markup children (<i>, <sup>), or None."""
    if element is None:
        return None
    return clean_text("".join(element.itertext())) or None


def _ids(holder: Element | None) -> dict[str, str]:
    found: dict[str, str] = {}
    if holder is None:
        return found
    for item in holder.findall("ArticleId"):
        kind, value = item.get("IdType", ""), (item.text or "").strip()
        if value and kind not in found:
            found[kind] = value
    return found


def _safe(normalize, value: str | None) -> str | None:  # noqa: ANN001 - a kg.ids normalizer
    if not value:
        return None
    try:
        return normalize(value)
    except InputError:
        return None


def _authors(holder: Element | None) -> tuple[Author, ...]:
    if holder is None:
        return ()
    authors: list[Author] = []
    for element in holder.findall("Author"):
        collective = _text(element.find("CollectiveName"))
        if collective:
            name, is_collective = collective, True
        else:
            last = _text(element.find("LastName"))
            initials = _text(element.find("Initials")) or _text(element.find("ForeName"))
            if not last:
                continue
            name, is_collective = " ".join(p for p in (last, initials) if p), False
        orcid = None
        for ident in element.findall("Identifier"):
            if ident.get("Source", "").upper() == "ORCID" and ident.text:
                match = _ORCID.search(ident.text)
                orcid = match.group(1).upper() if match else None
        authors.append(Author(name=name, rank=len(authors) + 1, orcid=orcid, collective=is_collective))
    return tuple(authors)


def _date(element: Element | None) -> tuple[int | None, str | None]:
    """Year and a date string: ISO-like from Year/Month/Day, else NCBI's MedlineDate ("2019 Nov-Dec")."""
    if element is None:
        return None, None
    medline = _text(element.find("MedlineDate"))
    year_text = _text(element.find("Year"))
    if not year_text:
        match = _YEAR.search(medline or "")
        return (int(match.group(1)) if match else None), medline
    month_text = (_text(element.find("Month")) or "").strip()
    month = int(month_text) if month_text.isdigit() else MONTHS.get(month_text[:3].casefold())
    day = _text(element.find("Day"))
    parts = [year_text]
    if month:
        parts.append(f"{month:02d}")
        if day and day.isdigit():
            parts.append(f"{int(day):02d}")
    return int(year_text), "-".join(parts)


def _mesh(holder: Element | None) -> tuple[MeshHeading, ...]:
    if holder is None:
        return ()
    headings = []
    for element in holder.findall("MeshHeading"):
        descriptor = element.find("DescriptorName")
        if descriptor is None or not descriptor.get("UI"):
            continue
        qualifiers = tuple(
            MeshQualifier(ui=q.get("UI", ""), name=_text(q) or "", major=q.get("MajorTopicYN") == "Y")
            for q in element.findall("QualifierName") if q.get("UI")
        )
        headings.append(MeshHeading(ui=descriptor.get("UI", ""), name=_text(descriptor) or "",
                                    major=descriptor.get("MajorTopicYN") == "Y", qualifiers=qualifiers))
    return tuple(headings)


def _abstract(holder: Element | None) -> tuple[str | None, tuple[AbstractSection, ...]]:
    if holder is None:
        return None, ()
    sections = tuple(
        AbstractSection(text=text, label=part.get("Label") or None)
        for part in holder.findall("AbstractText") if (text := _text(part))
    )
    if not sections:
        return None, ()
    joined = "\n".join(f"{s.label}: {s.text}" if s.label else s.text for s in sections)
    return joined, sections if len(sections) > 1 or sections[0].label else ()


def _references(data: Element | None) -> tuple[str, ...]:
    if data is None:
        return ()
    found = []
    for ref in data.iterfind("ReferenceList/Reference/ArticleIdList/ArticleId[@IdType='pubmed']"):
        pmid = _safe(normalize_pmid, ref.text)
        if pmid:
            found.append(pmid)
    return tuple(dict.fromkeys(found))


def parse_article(element: Element) -> PubmedRecord:
    """One ``PubmedArticle`` or ``PubmedBookArticle`` element -> a record (pure)."""
    book = element.tag == "PubmedBookArticle"
    citation = element.find("BookDocument" if book else "MedlineCitation")
    data = element.find("PubmedBookData" if book else "PubmedData")
    if citation is None:
        raise InputError(f"{element.tag} without {'BookDocument' if book else 'MedlineCitation'}")
    pmid = _safe(normalize_pmid, citation.findtext("PMID"))
    if not pmid:
        raise InputError(f"{element.tag} without a valid PMID")
    article = citation if book else citation.find("Article")
    if article is None:
        raise InputError(f"PMID {pmid}: record without Article")
    ids = _ids(data.find("ArticleIdList") if data is not None else None)
    doi = ids.get("doi")
    for location in article.findall("ELocationID"):
        if location.get("EIdType") == "doi" and not doi:
            doi = location.text
    if book:
        book_info = citation.find("Book")
        title = _text(citation.find("ArticleTitle")) or _text(citation.find("Book/BookTitle"))
        journal = _text(citation.find("Book/Publisher/PublisherName"))
        year, pub_date = _date(book_info.find("PubDate") if book_info is not None else None)
        volume = issue = pages = None
        authors = _authors(citation.find("AuthorList"))
    else:
        title = _text(article.find("ArticleTitle"))
        journal = (_text(citation.find("MedlineJournalInfo/MedlineTA"))
                   or _text(article.find("Journal/ISOAbbreviation")) or _text(article.find("Journal/Title")))
        issue_element = article.find("Journal/JournalIssue")
        volume = _text(issue_element.find("Volume")) if issue_element is not None else None
        issue = _text(issue_element.find("Issue")) if issue_element is not None else None
        year, pub_date = _date(issue_element.find("PubDate") if issue_element is not None else None)
        pages = _text(article.find("Pagination/MedlinePgn"))
        if not pages and article.find("Pagination/StartPage") is not None:
            start, end = _text(article.find("Pagination/StartPage")), _text(article.find("Pagination/EndPage"))
            pages = f"{start}-{end}" if end else start
        authors = _authors(article.find("AuthorList"))
    abstract, sections = _abstract(article.find("Abstract"))
    keywords = tuple(dict.fromkeys(k for k in (_text(e) for e in citation.iterfind("KeywordList/Keyword")) if k))
    types = citation.findall("PublicationType") if book else article.findall("PublicationTypeList/PublicationType")
    ptypes = tuple(dict.fromkeys(t for t in (_text(e) for e in types) if t))
    publication = Publication(
        pmid=pmid, pmcid=_safe(normalize_pmcid, ids.get("pmc")), doi=_safe(normalize_doi, doi),
        title=title, authors=authors, journal=journal, volume=volume, issue=issue, pages=pages,
        year=year, pub_date=pub_date, publication_types=ptypes, mesh=_mesh(citation.find("MeshHeadingList")),
        keywords=keywords, abstract=abstract, abstract_sections=sections, is_book=book,
    )
    revised = None if book else _date(citation.find("DateRevised"))[1]
    return PubmedRecord(publication=publication, references=_references(data), revised=revised)


def iter_pubmed_xml(stream: IO[bytes], *, where: str = "PubMed XML") -> Iterator[PubmedRecord]:
    """Stream records from a PubMed XML document with bounded memory.

    Raises ``InputError`` (one line, naming ``where``) for a wrong root element,
    malformed or truncated XML, and any entity declaration or external reference.
    Records before the problem have already been yielded; callers that must be
    all-or-nothing collect first.
    """
    root: Element | None = None
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=False):
            if event == "start":
                if root is None:
                    root = element
                    if element.tag not in ROOTS:
                        raise InputError(f"{where}: not PubMed XML (root element <{element.tag}>, "
                                         f"expected <PubmedArticleSet>)")
                continue
            if element.tag in RECORDS:
                try:
                    yield parse_article(element)
                except InputError as exc:
                    raise InputError(f"{where}: {exc}") from None
                root.clear()  # free what has been parsed; the root keeps no children
    except DefusedXmlException as exc:
        raise InputError(f"{where}: refused: the XML declares entities or external references ({exc})") from None
    except ParseError as exc:
        raise InputError(f"{where}: malformed or truncated XML ({exc})") from None
    except (LookupError, UnicodeError) as exc:  # an encoding the declaration names but Python does not know
        raise InputError(f"{where}: cannot decode the XML: {exc}") from None
    if root is None:
        raise InputError(f"{where}: empty document")


def parse_pubmed_xml(body: bytes, *, where: str = "PubMed XML") -> list[PubmedRecord]:
    """All records of one (efetch) answer, or an ``InputError`` and nothing."""
    import io

    return list(iter_pubmed_xml(io.BytesIO(body), where=where))

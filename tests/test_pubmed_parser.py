"""The PubMed XML parser: hand-written edge cases, every real recorded answer, hostile XML."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import EUTILS_FIXTURES, FIXTURES, require_shared

from ingest.pubmed.parser import iter_pubmed_xml, parse_pubmed_xml
from kg.errors import InputError

HAND = FIXTURES / "eutils"


def _by_pmid(name: str) -> dict:
    return {r.publication.pmid: r for r in parse_pubmed_xml((HAND / name).read_bytes())}


def test_edge_cases_markup_dates_authors_mesh_abstract():
    records = _by_pmid("efetch_edge_cases.xml")
    edge = records["90000101"].publication
    assert edge.title == "Role of IKZF1 deletions and CD19− escape: an invented edge-case record"
    assert edge.year == 2019 and edge.pub_date == "2019 Nov-Dec"
    assert [a.name for a in edge.authors] == ["Doe J", "Hand-Written Collaborative Group"]
    assert edge.authors[0].orcid == "0000-0002-1825-0097" and not edge.authors[0].collective
    assert edge.authors[1].collective and edge.authors[1].rank == 2
    assert [s.label for s in edge.abstract_sections] == ["OBJECTIVE", "METHODS", "RESULTS"]
    assert edge.abstract_sections[0].text == "First section of an invented abstract."
    assert edge.abstract_sections[2].text == "Third & last section."
    assert edge.abstract.startswith("OBJECTIVE: First section") and edge.abstract.endswith("Third & last section.")
    assert edge.mesh[0].ui == "D000001" and [q.ui for q in edge.mesh[0].qualifiers] == ["Q000002", "Q000003"]
    assert edge.keywords == ("edge case", "markup keyword")
    no_abstract = records["90000102"].publication
    assert no_abstract.abstract is None and no_abstract.abstract_sections == ()
    assert no_abstract.pub_date == "2021-03"
    book = records["90000103"].publication
    assert book.is_book and book.title == "Chapter one of an invented handbook"
    assert book.year == 2020 and book.publication_types == ("Review",)


def test_seed_records_identifiers_and_references():
    records = _by_pmid("efetch_seed_study_and_citing.xml")
    citing = records["40075627"]
    assert citing.publication.pmcid == "PMC11899621"
    assert citing.publication.doi == "10.3390/cancers17050779"
    assert citing.publication.journal == "Cancers (Basel)"
    assert (citing.publication.volume, citing.publication.issue) == ("17", "5")
    assert citing.references == ("90000001",)
    assert [a.name for a in records["39386214"].publication.authors][:2] == ["Johns C", "Erickson C"]


def _recorded() -> list[Path]:
    if not EUTILS_FIXTURES.is_dir():
        return []
    return sorted(p for p in EUTILS_FIXTURES.rglob("*") if p.is_file() and p.name != "SOURCES.md")


RECORDED = _recorded()


@pytest.mark.parametrize("path", RECORDED or [EUTILS_FIXTURES], ids=lambda p: p.name)
def test_every_recorded_answer(path: Path):
    """PubMed efetch answers parse to records with a PMID and title; anything else is refused clearly."""
    require_shared(path)
    body = path.read_bytes()
    is_pubmed_efetch = b"<PubmedArticleSet" in body[:2000] and (b"</PubmedArticleSet>" in body[-200:]
                                                                 or b"<PubmedArticleSet/>" in body)
    if is_pubmed_efetch:
        records = parse_pubmed_xml(body, where=path.name)
        expected = body.count(b"<PubmedArticle>") + body.count(b"<PubmedBookArticle>")
        assert len(records) == expected
        for record in records:
            assert record.publication.pmid and record.publication.title
    else:
        with pytest.raises(InputError, match=path.name):
            parse_pubmed_xml(body, where=path.name)


def test_recorded_efetch_fields():
    path = EUTILS_FIXTURES / "biopython" / "biopython__pubmed7.xml"
    require_shared(path)
    (record,) = parse_pubmed_xml(path.read_bytes())
    pub = record.publication
    assert pub.pmid == "29963580" and pub.pmcid == "PMC6022861" and pub.doi == "10.1117/1.jmi.5.2.026002"
    assert any(a.collective for a in pub.authors) and any(a.orcid for a in pub.authors)
    assert record.references  # its ReferenceList names PMIDs


HOSTILE = {
    "billion laughs": b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                      b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                      b"<PubmedArticleSet><PubmedArticle>&lol2;</PubmedArticle></PubmedArticleSet>",
    "external entity": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                       b"<PubmedArticleSet>&xxe;</PubmedArticleSet>",
    "truncated": (HAND / "efetch_edge_cases.xml").read_bytes()[:1500],
    "wrong root": b"<?xml version='1.0'?><eSearchResult><Count>0</Count></eSearchResult>",
    "empty": b"",
    "not xml": b"<html><body>Service unavailable",
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_or_broken_xml_is_refused(case: str):
    with pytest.raises(InputError) as error:
        parse_pubmed_xml(HOSTILE[case], where="input.xml")
    message = str(error.value)
    assert message.startswith("input.xml: ") and "\n" not in message
    if case in ("billion laughs", "external entity"):
        assert "refused" in message


def test_streaming_frees_parsed_records():
    """The root keeps no parsed children, so memory stays bounded however many records follow."""
    body = (HAND / "efetch_seed_study_and_citing.xml").read_bytes()
    stream = iter_pubmed_xml(io.BytesIO(body))
    first = next(stream)
    assert first.publication.pmid == "90000001"
    assert len(list(stream)) == 6

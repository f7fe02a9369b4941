from pathlib import Path

import pytest

from ingest.pubmed_page import page_document, parse_page, read_page
from kg.errors import InputError
from kg.ids import publication_iri
from kg.model import Citation

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


def test_seed_page_yields_study_and_five_citing_papers(seed_page):
    page = parse_page(seed_page.read_text(encoding="utf-8"))
    assert page.study.title.startswith("Correlates of Resistance and Relapse During Blinatumomab")
    assert page.study.pmid is None and page.study.abstract and "65 patients" in page.study.abstract
    found = {(p.pmid, p.pmcid, p.doi) for p in page.citing}
    assert found == {
        ("40075627", "PMC11899621", "10.3390/cancers17050779"),
        ("39995843", "PMC11847677", "10.3389/fonc.2025.1548446"),
        ("39800374", "PMC11749218", "10.1136/jitc-2024-010331"),
        ("39692275", "PMC11653214", "10.1002/cam4.70515"),
        ("39386214", "PMC11461246", "10.3389/fimmu.2024.1423487"),
    }
    untitled = [p for p in page.citing if p.title is None]
    assert {p.pmid for p in untitled} == {"39800374", "39692275"}
    jitc = next(p for p in page.citing if p.pmid == "39800374")
    assert jitc.journal == "J Immunother Cancer" and jitc.year == 2025 and jitc.volume == "13"
    assert [a.name for a in jitc.authors][:2] == ["Middelburg J", "Schaap G"]
    assert any("cut short" in reason for reason in page.skipped)


def test_seed_page_document_links_every_citing_paper_to_the_study(seed_page):
    doc = next(read_page(seed_page))
    citations = [r for r in doc.records if isinstance(r, Citation)]
    assert len(citations) == 5
    study = {publication_iri(c.cited) for c in citations}
    assert len(study) == 1 and "/id/publication/title-" in study.pop()


def test_messy_page_keeps_what_it_can_and_reports_the_rest():
    page = parse_page((FIXTURES / "messy_page.txt").read_text(encoding="utf-8"))
    assert page.study.title == "A Hand-written Test Study of Widgets & Gadgets in Adults"
    assert page.study.pmid == "11111111" and page.study.doi == "10.5555/test.2020.001"
    assert page.study.abstract.startswith("This line is a hand-written abstract")
    by_title = {p.title: p for p in page.citing}
    first = by_title["First citing paper about widgets."]
    assert (first.pmid, first.pmcid, first.volume, first.issue, first.pages) == (
        "22222222", "PMC3333333", "3", "2", "10-19")
    assert [a.name for a in first.authors] == ["Alpha B", "Beta CD", "Gamma E"]
    untitled = next(p for p in page.citing if p.pmid == "44444444")
    assert untitled.title is None and untitled.doi == "10.5555/wl.2022.7" and untitled.pmcid == "PMC5555555"
    assert untitled.journal == "Widget Lett" and untitled.year == 2022
    third = by_title["Third citing paper with a bold word."]
    assert third.pmid is None and third.doi is None and third.pmcid == "PMC6666666"
    assert [a.collective for a in third.authors] == [False, True]
    fourth = by_title["Fourth citing paper without identifiers at the end of the page"]
    assert fourth.pmid is None
    reasons = " | ".join(page.skipped)
    assert "not a PMID: '0123'" in reasons and "not a DOI" in reasons and "without identifier line" in reasons
    assert len(page.citing) == 4


def test_page_without_title_is_an_error():
    with pytest.raises(InputError, match="no title line"):
        parse_page((FIXTURES / "no_title.txt").read_text())
    with pytest.raises(InputError):
        parse_page("")


def test_same_page_gives_same_document():
    text = (FIXTURES / "messy_page.txt").read_text(encoding="utf-8")
    assert page_document(text, "file:///x") == page_document(text, "file:///x")

import pytest

from kg.errors import InputError
from kg.ids import normalize_doi, normalize_pmcid, normalize_pmid, normalize_title, publication_iri
from kg.model import PublicationRef


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("40075627", "40075627"), (" PMID: 39386214 ", "39386214"), ("pmid:1", "1")],
)
def test_pmid_normalized(raw, expected):
    assert normalize_pmid(raw) == expected


@pytest.mark.parametrize("raw", ["0123", "abc", "1234567890", "", "12.5"])
def test_bad_pmid_rejected(raw):
    with pytest.raises(InputError, match="not a PMID"):
        normalize_pmid(raw)


def test_pmcid_gets_prefix():
    assert normalize_pmcid("11899621") == "PMC11899621"
    assert normalize_pmcid("PMC11899621") == "PMC11899621"
    with pytest.raises(InputError):
        normalize_pmcid("PMCX1")


@pytest.mark.parametrize(
    "raw",
    ["10.3390/Cancers17050779", "https://doi.org/10.3390/cancers17050779", "DOI: 10.3390/cancers17050779.",
     "doi:10.3390/CANCERS17050779"],
)
def test_doi_normalized(raw):
    assert normalize_doi(raw) == "10.3390/cancers17050779"


def test_bad_doi_rejected():
    with pytest.raises(InputError, match="not a DOI"):
        normalize_doi("not-a-doi")


def test_title_key_ignores_case_punctuation_and_accents():
    assert normalize_title("Café: A Study.") == normalize_title("cafe a STUDY")


def test_publication_iri_prefers_pmid_then_doi_then_title():
    assert publication_iri(PublicationRef(pmid="5", doi="10.1/x", title="t")) == "https://pubmed.ncbi.nlm.nih.gov/5"
    assert publication_iri(PublicationRef(doi="10.1234/X")) == "https://doi.org/10.1234/x"
    by_title = publication_iri(PublicationRef(title="Some Title."))
    assert by_title == publication_iri(PublicationRef(title="some title"))
    assert "/id/publication/title-" in by_title
    with pytest.raises(InputError):
        publication_iri(PublicationRef())

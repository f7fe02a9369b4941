"""Links out of the explorer to the records a row comes from (PubMed, DOI, PMC)."""

from __future__ import annotations

from urllib.parse import quote


def _present(value: object) -> str | None:
    text = "" if value is None else str(value).strip()
    return text if text and text.lower() not in ("nan", "none", "<na>") else None


def pubmed_url(pmid: object) -> str | None:
    """PubMed's page for a PMID."""
    value = _present(pmid)
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(value)}/" if value else None


def doi_url(doi: object) -> str | None:
    """The DOI resolver's URL for a DOI."""
    value = _present(doi)
    return f"https://doi.org/{quote(value, safe='/:;()._-')}" if value else None


def pmc_url(pmcid: object) -> str | None:
    """PubMed Central's page for a PMC id."""
    value = _present(pmcid)
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(value)}/" if value else None


def source_url(pmid: object, publication: object) -> str | None:
    """Where a row's publication can be read: PubMed when there is a PMID, else the publication IRI if it resolves."""
    url = pubmed_url(pmid)
    if url:
        return url
    iri = _present(publication)
    return iri if iri and iri.startswith(("https://pubmed", "https://doi.org/")) else None


def present(value: object) -> str | None:
    """The value as text, or None when it is missing (None, NaN)."""
    return _present(value)

"""A minimal reader of PubMed XML for ``kg extract``: PMID, title and abstract of each record.

Deliberately small and isolated in one function: the full PubMed parser
(``ingest/pubmed/parser.py``) replaces it when present. Structured abstracts
keep their section labels as "LABEL: text" lines so sentence splitting sees
the section breaks.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ingest.text import clean_text
from kg.errors import InputError
from kg.model import Publication


def read_pubmed_xml(path: Path) -> list[Publication]:
    """Every PubmedArticle in the file as a Publication with pmid, title and abstract."""
    try:
        root = ET.parse(path).getroot()  # a local file the user chose
    except ET.ParseError as exc:
        raise InputError(f"{path}: not well-formed XML ({exc})") from None
    publications = []
    for article in root.iter("PubmedArticle"):
        citation = article.find("MedlineCitation")
        if citation is None:
            continue
        pmid = (citation.findtext("PMID") or "").strip() or None
        title = clean_text("".join(citation.find(".//ArticleTitle").itertext())) \
            if citation.find(".//ArticleTitle") is not None else None
        parts = []
        for node in citation.findall(".//Abstract/AbstractText"):
            text = clean_text("".join(node.itertext()))
            label = node.get("Label")
            if text:
                parts.append(f"{label}: {text}" if label else text)
        publications.append(Publication(pmid=pmid, title=title or None, abstract="\n".join(parts) or None))
    return publications

"""Deterministic IRIs and identifier normalization.

The same input must always yield the same triples, so every IRI comes from a
content key (PMID, DOI, normalized title, a finding's defining fields) and
never from a random UUID. Identifiers are normalized once, here, so a DOI
written ``https://doi.org/10.1/ABC.`` and ``10.1/abc`` name one node.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from kg.errors import InputError
from kg.model import Cohort, Finding, PublicationRef
from kg.namespaces import BASE, DOI, GRAPH, ID, PUBMED

_PMID = re.compile(r"^(?:pmid:?\s*)?([1-9][0-9]{0,8})$", re.IGNORECASE)
_PMCID = re.compile(r"^(?:pmc(?:id)?:?\s*)?(?:PMC)?([1-9][0-9]{0,9})$", re.IGNORECASE)
_DOI = re.compile(r"^10\.[0-9]{4,9}/\S+$")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.IGNORECASE)


def normalize_pmid(value: str) -> str:
    """Return the PMID as digits without leading zeros; raise ``InputError`` if it is not one."""
    match = _PMID.match(value.strip())
    if not match:
        raise InputError(f"not a PMID: {value!r} (expected 1-9 digits, no leading zero)")
    return match.group(1)


def normalize_pmcid(value: str) -> str:
    """Return the PMC id with its ``PMC`` prefix; accepts bare digits as PubMed pages print them."""
    match = _PMCID.match(value.strip())
    if not match:
        raise InputError(f"not a PMC id: {value!r} (expected PMC followed by digits)")
    return "PMC" + match.group(1)


def normalize_doi(value: str) -> str:
    """Return the DOI lower-cased, without resolver prefix or the sentence's trailing period."""
    doi = _DOI_PREFIX.sub("", value.strip()).rstrip(".,;").lower()
    if not _DOI.match(doi):
        raise InputError(f"not a DOI: {value!r} (expected 10.<registrant>/<suffix>)")
    return doi


def normalize_title(title: str) -> str:
    """Fold a title to the key used for provisional IRIs and for title matching.

    Case, accents, punctuation and spacing vary between a web page and PubMed's
    record of the same paper; the key keeps only lower-case letters and digits.
    """
    folded = unicodedata.normalize("NFKD", title)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", folded))


def content_key(*parts: object) -> str:
    """A short, stable hash of the given parts (``None`` and ``""`` are distinct from absent)."""
    text = "\x1f".join("\x00" if part is None else str(part) for part in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def publication_iri(ref: PublicationRef) -> str:
    """PubMed IRI when a PMID is known, DOI IRI otherwise, else a provisional IRI from the title."""
    if ref.pmid:
        return f"{PUBMED}{normalize_pmid(ref.pmid)}"
    if ref.doi:
        return f"{DOI}{quote(normalize_doi(ref.doi), safe='/:;()._-')}"
    if ref.title and normalize_title(ref.title):
        return f"{ID}publication/title-{content_key(normalize_title(ref.title))}"
    raise InputError("a publication needs a PMID, a DOI or a title to be identified")


def is_provisional(iri: str) -> bool:
    """True for publication IRIs minted from a title, which a refresh may later replace."""
    return iri.startswith(f"{ID}publication/title-")


def author_iri(publication: str, rank: int) -> str:
    """An author as listed at ``rank`` on ``publication`` (authorship, not a person registry)."""
    return f"{ID}author/{content_key(publication)}/{rank}"


def mesh_heading_iri(publication: str, descriptor_ui: str) -> str:
    """The MeSH heading node for one descriptor on one publication."""
    return f"{ID}mesh-heading/{content_key(publication)}/{descriptor_ui}"


def abstract_section_iri(publication: str, order: int) -> str:
    """The ``order``-th section of a publication's abstract."""
    return f"{ID}abstract-section/{content_key(publication)}/{order}"


def cohort_iri(cohort: Cohort) -> str:
    """A cohort is named by its study and its label."""
    return f"{ID}cohort/{content_key(publication_iri(cohort.publication), cohort.label.strip().casefold())}"


def statement_key(finding: Finding) -> str:
    """Key of *what* a finding states, regardless of who asserted it (curated or extracted).

    Two findings with the same key are the same statement; the curated one wins.
    """
    return content_key(
        publication_iri(finding.publication),
        finding.subject_concept or (finding.subject_label or "").casefold(),
        finding.relation.casefold(),
        finding.object_concept or (finding.object_label or "").casefold(),
        (finding.subgroup or "").casefold(),
        finding.direction,
        finding.count,
        finding.denominator,
        finding.percentage,
        finding.p_value,
    )


def finding_iri(finding: Finding) -> str:
    """A finding is one statement asserted by one method."""
    return f"{ID}finding/{finding.method}-{statement_key(finding)}"


def evidence_iri(finding: str, index: int) -> str:
    """The ``index``-th evidence of a finding."""
    return f"{ID}evidence/{content_key(finding)}/{index}"


def graph_iri(kind: str, key: str) -> str:
    """The named graph that holds one source document."""
    if not re.fullmatch(r"[a-z][a-z0-9-]*", kind):
        raise ValueError(f"bad source kind {kind!r}")
    return f"{GRAPH}{kind}/{quote(key, safe='')}"


PENDING_GRAPH = graph_iri("derived", "pending")
"""The one-triple graph that says the derived data is behind the data (``kg.derived``).

Named here, below both ``kg.derived`` and ``kg.store``, because a staged write's recovery
(``kg.store.staged``) sets the same mark and the store layer may not import ``kg.derived``.
"""


AGENT_IRI = f"{BASE}agent/cohort-kg"
"""The software agent credited in provenance (its version goes on the activity)."""


def source_file_iri(path: Path) -> str:
    """The IRI a graph built from a local file names as its source: ``urn:sha256:`` of the file's bytes.

    Never the file's path: an absolute path tells nothing to whoever receives the
    graph, leaks the user's folders, and changes when the file moves. The digest
    names exactly the bytes that were read, wherever they are.
    """
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    return f"urn:sha256:{digest.hexdigest()}"


def source_bytes_iri(data: bytes) -> str:
    """``source_file_iri`` for a file already read into memory."""
    return f"urn:sha256:{hashlib.sha256(data).hexdigest()}"

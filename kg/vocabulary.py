"""Read the SKOS vocabulary (``ontology/vocabulary.ttl``) that curators edit.

Ingestors use it to check that a curated row names a concept that exists and
to resolve a concept given by slug, prefixed name or IRI. The file is data:
adding a concept or a synonym never needs a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, URIRef

from kg.errors import InputError
from kg.namespaces import CKG, CONCEPT, RDF, SKOS
from kg.paths import ONTOLOGY_DIR

VOCABULARY_FILE = ONTOLOGY_DIR / "vocabulary.ttl"
CONCEPT_KINDS = {
    CKG.RiskFactor: "risk factor",
    CKG.ResistancePhenotype: "resistance phenotype",
    CKG.Outcome: "outcome",
    CKG.Therapy: "therapy",
    CKG.Disease: "disease",
}


@dataclass(frozen=True)
class Concept:
    """A vocabulary concept with the labels a recognizer needs."""

    iri: str
    pref_label: str
    alt_labels: tuple[str, ...]
    abbreviations: tuple[str, ...]
    hidden_labels: tuple[str, ...]
    kinds: tuple[str, ...]
    broader: tuple[str, ...]


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCABULARY_FILE) -> dict[str, Concept]:
    """Every concept in the vocabulary file, by IRI."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"cannot read vocabulary {path}: {exc}") from exc

    def texts(node: URIRef, predicate: URIRef) -> tuple[str, ...]:
        return tuple(sorted(str(value) for value in graph.objects(node, predicate)))

    concepts: dict[str, Concept] = {}
    for node in set(graph.subjects(RDF.type, SKOS.Concept)):
        if not isinstance(node, URIRef):
            continue
        labels = [str(v) for v in graph.objects(node, SKOS.prefLabel) if getattr(v, "language", None) in (None, "en")]
        concepts[str(node)] = Concept(
            iri=str(node),
            pref_label=labels[0] if labels else str(node).rsplit("/", 1)[-1],
            alt_labels=texts(node, SKOS.altLabel),
            abbreviations=texts(node, CKG.abbreviation),
            hidden_labels=texts(node, SKOS.hiddenLabel),
            kinds=tuple(sorted(CONCEPT_KINDS[k] for k in graph.objects(node, RDF.type) if k in CONCEPT_KINDS)),
            broader=tuple(sorted(str(b) for b in graph.objects(node, SKOS.broader))),
        )
    return concepts


def resolve_concept(value: str, concepts: dict[str, Concept]) -> str:
    """The IRI of the concept named by a slug, ``concept:slug`` or a full IRI; ``InputError`` if unknown."""
    value = value.strip()
    if value.startswith("concept:"):
        value = value.removeprefix("concept:")
    iri = value if value.startswith(("http://", "https://")) else str(CONCEPT[value])
    if iri not in concepts:
        raise InputError(f"unknown concept {value!r} (not in {VOCABULARY_FILE.name})")
    return iri

"""A deterministic generator of literature-plus-findings corpora at a target triple count.

The benchmark must measure the project's real code path, so the generator emits
``kg.model`` records grouped as ``SourceDocument``s (one per publication, as a
PubMed refresh would) and maps them with ``kg.rdf`` exactly as ``kg.loader``
does. The N-Quads file is written from that same mapping, line by line, so a
10M-triple corpus never sits in memory as a graph.

What makes it realistic enough to stress the store:

* publications with PMID, DOI, PMC id for some, ~6 authors, journal, year, MeSH headings
  drawn from a Zipf-like pool of descriptors;
* citations by preferential attachment (a paper is cited in proportion to the citations it
  already has), which gives the heavy-tailed in-degree of real literature; papers cite
  only older papers, so the citation graph is acyclic like PubMed's;
* one paper in eight is a cohort study with a cohort (therapy, disease from the vocabulary)
  and findings: risk factor -> outcome or phenotype with direction, subgroup, counts,
  percentages and P-values, plus occurrence findings of resistance phenotypes.

Everything comes from one ``random.Random(seed)``: the same seed and size give the
same bytes.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox

from kg.counts import COUNTS_GRAPH
from kg.ids import graph_iri
from kg.model import (
    Author,
    Citation,
    Cohort,
    Evidence,
    Finding,
    Mention,
    MeshHeading,
    MeshQualifier,
    Publication,
    PublicationRef,
    Record,
    SourceDocument,
)
from kg.paths import ONTOLOGY_DIR
from kg.pipeline import Pipeline
from kg.rdf import GraphDigest, provenance_triples, records_triples
from kg.store import OxigraphStore
from kg.vocabulary import Concept, load_vocabulary

GENERATED_AT = datetime(2025, 1, 1, tzinfo=UTC)
"""Fixed provenance time, so the same seed always gives the same file."""

GENERATOR_VERSION = 2
"""Bumped whenever the output changes, so cached corpora are regenerated."""
DOC_KIND = "pubmed"
FIRST_PMID = 20_000_000
STUDY_EVERY = 8
SAMPLE_PUBLICATIONS = 400

_WORDS = (
    "relapse", "response", "remission", "blast", "marrow", "cohort", "antigen", "escape", "therapy", "outcome",
    "lineage", "minimal", "residual", "disease", "survival", "engager", "bispecific", "antibody", "chimeric",
    "receptor", "transplant", "toxicity", "cytokine", "release", "expression", "loss", "dim", "negative",
    "extramedullary", "central", "nervous", "system", "burden", "refractory", "salvage", "induction",
    "consolidation", "pediatric", "adult", "trial", "phase", "retrospective", "multicenter", "analysis",
    "predictors", "resistance"
)
_SURNAMES = (
    "Garcia", "Smith", "Nguyen", "Kim", "Rossi", "Muller", "Tanaka", "Kowalski", "Silva", "Haddad", "Okafor",
    "Larsen", "Novak", "Ivanova", "Chen", "Patel", "Dubois", "Costa", "Moreau", "Fischer", "Jensen", "Sato",
    "Wang", "Li", "Brown", "Lopez", "Martin", "Bauer", "Sorensen", "Horvat", "Almeida", "Weber"
)
_JOURNALS = ("Blood", "Leukemia", "J Clin Oncol", "Haematologica", "Blood Adv", "Cancers (Basel)",
             "Front Oncol", "Br J Haematol", "Bone Marrow Transplant", "J Immunother Cancer", "Nat Med")
_SUBGROUPS = ("all patients", "responders", "non-responders", "refractory", "relapsed", "MRD-positive",
              "adults", "children", "after transplant")
_RELATIONS = ("predicts", "associated with", "risk factor for")
_MESH_POOL = 3000
_QUALIFIERS = (("Q000188", "drug therapy"), ("Q000473", "pathology"), ("Q000378", "metabolism"),
               ("Q000235", "genetics"), ("Q000627", "therapeutic use"))


@dataclass(frozen=True)
class Vocab:
    """The vocabulary concepts the generator draws from, by role (IRIs, in a stable order)."""

    risk_factors: tuple[str, ...]
    outcomes: tuple[str, ...]
    phenotypes: tuple[str, ...]
    therapies: tuple[str, ...]
    diseases: tuple[str, ...]


def vocab_roles(concepts: dict[str, Concept] | None = None) -> Vocab:
    """Split the project's SKOS vocabulary into the roles findings and cohorts need."""
    concepts = concepts if concepts is not None else load_vocabulary()

    def having(kind: str) -> tuple[str, ...]:
        return tuple(sorted(iri for iri, c in concepts.items() if kind in c.kinds))

    return Vocab(having("risk factor"), having("outcome"), having("resistance phenotype"),
                 having("therapy"), having("disease"))


def _zipf_index(rng: random.Random, n: int) -> int:
    """An index in [0, n) with a Zipf-like (1/rank) popularity."""
    return min(int(n ** rng.random()) - 1, n - 1)


def _decimal(text: str) -> Decimal:
    """Without trailing zeros: the store keeps xsd:decimal in canonical form ("70.0" is stored as "70")."""
    return Decimal(text).normalize()


def _pvalue(rng: random.Random) -> tuple[Decimal, str]:
    if rng.random() < 0.2:
        return Decimal("0.001"), "<"
    return _decimal(f"{rng.uniform(0.001, 0.9):.3f}"), "="


def _publication(rng: random.Random, index: int, total: int) -> Publication:
    pmid = str(FIRST_PMID + index)
    year = 1990 + index * 36 // total  # older papers first: citations point back in time
    authors = tuple(
        Author(name=f"{rng.choice(_SURNAMES)} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}", rank=r)
        for r in range(1, rng.choice((3, 4, 5, 6, 6, 7, 8, 9)) + 1)
    )
    mesh = []
    for ui_index in sorted({_zipf_index(rng, _MESH_POOL) for _ in range(rng.randint(3, 8))}):
        qualifiers = ()
        if rng.random() < 0.3:
            qualifiers = (MeshQualifier(*rng.choice(_QUALIFIERS)),)
        mesh.append(MeshHeading(ui=f"D{ui_index:06d}", name=f"{_WORDS[ui_index % len(_WORDS)]} {ui_index}",
                                major=rng.random() < 0.25, qualifiers=qualifiers))
    return Publication(
        pmid=pmid,
        pmcid=f"PMC{5_000_000 + index}" if rng.random() < 0.4 else None,
        doi=f"10.{1000 + index % 97}/bench.{index}",
        title=" ".join(rng.choice(_WORDS) for _ in range(rng.randint(6, 14))).capitalize() + f" ({index})",
        authors=authors,
        journal=rng.choice(_JOURNALS),
        volume=str(rng.randint(1, 140)),
        issue=str(rng.randint(1, 24)),
        pages=f"{rng.randint(1, 900)}-{rng.randint(901, 999)}",
        year=year,
        mesh=tuple(mesh),
    )


def _study_records(rng: random.Random, ref: PublicationRef, vocab: Vocab) -> list[Record]:
    who = rng.choice(("adults", "children", "patients"))
    label = f"{who} with {rng.choice(('r/r', 'MRD+', 'newly diagnosed'))} ALL"
    size = rng.randint(20, 400)
    therapy = vocab.therapies[_zipf_index(rng, len(vocab.therapies))]
    cohort = Cohort(publication=ref, label=label, size=size, therapies=(therapy,),
                    diseases=(rng.choice(vocab.diseases),))
    records: list[Record] = [cohort, Mention(ref, therapy)]
    for _ in range(rng.randint(3, 10)):
        subgroup = rng.choice(_SUBGROUPS)
        if rng.random() < 0.25:  # an occurrence finding: how often a phenotype was seen
            denominator = rng.randint(5, size)
            count = rng.randint(0, denominator)
            records.append(Finding(
                publication=ref, relation="observed in", object_concept=rng.choice(vocab.phenotypes),
                subgroup=subgroup, count=count, denominator=denominator,
                percentage=_decimal(f"{100 * count / denominator:.1f}"), cohort_label=label,
                evidence=(Evidence(publication=ref),),
            ))
            continue
        p_value, comparator = _pvalue(rng)
        outcome_pool = vocab.outcomes if rng.random() < 0.7 else vocab.phenotypes
        records.append(Finding(
            publication=ref, relation=rng.choice(_RELATIONS),
            direction=rng.choice(("increases", "decreases", "decreases", "no_effect")),
            method=rng.choice(("curated", "extracted")),
            subject_concept=rng.choice(vocab.risk_factors),
            object_concept=outcome_pool[_zipf_index(rng, len(outcome_pool))],
            subgroup=subgroup, p_value=p_value, p_comparator=comparator, cohort_label=label,
            # Every finding cites its paper, as every ingest path does; three in ten also quote a sentence.
            evidence=(Evidence(publication=ref, text=f"Synthetic finding sentence {rng.randrange(10**6)}.")
                      if rng.random() < 0.3 else Evidence(publication=ref),),
        ))
    return records


def generate_documents(publications: int, seed: int = 7, vocab: Vocab | None = None) -> Iterator[SourceDocument]:
    """``publications`` source documents, one per paper, each with its citations (and study, every 8th)."""
    rng = random.Random(seed)
    vocab = vocab or vocab_roles()
    attachment: list[int] = []  # paper i appears 1 + (citations received) times: preferential attachment
    for index in range(publications):
        pub = _publication(rng, index, publications)
        ref = PublicationRef(pmid=pub.pmid)
        records: list[Record] = [pub]
        if attachment:
            cited = {attachment[rng.randrange(len(attachment))] for _ in range(rng.randint(5, 25))}
            for target in sorted(cited):
                records.append(Citation(citing=ref, cited=PublicationRef(pmid=str(FIRST_PMID + target))))
                attachment.append(target)
        attachment.append(index)
        if index % STUDY_EVERY == 0:
            records.extend(_study_records(rng, ref, vocab))
        yield SourceDocument(kind=DOC_KIND, key=pub.pmid or "", source=f"https://pubmed.ncbi.nlm.nih.gov/{pub.pmid}",
                             records=tuple(records))


def _document_lines(doc: SourceDocument) -> tuple[str, list[str]]:
    """The graph IRI and the N-Triples lines of one document, as ``kg.loader`` would store them."""
    graph = graph_iri(doc.kind, doc.key)
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in records_triples(doc.records))
    # Same digest as kg.rdf.triples_hash, from the lines already serialized (distinct: they come from a set).
    summed = GraphDigest()
    for line in lines:
        summed.add_line(line.encode("utf-8"))
    digest = summed.hexdigest()
    lines += [f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in provenance_triples(
        graph, doc.kind, doc.source, digest, GENERATED_AT)]
    return graph, lines


def base_quads() -> list[str]:
    """The vocabulary graph as ``kg build`` stores it (N-Quads lines, provenance included).

    The catalog queries need the concepts' labels and classes. The OWL ontology is left
    out: its blank nodes get different labels on every load, which would make the file
    differ from run to run.
    """
    store = OxigraphStore(None)
    with Pipeline(store, now=GENERATED_AT) as pipeline:
        pipeline.write_rdf_files([ONTOLOGY_DIR / "vocabulary.ttl"], "vocabulary")
    counts = ox.NamedNode(COUNTS_GRAPH)  # derived after a load, by `kg load` itself: not part of the input
    return sorted(f"{q} .\n" for q in store.iter_quads() if q.graph_name != counts)


def triples_per_publication(seed: int = 7) -> float:
    """Average stored triples per generated document, from a sample (for sizing a corpus)."""
    docs = generate_documents(SAMPLE_PUBLICATIONS, seed)
    return sum(len(_document_lines(doc)[1]) for doc in docs) / SAMPLE_PUBLICATIONS


def publications_for(target_triples: int, seed: int = 7) -> int:
    """How many publications make a corpus of about ``target_triples`` stored quads."""
    return max(1, round((target_triples - len(base_quads())) / triples_per_publication(seed)))


def write_nquads(path: Path, publications: int, seed: int = 7) -> int:
    """Write the corpus as N-Quads, streaming one document at a time; return the number of quads."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in base_quads():
            out.write(line)
            count += 1
        for doc in generate_documents(publications, seed):
            graph, lines = _document_lines(doc)
            suffix = f" <{graph}> .\n"
            out.write(suffix.join(lines) + suffix)
            count += len(lines)
    return count


def parse_size(text: str) -> int:
    """``100k``, ``1m``, ``10M`` or a plain number -> triples."""
    text = text.strip().lower().replace("_", "")
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a generated benchmark corpus as N-Quads.")
    parser.add_argument("size", help="target number of triples (e.g. 100k, 1m)")
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    publications = publications_for(parse_size(args.size), args.seed)
    quads = write_nquads(args.output, publications, args.seed)
    print(f"{args.output}: {publications} publications, {quads} quads")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The generated corpus bench/serve_load.py loads by default (it takes any N-Quads file through ``--nquads``).

It writes publications that cite each other
(and, one in twenty, the seed study), with authors, and one in eight carries a
cohort and findings over the vocabulary's concepts: ``kg.model`` records mapped by
``kg.rdf`` with PROV-O, one named graph per publication, as an ingest would.
Deterministic: one ``random.Random(seed)``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from kg.ids import graph_iri
from kg.model import Author, Citation, Cohort, Finding, Publication, PublicationRef, Record
from kg.namespaces import CONCEPT
from kg.rdf import Triple, provenance_triples, records_triples, triples_hash

GENERATED_AT = datetime(2025, 1, 1, tzinfo=UTC)


def _records(rng: random.Random, index: int, study: PublicationRef, concepts: dict[str, list[str]]) -> list[Record]:
    pmid = str(90_000_000 + index)
    ref = PublicationRef(pmid=pmid)
    records: list[Record] = [Publication(
        pmid=pmid, doi=f"10.9999/standin.{index}", title=f"Stand-in publication {index} on relapse after therapy",
        authors=tuple(Author(f"Author{rng.randrange(5000)} X", rank) for rank in range(1, 4)),
        journal=f"Journal {rng.randrange(200)}", year=1990 + index % 35,
    )]
    for cited in {rng.randrange(index) for _ in range(5)} if index else ():
        records.append(Citation(ref, PublicationRef(pmid=str(90_000_000 + cited))))
    if rng.random() < 0.05:
        records.append(Citation(ref, study))
    if rng.random() < 0.125:
        cohort = f"cohort {index}"
        records.append(Cohort(ref, cohort, size=rng.randrange(20, 400), therapies=(str(CONCEPT["blinatumomab"]),),
                              diseases=(str(CONCEPT["b-cell-all"]),)))
        for _ in range(3):
            records.append(Finding(
                publication=ref, relation="risk factor for", direction=rng.choice(["increases", "decreases"]),
                subject_concept=str(CONCEPT[rng.choice(concepts["risk"])]),
                object_concept=str(CONCEPT[rng.choice(concepts["outcome"])]),
                subgroup=rng.choice(["all patients", "refractory", "responders"]),
                count=rng.randrange(1, 20), denominator=20, percentage=Decimal(rng.randrange(1, 100)),
                p_value=Decimal(rng.randrange(1, 999)) / 1000, cohort_label=cohort,
            ))
    return records


def _quads(triples: set[Triple], graph: str) -> Iterator[str]:
    for s, p, o in triples:
        yield f"{s.n3()} {p.n3()} {o.n3()} <{graph}> .\n"


def write_standin_nquads(path: Path, triples: int, study: PublicationRef, concepts: dict[str, list[str]],
                         seed: int = 7) -> int:
    """Write about ``triples`` quads; return how many were written."""
    rng = random.Random(seed)
    written = 0
    index = 0
    with path.open("w", encoding="utf-8") as out:
        while written < triples:
            graph = graph_iri("standin", str(index))
            body = records_triples(_records(rng, index, study, concepts))
            body |= set(provenance_triples(graph, "standin", "", triples_hash(body), GENERATED_AT))
            out.writelines(_quads(body, graph))
            written += len(body)
            index += 1
    return written

"""``triples_hash`` keeps its definition: SHA-256 of the sorted N-Triples lines joined by newlines.

Stored graphs carry this digest as ``ckg:contentHash``; if it changed, every stored graph would
look changed and be rewritten (with a new timestamp) on the next ingest.
"""

from __future__ import annotations

import hashlib

from rdflib import Literal, URIRef

from kg.rdf import Triple, triples_hash

S = URIRef("https://example.org/s")


def reference_hash(triples: set[Triple]) -> str:
    """The definition written out directly, on text rather than bytes."""
    lines = sorted(f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in triples)
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def test_hash_matches_its_definition_with_non_ascii_text():
    # Characters beyond ASCII and across UTF-8 lengths: sorting bytes must order them as text does.
    values = ["zeta", "Ünter", "ångström", "résumé", "日本", "😀 emoji", "a\u00e9", "ae", "\u00ff", "\u0100", ""]
    triples = {(S, URIRef(f"https://example.org/p{i % 3}"), Literal(v)) for i, v in enumerate(values)}
    assert triples_hash(triples) == reference_hash(triples)


def test_hash_of_nothing_and_of_one_triple():
    one = {(S, URIRef("https://example.org/p"), URIRef("https://example.org/o"))}
    assert triples_hash(set()) == hashlib.sha256(b"").hexdigest()
    assert triples_hash(one) == reference_hash(one) != triples_hash(set())


def test_hash_ignores_order_and_sees_a_change():
    triples = [(S, URIRef("https://example.org/p"), Literal(str(n))) for n in range(50)]
    assert triples_hash(triples) == triples_hash(list(reversed(triples)))
    assert triples_hash(triples) != triples_hash(triples[:-1])

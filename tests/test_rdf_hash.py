"""``triples_hash`` keeps its definition: the sum modulo 2^256 of the SHA-256 of each distinct N-Triples line.

Stored graphs carry this digest as ``ckg:contentHash``; if it changed, every stored graph would
look changed and be rewritten (with a new timestamp) on the next ingest. A sum of line digests
lets a graph too big to hold be hashed batch by batch (``kg.store.staged``).
"""

from __future__ import annotations

import hashlib

from rdflib import Literal, URIRef

from kg.rdf import GraphDigest, Triple, triples_hash

S = URIRef("https://example.org/s")


def reference_hash(triples: set[Triple]) -> str:
    """The definition written out directly, on text rather than bytes."""
    lines = {f"{s.n3()} {p.n3()} {o.n3()}" for s, p, o in triples}
    total = sum(int(hashlib.sha256(line.encode("utf-8")).hexdigest(), 16) for line in lines) % 2**256
    return format(total, "064x")


def test_hash_matches_its_definition_with_non_ascii_text():
    values = ["zeta", "Ünter", "ångström", "résumé", "日本", "😀 emoji", "a\u00e9", "ae", "\u00ff", "\u0100", ""]
    triples = {(S, URIRef(f"https://example.org/p{i % 3}"), Literal(v)) for i, v in enumerate(values)}
    assert triples_hash(triples) == reference_hash(triples)


def test_hash_of_nothing_and_of_one_triple():
    one = {(S, URIRef("https://example.org/p"), URIRef("https://example.org/o"))}
    assert triples_hash(set()) == "0" * 64
    line = b"<https://example.org/s> <https://example.org/p> <https://example.org/o>"
    assert triples_hash(one) == hashlib.sha256(line).hexdigest() == reference_hash(one)


def test_hash_ignores_order_and_repeats_and_sees_a_change():
    triples = [(S, URIRef("https://example.org/p"), Literal(str(n))) for n in range(50)]
    assert triples_hash(triples) == triples_hash(list(reversed(triples))) == triples_hash(triples + triples[:7])
    assert triples_hash(triples) != triples_hash(triples[:-1])


def test_digest_fed_in_batches_equals_the_hash_of_the_whole():
    triples = [(S, URIRef(f"https://example.org/p{n % 4}"), Literal(f"value {n}")) for n in range(100)]
    digest = GraphDigest()
    for start in range(0, 100, 30):  # batches of any size, in any order, each triple once
        for triple in reversed(triples[start:start + 30]):
            digest.add(triple)
    assert digest.hexdigest() == triples_hash(triples)

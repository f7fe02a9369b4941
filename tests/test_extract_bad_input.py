"""Odd input never crashes extraction, never invents a finding, and is counted as uninterpreted."""

from decimal import Decimal

import pytest
from conftest import run_kg

from ingest.enrich import enrich_document
from ingest.extract.pipeline import MAX_CHARS, extract_abstract
from kg.model import Finding, Mention, Publication, PublicationRef, SourceDocument

REF = PublicationRef(pmid="1")


@pytest.mark.parametrize("text", ["", "   \n\t", ".", "(((", "%%%% P = P = ))) 0/0 (0%) HR HR ; . ."])
def test_empty_and_junk_give_nothing(text):
    extraction = extract_abstract(text, REF)
    assert extraction.findings == ()
    assert extraction.uninterpreted_sentences <= extraction.sentences


@pytest.mark.parametrize("text", [
    "Wir untersuchten 65 Patienten. Ein hoher Blastenanteil war mit einer niedrigeren Remissionsrate verbunden.",
    "Nous avons inclus des patients. La survie globale était meilleure chez les répondeurs.",
    "我们分析了患者。完全缓解率较高。",
])
def test_other_languages_give_no_findings_and_count_what_was_not_read(text):
    extraction = extract_abstract(text, REF)
    assert extraction.findings == ()
    without_numbers = extraction.sentences - len({s.start for s in extraction.statistics})
    assert extraction.uninterpreted_sentences >= max(without_numbers, 1)


def test_unicode_operators_decimal_points_and_spaces():
    text = ("CR was achieved in 20\u00a0(45·5%) patients. Age was 45 ± 12 years. "
            "High disease burden was associated with lower CR (P\u00a0≤\u00a00·05).")
    findings = [item.finding for item in extract_abstract(text, REF).findings]
    rate = next(f for f in findings if f.percentage is not None)
    assert (rate.count, rate.percentage) == (20, Decimal("45.5"))
    risk = next(f for f in findings if f.p_value is not None)
    assert (risk.p_value, risk.p_comparator, risk.direction) == (Decimal("0.05"), "<=", "decreases")
    assert len(findings) == 2  # the "±" line is a description, not a finding


def test_numbers_without_units_are_not_findings():
    extraction = extract_abstract("Values were 12, 45 and 78. On days 3 and 7 we measured 5.5 and 6.1.", REF)
    assert extraction.findings == () and extraction.statistics == ()
    assert extraction.uninterpreted_sentences == 2


@pytest.mark.parametrize("text", ["a" * (MAX_CHARS + 10), "5% and " * 30000, "P = .01 " * 30000,
                                  "Among patients, " * 10000, "word " * 60000])
def test_very_long_texts_are_bounded(text):
    extraction = extract_abstract(text, REF)
    assert len(extraction.text) <= MAX_CHARS
    assert extraction.findings == ()


def test_enrich_leaves_documents_without_text_alone_and_adds_records_to_the_rest():
    bare = SourceDocument(kind="page", key="k", source="", records=(Publication(pmid="5"),))
    assert enrich_document(bare) is bare
    study = Publication(pmid="6", title="Blinatumomab in ALL",
                        abstract="CD19-negative relapse occurred in 4 (10%) patients.")
    citing = Publication(pmid="7", title="Extramedullary relapse after CAR T cells")
    enriched = enrich_document(SourceDocument(kind="page", key="k", source="", records=(study, citing)))
    findings = [r for r in enriched.records if isinstance(r, Finding)]
    mentions = {(r.publication.pmid, r.concept.rsplit("/", 1)[-1]) for r in enriched.records if isinstance(r, Mention)}
    assert [(f.count, f.percentage, f.method) for f in findings] == [(4, Decimal(10), "extracted")]
    assert {("6", "cd19-negative"), ("6", "blinatumomab"), ("7", "extramedullary-relapse"),
            ("7", "car-t-cell-therapy")} <= mentions
    assert enrich_document(enriched).records[: len(enriched.records)] == enriched.records


def test_cli_rejects_a_binary_file_in_one_line(tmp_path):
    binary = tmp_path / "scan.txt"
    binary.write_bytes(b"\xff\xfe\x00\x01 not text")
    result = run_kg("extract", binary)
    assert result.returncode == 1
    assert result.stderr.strip() == f"kg: error: {binary}:1:1: not UTF-8 text (byte 0xff)"


def test_cli_rejects_an_empty_abstract_and_leaves_the_store_alone(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    store = tmp_path / "store"
    result = run_kg("ingest", "abstract", empty, "--pmid", "5", store=store)
    assert result.returncode == 1
    assert result.stderr.strip() == f"kg: error: {empty}: the abstract is empty"
    stats = run_kg("stats", store=store)
    assert stats.returncode == 1 and not store.exists()  # nothing was created
    assert stats.stderr.strip() == f"kg: error: not a cohort-kg store: {store}"

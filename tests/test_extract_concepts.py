"""Concept recognition: labels and their variants, abbreviations, definitions in the text, offsets."""

from pathlib import Path

import pytest

from ingest.extract.concepts import ConceptMatcher, common_narrower, default_matcher, narrowest
from kg.namespaces import CONCEPT
from kg.vocabulary import load_vocabulary


def found(text: str) -> list[tuple[str, str]]:
    return [(m.concept.rsplit("/", 1)[-1], m.text) for m in default_matcher().find(text)]


@pytest.mark.parametrize("text", ["CD19-negative", "CD19 negative", "CD19neg", "cd19 Negative", "CD19‑negative"])
def test_hyphen_space_case_and_fused_variants(text):
    assert found(f"Blasts were {text} at relapse.")[0] == ("cd19-negative", text)


def test_offsets_point_at_the_words_used():
    text = "Of 30 relapses, 9 were CD19 dim and 4 were EM-ALL relapse."
    for mention in default_matcher().find(text):
        assert text[mention.start:mention.end] == mention.text
    assert [slug for slug, _ in found(text)] == ["relapse", "cd19-dim", "extramedullary-relapse"]


def test_plurals_match_singular_labels():
    assert ("complete-remission", "complete remissions") in found("Two complete remissions were durable.")


def test_abbreviations_are_case_sensitive():
    assert found("ALL in all patients") == [("acute-lymphoblastic-leukemia", "ALL")]
    assert found("Cr and cr were measured") == []


def test_longest_match_wins():
    assert found("EM-ALL relapse occurred") == [("extramedullary-relapse", "EM-ALL relapse")]


def test_abbreviation_defined_in_the_text_maps_to_its_concept_afterwards_only():
    text = "XQ was rare. We studied extramedullary disease (XQ). Later XQ was frequent."
    mentions = found(text)
    assert mentions == [("extramedullary-disease", "extramedullary disease"), ("extramedullary-disease", "XQ"),
                        ("extramedullary-disease", "XQ")]
    first = default_matcher().find(text)[1]
    assert text[first.start - 1:first.end + 1] == "(XQ)"


def test_parenthesised_statistics_are_not_definitions():
    mentions = found("active EM-ALL (P = .05) and later P = .05 again")
    assert mentions == [("active-extramedullary-disease", "active EM-ALL")]


def test_hyphenated_free_is_not_the_event():
    assert found("relapse-free survival and relapse") == [("relapse", "relapse")]


def test_curators_extend_recognition_through_the_vocabulary_only(tmp_path: Path):
    vocabulary = tmp_path / "vocabulary.ttl"
    vocabulary.write_text("""
@prefix concept: <https://w3id.org/cohort-kg/concept/> .
@prefix ckg: <https://w3id.org/cohort-kg/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
concept:cytokine-release-syndrome a skos:Concept, ckg:Outcome ;
    skos:prefLabel "cytokine release syndrome"@en ; skos:altLabel "cytokine storm"@en ;
    ckg:abbreviation "CRS" .
""", encoding="utf-8")
    matcher = ConceptMatcher(load_vocabulary(vocabulary))
    text = "Grade 3 Cytokine-Release Syndromes and crs; CRS resolved; cytokine storms"
    assert [(m.text, m.via) for m in matcher.find(text)] == [
        ("Cytokine-Release Syndromes", "label"), ("CRS", "abbreviation"), ("cytokine storms", "label")]


def test_lookup_of_a_whole_phrase():
    matcher = default_matcher()
    assert matcher.lookup("CD19 dim") == str(CONCEPT["cd19-dim"])
    assert matcher.lookup("CD19 purple") is None


def test_hierarchy_helpers():
    concepts = load_vocabulary()
    em, relapse = str(CONCEPT["extramedullary-disease"]), str(CONCEPT["relapse"])
    assert common_narrower([em, relapse], concepts) == str(CONCEPT["extramedullary-relapse"])
    burden, blasts = str(CONCEPT["high-leukemia-burden"]), str(CONCEPT["bone-marrow-blasts-over-50"])
    assert narrowest([burden, blasts], concepts) == [blasts]


def test_a_one_letter_slip_in_the_first_word_of_a_long_label_is_read():
    from ingest.extract.concepts import default_matcher

    matcher = default_matcher()
    slipped = matcher.find("Overall survival and even-free survival were longer.")
    assert [m.concept.rsplit("/", 1)[-1] for m in slipped] == ["overall-survival", "event-free-survival"]
    assert slipped[-1].via == "slip"
    assert all(m.via != "slip" for m in matcher.find("Even free time was short, and survival was long."))

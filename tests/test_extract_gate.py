"""The shared checks every relational finding passes: noun phrases, significance, abbreviations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.extract.draft import Draft
from ingest.extract.gate import (
    Abbreviations,
    negated_comparison,
    noun_phrase_problem,
    passes,
    signed_change,
    significance_direction,
    tidy,
)
from ingest.extract.pipeline import extract_abstract
from ingest.extract.sentences import Sentence
from ingest.extract.statistics import find_statistics
from kg.model import PublicationRef


@pytest.mark.parametrize("label", [
    "topical diclofenac", "arm A (resistance training)", "A", "higher baseline cotinine", "F + A",
    "risk of advanced colorectal neoplasia", "had assisted conception", "IL-6", "false-positive results",
])
def test_noun_phrases_pass(label: str) -> None:
    assert noun_phrase_problem(label, max_words=8) is None


@pytest.mark.parametrize(("label", "why"), [
    ("PINP could be identified", "a clause"),
    ("amount of", "starts or ends with a function word"),
    ("position is important", "a clause"),
    ("an", "starts or ends with a function word"),
    ("these findings", "names nothing"),
    ("adjusted odds ratio", "a statistic's name"),
    ("12.5", "a number"),
    ("", "empty"),
    ("the time to primary treatment after a diagnosis of breast cancer in women", "too long"),
])
def test_fragments_and_clauses_fail(label: str, why: str) -> None:
    assert noun_phrase_problem(label, max_words=8) == why


def _draft(text: str, direction: str = "increases", subject: str = "zinc", obj: str = "recovery") -> Draft:
    sentence = Sentence(text, 0, len(text))
    stats = tuple(s for s in find_statistics(text) if s.kind == "p_value")
    return Draft(relation="associated with", direction=direction, subject_concept=None, subject_label=subject,
                 object_concept=None, object_label=obj, subgroup="all patients", sentence=sentence,
                 statistics=stats)


def test_a_finding_with_a_clause_for_subject_is_not_emitted() -> None:
    assert passes(_draft("x", subject="zinc")) is True
    assert passes(_draft("x", subject="zinc was given")) is False
    assert passes(_draft("x", obj="from the lower airway")) is False


@pytest.mark.parametrize(("text", "direction"), [
    ("Recovery was faster with zinc (P = 0.21).", "no_effect"),
    ("Recovery was faster with zinc, but the difference was not statistically significant.", "no_effect"),
    ("Recovery showed a trend towards being faster with zinc.", "no_effect"),
    ("Recovery was faster with zinc (P = 0.01).", "increases"),
    ("Recovery was faster with zinc (P = 0.05).", "increases"),
    ("Recovery was faster with zinc (P < 0.01), but stool output did not reach significance (P = 0.3).", "increases"),
])
def test_a_comparison_the_sentence_calls_not_significant_has_no_effect(text: str, direction: str) -> None:
    draft = _draft(text)
    if "(P < 0.01)" in text:  # the finding keeps its own P-value
        draft = Draft(**{**draft.__dict__, "statistics": draft.statistics[:1]})
    assert significance_direction(draft).direction == direction


def test_unspecified_and_null_findings_keep_their_direction() -> None:
    assert significance_direction(_draft("Y differed (P = 0.3).", "unspecified")).direction == "unspecified"


def test_abbreviations_the_text_defines_name_both_forms() -> None:
    abbreviations = Abbreviations("Patients received mechanical insufflation-exsufflation (MI-E) or usual care "
                                  "(n = 40). Telephone cognitive behavioural therapy (tCBT) was offered.")
    assert abbreviations.label("MI-E") == "MI-E (mechanical insufflation-exsufflation)"
    assert abbreviations.label("mechanical insufflation-exsufflation") == \
        "mechanical insufflation-exsufflation (MI-E)"
    assert abbreviations.label("tCBT group") == "tCBT group (Telephone cognitive behavioural therapy)"
    assert abbreviations.label("usual care") == "usual care"  # "(n = 40)" defines nothing
    assert "n" not in abbreviations.long_of


def test_the_pipeline_applies_the_gate_and_the_abbreviations() -> None:
    text = ("Sixty adults were randomised to plasma exchange (PE) or immunoglobulin. "
            "Ventilation time was shorter in the PE group (P = 0.01). "
            "Recovery was faster in the PE group, but the difference was not significant.")
    findings = [f.finding for f in extract_abstract(text, PublicationRef(title="t")).findings]
    labels = {(f.subject_label, f.object_label, f.direction) for f in findings}
    assert any(s and "plasma exchange" in s and d == "decreases" for s, _, d in labels), labels
    assert all(d != "increases" for s, o, d in labels if o and "Recovery" in o), labels
    assert Decimal("0.01") in {f.p_value for f in findings}


@pytest.mark.parametrize(("obj", "direction", "tidied", "expected"), [
    ("less AIDS progression", "increases", "AIDS progression", "decreases"),
    ("significantly increased costs", "unspecified", "costs", "increases"),
    ("similar tidal volumes respectively with NAVA and with CV", "increases", "tidal volumes", "no_effect"),
    ("pain compared with placebo", "decreases", "pain", "decreases"),
    ("higher", "increases", "higher", "increases"),  # a direction word alone is left as it is
])
def test_direction_words_move_out_of_the_object(obj: str, direction: str, tidied: str, expected: str) -> None:
    draft = tidy(_draft("x", direction=direction, obj=obj))
    assert (draft.object_label, draft.direction) == (tidied, expected)


def test_a_negated_list_item_has_no_effect() -> None:
    draft = tidy(_draft("x", subject="not the response to chemotherapy", obj="nodal metastasis"))
    assert (draft.subject_label, draft.direction) == ("response to chemotherapy", "no_effect")


def test_a_statement_attributed_to_other_work_is_background() -> None:
    assert passes(_draft("Previous studies showed that zinc shortened recovery.")) is False
    assert passes(_draft("Zinc shortened recovery.")) is True


def test_a_conclusion_repeating_a_result_without_numbers_adds_no_finding() -> None:
    text = ("RESULTS: Recovery time was shorter in the zinc group than in the placebo group (P = 0.01).\n"
            "CONCLUSIONS: Recovery time was shorter in the zinc group than in the placebo group. "
            "Zinc reduced hospital stay.")
    findings = [f.finding for f in extract_abstract(text, PublicationRef(title="t")).findings]
    recovery = [f for f in findings if f.object_label and "Recovery" in f.object_label]
    assert len(recovery) == 1 and recovery[0].p_value == Decimal("0.01")
    assert any(f.object_label == "hospital stay" for f in findings)  # a new outcome in the conclusion stays


@pytest.mark.parametrize(("obj", "text", "kept"), [
    ("age", "There was no significant difference in age between groups.", False),
    ("pain scores", "Pain scores did not differ between the arms at baseline.", False),
    ("pain scores", "Pain scores did not differ between the arms at week 12.", True),
    ("ageing markers", "Ageing markers did not differ between the arms.", True),
])
def test_a_null_comparison_of_who_was_enrolled_is_a_balance_check(obj: str, text: str, kept: bool) -> None:
    assert passes(_draft(text, direction="no_effect", obj=obj)) is kept


def test_a_change_within_an_arm_already_reported_by_another_sentence_is_not_repeated() -> None:
    text = ("Physician scores improved in the treatment group compared to controls in mobility (p = 0.01) and "
            "mood (p = 0.02). Parent scores improved in the treatment group compared to controls in mobility "
            "(p = 0.03) and mood (p = 0.04).")
    findings = [f.finding for f in extract_abstract(text, PublicationRef(title="t")).findings
                if f.finding.found_by == "outcome-changed-in-arm"]
    assert [f.p_value for f in findings] == [Decimal("0.01"), Decimal("0.02")]


def test_a_factor_named_in_a_direction_that_predicts_an_outcome_raises_it() -> None:
    draft = Draft(**{**_draft("x", direction="unspecified", subject="a higher BMI").__dict__, "relation": "predicts"})
    assert tidy(draft).direction == "increases"
    plain = Draft(**{**_draft("x", direction="unspecified", subject="BMI").__dict__, "relation": "predicts"})
    assert tidy(plain).direction == "unspecified"


def test_a_change_to_the_same_extent_in_both_groups_is_no_effect() -> None:
    draft = _draft("Pentosidine was increased to the same extent in diabetic and non-diabetic patients.")
    assert significance_direction(draft).direction == "no_effect"


def test_a_comparison_against_the_control_names_the_titles_intervention() -> None:
    title = "Zinc versus placebo for children with pneumonia: a randomised trial"
    text = "Compared with placebo, recovery time was significantly shorter (P = 0.01)."
    findings = [f.finding for f in extract_abstract(text, PublicationRef(title=title), title=title).findings]
    assert [(f.subject_label, f.direction, f.object_label, f.found_by) for f in findings] == [
        ("Zinc", "decreases", "recovery time", "compared-first")]


@pytest.mark.parametrize(("text", "direction"), [
    ("Falls were fewer with exercise (RR 0.80, 95% CI 0.60 to 1.07).", "no_effect"),
    ("Falls were fewer with exercise (RR 0.80, 95% CI 0.66 to 0.97).", "increases"),
    ("Pain fell more with exercise (MD -1.2, 95% CI -2.5 to 0.1).", "no_effect"),
])
def test_without_a_p_value_the_interval_decides(text: str, direction: str) -> None:
    effects = tuple(s for s in find_statistics(text) if s.kind == "effect_size")
    draft = Draft(**{**_draft(text).__dict__, "statistics": effects})
    assert significance_direction(draft).direction == direction


@pytest.mark.parametrize(("text", "obj", "expected"), [
    ("The change in pain score was greater in the massage group (-4.1 vs. -2.2, p = 0.01).", "pain score",
     "decreases"),  # a harm score fell further in the massage group
    ("The change in pain score was greater in the massage group (-2.2 vs. -4.1, p = 0.01).", "pain score",
     "increases"),  # it fell less there
    ("The change in walking distance was greater in the massage group (-4.1 vs. -2.2, p = 0.01).",
     "walking distance", "increases"),  # not a harm: the words decide
    ("Pain was higher in the massage group (4.1 vs. 2.2, p = 0.01).", "Pain", "increases"),  # no change, positive
])
def test_a_larger_negative_change_of_a_harm_score_is_a_fall(text: str, obj: str, expected: str) -> None:
    assert signed_change(_draft(text, obj=obj)).direction == expected


def test_a_quoted_name_counts_as_one_word() -> None:
    assert noun_phrase_problem("'at risk' group", max_words=8) is None
    assert noun_phrase_problem("at risk group", max_words=8) is not None  # unquoted, it opens with "at"


@pytest.mark.parametrize(("text", "obj", "expected"), [
    ("Median PFS was not improved in the laser group compared with observation (P = 0.75).", "Median PFS",
     "no_effect"),
    ("Median PFS was improved in the laser group, but OS was not improved (P = 0.02).", "Median PFS",
     "increases"),  # the negation belongs to the other outcome
])
def test_a_comparison_the_sentence_negates_after_the_outcome_is_null(text: str, obj: str, expected: str) -> None:
    assert negated_comparison(_draft(text, obj=obj)).direction == expected

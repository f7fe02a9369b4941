"""Findings read from the comparison statistics of sentences no worded rule reads."""

from __future__ import annotations

import pytest

from ingest.extract.anchored import _subject
from ingest.extract.chunks import first_chunk, last_chunk, population_chunk
from ingest.extract.concepts import default_matcher
from ingest.extract.draft import Context
from ingest.extract.findings import sentence_findings
from ingest.extract.pipeline import extract_abstract
from ingest.extract.sentences import split_sentences
from ingest.extract.statistics import find_statistics
from kg.model import PublicationRef

_REF = PublicationRef(title="anchored")


def _anchored(text: str, title: str | None = None) -> list[tuple[str | None, str | None, str]]:
    findings = [f.finding for f in extract_abstract(text, _REF, title=title).findings]
    return [(f.subject_label, f.object_label, f.direction) for f in findings if f.found_by == "statistic-anchored"]


@pytest.mark.parametrize(("text", "subject", "obj", "direction"), [
    ("The BDI scores fell from 17.3 at baseline to 11.0 in the counselling group and to 15.7 in the control "
     "group (p<0.001).", "counselling group", "BDI scores", "decreases"),
    ("First dialysis in the clopidogrel group was significantly more successful than in the placebo group "
     "(P = 0.008).", "clopidogrel group", "First dialysis", "increases"),
    ("The overall cost for the coaching group was higher ($10,574 vs. $8,534, p = 0.021).", "coaching group",
     "cost", "increases"),
    ("Wound infection developed in 5 of 86 patients in the cefuroxime group compared to 8 of 91 in the "
     "sulbactam group (p = 0.6).", "cefuroxime group", "Wound infection", "no_effect"),
    ("Fourteen of 379 women in the zinc group and 17 of 340 in the placebo group had a high score (p=0.46).",
     "zinc group", "high score", "no_effect"),
    ("Tumour progression occurred in 46% of the protocol group compared with 69% in the observation group "
     "(P<.05).", "protocol group", "Tumour progression", "decreases"),
    ("In the laser group, fewer ablations were required (1.72 vs. 2.31, P = 0.039).", "laser group", "ablations",
     "decreases"),
])
def test_a_clause_with_a_statistic_gives_a_finding(text: str, subject: str, obj: str, direction: str) -> None:
    found = _anchored(text)
    assert any(s and subject in s and o == obj and d == direction for s, o, d in found), found


def test_the_tested_arm_is_preferred_over_the_comparator() -> None:
    text = ("Clinical failure was seen in 19 of 70 patients in the cefixime group as compared to 1 of 88 patients "
            "in the gatifloxacin group (OR 0.031, 95% CI 0.004-0.237, p<0.001).")
    found = _anchored(text, title="Gatifloxacin versus cefixime for enteric fever")
    assert found and all(s and "gatifloxacin" in s for s, _, _ in found), found


def test_a_comparison_against_controls_names_the_tested_arm() -> None:
    text = "Sensory awareness significantly improved (p = 0.0367) compared to the control group."
    found = _anchored(text, title="Hyperbaric treatment for children with autism")
    assert found and found[0][0] and found[0][0].startswith("Hyperbaric treatment") and found[0][2] == "increases"


@pytest.mark.parametrize("text", [
    "Serum ferritin was measured in all children (P = 0.01).",  # no arm, no comparison
    "Relapse was seen in 12% of patients (95% CI 8 to 16).",  # a prevalence, not a comparison
    "The mean age was 63 years in the zinc group and 62 years in the placebo group (p = 0.33).",  # balance
    "Fourteen of 379 women were in the zinc group and 17 of 340 in the placebo group (p=0.46).",
    "A generalized linear model showed a higher risk in the placebo group (OR = 1.25, P = 0.001).",
])
def test_no_finding_without_an_outcome_an_arm_and_a_direction(text: str) -> None:
    assert _anchored(text) == []


def test_a_sentence_a_worded_rule_reads_gets_no_anchored_finding() -> None:
    text = "Zinc reduced the duration of diarrhoea compared with placebo (P = 0.01)."
    findings = [f.finding for f in extract_abstract(text, _REF).findings]
    assert findings and all(f.found_by != "statistic-anchored" for f in findings)


def _ctx(intervention: str | None = None, abbreviations: dict[str, str] | None = None) -> Context:
    matcher = default_matcher()
    return Context(matcher=matcher, concepts=matcher.concepts, intervention=intervention,
                   abbreviations=abbreviations or {})


def test_a_control_named_first_reverses_the_direction_for_the_tested_arm() -> None:
    clause = ("The time to recovery was longer in the placebo group compared to the zinc arm (24.4 vs 23.0 hours; "
              "P = 0.011).")
    assert _subject(clause, _ctx()) == ("zinc group", True)
    assert _subject(clause, _ctx(), worded=False) == ("zinc group", True)
    assert _subject("Recovery was longer in the zinc arm than in the placebo arm.", _ctx()) == ("zinc group", False)


def test_an_arm_abbreviation_the_abstract_defines_names_the_arm() -> None:
    clause = "The incidence of diarrhoea in the SeG was 19.1% versus 52.6% in the CG (p=0.046)."
    ctx = _ctx(abbreviations={"SeG": "selenium group", "CG": "control group"})
    assert _subject(clause, ctx) == ("SeG", False)
    assert _subject(clause, _ctx()) is None  # an abbreviation the abstract does not define names no arm


@pytest.mark.parametrize(("text", "end", "chunk"), [
    ("The median duration of mechanical ventilation (7 versus 17 days", 45, "duration of mechanical ventilation"),
    ("and had lower rates of clear resection margins", 46, "rates of clear resection margins"),
    ("significantly more often had ulcerated primary tumors", 53, "ulcerated primary tumors"),
    ("with a filtration rate of 90 mL/min", 35, None),  # a unit
    ("improvement of motor function after RT alone", 44, None),  # an arm after "after"
    ("was lower compared with the non-Sami population", 48, None),  # a population
    ("no significant difference between the groups at 12 months", 58, None),  # a time
])
def test_the_chunk_printed_before_a_statistic(text: str, end: int, chunk: str | None) -> None:
    assert last_chunk(text, 0, end) == chunk


def test_the_chunk_after_a_relation_verb_carries_its_comparative() -> None:
    text = "higher in-hospital mortality (p = 0.01)"
    assert first_chunk(text, 0, len(text)) == ("in-hospital mortality", "increases")
    assert first_chunk("the 30 patients", 0, 15) == (None, None)


@pytest.mark.parametrize(("front", "population"), [
    ("Nonwhite patients at initial diagnosis had thicker tumors", "Nonwhite patients"),
    ("reported more often by English respondents", "English respondents"),
    ("a higher stillbirth rate among rural infants", "rural infants"),
    ("Patients had more visits", None),  # everyone, not a compared population
    ("The level was higher in 12 patients", None),
])
def test_a_named_population_is_the_compared_group(front: str, population: str | None) -> None:
    assert population_chunk(front) == population


@pytest.mark.parametrize(("text", "subject", "obj", "direction"), [
    ("Older smokers had thicker plaques (P = .002) and more often had calcified lesions (P < .001) than younger "
     "smokers.", "Older smokers", "calcified lesions", "increases"),
    ("Those given the booklet needed more clinic visits (5 vs 3; p = 0.01), had fewer admissions (2% vs 9%; "
     "p = 0.03) and had a shorter stay (p = 0.04).", "booklet", "admissions", "decreases"),
    ("Those given the booklet needed more clinic visits (5 vs 3; p = 0.01), had fewer admissions (2% vs 9%; "
     "p = 0.03) and had a shorter stay (p = 0.04).", "booklet", "clinic visits", "increases"),
])
def test_each_group_of_a_list_has_its_outcome_and_its_own_comparative(text: str, subject: str, obj: str,
                                                                      direction: str) -> None:
    found = _anchored(text)
    assert (subject, obj, direction) in found, found


def _related(text: str) -> list[tuple[str | None, str | None, str]]:
    findings = [f.finding for f in extract_abstract(text, _REF).findings]
    return [(f.subject_label, f.object_label, f.direction) for f in findings if f.found_by == "anchored-relation"]


def test_each_factor_of_a_list_takes_the_direction_of_its_own_ratio() -> None:
    text = ("Albumin (OR 0.81, 95% CI 0.70-0.94, p = 0.006) and CRP (OR 1.12, 95% CI 1.03-1.22, p = 0.01) were "
            "related with prolonged admission.")
    assert sorted(_related(text)) == [("Albumin", "prolonged admission", "decreases"),
                                      ("CRP", "prolonged admission", "increases")]


def test_the_only_predictor_takes_the_statistics_printed_after_its_outcome() -> None:
    text = ("On multivariable analysis, prior stroke was the only predictor of in-hospital death (relative risk "
            "3.10, 95% CI 1.20-8.00, p = 0.02).")
    assert _related(text) == [("prior stroke", "in-hospital death", "increases")]


def test_factors_without_a_ratio_or_a_comparative_give_no_relation() -> None:
    assert _related("Albumin (p = 0.006) and CRP (p = 0.01) were related with prolonged admission.") == []


def test_a_worded_finding_the_gate_drops_leaves_the_sentence_to_the_anchored_reader() -> None:
    text = "Readmission was higher in the treated group (30%) than in the control group (12%) (p = 0.003)."
    sentence = split_sentences(text)[0]
    stats = find_statistics(text)
    matcher = default_matcher()
    ctx = Context(matcher=matcher, concepts=matcher.concepts)
    kept = sentence_findings(sentence, matcher.find(text), stats, ctx)
    dropped = sentence_findings(sentence, matcher.find(text), stats, ctx, keep=lambda draft: False)
    assert kept and all(d.found_by != "statistic-anchored" for d in kept)
    assert any(d.found_by == "statistic-anchored" and d.object_label == "Readmission" for d in dropped), dropped


@pytest.mark.parametrize(("text", "obj", "direction"), [
    ("The decrease in wheezing was greater in the intervention (9.2%) compared to the control villages (4.2%, "
     "p = 0.01).", "wheezing", "decreases"),  # a greater decrease
    ("The increase in grip strength was smaller in the intervention (1.2 kg) than in the control villages (3.1 kg, "
     "p = 0.02).", "grip strength", "decreases"),  # a smaller increase
    ("The hazard ratio of relapse comparing intervention with control was 0.71 (95% CI 0.55-0.92, p = 0.01).",
     "relapse", "decreases"),
])
def test_a_change_named_with_its_size_and_a_ratio_comparing_arms(text: str, obj: str, direction: str) -> None:
    findings = extract_abstract(text, _REF, title="A school intervention for asthma").findings
    found = [(f.finding.object_label, f.finding.direction) for f in findings]
    assert (obj, direction) in found, found


def test_the_outcome_after_no_difference_in_is_the_chunk_it_opens() -> None:
    assert first_chunk("uptake of effective contraception between the groups (66%", 0, 57) == (
        "uptake of effective contraception", None)


def test_a_signed_correlation_with_a_list_of_outcomes_gives_one_finding_each() -> None:
    text = ("Lactate on admission had a significant negative correlation with Apgar score (AS) at birth "
            "(r = -0.31, p = 0.01) and cord pH (r = -0.22, p = 0.04).")
    assert sorted(_related(text)) == [("Lactate on admission", "Apgar score at birth", "decreases"),
                                      ("Lactate on admission", "cord pH", "decreases")]


def test_a_time_point_stays_with_the_chunk_it_qualifies() -> None:
    assert last_chunk("raised CRP on admission (p", 0, 24) == "raised CRP on admission"
    assert last_chunk("it was on admission (p", 0, 19) is None


@pytest.mark.parametrize(("text", "subject", "obj", "direction"), [
    ("Median survival of the control group (n = 40) versus the marker-positive group (n = 45) was 25 versus 16 "
     "months (p = 0.01).", "marker-positive group", "survival", "decreases"),  # the control's value comes first
    ("Median stay of the laser group versus the surgery group was 3 versus 5 days (p = 0.01).", "laser group",
     "stay", "decreases"),
])
def test_arms_named_only_by_the_order_of_their_values(text: str, subject: str, obj: str, direction: str) -> None:
    assert (subject, obj, direction) in _anchored(text)


def test_a_range_of_time_points_is_no_pair_of_arm_values() -> None:
    assert _anchored("Weight in the laser group was measured at 6 versus 12 months (p = 0.01).") == []


def test_a_clause_that_names_the_tested_arm_in_full_takes_it_as_subject() -> None:
    title = "Pediatric bag-valve-mask versus adult bag-valve-mask for ventilation in children"
    named = "In all three airway models, the pediatric bag-valve-mask provided lower median tidal volumes (p<0.001)."
    unnamed = "In all three airway models, the new device provided lower median tidal volumes (p<0.001)."
    assert _anchored(named, title=title) == [("Pediatric bag-valve-mask", "tidal volumes", "decreases")]
    assert _anchored(unnamed, title=title) == []


@pytest.mark.parametrize(("text", "subject", "obj", "direction"), [
    ("There was no evidence of a difference in uptake of screening between the groups (66% in the intervention "
     "arm vs 64% in the control arm, adjusted OR 1.21, 95% CI 0.80-1.83, p = 0.36).", "intervention group",
     "uptake of screening", "no_effect"),  # the arms are named only inside the bracket
    ("Reduced rate of wound infection (22 (55 %) vs. 33 (83 %) patients; p = 0.016) was observed in the "
     "drain group compared to controls.", "drain group", "rate of wound infection", "decreases"),  # nested
])
def test_arms_and_statistics_inside_brackets(text: str, subject: str, obj: str, direction: str) -> None:
    assert (subject, obj, direction) in _anchored(text)


@pytest.mark.parametrize(("text", "subject", "obj"), [
    ("Registry data for this age range also showed a higher readmission rate among rural infants (OR 1.20, "
     "95% CI 1.09 to 1.32, p<0.001).", "rural infants", "readmission rate"),  # not "Registry data"
    ("The number of lesions was significantly higher on T2w than on CT images at both sites (p<0.05).", "T2w",
     "lesions"),  # not the comparator "CT images"
])
def test_the_outcome_is_neither_the_data_source_nor_the_comparator(text: str, subject: str, obj: str) -> None:
    assert (subject, obj, "increases") in _anchored(text)


def test_a_worded_finding_holds_only_the_statistics_up_to_its_own_p_value() -> None:
    text = ("Compared with controls, patients receiving metformin had lower HbA1c (p = 0.01) and fewer "
            "hypoglycaemic episodes (p = 0.03).")  # the comparator opens the clause: metformin is the tested arm
    findings = extract_abstract(text, _REF, title="Metformin versus placebo in prediabetes").findings
    found = {(f.finding.found_by, f.finding.object_label, f.finding.direction) for f in findings}
    assert ("statistic-anchored", "hypoglycaemic episodes", "decreases") in found, found
    assert any(obj == "HbA1c" for _, obj, _ in found), found


def test_a_unit_is_no_chunk() -> None:
    assert last_chunk("50.2% for formoterol 4.5 μg", 0, 27) is None


def test_a_whereas_clause_keeps_its_own_factors() -> None:
    text = ("After adjustment, we found no difference between sexes in walking speed (odds ratio, 1.03; 95% "
            "confidence interval, 0.97-1.09; P=0.39), whereas male sex was related to a higher risk of falls "
            "(odds ratio, 1.19; 95% confidence interval, 1.10-1.29; P=0.001).")
    assert all(subject != "walking speed" for subject, _, _ in _related(text)), _related(text)


def test_a_prepositional_phrase_behind_a_determiner_is_no_outcome() -> None:
    assert last_chunk("compared to CT at both field strengths (p", 0, 39) is None


def test_a_change_over_time_under_the_tested_treatment() -> None:
    title = "Cholecalciferol for vitamin D deficiency in kidney disease"
    text = "The mean 25-hydroxyvitamin D level increased from 15.1 ± 5.8 to 23.3 ± 11.8 ng/ml (p<0.001)."
    assert _anchored(text, title=title) == [("Cholecalciferol", "25-hydroxyvitamin D level", "increases")]
    assert _anchored("The mean 25-hydroxyvitamin D level was 23.3 ng/ml (p<0.001).", title=title) == []

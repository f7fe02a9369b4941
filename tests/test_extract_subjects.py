"""One shared step names every finding's subject as the abstract names its tested arm."""

from __future__ import annotations

import pytest

from ingest.extract.arms import title_intervention
from ingest.extract.concepts import default_matcher
from ingest.extract.draft import Context, Draft
from ingest.extract.pipeline import extract_abstract
from ingest.extract.sentences import Sentence
from ingest.extract.subjects import ArmNames, arm_names_of, resolve_subject
from kg.model import PublicationRef


def _context(intervention: str | None = None, arms: dict[str, str] | None = None,
             abbreviations: dict[str, str] | None = None) -> Context:
    matcher = default_matcher()
    return Context(matcher=matcher, concepts=matcher.concepts, intervention=intervention, arms=arms or {},
                   abbreviations=abbreviations or {})


def _draft(subject: str | None, concept: str | None = None) -> Draft:
    return Draft(relation="associated with", direction="decreases", subject_concept=concept, subject_label=subject,
                 object_concept=None, object_label="pain", subgroup="all patients", sentence=Sentence("x", 0, 1))


@pytest.mark.parametrize("generic", [
    "the intervention group", "intervention", "treated patients", "the experimental arm", "active treatment",
    "the treatment group", "patients treated", "study group",
])
def test_a_generic_arm_mention_becomes_the_named_arm(generic: str) -> None:
    arm = ArmNames("zinc", ("ZN",))
    resolved = resolve_subject(_draft(generic), _context("zinc"), arm).subject_label
    assert resolved is not None and resolved.startswith("zinc (") and generic in resolved and "ZN" in resolved


@pytest.mark.parametrize("specific", ["placebo", "higher baseline cotinine", "the control group", "women"])
def test_a_named_subject_other_than_the_arm_is_left_as_it_is(specific: str) -> None:
    assert resolve_subject(_draft(specific), _context("zinc"), ArmNames("zinc", ("ZN",))).subject_label == specific


def test_without_a_named_arm_a_generic_mention_is_left_as_it_is() -> None:
    assert resolve_subject(_draft("the intervention group"), _context(), ArmNames(None)).subject_label == \
        "the intervention group"


def test_a_concept_subject_is_never_relabelled() -> None:
    draft = _draft("intervention", concept="https://example.org/zinc")
    assert resolve_subject(draft, _context("zinc"), ArmNames("zinc")).subject_label == "intervention"


def test_a_defined_arm_label_is_spelt_out() -> None:
    resolved = resolve_subject(_draft("arm A"), _context(arms={"arm a": "resistance training"}), ArmNames(None))
    assert resolved.subject_label == "resistance training (arm A)"
    assert resolve_subject(_draft("group B"), _context(arms={"arm a": "x"}), ArmNames(None)).subject_label == \
        "group B"


def test_the_arm_name_carries_the_other_names_the_abstract_uses() -> None:
    text = ("We conducted a randomized controlled trial of tCBT in addition to usual care. "
            "Scores fell more in the intervention group (P = 0.01).")
    ctx = _context("Telephone Cognitive-Behavioral Therapy")
    arm = arm_names_of(text, ctx)
    assert arm.name == "Telephone Cognitive-Behavioral Therapy"
    assert arm.aliases == ("tCBT", "intervention group")
    resolved = resolve_subject(_draft("Telephone Cognitive-Behavioral Therapy"), ctx, arm).subject_label
    assert resolved == "Telephone Cognitive-Behavioral Therapy (tCBT; intervention group)"


def test_the_trial_sentence_names_the_arm_when_the_title_does_not() -> None:
    arm = arm_names_of("An intervention trial using selenium and coenzyme Q10 for four years was performed.",
                     _context())
    assert arm.name == "selenium and coenzyme Q10"
    assert arm_names_of("A trial of patients with asthma in two centres.", _context()).name is None


@pytest.mark.parametrize("title", [
    "Iron absorption from bananas in women", "Urogenital function in robotic versus open surgery",
    "Leukocyte telomere length in paediatric critical illness",
])
def test_a_title_naming_a_measured_quantity_names_no_intervention(title: str) -> None:
    assert title_intervention(title) is None


def test_the_pipeline_resolves_generic_subjects_of_every_rule() -> None:
    text = ("Eighty adults were randomised to zinc or placebo. "
            "Diarrhoea duration was significantly shorter in the intervention group than in the placebo group "
            "(P = 0.01).")
    findings = [f.finding for f in extract_abstract(text, PublicationRef(title="t"),
                                                    title="Efficacy of zinc versus placebo in diarrhoea").findings]
    subjects = {f.subject_label for f in findings}
    assert any(s and s.startswith("zinc (") and "intervention group" in s for s in subjects), subjects


def test_the_role_word_the_abstract_uses_alone_is_one_of_the_arm_names() -> None:
    text = "Drinking fell by 5% with the intervention (95% CI -4.7% to 16%). The intervention period lasted a year."
    arm = arm_names_of(text, _context("Online Screening"))
    assert arm.aliases == ("intervention",)
    assert arm_names_of("The intervention period lasted a year.", _context("Online Screening")).aliases == ()

"""The one-line finding text (``kg.finding_text``) shared by kg extract, kg findings and the scorer."""

from __future__ import annotations

from decimal import Decimal

from kg.finding_text import describe_finding, finding_line, numbers_text
from kg.model import Finding, PublicationRef

CONCEPT = "https://w3id.org/cohort-kg/concept/"


def test_a_finding_with_every_number():
    finding = Finding(publication=PublicationRef(pmid="1"), relation="risk factor for", direction="increases",
                      method="extracted", subject_concept=f"{CONCEPT}cd19-negative", object_label="relapse",
                      subgroup="adults", count=8, denominator=20, percentage=Decimal("40.0"),
                      p_value=Decimal("0.005"), p_comparator="<", effect_measure="HR", effect_size=Decimal("2.1"),
                      ci_low=Decimal("1.2"), ci_high=Decimal("3.4"))
    assert describe_finding(finding) == ('cd19-negative --risk factor for/increases--> "relapse" [adults] '
                                         "n=8/20 40.0% P<0.005 HR 2.1 (1.2-3.4)")


def test_what_is_missing_is_left_out():
    assert numbers_text() == ""
    assert numbers_text(denominator=12) == "of 12"
    assert numbers_text(p_value=Decimal("0.02")) == "P=0.02"
    assert numbers_text(effect_size=Decimal("1.5"), ci_low=Decimal("1.1")) == "effect 1.5"  # half an interval
    assert finding_line("-", None, "unspecified", "x", None) == "- --?/unspecified--> x [all patients]"

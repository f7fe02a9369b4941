"""Effect sizes with their interval in the many ways abstracts print them.

The forms are combinations of a measure name (abbreviated, spelt out, adjusted, a
difference or an effect size), its position relative to the interval words, the
interval's level (95%, 90%, 99%), its separator ("-", "–", "to", ",", ";",
"from ... to") and brackets. The sentences are written for this test, each in the
form of a real abstract; a form that is missing here is a recall gap on text the
rules were not tuned on.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.extract.statistics import find_statistics

_FORMS = [
    ("Mortality was lower (hazard ratio [HR], 0.50; 95% CI, 0.30-0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR, 0.50; 95% CI, 0.30 to 0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50, 95% CI 0.30; 0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50 [95% CI 0.30, 0.80]).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR: 0.50, 95% CI: [0.30, 0.80]).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50 (0.30, 0.80)).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50, 0.30-0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR (95% CI) 0.50 (0.30-0.80)).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR = 0.50, 95% CI = 0.30-0.80, P = 0.01).", "0.50", "0.30", "0.80"),
    ("The hazard ratio for death was 0.50 (95% confidence interval 0.30 to 0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50, 95% CI from 0.30 to 0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50, 95% CI ranging from 0.30 to 0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50; 95% confidence limits 0.30-0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50; 90% CI 0.30-0.80).", "0.50", "0.30", "0.80"),
    ("Mortality was lower (HR 0.50; 99% CI 0.30-0.80).", "0.50", "0.30", "0.80"),
    ("Smoking increased the odds of relapse (OR = 2.1; CI 95%: 1.2-3.4).", "2.1", "1.2", "3.4"),
    ("Smoking increased the odds of relapse (OR=2.1, CI=1.2-3.4).", "2.1", "1.2", "3.4"),
    ("Smoking increased the odds of relapse (aOR 2.1; 95%CI 1.2-3.4).", "2.1", "1.2", "3.4"),
    ("Smoking increased the odds of relapse (adjusted odds ratio (aOR) 2.1, 95% CI 1.2-3.4).", "2.1", "1.2", "3.4"),
    ("Smoking was associated with relapse (OR 2.1 [95% CI: 1.2–3.4]).", "2.1", "1.2", "3.4"),
    ("Smoking was associated with relapse, with an odds ratio of 2.1 (95% CI 1.2 to 3.4).", "2.1", "1.2", "3.4"),
    ("Relapse was less frequent (risk ratio 0.66; 95% CI 0.43, 1.03).", "0.66", "0.43", "1.03"),
    ("Relapse was less frequent (incidence rate ratio, 0.66; 95% CI, 0.43 to 1.03).", "0.66", "0.43", "1.03"),
    ("Pain fell more with X (MD −2.1; 95% CI −3.4, −0.8).", "-2.1", "-3.4", "-0.8"),
    ("Pain fell more with X (MD -2.1 [-3.4 to -0.8]).", "-2.1", "-3.4", "-0.8"),
    ("Pain fell more with X (adjusted mean difference: -2.1; 95% CI: -3.4 to -0.8).", "-2.1", "-3.4", "-0.8"),
    ("The between-group difference was 3.5 points (95% CI 1.2 to 5.8).", "3.5", "1.2", "5.8"),
    ("The risk difference was 4.2% (95% CI 1.1% to 7.3%).", "4.2", "1.1", "7.3"),
    ("Weight decreased by 2.3 kg (95% CI: 1.1 to 3.5 kg) more with X.", "2.3", "1.1", "3.5"),
    ("The treatment effect was 0.35 (95% CI 0.10 to 0.60).", "0.35", "0.10", "0.60"),
    ("Compared with placebo, X lowered LDL by 20.1 mg/dL (95% CI, 15.2-25.0).", "20.1", "15.2", "25.0"),
    ("Scores rose (ES = 0.15, −0.21 to 0.52).", "0.15", "-0.21", "0.52"),
    ("Scores rose (effect size 0.35; 95% CI 0.10-0.60).", "0.35", "0.10", "0.60"),
    ("Length fell more (estimate −0.021 units, 95% CI −0.038; 0.004, P = 0.01).", "-0.021", "-0.038", "0.004"),
    ("Risk rose (OR 2.10, 95% CI 1.20‐3.40).", "2.10", "1.20", "3.40"),
    ("Risk rose (odds ratio [OR] = 2.1, 95% confidence interval [CI] = 1.2-3.4).", "2.1", "1.2", "3.4"),
    ("HbA1c was 0.5% lower with X (95% CI 0.2 to 0.8).", "0.5", "0.2", "0.8"),
    ("HbA1c was 0.5 percentage points lower (95% CI 0.2 to 0.8) with X.", "0.5", "0.2", "0.8"),
    ("Length of stay was shorter by 1.5 days (95% CI 0.5 to 2.5).", "1.5", "0.5", "2.5"),
    ("Length of stay was 1.5 days shorter (95% CI 0.5 to 2.5).", "1.5", "0.5", "2.5"),
    ("The mean difference between groups was 4.5 (1.2 to 7.8) mmHg.", "4.5", "1.2", "7.8"),
    ("Scores improved more with X (SMD 0.45, 95% CI 0.12 to 0.78).", "0.45", "0.12", "0.78"),
    ("Scores improved more with X (between-group difference: 4.5 [95% CI: 1.2–7.8]).", "4.5", "1.2", "7.8"),
    ("The regression coefficient was 0.25 (95% CI 0.10 to 0.40).", "0.25", "0.10", "0.40"),
    ("There was a 17% (95% CI 9–25) proportional reduction in events.", "17", "9", "25"),
    ("The ratio of means was 1.2 (95% CI 1.1-1.3).", "1.2", "1.1", "1.3"),
    ("Smokers had higher prevalence (prevalence ratio 1.5, 95% CI 1.1-2.0).", "1.5", "1.1", "2.0"),
]


@pytest.mark.parametrize(("text", "value", "low", "high"), _FORMS, ids=[str(i) for i in range(len(_FORMS))])
def test_effect_size_form_is_read_with_its_interval(text: str, value: str, low: str, high: str) -> None:
    read = [(s.value, s.ci_low, s.ci_high) for s in find_statistics(text) if s.kind == "effect_size"]
    assert (Decimal(value), Decimal(low), Decimal(high)) in read


@pytest.mark.parametrize("text", [
    "Mortality was lower (HR 0.50, 2-4 years after surgery).",
    "Group MD 12 received saline.",
    "The prevalence was 48.5% (95% CI 42.3 to 54.8).",
    "Agreement was good (kappa 0.6, 95% CI 0.5-0.7).",
    "Sensitivity was 85% (95% CI 80-90).",
    "Means (95% CI) were 162.8 (137.4-188.3) and 197.0 (172.4-221.7).",
])
def test_no_interval_is_invented(text: str) -> None:
    assert [s for s in find_statistics(text) if s.kind == "effect_size" and s.ci_low is not None] == []

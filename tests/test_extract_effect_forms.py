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


# --- A grid of reporting conventions ---------------------------------------------------------------------
# Written from how trial reports and journal styles print an estimate with its interval (CONSORT asks for
# the estimate, its precision and the measure's name; journals differ in how they spell each part), not
# from the corpus. Each axis is crossed with a few values of the others rather than with all of them.

_MEASURE_NAMES = {  # printed name -> the measure the reader reports
    "HR": "HR", "aHR": "HR", "hazard ratio": "HR", "adjusted hazard ratio": "HR", "adjusted HR": "HR",
    "sub-distribution HR": "SHR", "subdistribution hazard ratio": "SHR", "sHR": "SHR",
    "OR": "OR", "aOR": "OR", "odds ratio": "OR", "adjusted OR": "OR",
    "RR": "RR", "relative risk": "RR", "risk ratio": "RR",
    "IRR": "IRR", "rate ratio": "IRR", "incidence rate ratio": "IRR",
    "RD": "RD", "ARR": "RD", "risk difference": "RD", "absolute risk reduction": "RD",
    "MD": "MD", "WMD": "MD", "SMD": "MD", "mean difference": "MD", "difference": "MD",
    "standardized mean difference": "MD", "weighted mean difference": "MD", "between-group difference": "MD",
    "beta": "beta", "β": "beta",
    "RRR": "other", "relative risk reduction": "other", "ratio of means": "other", "prevalence ratio": "other",
    "geometric mean ratio": "other",
}
_MEASURE_TEMPLATES = [
    "Risk fell ({m} 0.70; 95% CI 0.50-0.90).",
    "Risk fell ({m} = 0.70, 95% CI 0.50 to 0.90).",
    "Risk fell ({m} 0.70 [95% CI 0.50, 0.90]).",
    "The {m} was 0.70 (95% CI 0.50–0.90).",
    "The {m} was 0.70 with a 95% CI of 0.50 to 0.90.",
    "The {m} was 0.70, 95% CI 0.50 to 0.90.",
    "Risk fell ({m} 0.70 (0.50-0.90)).",
    "Risk fell ({m}: 0.70 [0.50; 0.90]).",
    "The {m} was 0.70 (95% confidence interval, 0.50 to 0.90).",
]
_MEASURE_GRID = [(t.format(m=name), measure) for name, measure in _MEASURE_NAMES.items() for t in _MEASURE_TEMPLATES]


def _intervals(text: str) -> list[tuple[Decimal, Decimal | None, Decimal | None, str | None]]:
    return [(s.value, s.ci_low, s.ci_high, s.measure) for s in find_statistics(text) if s.kind == "effect_size"]


@pytest.mark.parametrize(("text", "measure"), _MEASURE_GRID, ids=[str(i) for i in range(len(_MEASURE_GRID))])
def test_every_measure_name_in_every_position(text: str, measure: str) -> None:
    assert (Decimal("0.70"), Decimal("0.50"), Decimal("0.90"), measure) in _intervals(text)


_CI_SPELLINGS = [
    "95% CI", "95%CI", "95%CI:", "95% CI:", "95 % CI", "95%-CI", "CI95%", "CI 95%", "CI 95%:", "CI (95%)",
    "95% C.I.", "95% confidence interval", "95% confidence intervals", "95% confidence limits",
    "95% CrI", "95% credible interval", "95% UI", "95% uncertainty interval", "CI", "confidence interval",
    "90% CI", "99% CI", "97.5% CI",
]
_CI_TEMPLATES = [
    "Mortality was lower (HR 0.70; {ci} 0.50-0.90).",
    "Smokers relapsed more often (odds ratio 0.70, {ci} 0.50 to 0.90).",
    "Pain fell more with X (MD 0.70 [{ci} 0.50, 0.90]).",
    "The relative risk was 0.70 ({ci} 0.50–0.90).",
    "Fatigue fell by 0.70 points ({ci} 0.50 to 0.90) more with X.",
]
_CI_GRID = [t.format(ci=ci) for ci in _CI_SPELLINGS for t in _CI_TEMPLATES]


@pytest.mark.parametrize("text", _CI_GRID, ids=[str(i) for i in range(len(_CI_GRID))])
def test_every_spelling_of_the_interval(text: str) -> None:
    assert (Decimal("0.70"), Decimal("0.50"), Decimal("0.90")) in [i[:3] for i in _intervals(text)]
    assert [s for s in find_statistics(text) if s.kind == "percent"] == []  # the level is not a result


_SEPARATORS = ["-", "–", "—", "−", " to ", ", ", "; ", "..", " - ", " – "]
_BRACKETS = ["({})", "[{}]", ", {}", "(95% CI {})", "[95% CI: {}]", "with a 95% CI of {}", "(95% CI from {})"]
_SEPARATOR_GRID = [
    f"Risk was lower with X ({name} 0.70 {br.format('0.50' + sep + '0.90')})." if not br.startswith("with")
    else f"Risk was lower with X, with an {name} of 0.70 {br.format('0.50' + sep + '0.90')}."
    for name in ("HR", "OR", "RR") for sep in _SEPARATORS for br in _BRACKETS
    if not (br == ", {}" and sep.strip() in (",", ";")) and not (
        "from" in br and sep.strip() != "to")
]


@pytest.mark.parametrize("text", _SEPARATOR_GRID, ids=[str(i) for i in range(len(_SEPARATOR_GRID))])
def test_every_separator_and_bracket(text: str) -> None:
    assert (Decimal("0.70"), Decimal("0.50"), Decimal("0.90")) in [i[:3] for i in _intervals(text)]


@pytest.mark.parametrize(("text", "value", "low", "high"), [
    ("Pain fell more with X (MD −0.5, 95% CI −0.9 to −0.1).", "-0.5", "-0.9", "-0.1"),
    ("Pain fell more with X (MD −0.5 [−0.9, −0.1]).", "-0.5", "-0.9", "-0.1"),
    ("Pain fell more with X (SMD −0.5; 95% CI −0.9–−0.1).", "-0.5", "-0.9", "-0.1"),
    ("Weight changed by −0.5 kg (95% CI −0.9 to −0.1).", "-0.5", "-0.9", "-0.1"),
    ("The difference was -0.5 (95% CI -0.9 to -0.1).", "-0.5", "-0.9", "-0.1"),
    ("The difference was −0.5 (95% CI −0.9 to 0.1).", "-0.5", "-0.9", "0.1"),
    ("The difference was +0.5 (95% CI +0.1 to +0.9).", "0.5", "0.1", "0.9"),
    ("β = −0.5 (95% CI, −0.9 to −0.1)", "-0.5", "-0.9", "-0.1"),
])
def test_signs(text: str, value: str, low: str, high: str) -> None:
    assert (Decimal(value), Decimal(low), Decimal(high)) in [i[:3] for i in _intervals(text)]


@pytest.mark.parametrize(("text", "expected"), [
    ("Relapse was less frequent in both arms (HR 0.7 (0.5-0.9) and 0.8 (0.6-1.0), respectively).",
     [("0.7", "0.5", "0.9"), ("0.8", "0.6", "1.0")]),
    ("Older age and smoking were associated with death (ORs of 1.2 (1.0-1.4), 1.5 (1.2-1.9) and 2.0 (1.5-2.6)).",
     [("1.2", "1.0", "1.4"), ("1.5", "1.2", "1.9"), ("2.0", "1.5", "2.6")]),
    ("The HRs were 0.70 (95% CI 0.50-0.90) for death and 0.80 (95% CI 0.60-1.00) for relapse.",
     [("0.70", "0.50", "0.90"), ("0.80", "0.60", "1.00")]),
    ("Hazard ratios were 0.70 [0.50–0.90] for OS and 0.80 [0.60–1.00] for PFS.",
     [("0.70", "0.50", "0.90"), ("0.80", "0.60", "1.00")]),
    ("Odds ratios (95% CI) were 1.2 (1.0, 1.4) at 6 months and 1.5 (1.2, 1.9) at 12 months.",
     [("1.2", "1.0", "1.4"), ("1.5", "1.2", "1.9")]),
    ("The RR of death was 0.7 (95% CI 0.5-0.9) and that of stroke 0.8 (95% CI 0.6-1.0).",
     [("0.7", "0.5", "0.9"), ("0.8", "0.6", "1.0")]),
])
def test_lists_give_each_estimate_its_own_interval(text: str, expected: list[tuple[str, str, str]]) -> None:
    read = [i[:3] for i in _intervals(text)]
    for value, low, high in expected:
        assert (Decimal(value), Decimal(low), Decimal(high)) in read


@pytest.mark.parametrize(("text", "value", "low", "high"), [
    ("There was a 17% (95% CI 9 to 25) relative risk reduction in events.", "17", "9", "25"),
    ("X gave a 30% relative risk reduction (95% CI 10% to 45%).", "30", "10", "45"),
    ("X gave an absolute difference of 5.2 percentage points (95% CI 1.1 to 9.3).", "5.2", "1.1", "9.3"),
    ("Remission was 5.2 percentage points higher with X (95% CI, 1.1-9.3).", "5.2", "1.1", "9.3"),
    ("Scores were 2.5 points (95% CI 1.0 to 4.0) lower with X.", "2.5", "1.0", "4.0"),
    ("Users of X had 2.1 times the odds of relapse (95% CI 1.3-3.4).", "2.1", "1.3", "3.4"),
    ("Smokers were 1.8 times (95% CI 1.2-2.7) more likely to relapse.", "1.8", "1.2", "2.7"),
    ("Relapse was 2.0-fold (95% CI 1.5-2.6) higher in smokers.", "2.0", "1.5", "2.6"),
    ("X gave a 12.3% (95% CI 8.1% to 16.5%) absolute reduction in relapse.", "12.3", "8.1", "16.5"),
    ("Scores showed a 5.2-point (95% CI 1.1 to 9.3) difference favouring X.", "5.2", "1.1", "9.3"),
    ("There was a 2.5 (95% CI 1.0-4.0) mean difference in favour of X.", "2.5", "1.0", "4.0"),
])
def test_measure_named_after_the_numbers(text: str, value: str, low: str, high: str) -> None:
    assert (Decimal(value), Decimal(low), Decimal(high)) in [i[:3] for i in _intervals(text)]


@pytest.mark.parametrize("text", [
    "Patients were aged 45 years (range 18-80).",
    "Children aged 6 (3-9) years were enrolled.",
    "The mean age was 45.2 ± 8.1 years (18-80).",
    "Scores were 12.5 ± 3.2 vs. 14.1 ± 2.9.",
    "Median stay was 9 days (IQR 7-14).",
    "Values ranged between the 5th and 95th percentile (0.50-0.90).",
    "The 25th-75th percentile range was 0.50-0.90.",
    "Cardiac index (CI) was 2.5 (2.1-2.9) L/min/m2.",
    "The combination index (CI) was 0.7 at 50% inhibition.",
    "Heart rate (HR) was 72 (65-80) beats/min.",
    "HR 72 bpm (range 65-80).",
    "The cumulative incidence (CI) of relapse was 30% (20-40).",
    "Doses were 0.5 to 0.9 mg/kg in 95% of patients.",
    "Sensitivity was 85% (95% CI 80 to 90).",
])
def test_no_effect_size_in_other_shapes(text: str) -> None:
    assert [i for i in _intervals(text) if i[1] is not None] == []


@pytest.mark.parametrize(("text", "value", "low", "high"), [
    ("Death was less frequent (hazard ratio for death, 0.70; 95% CI, 0.50 to 0.90).", "0.70", "0.50", "0.90"),
    ("The HR of death in the X group was 0.70 (95% CI 0.50-0.90).", "0.70", "0.50", "0.90"),
    ("Smoking raised the odds (OR for relapse in smokers = 2.1, 95% CI 1.2-3.4).", "2.1", "1.2", "3.4"),
    ("Relapse rose (difference, 5.2 percentage points; 95% CI, 1.1 to 9.3).", "5.2", "1.1", "9.3"),
    ("Relapse rose (OR=2.1, 95%CI=1.2~3.4).", "2.1", "1.2", "3.4"),
    ("Relapse rose (OR 2.1, 95% CI: 1.2 ~ 3.4).", "2.1", "1.2", "3.4"),
    ("Relapse rose (aOR 2.1; 95% CIs 1.2-3.4).", "2.1", "1.2", "3.4"),
    ("Pain fell more with X (Cohen's d = 0.45, 95% CI 0.12 to 0.78).", "0.45", "0.12", "0.78"),
    ("Pain fell more with X (Hedges' g 0.45; 95% CI 0.12-0.78).", "0.45", "0.12", "0.78"),
    ("Relapse fell (relative risk reduction 30%, 95% CI 10%-45%).", "30", "10", "45"),
    ("Relapse fell (ARR 5.2%; 95% CI 1.1% to 9.3%).", "5.2", "1.1", "9.3"),
])
def test_words_between_and_other_spellings(text: str, value: str, low: str, high: str) -> None:
    assert (Decimal(value), Decimal(low), Decimal(high)) in [i[:3] for i in _intervals(text)]


@pytest.mark.parametrize("text", [
    "Discrimination was good (AUC 0.80, 95% CI 0.75-0.85).",
    "Reliability was high (ICC 0.80; 95% CI 0.70 to 0.90).",
    "The C-statistic was 0.80 (95% CI 0.75-0.85).",
    "The mean score was 5.2 (95% CI 4.1 to 6.3).",
    "Specificity was 0.90 (95% CI 0.85-0.94).",
])
def test_no_effect_size_for_accuracy_or_a_single_mean(text: str) -> None:
    assert [i for i in _intervals(text) if i[1] is not None] == []

"""The numbers of clinical abstracts, in the forms authors print them."""

from decimal import Decimal

import pytest

from ingest.extract.statistics import find_statistics


def only(text: str, kind: str):
    stats = [s for s in find_statistics(text) if s.kind == kind]
    assert len(stats) == 1, stats
    return stats[0]


@pytest.mark.parametrize(("text", "operator", "value"), [
    ("(P = .02)", "=", "0.02"),
    ("p<0.001", "<", "0.001"),
    ("P=0.05", "=", "0.05"),
    ("P ≤ 0·05", "<=", "0.05"),
    ("p-value of 0.03", "=", "0.03"),
    ("P\u00a0>\u00a0.2", ">", "0.2"),
    ("P = 2 × 10−5", "=", "0.00002"),
    ("P = 3e-4", "=", "0.0003"),
    ("Ｐ＜０．０５", "<", "0.05"),
    ("P value: 0.03", "=", "0.03"),
    ("P(trend) = 0.02", "=", "0.02"),
    ("P-trend < 0.001", "<", "0.001"),
    ("P for interaction = 0.3", "=", "0.3"),
    ("P interaction = 0.3", "=", "0.3"),
    ("P(log-rank) = 0.01", "=", "0.01"),
    ("p log rank = 0.01", "=", "0.01"),
    ("P adjusted = 0.04", "=", "0.04"),
    ("Pbonferroni = 0.02", "=", "0.02"),
    ("(ps < 0.05)", "<", "0.05"),
    ("p < 0,05", "<", "0.05"),
])
def test_p_values(text, operator, value):
    stat = only(text, "p_value")
    assert (stat.operator, stat.value) == (operator, Decimal(value))
    assert text[stat.start:stat.end] == stat.text


def test_p_value_lists_with_a_verb():
    stats = [s for s in find_statistics("P values were 0.02 and 0.04, respectively.") if s.kind == "p_value"]
    assert [s.value for s in stats] == [Decimal("0.02"), Decimal("0.04")]


@pytest.mark.parametrize("text", ["P = NS", "The PS was 1.", "Group P had 20 patients.", "P = 0, 05 and 1"])
def test_no_p_value_in_other_shapes(text):
    assert [s.value for s in find_statistics(text) if s.kind == "p_value" and s.value != 0] == []


def test_p_value_keeps_the_digits_written():
    assert str(only("P = .050", "p_value").value) == "0.050"


@pytest.mark.parametrize(("text", "count", "total", "percent"), [
    ("15 (45%) responders", 15, None, "45"),
    ("12/30 (40%)", 12, 30, "40"),
    ("96 of 118 responders (81%)", 96, 118, "81"),
    ("45% (15/33)", 15, 33, "45"),
    ("7 [3.4%]", 7, None, "3.4"),
])
def test_counts_with_percentages(text, count, total, percent):
    stat = only(text, "count_percent")
    assert (stat.count, stat.total, stat.percent) == (count, total, Decimal(percent))
    assert [s.kind for s in find_statistics(text)] == ["count_percent"]  # not also a bare percentage


def test_respectively_lists_share_the_trailing_percent_sign():
    stats = find_statistics("negative or dim in 35 and 6% of evaluable cases, respectively")
    assert [(s.kind, s.percent, s.text) for s in stats] == [
        ("percent", Decimal(35), "35"), ("percent", Decimal(6), "6")]
    stats = find_statistics("negative or dim in 18% and 23%, respectively")
    assert [s.percent for s in stats] == [Decimal(18), Decimal(23)]


def test_rate_is_a_percentage_with_what_it_measures():
    stat = only("The CR rate was 51%, and", "percent")
    assert (stat.percent, stat.label) == (Decimal(51), "The CR rate")


def test_confidence_level_is_not_a_result():
    assert [s.kind for s in find_statistics("HR 0.5 (95% CI 0.3-0.8)")] == ["effect_size"]


@pytest.mark.parametrize(("text", "measure", "value", "low", "high"), [
    ("HR 0.45 (95% CI 0.28-0.73; P<0.001)", "HR", "0.45", "0.28", "0.73"),
    ("hazard ratio [HR], 1.82; 95% CI, 1.10 to 3.01", "HR", "1.82", "1.10", "3.01"),
    ("odds ratio 2.1 (95% confidence interval: 1.2–3.6)", "OR", "2.1", "1.2", "3.6"),
    ("OR = 0.41; 95% CI: 0.17-0.98", "OR", "0.41", "0.17", "0.98"),
    ("aHR 1.9 (95% CI 1.2-3.0)", "HR", "1.9", "1.2", "3.0"),
    ("RR 1.3", "RR", "1.3", None, None),
    ("β = −0.42 (95% CI −0.8 to −0.1)", "beta", "-0.42", "-0.8", "-0.1"),
])
def test_effect_sizes_with_confidence_intervals(text, measure, value, low, high):
    stat = only(text, "effect_size")
    assert (stat.measure, stat.value) == (measure, Decimal(value))
    assert stat.ci_low == (Decimal(low) if low else None)
    assert stat.ci_high == (Decimal(high) if high else None)


def test_medians_with_ranges_and_intervals():
    age = only("The median age was 45 years (range, 18-80).", "median")
    assert (age.value, age.unit, age.range_low, age.range_high, age.label) == (
        Decimal(45), "years", Decimal(18), Decimal(80), "age")
    survival = only("median overall survival was 11.4 months (95% CI, 9.0-13.8)", "median")
    assert (survival.value, survival.ci_low, survival.ci_high, survival.range_low) == (
        Decimal("11.4"), Decimal("9.0"), Decimal("13.8"), None)


@pytest.mark.parametrize(("text", "size"), [
    ("Our registry held 65 patients with ALL", 65),
    ("A total of 1,204 adults were enrolled", 1204),
    ("patients (n = 54) received", 54),
    ("Forty-one adults received blinatumomab", 41),
])
def test_cohort_size(text, size):
    assert only(text, "sample_size").count == size


def test_a_count_is_not_a_cohort_size():
    assert [s.kind for s in find_statistics("relapse occurred in 8 (40%) patients")] == ["count_percent"]


def test_numbers_without_units_are_not_statistics():
    assert find_statistics("Values were 12, 45 and 78 on days 3 and 7.") == []

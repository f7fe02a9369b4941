"""Counts with their percentage, and sample sizes, in the forms reports print them.

Written from reporting conventions (a count with its percentage and, where known, its
denominator; journals differ in brackets, order and spacing; numbers that open a sentence are
spelt out), not from the corpus. Each form names the count, total and percentage it must give.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from ingest.extract.statistics import find_statistics

_COUNT_FORMS = [
    ("Relapse occurred in 71 (69%).", 71, None, "69"),
    ("Relapse occurred in 71 [69%].", 71, None, "69"),
    ("Relapse occurred in 71 (69 %).", 71, None, "69"),
    ("Relapse occurred in 71 (69.0%).", 71, None, "69.0"),
    ("Relapse occurred in 71 (69·0%).", 71, None, "69.0"),
    ("Relapse occurred in 71 patients (69.0 %).", 71, None, "69.0"),
    ("Relapse occurred in 71 of the patients (69%).", 71, None, "69"),
    ("Relapse occurred in 71/103 (69%).", 71, 103, "69"),
    ("Relapse occurred in 71/103 [69%].", 71, 103, "69"),
    ("Relapse occurred in 71 of 103 (69%).", 71, 103, "69"),
    ("Relapse occurred in 71 out of 103 (69%).", 71, 103, "69"),
    ("Relapse occurred in 71 of 103 patients (69%).", 71, 103, "69"),
    ("Relapse occurred in 71 of the 103 patients (69%).", 71, 103, "69"),
    ("Relapse occurred in 71 out of 103 treated eyes (69%).", 71, 103, "69"),
    ("Relapse occurred in 71/103 patients (69%).", 71, 103, "69"),
    ("Relapse occurred in 69% (71/103).", 71, 103, "69"),
    ("Relapse occurred in 69% (71 of 103).", 71, 103, "69"),
    ("Relapse occurred in 69% (n = 71).", 71, None, "69"),
    ("Relapse occurred in 69% (n = 71/103).", 71, 103, "69"),
    ("Relapse occurred in 69% of patients (71/103).", 71, 103, "69"),
    ("Relapse occurred in 69% of the treated patients (71 of 103).", 71, 103, "69"),
    ("Relapse occurred in 69 percent (71/103).", 71, 103, "69"),
    ("Relapse occurred in 69 per cent (n = 71).", 71, None, "69"),
    ("Relapse was common (n = 71, 69%).", 71, None, "69"),
    ("Relapse was common (n=71; 69%).", 71, None, "69"),
    ("Relapse was common (N = 71, 69%).", 71, None, "69"),
    ("Relapse was common (71/103, 69%).", 71, 103, "69"),
    ("Relapse was common (69%, n = 71).", 71, None, "69"),
    ("Relapse was common (n = 71 of 103, 69%).", 71, 103, "69"),
    ("Relapse was common (n = 71 (69%)).", 71, None, "69"),
    ("Seventy-one (69%) relapsed.", 71, None, "69"),
    ("seventy-one (69%) relapsed.", 71, None, "69"),
    ("Seventy-one patients (69%) relapsed.", 71, None, "69"),
    ("Seventy one women (69%) relapsed.", 71, None, "69"),
    ("Of these, 71 (69%) relapsed.", 71, None, "69"),
    ("Relapse occurred in 71 (69%) patients.", 71, None, "69"),
    ("Relapse occurred in 71 children with leukaemia (69%).", 71, None, "69"),
    ("Relapse occurred in 71 of them (69%).", 71, None, "69"),
    ("Relapse occurred in 1,071 of 1,503 patients (71.3%).", 1071, 1503, "71.3"),
    ("Relapse occurred in 1 071 of 1 503 patients (71.3%).", 1071, 1503, "71.3"),
    ("Relapse occurred in ７１ （６９％）.", 71, None, "69"),
    ("Relapse occurred in 71 (69 per cent).", 71, None, "69"),
    ("Relapse occurred in 71 of 103 patients (69 per cent).", 71, 103, "69"),
    ("Relapse occurred in 71 (69%; 95% CI 60-78).", 71, None, "69"),
    ("Relapse occurred in 71 patients (69%, 95% CI 60% to 78%).", 71, None, "69"),
    ("Relapse occurred in 71 of 103 (69%; P = 0.02).", 71, 103, "69"),
    ("Relapse occurred in 71 (69%, p<0.001) of the treated patients.", 71, None, "69"),
]


def _counts(text: str) -> list[tuple[int | None, int | None, Decimal | None]]:
    return [(s.count, s.total, s.percent) for s in find_statistics(text) if s.kind == "count_percent"]


@pytest.mark.parametrize(("text", "count", "total", "percent"), _COUNT_FORMS,
                         ids=[str(i) for i in range(len(_COUNT_FORMS))])
def test_count_with_its_percentage(text: str, count: int, total: int | None, percent: str) -> None:
    assert (count, total, Decimal(percent)) in _counts(text)
    assert [s for s in find_statistics(text) if s.kind == "percent"] == []  # the % is the count's, read once


def test_a_list_of_counts_gives_each_its_percentage() -> None:
    text = "Grade 3 events occurred in 12 (10%), 25 (21%) and 40 (33%) patients, respectively."
    assert [(c, p) for c, _, p in _counts(text)] == [(12, Decimal(10)), (25, Decimal(21)), (40, Decimal(33))]


@pytest.mark.parametrize("text", [
    "Response was 69% at week 12.",
    "The dose was 71 mg (69% of the target).",
    "Survival was 71% (95% CI 60-80).",
    "HR 0.7 (95% CI 0.5-0.9).",
    "At week 12 (69%) most had responded.",
    "Most had grade 2 (69%) toxicity.",
    "Rates in the 3 groups (20%, 30%) differed.",
    "Rates in the 3 groups (20%, 30% and 40%; P = 0.02) differed.",
])
def test_no_count_in_other_shapes(text: str) -> None:
    assert _counts(text) == []


_SIZE_FORMS = [
    ("We enrolled 71 patients.", 71),
    ("We enrolled 71 consecutive adult patients.", 71),
    ("We enrolled 71 HIV-infected adults.", 71),
    ("We studied 71 eyes.", 71),
    ("We analysed 71 samples.", 71),
    ("We studied 71 cases and 103 controls.", 71),
    ("We studied 71 men.", 71),
    ("We studied 71 mother-infant pairs.", 71),
    ("The trial randomised 1,071 participants.", 1071),
    ("The trial randomised 1 071 participants.", 1071),
    ("The intervention group (n = 71) received X.", 71),
    ("The intervention group (n=71) received X.", 71),
    ("The intervention group (N = 71) received X.", 71),
    ("Overall, 71 were randomised.", 71),
    ("In all, 71 were enrolled.", 71),
    ("There were 71 in each group.", 71),
    ("There were 71 patients in each arm.", 71),
    ("Seventy-one adults took part.", 71),
    ("Seventy one adults took part.", 71),
    ("One hundred and seventy-one participants took part.", 171),
    ("One thousand and seventy-one participants took part.", 1071),
    ("A total of 71 eligible women were included.", 71),
    ("Our sample of 71 students completed the survey.", 71),
    ("Of 71 screened infants, most were healthy.", 71),
    ("We randomised 71 type 2 diabetic patients.", 71),
    ("Seventy-one were randomised.", 71),
    ("Seventy-one were randomly assigned to X.", 71),
]


@pytest.mark.parametrize(("text", "size"), _SIZE_FORMS, ids=[str(i) for i in range(len(_SIZE_FORMS))])
def test_sample_size(text: str, size: int) -> None:
    assert size in [s.count for s in find_statistics(text) if s.kind == "sample_size"]


@pytest.mark.parametrize("text", [
    "Patients received 71 mg daily.",
    "Follow-up lasted 71 months in patients.",
    "Patients seen between 2004 and 2005 were included.",
    "Relapse occurred in 7 of 71 patients (10%).",
    "The HIV-1 patients were treated.",
    "Patients with ≥ 71 lesions were excluded.",
    "The score was 71 points in patients.",
    "Seventy-one days later, most were randomised.",
])
def test_no_sample_size_in_other_shapes(text: str) -> None:
    assert [s.count for s in find_statistics(text) if s.kind == "sample_size"] == []

from decimal import Decimal
from pathlib import Path

import pytest

from ingest.build import SEED_DIR
from ingest.curated import parse_findings_table
from kg.errors import InputError
from kg.model import Cohort, Finding

HEADER = (
    "source_title,cohort,cohort_size,therapy,subject,relation,object,object_text,direction,subgroup,"
    "count,denominator,percentage,p_value\n"
)


def write(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "table.csv"
    path.write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def test_seed_table_loads_with_cohort_and_numbers():
    doc = parse_findings_table(SEED_DIR / "blinatumomab-rr-all-findings.csv")
    cohorts = [r for r in doc.records if isinstance(r, Cohort)]
    findings = [r for r in doc.records if isinstance(r, Finding)]
    assert len(cohorts) == 1 and cohorts[0].size == 65
    assert cohorts[0].therapies == ("https://w3id.org/cohort-kg/concept/blinatumomab",)
    assert len(findings) == 18
    blasts = next(f for f in findings if f.subject_concept and f.subject_concept.endswith("bone-marrow-blasts-over-50"))
    assert (blasts.p_value, blasts.p_comparator, blasts.direction) == (Decimal("0.02"), "=", "decreases")
    assert all(f.method == "curated" and f.evidence for f in findings)


def test_valid_row(tmp_path):
    row = "T,c,10,blinatumomab,cd19-dim,predicts,relapse,,increases,all,3,10,30,<0.001"
    doc = parse_findings_table(write(tmp_path, row))
    finding = next(r for r in doc.records if isinstance(r, Finding))
    assert (finding.count, finding.denominator, finding.percentage) == (3, 10, Decimal("30"))
    assert (finding.p_value, finding.p_comparator) == (Decimal("0.001"), "<")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("T,c,,,,predicts,relapse,,sideways,,,,,", "table.csv:3: direction"),
        ("T,c,,,no-such-concept,predicts,relapse,,increases,,,,,", "table.csv:3: subject: unknown concept"),
        ("T,c,,,,predicts,relapse,,increases,,11,10,,", "table.csv:3: count: 11 is larger than denominator 10"),
        ("T,c,,,,predicts,relapse,,increases,,,,,1.5", "table.csv:3: p_value"),
        ("T,c,,,,predicts,relapse,,increases,,,,120,", "table.csv:3: percentage"),
        ("T,c,,,,predicts,,,increases,,,,,", "table.csv:3: object/object_text"),
        (",c,,,,predicts,relapse,,increases,,,,,", "table.csv:3: source_pmid/source_doi/source_title"),
        ("T,c,,,,predicts,relapse,,increases,,x,,,", "table.csv:3: count: expected a whole number"),
    ],
)
def test_bad_row_names_row_and_column(tmp_path, row, message):
    good = "T,c,,,,predicts,relapse,,increases,,,,,"
    with pytest.raises(InputError) as err:
        parse_findings_table(write(tmp_path, good, row))
    assert str(err.value).startswith(message)


def test_missing_and_unknown_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("source_title,relation\nT,x\n")
    with pytest.raises(InputError, match="missing column"):
        parse_findings_table(path)
    path.write_text("source_title,relation,direction,colour\nT,x,increases,red\n")
    with pytest.raises(InputError, match="unknown column"):
        parse_findings_table(path)


def test_conflicting_cohort_descriptions(tmp_path):
    path = write(tmp_path, "T,c,10,,,predicts,relapse,,increases,,,,,", "T,c,12,,,predicts,relapse,,decreases,,,,,")
    with pytest.raises(InputError, match="described differently"):
        parse_findings_table(path)

"""Curated findings tables: one finding per CSV row, filled by curators.

Columns are documented in the README ("Curated findings table"). Concepts are
named by their vocabulary slug (``cd19-negative``); each row is validated and
the whole table loads only when every row is valid. The table becomes one
named graph, named after the file, so editing and re-loading it replaces it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from ingest.csvtable import RowError, decimal_cell, identifier_cell, integer_cell, list_cell, read_rows
from kg.errors import InputError
from kg.ids import normalize_doi, normalize_pmid, source_file_iri
from kg.model import COMPARATORS, DIRECTIONS, Cohort, Evidence, Finding, PublicationRef, SourceDocument
from kg.vocabulary import load_vocabulary, resolve_concept

REQUIRED = {"relation", "direction"}
COLUMNS = {
    "source_pmid", "source_doi", "source_title", "cohort", "cohort_size", "therapy", "disease",
    "subject", "subject_text", "relation", "object", "object_text", "direction", "subgroup",
    "count", "denominator", "percentage", "p_value", "effect_measure", "effect_size",
    "ci_low", "ci_high", "evidence", "note",
}
_P_VALUE = re.compile(r"^(?P<op><=|>=|=|<|>)?\s*(?P<value>\d*\.?\d+(?:[eE]-?\d+)?)$")


def _p_value(value: str) -> tuple[Decimal | None, str | None]:
    if not value:
        return None, None
    match = _P_VALUE.match(value.replace(" ", ""))
    if not match:
        raise RowError(f"p_value: expected a number with an optional <, <=, =, >, >= in front, got {value!r}")
    number = decimal_cell(match["value"], "p_value", Decimal(0), Decimal(1))
    operator = match["op"] or "="
    assert operator in COMPARATORS
    return number, operator


def _row_findings(row: dict[str, str], concepts: dict, cohorts: dict[tuple, Cohort]) -> Finding:
    source = PublicationRef(
        pmid=identifier_cell(row.get("source_pmid", ""), "source_pmid", normalize_pmid),
        doi=identifier_cell(row.get("source_doi", ""), "source_doi", normalize_doi),
        title=row.get("source_title") or None,
    )
    if not (source.pmid or source.doi or source.title):
        raise RowError("source_pmid/source_doi/source_title: give at least one")
    direction = row["direction"].lower().replace(" ", "_").replace("-", "_")
    if direction not in DIRECTIONS:
        raise RowError(f"direction: expected one of {', '.join(DIRECTIONS)}, got {row['direction']!r}")
    if not row["relation"]:
        raise RowError("relation: empty")

    def concept(column: str) -> str | None:
        try:
            return resolve_concept(row[column], concepts) if row.get(column) else None
        except InputError as exc:
            raise RowError(f"{column}: {exc}") from None

    subject, obj = concept("subject"), concept("object")
    if not (obj or row.get("object_text")):
        raise RowError("object/object_text: give the outcome or phenotype")
    count = integer_cell(row.get("count", ""), "count")
    denominator = integer_cell(row.get("denominator", ""), "denominator", minimum=1)
    if count is not None and denominator is not None and count > denominator:
        raise RowError(f"count: {count} is larger than denominator {denominator}")
    p_value, comparator = _p_value(row.get("p_value", ""))
    ci_low = decimal_cell(row.get("ci_low", ""), "ci_low")
    ci_high = decimal_cell(row.get("ci_high", ""), "ci_high")
    if ci_low is not None and ci_high is not None and ci_low > ci_high:
        raise RowError(f"ci_low: {ci_low} is above ci_high {ci_high}")

    cohort_label = row.get("cohort") or None
    if cohort_label:
        cohort = Cohort(
            publication=source,
            label=cohort_label,
            size=integer_cell(row.get("cohort_size", ""), "cohort_size", minimum=1),
            therapies=tuple(resolve_concept(v, concepts) for v in list_cell(row.get("therapy", ""))),
            diseases=tuple(resolve_concept(v, concepts) for v in list_cell(row.get("disease", ""))),
        )
        key = (source, cohort_label.casefold())
        known = cohorts.get(key)
        if known is None or (not known.size and not known.therapies and not known.diseases):
            cohorts[key] = cohort
        elif (cohort.size or cohort.therapies or cohort.diseases) and cohort != known:
            raise RowError(f"cohort: {cohort_label!r} is described differently on an earlier row")

    return Finding(
        publication=source,
        relation=row["relation"],
        direction=direction,  # type: ignore[arg-type]
        method="curated",
        subject_concept=subject,
        subject_label=row.get("subject_text") or None,
        object_concept=obj,
        object_label=row.get("object_text") or None,
        subgroup=row.get("subgroup") or None,
        count=count,
        denominator=denominator,
        percentage=decimal_cell(row.get("percentage", ""), "percentage", Decimal(0), Decimal(100)),
        p_value=p_value,
        p_comparator=comparator,  # type: ignore[arg-type]
        effect_measure=row.get("effect_measure") or None,
        effect_size=decimal_cell(row.get("effect_size", ""), "effect_size"),
        ci_low=ci_low,
        ci_high=ci_high,
        cohort_label=cohort_label,
        evidence=(Evidence(publication=source, text=row.get("evidence") or None),),
    )


def parse_findings_table(path: Path) -> SourceDocument:
    """Validate every row and return the table as one document; the first bad row raises."""
    concepts = load_vocabulary()
    cohorts: dict[tuple, Cohort] = {}
    findings: list[Finding] = []
    for number, row in read_rows(path, REQUIRED, COLUMNS):
        try:
            findings.append(_row_findings(row, concepts, cohorts))
        except InputError as exc:
            raise InputError(f"{path.name}:{number}: {exc}") from None
    if not findings:
        raise InputError(f"{path.name}: no findings (the table has a header but no rows)")
    return SourceDocument(
        kind="curated",
        key=path.stem,
        source=source_file_iri(path),
        records=(*cohorts.values(), *findings),
    )


def read_findings(path: Path) -> Iterator[SourceDocument]:
    """The ``kg ingest findings`` source."""
    yield parse_findings_table(path)

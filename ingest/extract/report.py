"""The stable JSON (and a readable table) of what extraction found, documented in docs/extraction.md.

One object per document: ``{"pmid", "statistics", "findings",
"uninterpreted_sentences"}``. Field names never change meaning; new fields may
be added. Numbers are JSON numbers; offsets are character offsets into the
abstract text (Python string indices).
"""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal

from ingest.extract.pipeline import Extraction
from ingest.extract.sentences import split_sentences
from ingest.extract.statistics import Statistic
from kg.finding_text import describe_finding


def _number(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() and "." not in str(value) else float(value)


def statistic_json(stat: Statistic, sentence: str | None) -> dict[str, object]:
    """One statistic as documented: kind, operator, value, the fields that apply, sentence and offsets."""
    return {
        "kind": stat.kind,
        "operator": stat.operator,
        "value": _number(stat.value),
        "count": stat.count,
        "total": stat.total,
        "percent": _number(stat.percent),
        "measure": stat.measure,
        "ci_low": _number(stat.ci_low),
        "ci_high": _number(stat.ci_high),
        "range_low": _number(stat.range_low),
        "range_high": _number(stat.range_high),
        "unit": stat.unit,
        "label": stat.label,
        "found_by": stat.found_by or None,
        "text": stat.text,
        "sentence": sentence,
        "start": stat.start,
        "end": stat.end,
    }


def extraction_json(extraction: Extraction) -> dict[str, object]:
    """The document object of ``kg extract --format json``."""
    sentences = split_sentences(extraction.text)
    starts = [s.start for s in sentences]

    def sentence(stat: Statistic) -> str | None:
        index = bisect_right(starts, stat.start) - 1
        return sentences[index].text if 0 <= index < len(sentences) else None

    findings = []
    for item in extraction.findings:
        f = item.finding
        evidence = f.evidence[0] if f.evidence else None
        findings.append({
            "subject_label": f.subject_label,
            "subject_concept": f.subject_concept,
            "relation": f.relation,
            "object_label": f.object_label,
            "object_concept": f.object_concept,
            "direction": f.direction,
            "subgroup": f.subgroup,
            "count": f.count,
            "denominator": f.denominator,
            "percentage": _number(f.percentage),
            "p_value": _number(f.p_value),
            "p_operator": f.p_comparator,
            "effect_measure": f.effect_measure,
            "effect_size": _number(f.effect_size),
            "ci_low": _number(f.ci_low),
            "ci_high": _number(f.ci_high),
            "statistics": [statistic_json(s, sentence(s)) for s in item.statistics],
            "evidence": {"text": evidence.text, "start": evidence.start, "end": evidence.end} if evidence else None,
            "method": f.method,
            "confidence": _number(f.confidence),
            "found_by": f.found_by,
        })
    return {
        "pmid": extraction.publication.pmid,
        "title": extraction.publication.title,
        "statistics": [statistic_json(s, sentence(s)) for s in extraction.statistics],
        "findings": findings,
        "concepts": extraction.concepts(),
        "sentences": extraction.sentences,
        "uninterpreted_sentences": extraction.uninterpreted_sentences,
    }


def extraction_table(extraction: Extraction) -> str:
    """A plain-text summary: one line per finding, then the counts."""
    head = extraction.publication.pmid or extraction.publication.title or "(no identifier)"
    lines = [f"# {head}"]
    for item in extraction.findings:
        lines.append(f"{describe_finding(item.finding)}  conf={item.finding.confidence}")
    lines.append(f"{len(extraction.findings)} finding(s), {len(extraction.statistics)} statistic(s), "
                 f"{extraction.uninterpreted_sentences} of {extraction.sentences} sentence(s) uninterpreted")
    return "\n".join(lines) + "\n"

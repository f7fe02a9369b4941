"""The one-line text of a finding, for terminals and reports.

``subject --relation/direction--> object [subgroup] n=8/20 40% P<0.05 HR 2.1 (1.2-3.4)``

The extractor's table, ``kg findings``, and the extraction scorer's lists of
misses and spurious findings all print findings this way, so a line copied
from one can be searched for in another. Values are printed as given (a
``Decimal`` keeps the digits the source reported).
"""

from __future__ import annotations

from kg.model import Finding


def concept_text(iri: str | None, label: str | None) -> str:
    """A concept by its slug (the IRI's last segment), else its quoted text, else ``-``."""
    if iri:
        return iri.rsplit("/", 1)[-1]
    return f'"{label}"' if label else "-"


def numbers_text(count: object = None, denominator: object = None, percentage: object = None,
                 p_value: object = None, p_comparator: object = None, effect_measure: object = None,
                 effect_size: object = None, ci_low: object = None, ci_high: object = None) -> str:
    """``n=8/20 40% P<0.05 HR 2.1 (1.2-3.4)``, leaving out what is not given."""
    parts: list[str] = []
    if count is not None:
        parts.append(f"n={count}" + (f"/{denominator}" if denominator is not None else ""))
    elif denominator is not None:
        parts.append(f"of {denominator}")
    if percentage is not None:
        parts.append(f"{percentage}%")
    if p_value is not None:
        parts.append(f"P{p_comparator or '='}{p_value}")
    if effect_size is not None:
        interval = f" ({ci_low}-{ci_high})" if ci_low is not None and ci_high is not None else ""
        parts.append(f"{effect_measure or 'effect'} {effect_size}{interval}")
    return " ".join(parts)


def finding_line(subject: str, relation: str | None, direction: str, obj: str, subgroup: str | None,
                 numbers: str = "") -> str:
    """The line itself, from already rendered parts; a finding without subgroup is about all patients."""
    return f"{subject} --{relation or '?'}/{direction}--> {obj} [{subgroup or 'all patients'}] {numbers}".rstrip()


def describe_finding(finding: Finding) -> str:
    """The line of a ``Finding`` record."""
    numbers = numbers_text(finding.count, finding.denominator, finding.percentage, finding.p_value,
                           finding.p_comparator, finding.effect_measure, finding.effect_size, finding.ci_low,
                           finding.ci_high)
    return finding_line(concept_text(finding.subject_concept, finding.subject_label), finding.relation,
                        finding.direction, concept_text(finding.object_concept, finding.object_label),
                        finding.subgroup, numbers)

"""Readable tables: catalog answers as a researcher reads them.

Catalog queries name their columns for programs (``subjectLabel``, ``pComparator``). A page shows
them with human headers, the P-value and its comparator as one ``P = 0.005`` / ``P < 0.001`` cell,
counts as ``n/N``, empty cells blank, the columns that answer the question first, and PMIDs and
DOIs as links. The functions that shape the frame are pure (tested without Streamlit);
``show`` hands the result to ``st.dataframe`` with the link columns configured.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

import pandas as pd

from explorer.links import doi_url, pubmed_url

HEADERS: dict[str, str] = {
    "riskFactorLabel": "Risk factor",
    "outcomeLabel": "Outcome",
    "phenotypeLabel": "Resistance phenotype",
    "subjectLabel": "Subject",
    "objectLabel": "Object",
    "matchedLabel": "Concept",
    "otherLabel": "Other end",
    "relation": "Relation",
    "directionName": "Direction",
    "subgroup": "Subgroup",
    "nOfN": "n/N",
    "count": "n",
    "denominator": "N",
    "percentage": "%",
    "P": "P",
    "method": "Method",
    "confidence": "Confidence",
    "evidence": "Evidence",
    "pmid": "PMID",
    "doi": "DOI",
    "pmcid": "PMC",
    "title": "Title",
    "journal": "Journal",
    "year": "Year",
    "cites": "Cites",
    "citedBy": "Cited by",
    "mentions": "Concepts mentioned",
    "mentionedLabel": "Concept mentioned",
    "conceptLabel": "Concept",
    "studyName": "Study",
    "studyTitle": "Study",
    "role": "Role",
    "label": "Concept",
    "findings": "Findings",
    "publications": "Publications",
    "citingPmid": "Citing PMID",
    "citingTitle": "Citing paper",
    "citingYear": "Year",
    "citedPmid": "Cited PMID",
    "citedTitle": "Cited paper",
    "citedYear": "Year",
    "heading": "MeSH heading",
    "major": "Major topic",
    "name": "Name",
}
"""Header for each catalog variable a page shows; others get their camelCase split into words."""

DIRECTIONS = {"Increases": "higher", "Decreases": "lower", "NoEffect": "no effect", "Unspecified": ""}
"""How a finding's direction reads in a table ("lower" CR rate, "higher" risk)."""

LINKS = {"pmid": pubmed_url, "doi": doi_url, "citingPmid": pubmed_url, "citedPmid": pubmed_url}
"""Columns shown as links, and how their value becomes a URL."""

LINK_TEXT = {
    "pmid": r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/",
    "citingPmid": r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/",
    "citedPmid": r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/",
    "doi": r"https://doi\.org/(.+)",
}
"""What a link cell shows: the identifier, not the whole URL."""


def blank(value: object) -> bool:
    """True for a missing value (None, NaN, pandas NA, an empty or whitespace string)."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, str) and not value.strip()


def number_text(value: object) -> str:
    """A number as reported: ``0.005`` stays ``0.005``, ``13.0`` becomes ``13``; missing -> ``""``."""
    if blank(value):
        return ""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if number == number.to_integral_value():
        return str(number.quantize(Decimal(1)))
    return format(number.normalize(), "f")


def p_text(comparator: object, value: object) -> str:
    """``P = 0.005``, ``P < 0.001``; empty when there is no P-value."""
    shown = number_text(value)
    if not shown:
        return ""
    operator = "=" if blank(comparator) else str(comparator).strip()
    return f"P {operator.replace('<=', '≤').replace('>=', '≥')} {shown}"


def n_of_n(count: object, denominator: object) -> str:
    """``8/20`` when both are known, ``13`` or ``N = 65`` when one is, else empty."""
    n, total = number_text(count), number_text(denominator)
    if n and total:
        return f"{n}/{total}"
    if total:
        return f"N = {total}"
    return n


def publication_label(title: object, pmid: object = None, journal: object = None, year: object = None) -> str:
    """A publication's name on screen: its title, else its PMID and journal (never "None" or "(untitled)")."""
    if not blank(title):
        return str(title).strip()
    parts = [f"PMID {str(pmid).strip()}" if not blank(pmid) else "", "" if blank(journal) else str(journal).strip()]
    if not blank(year):
        parts.append(number_text(year))
    named = " · ".join(p for p in parts if p)
    return named or "publication without title or identifiers"


def header(column: str) -> str:
    """The header a column is shown under."""
    if column in HEADERS:
        return HEADERS[column]
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", column).lower()
    return words[:1].upper() + words[1:]


def readable(frame: pd.DataFrame, first: Sequence[str] = (), drop: Iterable[str] = ()) -> pd.DataFrame:
    """The frame as shown: one P column, ``n/N`` where both numbers exist, blanks, key columns first.

    ``first`` lists the catalog variables that answer the page's question, in order; the other
    columns follow as they came, except those in ``drop``. Every cell becomes text (blank when
    missing), so the table never prints "None" or "nan" and numbers keep the precision reported.
    Link columns hold URLs (``show`` turns them into links that display the identifier).
    """
    out = pd.DataFrame(index=frame.index)
    columns = [c for c in frame.columns if c not in set(drop)]
    if "pValue" in frame:
        comparators = frame["pComparator"] if "pComparator" in frame else [None] * len(frame)
        out["P"] = [p_text(c, v) for c, v in zip(comparators, frame["pValue"], strict=True)]
    if "count" in frame and "denominator" in frame and "nOfN" in first:
        out["nOfN"] = [n_of_n(c, d) for c, d in zip(frame["count"], frame["denominator"], strict=True)]
    for column in columns:
        if column in ("pValue", "pComparator") or column in out:
            continue
        if column in ("count", "denominator") and "nOfN" in out:
            continue
        values = frame[column]
        if column in LINKS:
            out[column] = [LINKS[column](v) or "" for v in values]
        elif column == "directionName":
            out[column] = [DIRECTIONS.get(str(v), str(v)) if not blank(v) else "" for v in values]
        elif column == "title":
            out[column] = ["" if blank(v) else str(v) for v in values]
        else:
            out[column] = [_cell(v) for v in values]
    order = [c for c in first if c in out] + [c for c in out if c not in first]
    return out[order].rename(columns={c: header(c) for c in order}).reset_index(drop=True)


def _cell(value: object) -> str:
    if blank(value):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float, Decimal)):
        return number_text(value)
    return str(value)


def column_config(shown: pd.DataFrame) -> dict[str, object]:
    """Link columns that display the PMID/DOI itself, and a wide evidence column."""
    import streamlit as st

    config: dict[str, object] = {}
    for column, pattern in LINK_TEXT.items():
        if header(column) in shown:
            config[header(column)] = st.column_config.LinkColumn(header(column), display_text=pattern)
    if "Evidence" in shown:
        config["Evidence"] = st.column_config.TextColumn("Evidence", width="large")
    return config


def show(frame: pd.DataFrame, first: Sequence[str] = (), drop: Iterable[str] = (), *, where: object = None,
         key: str | None = None, height: int | str = "auto") -> pd.DataFrame:
    """Show a catalog answer as a readable table (in ``where``, a container, if given); return what was shown."""
    import streamlit as st

    shown = readable(frame, first, drop)
    target = where if where is not None else st
    target.dataframe(shown, hide_index=True, width="stretch", column_config=column_config(shown), key=key,
                     height=height, placeholder="")
    return shown

"""Render query results for people (a table) and for scripts (CSV, TSV, JSON)."""

from __future__ import annotations

import csv
import io
import json
import re

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.namespaces import PREFIXES
from kg.store import QueryResult, python_value

OUTPUT_FORMATS = ("table", "csv", "tsv", "json")
_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe to print on a terminal: control characters (NUL, ESC, line breaks) shown escaped, as repr() does.

    Data can hold anything; an ESC sequence printed raw would recolour, move or
    rewrite what the terminal shows.
    """
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


def compact(term: Node | None) -> str:
    """A short display form: prefixed names for known namespaces, lexical forms for literals."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        for prefix, namespace in _BY_LENGTH:
            if text.startswith(namespace) and len(text) > len(namespace):
                return f"{prefix}:{text[len(namespace):]}"
        return text
    return str(term)


def plain(term: Node | None) -> str:
    """The SPARQL CSV form: full IRIs, lexical forms of literals, empty for unbound."""
    return "" if term is None else str(term)


def render(result: QueryResult, fmt: str, *, width: int = 60) -> str:
    """The result in the given output format."""
    if result.boolean is not None:
        return json.dumps({"boolean": result.boolean}) if fmt == "json" else str(result.boolean).lower()
    if result.triples is not None:
        return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in result.triples)
    if fmt in ("csv", "tsv"):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        writer.writerow(result.variables)
        writer.writerows([plain(term) for term in row] for row in result.rows)
        return buffer.getvalue()
    if fmt == "json":
        return json.dumps(result.values(), indent=2, ensure_ascii=False, default=str) + "\n"
    return table(result, width=width)


def table(result: QueryResult, *, width: int = 60) -> str:
    """A fixed-width text table with compact IRIs; long cells are cut with an ellipsis."""

    def cell(term: Node | None) -> str:
        text = printable(compact(term))
        if isinstance(term, Literal) and isinstance(python_value(term), float):
            text = f"{python_value(term):g}"
        return text if len(text) <= width else text[: width - 1] + "…"

    header = list(result.variables)
    body = [[cell(term) for term in row] for row in result.rows]
    widths = [max([len(h), *(len(r[i]) for r in body)]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"

"""Safe parameter binding for SPARQL text, shared by every backend.

User values never get pasted into query text as strings. They are serialized
as RDF terms (rdflib's ``n3()`` escapes quotes, newlines and IRIs) and bound
through an inline ``VALUES`` block placed at the start of the query's WHERE
group, which every SPARQL 1.1 engine evaluates as a join with the pattern.
(pyoxigraph's own substitution mechanism only binds projected variables.)

A bound parameter is visible to the top-level group of the WHERE clause: use
it in top-level patterns and FILTERs, not in a FILTER inside a nested group
(``{ ... } UNION { ... FILTER(?param ...) }``), where it would still be unbound.
It is also joined into every sub-SELECT that projects it as a plain variable
(``SELECT ?study ?year WHERE {...}``): a sub-SELECT is evaluated on its own, so a
page (``ORDER BY ... LIMIT``) or a count computed inside it must see the parameter
to be the page or count of the bound value, not of the whole graph. Joining the
same value again outside changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.]*[A-Za-z0-9_\-]|[A-Za-z_]")
_IRI = re.compile(r"<[^<>\"{}|^`\\\s]*>")


def scan(query: str) -> Iterator[tuple[str, int]]:
    """Yield the query's bare keywords (upper-cased) and braces, with their offsets.

    Strings, IRIs, comments, variables, prefixed names and language tags are
    skipped, so a ``{`` or an ``INSERT`` inside any of them is never seen.
    """
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        elif ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not query.startswith(quote, i):
                i += 2 if query[i] == "\\" else 1
            i += len(quote)
        elif ch == "<" and (iri := _IRI.match(query, i)):
            i = iri.end()
        elif ch in "?$@":
            word = _NAME.match(query, i + 1)
            i = word.end() if word else i + 1
        elif ch in "{}":
            yield ch, i
            i += 1
        elif ch.isalpha() or ch == "_":
            word = _NAME.match(query, i)
            assert word is not None
            end = word.end()
            if (end < n and query[end] == ":") or (i > 0 and query[i - 1] == ":"):
                i = end + 1  # part of a prefixed name, not a keyword
                continue
            yield word.group(0).upper(), i
            i = end
        else:
            i += 1


def _where_brace(query: str) -> int:
    """Offset of the ``{`` that opens the query's WHERE group (after a CONSTRUCT template, if any)."""
    saw_where = construct = False
    for token, offset in scan(query):
        if token == "WHERE":
            saw_where = True
        elif token == "CONSTRUCT":
            construct = True
        elif token == "{":
            return offset if saw_where or not construct else _after_template(query, offset)
    raise InputError("cannot bind parameters: the query has no WHERE group")


def _after_template(query: str, template: int) -> int:
    """For ``CONSTRUCT { template } WHERE { ... }``: the brace after the template closes."""
    depth = 0
    for token, offset in scan(query):
        if offset < template:
            continue
        if token == "{":
            if depth == 0 and offset > template:
                return offset
            depth += 1
        elif token == "}":
            depth -= 1
    raise InputError("cannot bind parameters: the query has no WHERE group")


def bind_values(query: str, bindings: Mapping[str, Node] | None) -> str:
    """Return ``query`` with ``bindings`` joined in as an inline VALUES block."""
    if not bindings:
        return query
    for name in bindings:
        if not _VARIABLE.match(name):
            raise InputError(f"bad parameter name {name!r}")
    for value in bindings.values():
        if not isinstance(value, (URIRef, Literal)):
            raise InputError(f"parameter values must be IRIs or literals, got {value!r}")
    inserts = [(_where_brace(query), dict(bindings))]
    for brace, projected in _subselects(query):
        inner = {name: term for name, term in bindings.items() if name in projected}
        if inner:
            inserts.append((brace, inner))
    for brace, terms in sorted(inserts, key=lambda item: item[0], reverse=True):
        query = f"{query[: brace + 1]} {_values_block(terms)} {query[brace + 1 :]}"
    return query


def _values_block(bindings: Mapping[str, Node]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term.n3() for term in bindings.values())
    return f"VALUES ({names}) {{ ({values}) }}"


_PROJECTED = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


def _subselects(query: str) -> Iterator[tuple[int, set[str]]]:
    """For each sub-SELECT: the offset of its WHERE group's ``{`` and its plainly projected variables.

    Variables inside parentheses (``(COUNT(?x) AS ?n)``) are expressions, not plain
    projections, and are left out; so is ``SELECT *``.
    """
    tokens = list(scan(query))
    selects = [offset for token, offset in tokens if token == "SELECT"][1:]
    for select in selects:
        brace = next((offset for token, offset in tokens if token == "{" and offset > select), None)
        if brace is None:
            continue  # not a query the engine will accept; its own syntax error says why
        clause, depth, plain = query[select + len("SELECT") : brace], 0, []
        for index, ch in enumerate(clause):
            depth += (ch == "(") - (ch == ")")
            if depth == 0 and ch in "?$" and (match := _PROJECTED.match(clause, index)):
                plain.append(match.group(1))
        yield brace, set(plain)


_LIMIT_VALUE = re.compile(r"\s+(\d+)")


def page_limit(query: str) -> tuple[int, int, int] | None:
    """The query's only ``LIMIT n`` clause as (start, end, n) offsets, or None if it has none.

    A paged catalog query carries exactly one; more than one is refused because the caller
    could not know which one it moves.
    """
    found = [offset for token, offset in scan(query) if token == "LIMIT"]
    if not found:
        return None
    if len(found) > 1:
        raise InputError("cannot page a query with more than one LIMIT clause")
    start = found[0]
    number = _LIMIT_VALUE.match(query, start + len("LIMIT"))
    if not number:
        raise InputError("cannot page a query whose LIMIT is not a number")
    return start, number.end(), int(number.group(1))


def set_page(query: str, limit: int, offset: int = 0) -> str:
    """Rewrite the query's one ``LIMIT n`` to return ``limit`` rows after skipping ``offset``.

    ``limit=0`` means every row. Both are checked to be non-negative ints, so nothing but
    digits ever reaches the text (they cannot be bound through VALUES: SPARQL has no
    variables in LIMIT/OFFSET).
    """
    if not isinstance(limit, int) or not isinstance(offset, int) or limit < 0 or offset < 0:
        raise InputError(f"limit and offset must be whole numbers >= 0, got {limit!r} and {offset!r}")
    span = page_limit(query)
    if span is None:
        raise InputError("this query has no LIMIT clause to page")
    start, end, _ = span
    clause = (f"LIMIT {limit}" if limit else "") + (f" OFFSET {offset}" if offset else "")
    return f"{query[:start]}{clause}{query[end:]}"

"""Safe parameter binding for SPARQL text, shared by every backend.

User values never get pasted into query text as strings. They are serialized
as RDF terms (rdflib's ``n3()`` escapes quotes, newlines and IRIs) and bound
through an inline ``VALUES`` block placed at the start of the query's WHERE
group, which every SPARQL 1.1 engine evaluates as a join with the pattern.
(pyoxigraph's own substitution mechanism only binds projected variables.)

A bound parameter is visible to the top-level group of the WHERE clause: use
it in top-level patterns and FILTERs, not in a FILTER inside a nested group
(``{ ... } UNION { ... FILTER(?param ...) }``), where it would still be unbound.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError

_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_WORD = re.compile(r"[A-Za-z]+")


def _where_brace(query: str) -> int:
    """Offset of the ``{`` that opens the query's WHERE group, skipping strings, IRIs and comments."""
    i, n = 0, len(query)
    first_brace = -1
    saw_where = False
    construct = False
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not query.startswith(quote, i):
                i += 2 if query[i] == "\\" else 1
            i += len(quote)
            continue
        if ch == "<":
            end = re.match(r"<[^<>\"{}|^`\\\s]*>", query[i:])
            if end:
                i += end.end()
                continue
        if ch == "{":
            if saw_where or (first_brace < 0 and not construct):
                return i
            if first_brace < 0:
                first_brace = i
        word = _WORD.match(query, i) if ch.isalpha() else None
        if word:
            token = word.group(0).upper()
            if token == "WHERE":
                saw_where = True
            elif token == "CONSTRUCT":
                construct = True
            i = word.end()
            continue
        i += 1
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
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term.n3() for term in bindings.values())
    brace = _where_brace(query)
    return f"{query[: brace + 1]} VALUES ({names}) {{ ({values}) }} {query[brace + 1 :]}"

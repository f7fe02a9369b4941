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
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term.n3() for term in bindings.values())
    brace = _where_brace(query)
    return f"{query[: brace + 1]} VALUES ({names}) {{ ({values}) }} {query[brace + 1 :]}"

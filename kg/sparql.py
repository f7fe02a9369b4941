"""Rewrites of SPARQL text by its structure, shared by every backend: binding, paging, prefixes.

User values never get pasted into query text as strings. They are serialized
as RDF terms (rdflib's ``n3()`` escapes quotes, newlines and IRIs) and bound
through an inline ``VALUES`` block placed where it joins the whole WHERE
pattern, which every SPARQL 1.1 engine evaluates as a join with the pattern.
(pyoxigraph's own substitution mechanism only binds projected variables.)
Where the block goes comes from ``kg.sparql_syntax`` (tokens and the query's
clauses), never from a text search:

* at the start of the query's WHERE group, so a FILTER at the group's top level
  sees the value (``FILTER(?p < ?threshold)``);
* when that group is a sub-SELECT, the group is wrapped: ``{ VALUES ... { SELECT ... } }``;
* ``CONSTRUCT WHERE { ... }`` (the short form, whose group is also the template and may
  hold triples only) is written out as ``CONSTRUCT { ... } WHERE { VALUES ... ... }``;
* a parameter the query never mentions is not bound at all (binding it would only add a
  column to ``SELECT *``).

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

from collections.abc import Mapping

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError
from kg.sparql_syntax import Group, QueryStructure, QuerySyntaxError, structure_of, tokenize


def _check_bindings(bindings: Mapping[str, Node]) -> None:
    for name in bindings:
        if not _is_variable_name(name):
            raise InputError(f"bad parameter name {name!r}")
    for value in bindings.values():
        if not isinstance(value, (URIRef, Literal)):
            raise InputError(f"parameter values must be IRIs or literals, got {value!r}")


def _is_variable_name(name: str) -> bool:
    """Whether ``?name`` is exactly one SPARQL variable token (Unicode names included)."""
    try:
        tokens = tokenize(f"?{name}")
    except QuerySyntaxError:
        return False
    return len(tokens) == 1 and tokens[0].kind == "VAR"


def bind_values(query: str, bindings: Mapping[str, Node] | None) -> str:
    """Return ``query`` with ``bindings`` joined in as inline VALUES blocks (see the module docstring)."""
    if not bindings:
        return query
    _check_bindings(bindings)
    structure = structure_of(query)
    used = structure.variables()
    bindings = {name: term for name, term in bindings.items() if name in used}
    if not bindings:
        return query
    if structure.where is None:
        raise InputError("cannot bind parameters: the query has no WHERE group")
    _refuse_assigned(structure, structure.form_index, structure.where, bindings)
    edits = _group_edits(structure, structure.where, bindings, structure.short_construct)
    for select in structure.subselects:
        inner = {name: term for name, term in bindings.items() if name in select.projected}
        if inner and select.where is not None:
            _refuse_assigned(structure, select.keyword, select.where, inner)
            edits += _group_edits(structure, select.where, inner, False)
    return _apply(query, edits)


def _refuse_assigned(structure: QueryStructure, form: int, group: Group, bindings: Mapping[str, Node]) -> None:
    """Refuse to bind a variable the query assigns where a VALUES block would already bind it.

    ``SELECT (expr AS ?v)`` and a ``BIND(expr AS ?v)`` at the top level of the group both need ``?v``
    unbound there (SPARQL 1.1, 18.2.1); a BIND inside a nested group is not affected.
    """
    tokens = structure.tokens
    wrapped = group.open + 1 < group.close and tokens[group.open + 1].word == "SELECT"
    positions = list(range(form + 1, group.open))
    index = group.open + 1
    while not wrapped and index < group.close:
        if tokens[index].kind == "PUNCT" and tokens[index].text == "{":
            index = structure.matching[index] + 1
            continue
        positions.append(index)
        index += 1
    for position in positions:
        token = tokens[position]
        if token.word == "AS" and position + 1 < len(tokens) and tokens[position + 1].text[1:] in bindings:
            name = tokens[position + 1].text[1:]
            raise InputError(f"cannot bind parameter ?{name}: the query assigns it itself (AS ?{name})")


def _group_edits(
    structure: QueryStructure, group: Group, bindings: Mapping[str, Node], short_construct: bool
) -> list[tuple[int, int, str]]:
    """Insertions (offset, order, text) that join ``bindings`` with the whole group."""
    tokens = structure.tokens
    opening, closing = tokens[group.open], tokens[group.close]
    block = _values_block(bindings)
    edits = [(opening.end, 0, f" {block}")]
    if short_construct:
        template = structure.text[opening.end : closing.start]
        edits.append((tokens[structure.form_index].end, 0, f" {{{template}}}"))
    elif group.open + 1 < group.close and tokens[group.open + 1].word == "SELECT":
        edits = [(opening.end, 0, f" {block} {{"), (closing.start, 1, "} ")]
    return edits


def _apply(text: str, edits: list[tuple[int, int, str]]) -> str:
    """Insert texts at offsets, the last first so earlier offsets stay valid."""
    for offset, _, insert in sorted(edits, key=lambda edit: (edit[0], edit[1]), reverse=True):
        text = f"{text[:offset]}{insert}{text[offset:]}"
    return text


def _values_block(bindings: Mapping[str, Node]) -> str:
    names = " ".join(f"?{name}" for name in bindings)
    values = " ".join(term.n3() for term in bindings.values())
    return f"VALUES ({names}) {{ ({values}) }}"


def _limit_span(structure: QueryStructure) -> tuple[int, int, int] | None:
    """The one ``LIMIT n`` with an ``OFFSET m`` next to it (either order) as (start, end, n) offsets."""
    tokens = structure.tokens
    found = [index for index, token in enumerate(tokens) if token.word == "LIMIT"]
    if not found:
        return None
    if len(found) > 1:
        raise InputError("cannot page a query with more than one LIMIT clause")
    first = last = found[0]
    if last + 1 >= len(tokens) or tokens[last + 1].kind != "NUMBER" or not tokens[last + 1].text.isdigit():
        raise InputError("cannot page a query whose LIMIT is not a number")
    last += 1
    if last + 2 < len(tokens) and tokens[last + 1].word == "OFFSET" and tokens[last + 2].kind == "NUMBER":
        last += 2
    elif first >= 2 and tokens[first - 2].word == "OFFSET" and tokens[first - 1].kind == "NUMBER":
        first -= 2
    return tokens[first].start, tokens[last].end, int(tokens[found[0] + 1].text)


def page_limit(query: str) -> tuple[int, int, int] | None:
    """The query's only ``LIMIT n`` clause (with its OFFSET) as (start, end, n) offsets, or None if it has none.

    A paged catalog query carries exactly one; more than one is refused because the caller
    could not know which one it moves.
    """
    return _limit_span(structure_of(query))


def set_page(query: str, limit: int, offset: int = 0) -> str:
    """Replace the query's one ``LIMIT n`` (and the OFFSET beside it) by ``limit`` rows after ``offset``.

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
    clause = " ".join(part for part in (f"LIMIT {limit}" if limit else "", f"OFFSET {offset}" if offset else "")
                      if part)
    return f"{query[:start]}{clause}{query[end:]}"


def with_prefixes(query: str, prefixes: Mapping[str, str]) -> str:
    """The query with PREFIX lines for the given prefixes it uses in prefixed names but does not declare."""
    structure = structure_of(query)
    used = {token.text.split(":", 1)[0] for token in structure.tokens if token.kind == "PNAME"}
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in prefixes.items()
             if name in used and name not in structure.prefixes]
    return "\n".join([*lines, query]) if lines else query

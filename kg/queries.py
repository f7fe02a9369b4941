"""The query catalog: named SPARQL files in ``kg/queries/`` with declared parameters.

Each ``.rq`` file starts with comment lines the catalog reads::

    # title: one line for listings
    # description: what it answers (may continue on indented comment lines)
    # param: NAME KIND [DEFAULT]  help text      (KIND is iri, literal, integer or decimal)
    # page: N                                    (optional: the query is paged, N rows by default)

Parameters are bound as RDF terms through ``kg.sparql.bind_values``; a value
is never pasted into the query text. A paged query holds exactly one ``LIMIT N``
(usually in an inner SELECT that orders a narrow projection, so the engine sorts
keys rather than whole rows) and gets two more parameters, ``limit`` (0 = every
row) and ``offset``, which ``kg.sparql.set_page`` writes into that clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from kg.errors import InputError
from kg.namespaces import CONCEPT, PREFIXES, XSD
from kg.paths import QUERY_DIR
from kg.sparql import page_limit, set_page
from kg.store import QueryResult, Store

KINDS = ("iri", "literal", "integer", "decimal")
PAGE_PARAMETERS = ("limit", "offset")


@dataclass(frozen=True)
class Parameter:
    """A variable of a named query that the caller may bind."""

    name: str
    kind: str
    default: str | None
    help: str


@dataclass(frozen=True)
class NamedQuery:
    """One catalog entry."""

    name: str
    title: str
    description: str
    text: str
    parameters: tuple[Parameter, ...]
    path: Path
    page_size: int | None = None
    """Rows per page by default for a paged query (its ``limit`` parameter), None if not paged."""


_PARAM = re.compile(r"^(?P<name>\w+)\s+(?P<kind>\w+)(?:\s+(?P<default>\S+))?(?:\s{2,}(?P<help>.*))?$")


def parse_query_file(path: Path) -> NamedQuery:
    """Read a catalog file's header and text."""
    text = path.read_text(encoding="utf-8")
    fields: dict[str, str] = {}
    params: list[Parameter] = []
    last = ""
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].rstrip()
        key, sep, value = body.strip().partition(":")
        if sep and key in ("title", "description", "param", "page") and not body.startswith("   "):
            last = key
            if key == "param":
                match = _PARAM.match(value.strip())
                if not match or match["kind"] not in KINDS:
                    raise InputError(f"{path.name}: bad param line {value.strip()!r}")
                params.append(Parameter(match["name"], match["kind"], match["default"], match["help"] or ""))
            else:
                fields[key] = value.strip()
        elif last in fields:
            fields[last] += " " + body.strip()
    page_size = _page_size(path, text, fields.pop("page", None))
    if page_size is not None:
        params += [
            Parameter("limit", "integer", str(page_size), "rows to return (0 = every row)"),
            Parameter("offset", "integer", "0", "rows to skip, for the next pages"),
        ]
    return NamedQuery(
        name=path.stem,
        title=fields.get("title", path.stem),
        description=fields.get("description", ""),
        text=text,
        parameters=tuple(params),
        path=path,
        page_size=page_size,
    )


def _page_size(path: Path, text: str, declared: str | None) -> int | None:
    """The ``# page: N`` header, checked against the query's one ``LIMIT N``."""
    if declared is None:
        return None
    span = page_limit(text)
    if not declared.isdigit() or span is None or span[2] != int(declared):
        raise InputError(f"{path.name}: '# page: {declared}' needs exactly one 'LIMIT {declared}' in the query")
    return int(declared)


def catalog(directory: Path = QUERY_DIR) -> dict[str, NamedQuery]:
    """Every named query, by name."""
    return {path.stem: parse_query_file(path) for path in sorted(directory.glob("*.rq"))}


_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters RFC 3987 forbids in an IRI; one of them would break the query the IRI is bound into."""


def expand_iri(value: str) -> URIRef:
    """An IRI from a full IRI, a prefixed name (``concept:cd19-negative``) or a bare concept slug."""
    value = value.strip()
    bracketed = value.startswith("<") and value.endswith(">")
    if bracketed:
        value = value[1:-1]
    bad = _NOT_IN_IRI.search(value)
    if bad:
        raise InputError(f"not a valid IRI: {value!r} (it contains {bad.group()!r}, which an IRI cannot hold)")
    if re.match(r"^[a-z][a-z0-9+.-]*://", value, re.IGNORECASE):
        return URIRef(value)
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES:
        return URIRef(PREFIXES[prefix] + local)
    if bracketed and re.match(r"^[a-z][a-z0-9+.-]*:.", value, re.IGNORECASE):
        return URIRef(value)  # <urn:x>: any absolute IRI (unbracketed, a scheme without // may be a typo'd prefix)
    if re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
        return URIRef(CONCEPT[value])
    raise InputError(f"not an IRI, prefixed name or concept slug: {value!r}")


def to_term(parameter: Parameter, value: str) -> Node:
    """Turn a user-supplied string into the RDF term the parameter declares."""
    if parameter.kind == "iri":
        try:
            return expand_iri(value)
        except InputError as error:
            raise InputError(f"parameter {parameter.name}: {error}") from None
    if parameter.kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise InputError(f"parameter {parameter.name} wants an integer, got {value!r}")
        return Literal(int(value), datatype=XSD.integer)
    if parameter.kind == "decimal":
        try:
            return Literal(format(Decimal(value.strip()), "f"), datatype=XSD.decimal)
        except InvalidOperation:
            raise InputError(f"parameter {parameter.name} wants a number, got {value!r}") from None
    return Literal(value)


def bindings_for(query: NamedQuery, values: dict[str, str]) -> dict[str, Node]:
    """Terms for the given values plus the declared defaults; unknown names are an error."""
    known = {p.name: p for p in query.parameters}
    unknown = sorted(set(values) - set(known))
    if unknown:
        names = ", ".join(known) or "none"
        raise InputError(f"query {query.name} has no parameter {unknown[0]!r} (parameters: {names})")
    bindings: dict[str, Node] = {}
    for name, parameter in known.items():
        if query.page_size is not None and name in PAGE_PARAMETERS:
            continue  # written into the LIMIT clause by prepare(), not bound as a term
        raw = values.get(name, parameter.default)
        if raw is not None and raw != "":
            bindings[name] = to_term(parameter, raw)
    return bindings


def get_query(name: str, directory: Path = QUERY_DIR) -> NamedQuery:
    """A named query, or a one-line error listing the names there are."""
    queries = catalog(directory)
    if name not in queries:
        raise InputError(f"unknown query {name!r} (known: {', '.join(queries)})")
    return queries[name]


def page_of(query: NamedQuery, values: dict[str, str]) -> tuple[int, int] | None:
    """The (limit, offset) a paged query runs with, from the values or its defaults; None if not paged."""
    if query.page_size is None:
        return None
    page = []
    for name, default in zip(PAGE_PARAMETERS, (query.page_size, 0), strict=True):
        raw = str(values.get(name, "") or default).strip()
        if not raw.isdigit():
            raise InputError(f"parameter {name} wants a whole number >= 0, got {raw!r}")
        page.append(int(raw))
    return page[0], page[1]


def prepare(query: NamedQuery, values: dict[str, str] | None = None) -> tuple[str, dict[str, Node]]:
    """The text to run (with its page applied, if paged) and the terms to bind."""
    values = values or {}
    bindings = bindings_for(query, values)
    page = page_of(query, values)
    return (query.text if page is None else set_page(query.text, *page)), bindings


def run_named(store: Store, name: str, values: dict[str, str] | None = None) -> QueryResult:
    """Run a catalog query with the given parameter values (paged ones: the first page by default)."""
    text, bindings = prepare(get_query(name), values)
    return store.query(text, bindings)

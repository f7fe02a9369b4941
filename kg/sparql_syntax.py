r"""A SPARQL 1.1 tokenizer and the little query structure the project needs, with input caps.

Why by hand: rdflib's ``parseQuery`` gives a full parse tree but is a recursive
pyparsing grammar, 50 to 90 times slower than this module (34 ms against 0.64 ms
per catalog query, ``bench/sparql_parse.py``) and itself bounded by Python's
recursion limit; pyoxigraph exposes no parse tree at all. What the guard and the query
rewrites need is smaller than a parse tree: exact tokens (so ``?o.SERVICE`` is a
variable, a dot and a keyword, and ``ex:it\'s`` is one prefixed name) and the
place of a few clauses (the query form, the prologue, the WHERE group, each
sub-SELECT and its projection, LIMIT/OFFSET). Both come from the terminals of
the SPARQL 1.1 grammar (section 19.8) and the bracket nesting.

The text size and the bracket depth are checked before anything parses the
query: pyoxigraph's parser recurses and a few thousand nested braces overflow
the stack (a segfault, not an exception).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

from kg.errors import InputError

DEFAULT_MAX_CHARS = 100_000
"""Largest query text accepted from a user (characters)."""

DEFAULT_MAX_DEPTH = 200
"""Deepest nesting of ``{``, ``(`` and ``[`` a face accepts by default."""

ENGINE_MAX_DEPTH = 500
"""Deepest nesting any text may reach pyoxigraph with.

Function calls cost the engine's parser the most stack per level: in a thread, about 920 nested
``COALESCE(`` or ``CONCAT(`` crashed pyoxigraph 0.5 (plain braces near 2,200, parentheses beyond 3,000),
so half of that leaves room for the operators ``ENGINE_MAX_OPERATORS`` allows on top.
"""

ENGINE_MAX_OPERATORS = 1_000
"""Most operators (``+``, ``||``, ``!``, ``/`` in paths, ...) any text may reach pyoxigraph with.

Each operator nests the engine's expression tree one level deeper without any bracket, so a flat
chain recurses like deep brackets: 7,000 ``+`` or 10,000 ``!`` crashed pyoxigraph 0.5 in a thread.
"""

ENGINE_MAX_COUNT = 2**64 - 1
"""Largest ``LIMIT`` or ``OFFSET`` pyoxigraph 0.5 parses (an unsigned 64-bit integer).

A larger one reached the user as the parser's garbled "expected one of The query limit should be
a non negative integer, ['0'..='9']".
"""

ENGINE_MAX_BACKTRACKING_CALLS = 8
"""Most calls of ``REGEX``, ``SUBSTR`` or ``REPLACE`` nested inside one another.

These take an optional last argument, and pyoxigraph's parser reads each such call twice when
the optional argument is absent, so parse time doubles with every nested call: 22 levels took
7 s, 30 would take half an hour. Eight levels parse in under a millisecond.
"""
_BACKTRACKING_CALLS = frozenset({"REGEX", "SUBSTR", "REPLACE"})

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

# -- the terminals of the SPARQL 1.1 grammar ------------------------------------------------

_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff"
)
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + "\\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_LOCAL = rf"(?:[{_CHARS_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = rf"\\[tbnrf\\\"']|{_UCHAR}"

_TERMINALS = [
    ("WS", r"[ \t\r\n]+"),
    ("COMMENT", r"#[^\r\n]*"),
    ("IRI", rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>"),
    ("STRING", rf"'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}))*'''"),
    ("STRING", rf'"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}))*"""'),
    ("STRING", rf"'(?:[^'\\\n\r]|{_ECHAR})*'"),
    ("STRING", rf'"(?:[^"\\\n\r]|{_ECHAR})*"'),
    ("BNODE", rf"_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?"),
    ("PNAME", rf"(?:{_PREFIX})?:(?:{_LOCAL})?"),
    ("VAR", rf"[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"),
    ("LANGTAG", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("NUMBER", r"[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.[0-9]+[eE][+-]?[0-9]+|[0-9]+[eE][+-]?[0-9]+"
               r"|[0-9]*\.[0-9]+|[0-9]+"),
    ("WORD", r"[A-Za-z_][A-Za-z0-9_]*"),
    ("PUNCT", r"\^\^|<=|>=|!=|&&|\|\||[{}()\[\];,.=<>!+\-*/^|?]"),
]
_SCANNER = re.compile("|".join(f"(?P<{kind}{i}>{pattern})" for i, (kind, pattern) in enumerate(_TERMINALS)))
_KINDS = {f"{kind}{i}": kind for i, (kind, _) in enumerate(_TERMINALS)}
_OPEN = {"{": "}", "(": ")", "[": "]"}
_OPERATORS = frozenset({"+", "-", "*", "/", "!", "||", "&&", "=", "!=", "<", ">", "<=", ">=", "^", "|"})
_CLOSE = frozenset(_OPEN.values())


class QuerySyntaxError(InputError):
    """The text is not SPARQL (or is over a size or depth cap); says where."""


class ReadOnlyError(InputError):
    """The request would change the graph or reach another server."""


@dataclass(frozen=True)
class TextLimits:
    """Caps on a query's text, checked before any parser sees it."""

    max_chars: int = DEFAULT_MAX_CHARS
    max_depth: int = DEFAULT_MAX_DEPTH


@dataclass(frozen=True)
class Token:
    """One terminal: its kind (IRI, PNAME, VAR, STRING, WORD, PUNCT, ...), text and offsets."""

    kind: str
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        """The upper-cased keyword for a WORD token (keywords are case-insensitive), else ''."""
        return self.text.upper() if self.kind == "WORD" else ""


def where(text: str, offset: int) -> str:
    """'line L, column C' of an offset, for messages."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def tokenize(text: str, max_depth: int | None = None) -> list[Token]:
    """Every token of ``text`` except white space and comments; a character no terminal takes is an error.

    With ``max_depth``, stops at the first bracket nested deeper, so refusing a deeply nested
    text costs as little as its first ``max_depth`` brackets.
    """
    tokens: list[Token] = []
    position, size, depth = 0, len(text), 0
    match_at, kinds, append = _SCANNER.match, _KINDS, tokens.append
    while position < size:
        match = match_at(text, position)
        if match is None:
            found = text[position]
            what = "an unclosed string" if found in "'\"" else f"unexpected character {found!r}"
            raise QuerySyntaxError(f"SPARQL syntax error at {where(text, position)}: {what}")
        kind = kinds[match.lastgroup or ""]
        end = match.end()
        if kind == "PUNCT":
            value = match.group()
            if value in _OPEN:
                depth += 1
                if max_depth is not None and depth > max_depth:
                    raise _too_deep(text, position, max_depth)
            elif value in _CLOSE:
                depth -= 1
            append(Token(kind, value, position, end))
        elif kind != "WS" and kind != "COMMENT":
            append(Token(kind, match.group(), position, end))
        position = end
    return tokens


def _too_deep(text: str, offset: int, max_depth: int) -> QuerySyntaxError:
    return QuerySyntaxError(f"query nests brackets deeper than {max_depth} levels (at {where(text, offset)}); "
                            "flatten it")


@dataclass(frozen=True)
class Group:
    """A ``{ ... }`` group as the token indices of its two braces."""

    open: int
    close: int


@dataclass(frozen=True)
class Select:
    """A (sub-)SELECT: its keyword's token index, plainly projected variables, and its WHERE group."""

    keyword: int
    projected: frozenset[str]
    star: bool
    where: Group | None


@dataclass
class QueryStructure:
    """What the guard and the rewrites need to know about a query (see the module docstring)."""

    text: str
    tokens: list[Token]
    form: str
    """SELECT, ASK, CONSTRUCT or DESCRIBE; an update keyword or '' for text that is not a query."""
    form_index: int
    prefixes: dict[str, str] = field(default_factory=dict)
    """Prefixes the prologue declares (name without the colon -> IRI text)."""
    where: Group | None = None
    short_construct: bool = False
    """``CONSTRUCT WHERE { ... }``: the group is also the template, so it may hold triples only."""
    subselects: list[Select] = field(default_factory=list)
    depth: int = 0
    matching: dict[int, int] = field(default_factory=dict)

    def variables(self) -> set[str]:
        """Every variable name the query mentions (without ``?`` or ``$``)."""
        return {token.text[1:] for token in self.tokens if token.kind == "VAR"}

    def words(self) -> set[str]:
        """Every keyword (upper-cased) the query uses."""
        return {token.word for token in self.tokens if token.kind == "WORD"}


def check_size(text: str, limits: TextLimits) -> None:
    """Refuse a text over the size cap (before tokenizing it)."""
    if len(text) > limits.max_chars:
        raise QuerySyntaxError(
            f"query of {len(text):,} characters is over the limit of {limits.max_chars:,}; shorten it"
        )


def analyze(text: str, limits: TextLimits | None = None) -> QueryStructure:
    """Tokenize ``text`` and find its structure; refuse it if over a cap or if its brackets do not pair.

    Size and depth are checked on the tokens (a linear pass, no recursion) before any parser runs.
    """
    limits = limits or TextLimits()
    check_size(text, limits)
    tokens = tokenize(text, limits.max_depth)
    matching, depth = _pair_brackets(text, tokens, limits.max_depth)
    _count_operators(text, tokens)
    _check_counts(text, tokens)
    _nest_backtracking_calls(text, tokens)
    index, prefixes = _prologue(tokens)
    form = tokens[index].word if index < len(tokens) else ""
    structure = QueryStructure(text, tokens, form, index, prefixes, depth=depth, matching=matching)
    if form not in QUERY_FORMS:
        return structure
    structure.where, template = _findwhere(tokens, matching, index)
    structure.short_construct = form == "CONSTRUCT" and template is None and structure.where is not None
    start = index + 1 if form == "SELECT" else index
    for position in range(start, len(tokens)):
        if tokens[position].word == "SELECT":
            structure.subselects.append(_select(tokens, matching, position))
    return structure


def _count_operators(text: str, tokens: list[Token]) -> None:
    """Refuse more than ``ENGINE_MAX_OPERATORS`` operators: a flat chain of them overflows the engine's stack."""
    count = 0
    for token in tokens:
        if token.kind == "PUNCT" and token.text in _OPERATORS:
            count += 1
            if count > ENGINE_MAX_OPERATORS:
                raise QuerySyntaxError(f"query chains more than {ENGINE_MAX_OPERATORS:,} operators "
                                       f"(at {where(text, token.start)}); split it")


def _check_counts(text: str, tokens: list[Token]) -> None:
    """Refuse a ``LIMIT`` or ``OFFSET`` over ``ENGINE_MAX_COUNT`` with a message that says so and where.

    The number is compared by its digits, not converted: Python refuses ``int()`` of more than
    4,300 digits, and the text cap allows far more.
    """
    for token, number in pairwise(tokens):
        if token.word not in ("LIMIT", "OFFSET") or number.kind != "NUMBER" or not number.text.isdigit():
            continue
        digits = number.text.lstrip("0")
        if len(digits) > 20 or (len(digits) == 20 and int(digits) > ENGINE_MAX_COUNT):
            shown = number.text if len(number.text) <= 24 else f"{number.text[:20]}... ({len(number.text):,} digits)"
            raise QuerySyntaxError(f"{token.word} {shown} at {where(text, number.start)} is larger than the engine "
                                   f"accepts (at most {ENGINE_MAX_COUNT:,}); use a smaller number or leave it out")


def _nest_backtracking_calls(text: str, tokens: list[Token]) -> None:
    """Refuse ``REGEX``/``SUBSTR``/``REPLACE`` calls nested deeper than ``ENGINE_MAX_BACKTRACKING_CALLS``.

    One pass over the tokens with a stack of the open brackets, each marked if it opens such a call.
    """
    opened: list[bool] = []
    nested = 0
    for index, token in enumerate(tokens):
        if token.kind != "PUNCT":
            continue
        if token.text in _OPEN:
            call = token.text == "(" and index > 0 and tokens[index - 1].word in _BACKTRACKING_CALLS
            opened.append(call)
            nested += call
            if nested > ENGINE_MAX_BACKTRACKING_CALLS:
                raise QuerySyntaxError(f"query nests REGEX, SUBSTR or REPLACE calls more than "
                                       f"{ENGINE_MAX_BACKTRACKING_CALLS} deep (at {where(text, token.start)}); "
                                       "flatten it")
        elif token.text in _CLOSE and opened:
            nested -= opened.pop()


def _pair_brackets(text: str, tokens: list[Token], max_depth: int) -> tuple[dict[int, int], int]:
    """Map each bracket token to its partner; refuse unpaired brackets and nesting past ``max_depth``."""
    matching: dict[int, int] = {}
    stack: list[int] = []
    deepest = 0
    for index, token in enumerate(tokens):
        if token.kind != "PUNCT":
            continue
        if token.text in _OPEN:
            stack.append(index)
            if len(stack) > max_depth:
                raise _too_deep(text, token.start, max_depth)
            deepest = max(deepest, len(stack))
        elif token.text in ")}]":
            if not stack or _OPEN[tokens[stack[-1]].text] != token.text:
                raise QuerySyntaxError(f"SPARQL syntax error at {where(text, token.start)}: "
                                       f"unmatched {token.text!r}")
            opened = stack.pop()
            matching[opened], matching[index] = index, opened
    if stack:
        token = tokens[stack[-1]]
        raise QuerySyntaxError(f"SPARQL syntax error at {where(text, token.start)}: {token.text!r} is never closed")
    return matching, deepest


def _prologue(tokens: list[Token]) -> tuple[int, dict[str, str]]:
    """Index of the first token after the BASE/PREFIX declarations, and the declared prefixes."""
    index, prefixes = 0, {}
    while index < len(tokens):
        word = tokens[index].word
        if word == "BASE" and index + 1 < len(tokens):
            index += 2
        elif word == "PREFIX" and index + 2 < len(tokens) and tokens[index + 1].kind == "PNAME":
            prefixes[tokens[index + 1].text[:-1]] = tokens[index + 2].text
            index += 3
        else:
            break
    return index, prefixes


def _findwhere(tokens: list[Token], matching: dict[int, int], form: int) -> tuple[Group | None, Group | None]:
    """The WHERE group (and a CONSTRUCT template) of the query form at token ``form``.

    The first ``{`` outside parentheses after the form keyword opens the WHERE group, or the
    template when it is a CONSTRUCT with no WHERE keyword before it. Braces inside parentheses
    (``(EXISTS { ... } AS ?x)`` in a projection) belong to expressions, never to the WHERE group.
    """
    saw_where = False
    template: Group | None = None
    index = form + 1
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "PUNCT" and token.text == "(":
            index = matching[index] + 1
            continue
        if token.word == "WHERE":
            saw_where = True
        elif token.kind == "PUNCT" and token.text == "{":
            group = Group(index, matching[index])
            if tokens[form].word == "CONSTRUCT" and not saw_where and template is None:
                template = group
                index = group.close + 1
                continue
            return group, template
        elif token.word in ("VALUES", "LIMIT", "OFFSET", "ORDER") or (token.kind == "PUNCT" and token.text == "}"):
            break  # DESCRIBE without a group, or the end of the group that holds a sub-SELECT without a WHERE group
        index += 1
    return None, template


def _select(tokens: list[Token], matching: dict[int, int], keyword: int) -> Select:
    where, _ = _findwhere(tokens, matching, keyword)
    end = where.open if where else len(tokens)
    projected: set[str] = set()
    star = False
    index = keyword + 1
    while index < end:
        token = tokens[index]
        if token.kind == "PUNCT" and token.text == "(":
            index = matching[index] + 1
            continue
        if token.kind == "VAR":
            projected.add(token.text[1:])
        elif token.kind == "PUNCT" and token.text == "*":
            star = True
        index += 1
    return Select(keyword, frozenset(projected), star, where)


UNCAPPED = TextLimits(max_chars=sys.maxsize)
"""For text the project writes itself (a bound or paged catalog query, a remote store's VALUES lists): no size cap."""

CACHED_BELOW = 20_000
"""Texts shorter than this (characters) are remembered; longer ones are re-read, so the caches stay small."""


def structure_of(text: str) -> QueryStructure:
    """``analyze`` without a size cap, remembered for the short texts seen last (catalog queries repeat).

    The result may be shared between callers: read it, never change it.
    """
    return _remembered_structure(text) if len(text) < CACHED_BELOW else analyze(text, UNCAPPED)


@lru_cache(maxsize=512)
def _remembered_structure(text: str) -> QueryStructure:
    return analyze(text, UNCAPPED)


def check_engine_text(text: str, max_depth: int = ENGINE_MAX_DEPTH) -> None:
    """The last check before pyoxigraph parses any query text: no deep nesting, no SERVICE (any size).

    Every face checks more (``kg.guard``); this keeps the store API itself from crashing the
    process or calling another server, whoever calls it. Short accepted texts are remembered
    (``lru_cache`` keeps answers, not refusals), so a repeated query costs nothing the second time.
    """
    if len(text) < CACHED_BELOW:
        _remembered_check(text, max_depth)
    else:
        _check(text, max_depth)


@lru_cache(maxsize=512)
def _remembered_check(text: str, max_depth: int) -> None:
    _check(text, max_depth)


def _check(text: str, max_depth: int) -> None:
    tokens = tokenize(text, max_depth)
    _pair_brackets(text, tokens, max_depth)
    _count_operators(text, tokens)
    _check_counts(text, tokens)
    _nest_backtracking_calls(text, tokens)
    if any(token.word == "SERVICE" for token in tokens):
        raise ReadOnlyError("SERVICE is not allowed: queries here may not call other endpoints")

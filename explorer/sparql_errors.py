"""Readable SPARQL syntax errors: the message, and the offending line with a caret under the column."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_POSITION = re.compile(r"(?:error )?at (\d+):(\d+)")


@dataclass(frozen=True)
class SyntaxProblem:
    """Where a query failed to parse and why."""

    line: int
    column: int
    message: str
    excerpt: str


def locate(query: str, message: str) -> SyntaxProblem | None:
    """The position named in a parser message ("error at LINE:COLUMN: ..."), with the line and a caret."""
    match = _POSITION.search(message)
    if not match:
        return None
    line, column = int(match[1]), int(match[2])
    lines = query.splitlines() or [""]
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    reason = message[match.end():].lstrip(": ").strip() or message
    caret = " " * max(column - 1, 0) + "^"
    return SyntaxProblem(line, column, reason, f"{line:>4} | {text}\n     | {caret}")


_PREFIXED = re.compile(r"([A-Za-z][\w.-]*)?:\S*$")
_CHAR_CLASSES = re.compile(r"\[[^\]]*\]")
_LONG = 160


def unknown_prefix(query: str, problem: SyntaxProblem, declared: Iterable[str]) -> str | None:
    """"Unknown prefix 'foo:' ..." when the parser stopped at an undeclared prefix, else None.

    pyoxigraph reports an undeclared prefix as a list of the characters it expected ("Prefix not
    found, ['%'], ['-' | '0' ..= '9' | ...") at the position after the colon; the prefix is the name
    just before that position on the same line.
    """
    if "Prefix not found" not in problem.message:
        return None
    lines = query.splitlines() or [""]
    text = lines[problem.line - 1] if 0 < problem.line <= len(lines) else ""
    match = _PREFIXED.search(text[: problem.column - 1])
    name = (match[1] or "") if match else ""
    known = ", ".join(f"{p}:" for p in sorted(declared))
    return (f"Unknown prefix '{name}:' at line {problem.line}. Declare it with PREFIX {name}: <...> "
            f"or use a predeclared one: {known}")


def short_message(message: str) -> str:
    """A parser message without its character-class lists, cut to one readable line."""
    text = " ".join(_CHAR_CLASSES.sub("…", message).split())
    text = re.sub(r"(…,?\s*)+", "… ", text).strip()
    return text if len(text) <= _LONG else text[: _LONG - 1] + "…"

"""Readable SPARQL syntax errors: the message, and the offending line with a caret under the column."""

from __future__ import annotations

import re
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

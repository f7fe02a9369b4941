"""Text safe to print on a terminal: the one escaping step every face's messages and tables go through."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text with control characters (NUL, ESC, line breaks) and bidi overrides shown escaped, as repr() does.

    Data can hold anything; an ESC sequence printed raw would recolour, move or
    rewrite what the terminal shows, and a bidi override (U+202E) would show the
    rest of a cell, or a neighbouring one, in reverse order.
    """
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)

"""Text safe to print on a terminal: the one escaping step every face's messages and tables go through."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text with control characters (NUL, ESC, line breaks) shown escaped, as repr() does.

    Data can hold anything; an ESC sequence printed raw would recolour, move or
    rewrite what the terminal shows.
    """
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)

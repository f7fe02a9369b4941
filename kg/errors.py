"""The one exception type users see.

Every failure a user can cause (bad input, a missing file, an unknown query, a
store that is locked) is raised as ``KGError`` with a one-line reason; the CLI
prints it without a traceback and exits non-zero. Anything else is a bug.
"""

from __future__ import annotations


class KGError(Exception):
    """A user-facing error with a one-line message saying what and where."""


class InputError(KGError):
    """The input (a file, a row, a value) is malformed; nothing was written."""


class StoreError(KGError):
    """The store could not be opened, read or written."""

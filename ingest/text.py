"""Text clean-up shared by the ingestors.

Titles and abstracts arrive with inline markup (``<i>``, ``<sup>``), HTML
entities and odd spacing. They are stored as plain text: the markup is
dropped, never interpreted, so nothing from a source can inject HTML later.
"""

from __future__ import annotations

import html
import re
import unicodedata

_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
_SPACE = re.compile(r"\s+")


def clean_text(value: str) -> str:
    """Plain text: tags removed, entities decoded, unicode composed, whitespace collapsed."""
    text = _TAG.sub("", value)
    text = html.unescape(text)
    text = _TAG.sub("", text)  # entities may have encoded tags (&lt;i&gt;)
    # U+FEFF is a byte order mark (or an invisible zero-width space inside text): never content
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ").replace("\ufeff", "")
    return _SPACE.sub(" ", text).strip()

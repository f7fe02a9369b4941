"""Split an abstract into sentences with character offsets.

A full stop ends a sentence only when whitespace and an upper-case letter (or a
digit, bracket or quote) follow, and the word before it is not an abbreviation
("vs.", "e.g.", "et al.", "Fig.", single initials). That keeps "P = .02",
"0.05" and "95% CI" inside their sentence. Line breaks (structured abstracts,
PubMed XML sections) always end a sentence, and a section label such as
"RESULTS:" is not part of the sentence that follows it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "vs", "e.g", "i.e", "al", "fig", "figs", "no", "nos", "approx", "dr", "ref", "refs", "ca", "cf", "resp",
    "mo", "mos", "yr", "yrs", "wk", "wks", "min", "max", "pts", "pt", "st", "vol", "sd", "inc", "ltd", "co",
}
_BOUNDARY = re.compile(r"[.!?](?:[\"'”’)\]]*)(?=\s+[\"'“(\[]?[A-Z0-9])|\n+")
_LABEL = re.compile(r"^\s*(?:[A-Z][A-Za-z ]{2,40}|[A-Z ]{3,40}):\s+")


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text and where it starts and ends in the abstract."""

    text: str
    start: int
    end: int


_LAST_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)$")


def _word_before(text: str, index: int) -> str:
    match = _LAST_WORD.search(text[max(0, index - 12):index])
    return match.group(1).casefold() if match else ""


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text`` in order, each with offsets into ``text`` (empty ones dropped)."""
    sentences: list[Sentence] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group().startswith("."):
            word = _word_before(text, match.start())
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha() and word != "a"):
                continue
        end = match.end() if not match.group().startswith("\n") else match.start()
        _append(text, start, end, sentences)
        start = match.end()
    _append(text, start, len(text), sentences)
    return sentences


def _append(text: str, start: int, end: int, sentences: list[Sentence]) -> None:
    chunk = text[start:end]
    label = _LABEL.match(chunk)
    if label:
        start += label.end()
        chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    begin = start + lead
    sentences.append(Sentence(stripped, begin, begin + len(stripped)))

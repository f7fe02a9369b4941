"""Recognise vocabulary concepts in text, with character offsets.

The recogniser is built once from the SKOS vocabulary (``ontology/vocabulary.ttl``):
curators add a synonym or an abbreviation there and it is recognised, no code
changes. Text and labels are cut into the same tokens and compared token by
token, which is what makes "CD19-negative", "CD19 negative" and "cd19 Negative"
one label: hyphens and spaces both only separate tokens, case is folded, and a
plural "s" is dropped. Abbreviations (``ckg:abbreviation``) are compared with
their case kept, so "ALL" never fires on "all". An abbreviation an author
defines in the text ("extramedullary disease (EM-ALL)") maps to that concept
for the rest of the text.

Why tokens and dictionaries rather than one regular expression per label: the
lookup cost does not grow with the size of the vocabulary (see
``bench/extract_bench.py``), and the hyphen/space/case/plural variants come for
free instead of being spelt out in every pattern.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from kg.vocabulary import VOCABULARY_FILE, Concept, load_vocabulary

# A token is a run of letters/digits (any script) or one other visible character.
# Hyphens and dashes are not tokens: "CD19-negative" and "CD19 negative" tokenise alike.
_TOKEN = re.compile(r"[^\W_]+|[^\w\s\-\u2010\u2011\u2012\u2013]")
_ABBREVIATION = re.compile(r"[^\W\d_][\w/+\-]{0,11}")
_END = "\x00"
_HYPHEN_FREE = re.compile(r"[\-\u2010\u2011]free\b", re.IGNORECASE)
_SLIP_CACHE_SIZE = 50_000
"""Words whose slip candidates a matcher keeps before it starts over (a bound on memory for a long run)."""
_FUSED_SUFFIX = {"negative": ("neg",), "positive": ("pos",)}


class Token(NamedTuple):
    """One token of a text: its surface form and where it is (a tuple: texts have thousands)."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class ConceptMention:
    """A concept found in a text, with the exact characters that named it."""

    concept: str
    start: int
    end: int
    text: str
    kinds: tuple[str, ...]
    via: str  # "label", "abbreviation", "defined" (an abbreviation the text introduced) or "slip" (a typo)


@lru_cache(maxsize=1 << 16)
def fold(token: str) -> str:
    """The case-, plural-insensitive form of a token used for label comparison."""
    word = token.casefold()
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")) and word[-2].isalpha():
        word = word[:-1]
    return word


def tokenize(text: str) -> list[Token]:
    """Cut a text into tokens with offsets (hyphens and whitespace separate, never count)."""
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _label_variants(label: str) -> set[str]:
    """A label plus the fused forms authors use for marker labels ("CD19 negative" -> "CD19neg")."""
    variants = {label}
    words = re.split(r"[\s\-]+", label.strip())
    if len(words) == 2 and words[1].casefold() in _FUSED_SUFFIX:
        for suffix in _FUSED_SUFFIX[words[1].casefold()]:
            variants.add(words[0] + suffix)
    return variants


class ConceptMatcher:
    """A compiled index of every label, synonym and abbreviation, matched longest-first."""

    def __init__(self, concepts: Mapping[str, Concept]) -> None:
        self.concepts = dict(concepts)
        # Two token tries (nested dicts; the key _END holds the concept): folded labels, exact abbreviations.
        self._labels: dict = {}
        self._abbrevs: dict = {}
        for concept in sorted(self.concepts.values(), key=lambda c: c.iri):
            names = [concept.pref_label, *concept.alt_labels, *concept.hidden_labels]
            for name in names:
                for variant in _label_variants(name):
                    self._add(self._labels, tuple(fold(t.text) for t in tokenize(variant)), concept.iri)
            for abbreviation in concept.abbreviations:
                self._add(self._abbrevs, tuple(t.text for t in tokenize(abbreviation)), concept.iri)
        # One-letter slips in the first word of a label of several words ("even-free survival"):
        # every first word of five letters or more is indexed under its one-letter deletions.
        self._slips: dict[str, set[str]] = {}
        # The label first words one edit away from a text's word, kept per word: the same words recur
        # in every abstract, and working the deletions out is the costly part of a slip check.
        self._slip_firsts: dict[str, tuple[str, ...]] = {}
        self._seconds = {second for node in self._labels.values() for second in node if second != _END}
        for first, node in self._labels.items():
            if len(first) >= 5 and first.isalpha() and any(k != _END for k in node):
                for variant in _deletions(first) | {first}:
                    self._slips.setdefault(variant, set()).add(first)

    @staticmethod
    def _add(trie: dict, key: tuple[str, ...], iri: str) -> None:
        if not key:
            return
        node = trie
        for token in key:
            node = node.setdefault(token, {})
        node.setdefault(_END, iri)  # the first concept to claim a label keeps it

    @staticmethod
    def _walk(trie: dict, seq: list[str], i: int) -> tuple[int, str] | None:
        """The longest key of the trie starting at ``seq[i]``: (length, concept)."""
        node, best, j = trie, None, i
        while j < len(seq) and seq[j] in node:
            node = node[seq[j]]
            j += 1
            if _END in node:
                best = (j - i, node[_END])
        return best

    def _slip(self, folded: list[str], i: int) -> tuple[int, str, str] | None:
        """A label of several words whose first word the text misspelt by one letter, the rest exact."""
        word = folded[i]
        if i + 1 >= len(folded) or folded[i + 1] not in self._seconds or len(word) < 4 or not word.isalpha():
            return None
        firsts = self._slip_firsts.get(word)
        if firsts is None:
            candidates: set[str] = set()
            for variant in _deletions(word) | {word}:
                candidates |= self._slips.get(variant, set())
            firsts = tuple(first for first in sorted(candidates) if first != word and _one_edit(word, first))
            if len(self._slip_firsts) >= _SLIP_CACHE_SIZE:
                self._slip_firsts.clear()
            self._slip_firsts[word] = firsts
        for first in firsts:
            hit = self._walk(self._labels[first], folded, i + 1)
            if hit:
                return hit[0] + 1, hit[1], "slip"
        return None

    def lookup(self, phrase: str) -> str | None:
        """The concept a whole phrase names (as a label or abbreviation), or None."""
        tokens = tokenize(phrase)
        for trie, seq in ((self._labels, [fold(t.text) for t in tokens]), (self._abbrevs, [t.text for t in tokens])):
            node = trie
            for token in seq:
                node = node.get(token)
                if node is None:
                    break
            if seq and node is not None and _END in node:
                return node[_END]
        return None

    def find(self, text: str) -> list[ConceptMention]:
        """Every concept mention in the text, left to right, longest match at each position.

        Tokens are kept as parallel lists (their text, folded form and match) rather than as
        ``Token`` tuples, and a position whose token starts no key of any trie (and no slip) is
        passed over at once: most tokens of an abstract name nothing, and this loop runs on every
        abstract and title.
        """
        matches = list(_TOKEN.finditer(text))
        exact = _TOKEN.findall(text)
        folded = list(map(fold, exact))
        labels, abbrevs, seconds = self._labels, self._abbrevs, self._seconds
        defined: dict = {}  # a trie like the others, filled as the text defines abbreviations
        mentions: list[ConceptMention] = []
        i, n = 0, len(exact)
        while i < n:
            if exact[i] not in defined and folded[i] not in labels and exact[i] not in abbrevs and (
                    i + 1 >= n or folded[i + 1] not in seconds):
                i += 1
                continue
            best: tuple[int, str, str] | None = None  # (length, iri, via)
            for trie, seq, via in ((defined, exact, "defined"), (self._labels, folded, "label"),
                                   (self._abbrevs, exact, "abbreviation")):
                hit = self._walk(trie, seq, i) if seq[i] in trie else None
                if hit and (best is None or hit[0] > best[0]):
                    best = (hit[0], hit[1], via)
            if best is None and i + 1 < n and folded[i + 1] in self._seconds:
                best = self._slip(folded, i)
            if best is None:
                i += 1
                continue
            size, iri, via = best
            start, end = matches[i].start(), matches[i + size - 1].end()
            if _HYPHEN_FREE.match(text, end):  # "relapse-free survival" is not a relapse
                i += size
                continue
            mention = ConceptMention(iri, start, end, text[start:end], self.concepts[iri].kinds, via)
            mentions.append(mention)
            i += size
            short = _definition_after(text, exact, matches, i)
            if short is not None:
                self._add(defined, short, iri)
        return mentions


def _deletions(word: str) -> set[str]:
    return {word[:k] + word[k + 1:] for k in range(len(word))}


def _one_edit(a: str, b: str) -> bool:
    """Whether two different words are one insertion, deletion or substitution apart."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:k] + long[k + 1:] == short for k in range(len(long)))


def _definition_after(text: str, exact: list[str], matches: list[re.Match[str]], i: int) -> tuple[str, ...] | None:
    """The abbreviation in "( ABBR )" right after a mention, as exact tokens; None if there is none.

    Only short, capitalised forms count ("EM-ALL", "HCT", "r/r"), so a parenthesis holding
    a P-value or a sentence is never taken for a definition. ``exact`` holds the tokens' text and
    ``matches`` their matches (offsets), in the same order.
    """
    if i >= len(exact) or exact[i] != "(":
        return None
    for j in range(i + 1, min(i + 6, len(exact))):
        if exact[j] == ")":
            if j == i + 1:
                return None
            word = text[matches[i + 1].start():matches[j - 1].end()]
            if _ABBREVIATION.fullmatch(word) and any(c.isupper() for c in word):
                return tuple(exact[i + 1:j])
            return None
    return None


@lru_cache(maxsize=4)
def default_matcher(path: Path = VOCABULARY_FILE) -> ConceptMatcher:
    """The matcher for the project's vocabulary, built once per process."""
    return ConceptMatcher(load_vocabulary(path))


def narrowest(iris: Iterable[str], concepts: Mapping[str, Concept]) -> list[str]:
    """Drop every concept that is broader than another one in the list (keep the most specific)."""
    chosen = list(dict.fromkeys(iris))
    ancestors: set[str] = set()
    for iri in chosen:
        ancestors |= broader_closure(iri, concepts)
    return [iri for iri in chosen if iri not in ancestors]


def broader_closure(iri: str, concepts: Mapping[str, Concept]) -> set[str]:
    """Every concept strictly broader than ``iri`` (transitively)."""
    seen: set[str] = set()
    stack = list(concepts[iri].broader) if iri in concepts else []
    while stack:
        parent = stack.pop()
        if parent not in seen:
            seen.add(parent)
            stack.extend(concepts[parent].broader if parent in concepts else ())
    return seen


def common_narrower(iris: Iterable[str], concepts: Mapping[str, Concept]) -> str | None:
    """A concept narrower than all the given ones ("EM-ALL" + "relapse" -> extramedullary relapse)."""
    wanted = set(iris)
    if len(wanted) < 2:
        return None
    for iri in sorted(concepts):
        if wanted <= broader_closure(iri, concepts) | {iri} and iri not in wanted:
            return iri
    return None

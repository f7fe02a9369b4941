"""A shallow noun-phrase chunker and the direction words of a comparison, shared by the anchored readers.

The statistic-anchored readers (``anchored.py``, ``relations.py``) need the noun phrase printed
next to a statistic or a relation verb without a parser: chunk boundaries come from function
words, finite verbs, comparatives, numbers and punctuation, read right to left from a statistic
(``last_chunk``) or left to right after a verb (``first_chunk``). ``worded_direction`` says which
way a clause's comparative words point.
"""

from __future__ import annotations

import re

from ingest.extract import cues
from ingest.extract.statistics import Statistic

WORDS = re.compile(r"[a-z]+")
_CHANGE_UP = {"increase", "increases", "improvement", "improvements", "gain", "gains", "rise"}
_CHANGE_DOWN = {"decrease", "decreases", "reduction", "reductions", "decline", "declines", "fall", "drop", "loss"}
_SIZE_UP = {"greater", "larger", "bigger", "more"}
_SIZE_DOWN = {"smaller", "less"}
_UP_VERBS = {"rose", "gained", "raised", "larger", "successful", "frequent", "likely", "thicker", "heavier", "wider",
             "stronger"}
_DOWN_VERBS = {"fell", "declined", "dropped", "lost", "smaller", "decline", "lowered", "thinner", "lighter", "narrower",
               "weaker"}
STOP_OBJECT = re.compile(
    r"^(?:p|ci|or|hr|rr|mean|medians?|differences?|respectively|patients|group|groups|both|all|vs|versus|compared|"
    r"than|there|which|this|it|those|these|control|controls|children|men|women|people|infants|participants|"
    r"subjects|intervention|subgroup|analys[ie]s|model|regression|improvements?|increases?|decreases?|changes?|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred)$",
    re.IGNORECASE)
"""Words a noun phrase that names an outcome or a factor does not start with."""


def statistic_groups(stats: list[Statistic]) -> list[list[Statistic]]:
    """The clause's statistics in groups that each end with a P-value (an effect size goes with the next one)."""
    groups: list[list[Statistic]] = [[]]
    for stat in stats:
        groups[-1].append(stat)
        if stat.kind == "p_value":
            groups.append([])
    return [g for g in groups if g]


def worded_direction(words: set[str]) -> str | None:
    """The direction the comparative words say (``None`` when they say none or both).

    A change named with its size ("the decrease in Y was greater") goes the way of the change:
    a greater decrease decreases, a smaller increase decreases.
    """
    change_up, change_down = bool(words & _CHANGE_UP), bool(words & _CHANGE_DOWN)
    size_up, size_down = bool(words & _SIZE_UP), bool(words & _SIZE_DOWN)
    if change_up != change_down and size_up != size_down:
        return "increases" if change_up == size_up else "decreases"
    up = bool(words & (cues.INCREASE_WORDS | _UP_VERBS))
    down = bool(words & (cues.DECREASE_WORDS | _DOWN_VERBS))
    return None if up == down else "increases" if up else "decreases"


def outside_open_bracket(text: str) -> str:
    """``text`` up to the bracket still open at its end (nested brackets included), else all of it."""
    depth, opened = 0, -1
    for index, char in enumerate(text):
        if char in "([":
            if depth == 0:
                opened = index
            depth += 1
        elif char in ")]" and depth:
            depth -= 1
    return text[:opened] if depth and opened >= 0 else text


_CHUNK_TOKEN = re.compile(r"[^\W_][\w'’/+.≥≤-]*|[()\[\],;:]", re.UNICODE)
_BOUNDARY = frozenset([
    "in", "for", "with", "at", "among", "between", "from", "to", "by", "on", "after", "before", "during", "than",
    "versus", "vs", "vs.", "compared", "over", "within", "into", "against", "per", "and", "or", "but", "whereas",
    "while", "that", "which", "who", "as", "when", "if", "both", "all", "each", "only", "also", "not", "no",
    "the", "a", "an", "their", "its", "this", "these", "those", "there", "was", "were", "is", "are", "be", "been",
    "had", "has", "have", "did", "do", "does", "showed", "found", "demonstrated", "revealed", "received",
    "reported", "experienced", "achieved", "presented", "developed", "remained", "became", "reached", "observed",
    "significant", "significantly", "statistically", "respectively", "overall", "mean", "median", "average",
])
"""Where a noun-phrase chunk stops (read right to left): prepositions, conjunctions, determiners, finite
verbs and the words that qualify a comparison rather than name its outcome."""
COMPARATIVES = frozenset([
    "more", "less", "higher", "lower", "greater", "fewer", "better", "worse", "longer", "shorter", "larger",
    "smaller", "thicker", "thinner", "faster", "slower", "heavier", "lighter", "older", "younger", "stronger",
    "weaker", "wider", "narrower", "earlier", "later", "increased", "decreased", "reduced", "improved",
    "elevated", "superior", "inferior", "poorer",
])
"""Comparative words: a chunk stops at one (it says how the outcome differs, it is not part of its name)."""
_HEAD_OF = frozenset([
    "duration", "rate", "rates", "number", "incidence", "proportion", "percentage", "risk", "level", "levels",
    "length", "time", "frequency", "severity", "use", "prevalence", "odds", "likelihood", "occurrence", "need",
    "amount", "dose", "concentration", "concentrations", "onset", "degree", "quality", "change", "changes",
])
"""Measure words a chunk keeps with their "of" ("duration of mechanical ventilation")."""
_NOT_BEFORE_OUTCOME = frozenset(["after", "than", "versus", "vs", "vs.", "compared", "with", "among", "at", "during",
                                 "within", "by", "from", "to", "per", "before"])
"""A chunk these words introduce names an arm, a time or a population, not the outcome measured."""
_DETERMINERS = frozenset(["the", "a", "an", "both", "all", "each", "their", "its", "these", "those", "this", "that"])
_UNIT = re.compile(r"^(?:[mμµn]?g|kg|[mdμµ]?l|mmhg|[mnμµ]?mol|min|h|hrs?|sec|cm|mm|kcal|iu|units?|points?|"
                   r"bpm|servings?|doses?)$", re.IGNORECASE)
_TIME_WORDS = frozenset(["day", "days", "week", "weeks", "month", "months", "year", "years", "hours", "baseline",
                         "follow-up", "discharge"])
_TIME_POINTS = frozenset(["admission", "presentation", "baseline", "diagnosis", "discharge", "entry", "enrolment",
                          "enrollment", "randomisation", "randomization", "inclusion", "birth", "delivery",
                          "follow-up"])
_POPULATION = re.compile(r"(?:patients|women|men|children|infants|adults|users|participants|subjects|smokers|"
                         r"individuals|mothers|girls|boys|persons|people|recipients|survivors|families|respondents|residents|"
                         r"students|nurses|workers|volunteers|members)$",
                         re.IGNORECASE)
_NOT_A_POPULATION = re.compile(r"^(?:patients|women|men|children|infants|adults|users|participants|subjects|"
                               r"individuals|people|persons)$", re.IGNORECASE)


def last_chunk(text: str, start: int, end: int) -> str | None:
    """The noun-phrase chunk printed last before ``end`` (brackets and the open bracket's numbers skipped).

    A shallow chunker: read tokens right to left from ``end`` and stop at punctuation, a number, a
    function word, a finite verb, an adverb in -ly or a comparative; an "of" is kept after a measure word
    ("duration of mechanical ventilation", read as one outcome). Between one and six words, else ``None``.
    """
    span = text[start:end]
    span = outside_open_bracket(span)  # an open bracket's own numbers
    span = re.sub(r"\s*[(\[][^()\[\]]*[)\]]", "", span)  # "(MI)", "(n = 40)"
    tokens = [t.rstrip(".") or t for t in _CHUNK_TOKEN.findall(span)]
    words: list[str] = []
    index = len(tokens) - 1
    while index >= 0 and tokens[index] in (",", ";", ":"):
        index -= 1
    while index >= 0:
        token = tokens[index]
        folded = token.casefold()
        if folded == "of" and index > 0 and words and tokens[index - 1].casefold() in _HEAD_OF:
            words[:0] = [tokens[index - 1], token]
            index -= 2
            continue
        if folded in ("on", "at") and len(words) == 1 and words[0].casefold() in _TIME_POINTS:
            words.insert(0, token)  # "BD on admission": the time point qualifies the chunk before it
            index -= 1
            continue
        if not token[0].isalnum() or folded in _BOUNDARY or folded in COMPARATIVES or folded == "of" or \
                token[0].isdigit() or (folded.endswith("ly") and len(folded) > 4):
            break
        words.insert(0, token)
        index -= 1
    if words and words[0].casefold() in ("on", "at"):
        return None  # a time point alone
    if not words or len(words) > 6 or any("/" in w and len(w) <= 8 for w in words) or _UNIT.match(words[-1]):
        return None  # "mL/min", "μg": a unit, not an outcome
    while index >= 0 and tokens[index].casefold() in _DETERMINERS:
        index -= 1  # "at both field strengths": the preposition before the determiner decides
    before = tokens[index].casefold() if index >= 0 else ""
    if before in _NOT_BEFORE_OUTCOME or _POPULATION.search(words[-1]) or \
            words[-1].casefold() in ("group", "groups", "arm", "arms", "alone", "population", "counterparts") or \
            words[-1].casefold() in _TIME_WORDS:
        return None  # an arm, a population or a time ("after RT alone", "than the non-Sami population", "12 months")
    return " ".join(words)


def population_chunk(front: str) -> str | None:
    """A named population the clause compares ("Nonwhite patients had ...", "... among rural infants").

    The chunk that opens the clause, or the one after "among"/"in", when it ends in a population
    noun and names more than the noun ("patients" alone is everyone).
    """
    front = re.sub(r"\s*[(\[][^()\[\]]*[)\]]", "", front)
    opening = re.match(r"\s*(?:(?:however|moreover|furthermore|in\s+addition|overall|finally),\s*)?"
                       r"(?P<np>[A-Za-z][\w'’/+-]*(?:\s+[\w'’/+-]+){0,3}?)\s+(?:at|with|in|who|were|was|had|"
                       r"showed|more|less|also)\b", front, re.IGNORECASE)
    among = re.search(r"\b(?:among|in|by)\s+(?:the\s+)?(?P<np>[\w'’/+-]+(?:\s+[\w'’/+-]+){0,3}?)(?=\s*[,;(]|\s*$|"
                      r"\s+(?:than|compared|versus|vs)\b|\s*\.\s*$)", front, re.IGNORECASE)
    for match in (opening, among):
        if match is None:
            continue
        phrase = " ".join(match["np"].split())
        tokens = phrase.split()
        if _POPULATION.search(phrase) and not _NOT_A_POPULATION.match(phrase) and \
                not any(t.casefold() in _BOUNDARY or t[0].isdigit() for t in tokens):
            return phrase
    return None

_LEADING_WORDS = frozenset(["the", "a", "an", "significantly", "both"]) | COMPARATIVES


def first_chunk(text: str, start: int, end: int) -> tuple[str | None, str | None]:
    """The noun-phrase chunk that starts at ``start``, and the direction of a comparative before it.

    Left to right: leading determiners and comparatives are skipped (the comparative is returned as a
    direction: "associated with higher mortality"), then words are taken up to the first boundary, as
    in ``last_chunk``.
    """
    span = re.sub(r"\s*[(\[][^()\[\]]*[)\]]", " ", text[start:end])
    tokens = [t.rstrip(".") or t for t in _CHUNK_TOKEN.findall(span)]
    index, direction = 0, None
    while index < len(tokens) and tokens[index].casefold() in _LEADING_WORDS:
        direction = worded_direction({tokens[index].casefold()}) or direction
        index += 1
    words: list[str] = []
    while index < len(tokens):
        token = tokens[index]
        folded = token.casefold()
        if folded == "of" and words:  # read forward, "of" continues the noun phrase ("acceptability of X")
            words.append(token)
            index += 1
            continue
        if not token[0].isalnum() or folded in _BOUNDARY or folded in COMPARATIVES or folded == "of" or \
                token[0].isdigit() or (folded.endswith("ly") and len(folded) > 4):
            break
        words.append(token)
        index += 1
    if words and words[-1].casefold() == "of":
        words.pop()
    if not words or len(words) > 6:
        return None, direction
    return " ".join(words), direction

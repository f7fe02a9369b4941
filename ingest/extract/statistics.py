"""Find the numbers of clinical abstracts: P-values, counts with percentages, rates, ratios, medians, sizes.

Each pattern reads the forms authors actually print ("P = .02", "p<0.001",
"P ≤ 0·05", "15 (45%)", "12/30 (40%)", "HR 0.45; 95% CI, 0.28-0.73",
"median 8.2 months (range, 1-40)", "65 patients") and keeps the exact
characters it read, so every statistic points back at the text. Decimal
points may be "." or "·"; operators may be ASCII or Unicode (≤ ≥). Numbers are
``Decimal`` so ".005" keeps the digits written. Nothing here knows about
concepts: statistics are facts of the text even where no concept is named.

Patterns are tried in a fixed order and a later one never claims characters
an earlier one used, so "15 (45%)" is one count-with-percentage, not also a
bare "45%".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

NUM = r"(?:\d+(?:[.·]\d+)?|[.·]\d+)"
SNUM = r"[-−–+]?" + NUM
INT = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?![\d.,·])|\d+)"
"""A whole number, with or without thousands separators ("1,077", "45 079" with a space or a thin space)."""
OP = r"(?:<=|>=|=<|=>|≤|≥|⩽|⩾|=|<|>)"
DASH = r"\s*(?:-|–|—|−|‒|~|\.\.|to)\s*"
_START = r"(?<![\d,·/])(?<!\d\.)"
"""A count starts here: not inside a decimal, a thousands group or a ratio."""

_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_BELOW_100 = (rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:10])})(?![a-z]))?|"
              rf"(?:{'|'.join(sorted(_UNITS[1:], key=len, reverse=True))}))(?![a-z])")
_BELOW_1000 = rf"(?:(?:{_BELOW_100}|a)[- ]hundred(?:[- ](?:and[- ])?{_BELOW_100})?|{_BELOW_100})"
WORD_NUMBER = (rf"(?i:(?:(?:{_BELOW_100}|a)[- ]thousand(?:,?[- ](?:and[- ])?{_BELOW_1000})?|{_BELOW_1000}))")
"""A number written in words below one thousand ("Sixty", "Forty-one", "One hundred and seventy-six")."""

_P_VALUE = re.compile(
    rf"(?<![A-Za-z])(?:[Pp]|ps)(?:[\s-]*values?)?(?:\s*[-(]?\s*(?:for\s+)?(?i:trend|interaction|heterogeneity|"
    rf"log[\s-]?rank|adjusted|adj|bonferroni|corrected)\s*\)?)?\s*(?P<op>{OP}|:|of|was|is|were|are)\s*"
    rf"(?P<num>0,\d+(?![\d.])|{NUM})(?:\s*[×x*]\s*10\s*\^?\s*(?P<exp>[-−–]\s*\d+)|[eE](?P<eexp>-\d+))?"
)
_P_MORE = re.compile(rf"\s*(?:,\s*|and\s+|,\s*and\s+)(?P<num>{NUM})(?![\d%])")
"""Further values of a P-value list ("P = 0.6 and 0.3, respectively")."""
_LEVEL = r"(?:9[0579](?:[.·]\d)?|80)\s*%"
"""The level of a confidence interval (95% most often; 90%, 97.5%, 99%, 99.5% and 80% as well)."""
_INTERVAL_NAME = r"(?:confidence|credible|credibility|uncertainty|compatibility)\s+(?:intervals?|limits?)"
_CI_WORDS = (rf"(?:(?:(?i:{_LEVEL}\s*-?\s*(?:CIs?\b|C\.I\.|CrI\b|UI\b|{_INTERVAL_NAME})|"
             rf"CI\s*(?:{_LEVEL}|[\[(]\s*{_LEVEL}\s*[\])]|95)?|\bCI\b|"
             rf"C\.I\.|{_INTERVAL_NAME})|\bCrI\b)(?:\s*[\[(]\s*(?:95\s*%\s*)?CI\s*[\])])?"
             r"(?:\s+of\s+(?:the\s+)?(?:a?HR|a?OR|RR|difference))?(?:\s+(?:ranging\s+)?from)?)")
"""The words naming an interval: confidence, credible (Bayesian "CrI") or uncertainty ("UI") intervals,
the level before or after the name ("95%-CI", "CI95%", "CI (95%)"), an abbreviation in brackets ("95%
confidence interval [CI]", "Confidence Interval (CI)", "95% C.I.") and the estimate it belongs to ("95%CI
of HR"). "UI" and lower-case names are read only after a level."""
_LEVEL_AFTER = rf"(?:\s*[\[(]\s*{_LEVEL}\s*[\])]|\s*,\s*{_LEVEL}(?=\s*[\])]))?"
"""The level printed after the bounds ("CI 1.1-2.3 (95%)", "(CI 0.5-0.9, 95%)"): part of the interval."""
_WITH_CI = r"(?:\s*,?\s*with\s+(?:an?\s+|the\s+)?(?:corresponding\s+)?)?"
"""Words joining an estimate to its interval ("0.70 with a 95% CI of 0.50 to 0.90")."""
_UNIT = r"(?:\s*(?:%|(?!(?:to|at|and)\b)[A-Za-zμ/²]{1,8}(?:/[A-Za-zμ²\d]{1,8})?))?"
_MONEY = r"[£$€]?"
_CI_PAIR = (rf"{_MONEY}(?P<low>{SNUM}){_UNIT}\s*(?:-|–|—|−|‒|~|\.\.|to|,|;|at)\s*{_MONEY}(?P<high>{SNUM})")
_EFFECT = re.compile(
    r"(?P<measure>\b(?:a|adjusted\s+)?(?:HR|OR|RR|IRR|SHR|sHR|aHR|aOR|HRs|ORs|MD|SMD|WMD|RD|ARR|RRR|GMR|ES)"
    r"(?:\b|(?=\d+[.·]\d))|(?i:\bsub-?distribution\s+HR\b)|"
    r"(?i:\b(?:adjusted\s+)?(?:hazard|odds|risk|rate|sub-?distribution\s+hazard|prevalence|geometric\s+mean)"
    r"\s+ratios?\b|\brelative\s+risks?\b(?!\s+(?:reduction|increase))|\beffect\s+sizes?\b)|"
    r"β|\bbeta\b)(?:\s*[\[(](?:a?HR|a?OR|RR|IRR|SHR)[\])])?"
    rf"(?:\s*[\[(]\s*95\s*%\s*CI\s*[\])])?"
    rf"\s*(?:[,:=]|of|was|was\s+estimated\s+at)?\s*(?P<value>{SNUM})"
    rf"(?:(?:[^\d;]{{0,6}}?[;,(\[]?|{_WITH_CI})\s*{_CI_WORDS}(?:\s*{_LEVEL})?\s*(?:[,:=]|of|was|is)?\s*[\[(]?\s*"
    rf"(?P<low>{SNUM})(?:{DASH}|\s*[,;]\s*)(?P<high>{SNUM}){_LEVEL_AFTER}|"
    rf"\s*[\[(]\s*(?P<blow>{SNUM})\s*(?:-|–|—|−|‒|~|\.\.|to|,|;)\s*(?P<bhigh>{SNUM})\s*[\])]|"
    rf"\s*,\s*(?P<clow>{SNUM})\s*(?:-|–|—|−|‒|\.\.|to)\s*(?P<chigh>{SNUM})(?=\s*[);,\]]))?"
)
_EFFECT_START = re.compile(r"\b[aAhHoOrRiIsSmMwWgGeEpPbB\u017f]|β")
"""Every place ``_EFFECT`` can start: a word starting with a measure name's first letter (ſ folds to s), or β."""
_CI = re.compile(
    rf"{_CI_WORDS}(?:\s*[\[(]\s*CI\s*[\])])?(?:\s+of\s+(?:the\s+)?difference)?\s*(?:[,:=]|was|were|is|of)?\s*"
    rf"[\[(]?\s*{_CI_PAIR}{_UNIT}\s*[\])]?",
    re.IGNORECASE,
)
_CI_START = re.compile(r"[89CcUu]")
"""Every place ``_CI`` can start: a level (80%, 9x%), "C"/"c" (CI, C.I., CrI, confidence, credible) or "uncertainty"."""
_BRACKET_PAIR = re.compile(
    rf"(?<![/\w.]){_MONEY}(?P<value>{SNUM}){_UNIT}\s*,?\s*[\[(]\s*{_CI_PAIR}{_UNIT}\s*[\])]"
)
_NAMES_AN_INTERVAL = re.compile(r"\bCI\b|confidence\s+interval|\bHRs?\b|\bORs?\b|\bRRs?\b|ratio|relative\s+risk|"
                                r"hazard|odds|\bdifference\b|risk\s+reduction")
_HEART_RATE = re.compile(r"heart\s+rates?\s*[(\[]\s*HRs?\s*[)\]]|\bHRs?\s*[(\[]\s*heart\s+rate", re.IGNORECASE)
"""A text that calls heart rate "HR": there "HR" names no hazard ratio."""
_HEART_RATE_UNIT = re.compile(r"\s*(?:beats|bpm|b\.p\.m|/\s*min)", re.IGNORECASE)
"""A heart rate's unit after a value: "HR 72 (65-80) beats/min"."""
_CANDIDATE = re.compile(rf"(?<![/\w.])(?<![-−–]){_MONEY}(?P<value>{SNUM})(?!\d)")
"""A number that can be an estimate: not the exponent of a unit ("kg−1") nor inside a word or a ratio."""
_SPREAD_BEFORE = re.compile(r"(?:\bSDs?|\bSEM?|±)\s*[:=]?\s*$")
"""The words before a spread (an SD or SE), which is never an estimate."""
_MEASURES = (
    ("other", re.compile(r"pseudo-?median|effect\s+size|\bES\b|β|\bbeta\b|coefficient|\bRRR\b|"
                         r"ratio\s+of\s+(?:geometric\s+)?means|"
                         r"(?:proportional|relative)\s+(?:risk\s+)?(?:reduction|increase)", re.IGNORECASE)),
    ("HR", re.compile(r"\ba?HRs?\b|hazard(?:\s+ratios?)?", re.IGNORECASE)),
    ("OR", re.compile(r"\ba?ORs?\b|(?i:\bodds(?:\s+ratios?)?\b)")),
    ("IRR", re.compile(r"\bIRR\b|rate\s+ratio", re.IGNORECASE)),
    ("RR", re.compile(r"\bRRs?\b|relative\s+risk|risk\s+ratios?", re.IGNORECASE)),
    ("RD", re.compile(r"\bARR\b|absolute\s+(?:risk\s+)?(?:reduction|difference)|risk\s+difference|"
                      r"mortality\s+difference", re.IGNORECASE)),
    ("MD", re.compile(r"\bMD\b|differences?\b|\bchange|\bdecrease|\bincrease|\breduc|\blost\b|\bdeclin|"
                      r"\bimproved\s+by|\bfell\b|\brose\b|\bversus\b|\bvs\b|\blowered\b|\braised\b|"
                      r"\btreatment\s+effects?\b", re.IGNORECASE)),
    ("other", re.compile(r"\bratios?\b", re.IGNORECASE)),
)
_PERCENT_CLOSE = (r"(?:%\s*[)\]]|(?i:per\s*cent)\s*[)\]]|"
                  r"%(?=\s*[;,]\s*(?:(?:9[059]\s*%\s*)?CI\b|[Pp]\s*[<=>≤≥]|9[059]\s*%)[^()\[\]]{0,40}[)\]]))")
"""The end of a bracketed percentage: "%)", "per cent)", or a % sign followed inside the same bracket by
its interval or a P-value ("71 (69%; 95% CI 60-78)", "12 (10%, P = 0.02)"), which other rules read."""
_COUNT_TOTAL_PERCENT = re.compile(
    rf"{_START}(?P<count>{INT})\s*(?:/|of|out\s+of)\s*(?:the\s+)?(?P<total>{INT})(?:\s+[A-Za-z-]+){{0,3}}?\s*"
    rf"[(\[]\s*(?P<percent>{NUM})\s*{_PERCENT_CLOSE}"
)
_PERCENT_COUNT_TOTAL = re.compile(
    rf"(?P<percent>{NUM})\s*(?:%|(?i:per\s*cent))(?:\s+(?:of\s+)?[\w-]+){{0,3}}?\s*[(\[]\s*(?:n\s*=\s*)?"
    rf"(?P<count>{INT})"
    rf"(?:\s*(?:/|of|out\s+of)\s*(?P<total>{INT}))?(?:\s+[A-Za-z-]+){{0,2}}\s*[)\]]"
)
_COMMA_COUNT_PERCENT = re.compile(
    rf"{_START}(?:\b[Nn]\s*=\s*(?P<count>{INT})(?:\s+of\s+(?P<total_n>{INT}))?|(?P<count2>{INT})\s*/\s*(?P<total>{INT}))"
    rf"\s*[,;]\s*"
    rf"(?P<percent>{NUM})\s*%|(?P<percent2>{NUM})\s*%\s*[,;]\s*[Nn]\s*=\s*(?P<count3>{INT})"
)
_PERCENT_WORDS_COUNT = re.compile(
    rf"(?<![\w-])(?P<words>{WORD_NUMBER})\s+per\s*cent\s*[(\[]\s*n\s*=\s*(?P<count>{INT})\s*[)\]]",
    re.IGNORECASE,
)
_NOT_A_NOUN = (r"(?!(?:years?|months?|weeks?|days?|hours?|h|min|minutes?|mg|ml|mL|kg|g|cm|mm|times|"
               r"in|of|to|at|on|vs|versus|and|or|with|for|from|per|were|was|had|than)\b)")
_COUNT_NOUN_PERCENT = re.compile(
    rf"(?:{_START}(?P<count>{INT})|(?<![\w-])(?P<words>{WORD_NUMBER}))\s+"
    rf"(?:of\s+(?:the|these|those|them)\s+(?:{_NOT_A_NOUN}[A-Za-z][\w-]*\s+){{0,2}}|"
    rf"{_NOT_A_NOUN}[A-Za-z][\w-]*\s+(?:(?:with\s+|{_NOT_A_NOUN})[A-Za-z][\w-]*\s+){{0,2}})"
    rf"[(\[]\s*(?P<percent>{NUM})\s*{_PERCENT_CLOSE}"
)
_COUNT_PERCENT = re.compile(
    rf"(?:{_START}(?P<count>{INT})|(?<![\w-])(?P<words>{WORD_NUMBER}))\s*[(\[]\s*(?P<percent>{NUM})\s*{_PERCENT_CLOSE}"
)
_PERCENT_LIST = re.compile(
    rf"(?<![\d.·])(?P<items>{NUM}(?:\s*%)?(?:\s*,\s*{NUM}(?:\s*%)?)*\s*,?\s*(?:and|or|vs\.?|versus)\s*){NUM}\s*%"
)
_PERCENT = re.compile(rf"(?P<op>{OP})?\s*(?<![\d.·])(?P<percent>[-−–]?{NUM})(?:\s*±\s*{NUM})?\s*%")
_MEDIAN = re.compile(
    rf"(?<!-)\bmedian\b(?P<what>[^.;()\d%]{{0,50}}?)\s*(?:was|were|of|:|=|,)?\s*(?P<value>{NUM})"
    r"(?:\s*(?P<unit>years?|months?|weeks?|days?|mo|yr|y|d|cycles?|lines?|%))?"
    rf"(?:\s*[(\[,]\s*(?P<kind>range|IQR|interquartile\s+range|95\s*%\s*CI)\s*[,:=]?\s*"
    rf"(?P<low>{NUM}){DASH}(?P<high>{NUM})\s*[)\]]?)?",
    re.IGNORECASE,
)
_PEOPLE = (r"(?P<noun>patients|pts|subjects|participants|children|adults|individuals|cases|controls|women|men|"
           r"infants|neonates|newborns|adolescents|recipients|survivors|people|persons|employees|workers|students|"
           r"schoolchildren|physicians|GPs|PCPs|PHCs|nurses|mothers|smokers|volunteers|eyes|samples|asthmatics|"
           r"enrollees|respondents|outpatients|inpatients|households|families|pregnancies|screenees|providers|"
           r"cyclists|athletes|runners|knees|hips|testicles|testes|contacts|parents|caregivers|girls|boys|veterans|"
           r"couples|dyads|pairs|donors|residents|procedures|specimens|colectomies|operations)\b")
_BETWEEN = rf"(?:(?:type\s+[12]|{_NOT_A_NOUN}[A-Za-z][\w-]*),?\s+){{0,3}}?"
"""Up to three words between a size and its noun ("consecutive adult", "type 2 diabetic")."""
_NOT_AFTER = r"(?<![\d.·/%,-])(?<![<>≤≥=]\s)(?<![<>≤≥=])"
"""A size is not part of a decimal, a ratio, a name such as "HIV-1", or a threshold ("≥ 95 patients")."""
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
"""A calendar year ("between 2004 and 2005 were included"), never a number of people on its own."""
_IN_GROUP = r"in\s+(?:each\s+|the\s+(?:[\w+/-]+\s+){0,2}?)(?:group|arm)\b"
_SAMPLE = re.compile(
    rf"(?:\b[Nn]\s*=\s*(?P<n>{INT})(?!\d)(?!\s*(?:of|/)\s*\d))|"
    rf"{_NOT_AFTER}\b(?P<size>{INT})\s+{_BETWEEN}{_PEOPLE}|"
    rf"{_NOT_AFTER}\b(?!{_YEAR}\b)(?P<verb_size>{INT})\s+(?:were|was)\s+(?:\w+ly\s+)?(?:randomi[sz]ed|enrolled|included|"
    rf"recruited|evaluable|assigned|allocated)\b|"
    rf"{_NOT_AFTER}\b(?P<each>{INT})\s+(?:patients\s+)?{_IN_GROUP}"
)
_SAMPLE_WORDS = re.compile(
    rf"(?<![\w-])(?P<words>{WORD_NUMBER})\s+{_BETWEEN}{_PEOPLE}|"
    rf"(?<![\w-])(?P<each>{WORD_NUMBER})\s+(?:patients\s+)?{_IN_GROUP}|"
    rf"(?<![\w-])(?P<verb_words>{WORD_NUMBER})\s+(?:were|was)\s+(?:\w+ly\s+)?(?:randomi[sz]ed|enrolled|included|"
    rf"recruited|evaluable|assigned|allocated)\b",
    re.IGNORECASE,
)


def word_number(text: str) -> int:
    """The value of a number written in words below one thousand ("Forty-one" -> 41, "one hundred and six")."""
    total = thousands = 0
    for word in re.split(r"[-, ]+", text.casefold()):
        if word == "thousand":
            thousands, total = max(total, 1) * 1000, 0
        elif word == "hundred":
            total = max(total, 1) * 100
        elif word in _TENS:
            total += _TENS.index(word) * 10 + 20
        elif word in _UNITS:
            total += _UNITS.index(word)
        elif word == "a":
            total += 1
    return thousands + total


def integer(text: str) -> int:
    """A whole number written in digits (thousands separators allowed) or in words."""
    cleaned = re.sub(r"[, \u00a0\u2009\u202f]", "", text)
    return int(cleaned) if cleaned.isdigit() else word_number(text)


_RATE = re.compile(
    r"(?P<what>(?:[\w/()-]{1,40}\s+){0,4}?)(?P<noun>rate|rates|incidence|proportion|frequency|probability)"
    rf"\s+(?:was|were|of|reached|is|:)\s+(?:\w{{1,20}}\s+){{0,2}}?(?:{OP})?\s*$",
    re.IGNORECASE,
)
_RATE_NOUN = re.compile(r"rate|incidence|proportion|frequency|probability", re.IGNORECASE)
"""The nouns ``_RATE`` needs: a window without one is not searched with the costlier pattern."""
_OPS = {"≤": "<=", "⩽": "<=", "=<": "<=", "≥": ">=", "⩾": ">=", "=>": ">=", "of": "=", "was": "=", "is": "=",
        ":": "=", "were": "=", "are": "="}


@dataclass(frozen=True)
class Statistic:
    """One number the text states, with its kind and where it is (offsets relative to the text given)."""

    kind: str  # p_value, count_percent, percent, effect_size, sample_size, median
    operator: str
    value: Decimal
    start: int
    end: int
    text: str
    count: int | None = None
    total: int | None = None
    percent: Decimal | None = None
    measure: str | None = None
    ci_low: Decimal | None = None
    ci_high: Decimal | None = None
    range_low: Decimal | None = None
    range_high: Decimal | None = None
    unit: str | None = None
    label: str | None = None
    found_by: str = ""  # the name of the rule (``ingest.extract.rules``) that read it

    def shifted(self, offset: int) -> Statistic:
        """The same statistic with offsets moved by ``offset`` (sentence -> abstract)."""
        moved = object.__new__(Statistic)  # dataclasses.replace is the hot spot of a whole run
        moved.__dict__.update(self.__dict__, start=self.start + offset, end=self.end + offset)
        return moved


def number(text: str) -> Decimal:
    """A Decimal from a printed number ("0·05", ".005", "−1.2")."""
    cleaned = text.replace("·", ".").replace("−", "-").replace("–", "-").replace(" ", "")
    if cleaned.startswith("0,"):  # a decimal comma ("P < 0,05"): a list never holds "05"
        cleaned = "0." + cleaned[2:]
    try:
        return Decimal(cleaned if not cleaned.startswith(".") else "0" + cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def _op(raw: str | None) -> str:
    if not raw:
        return "="
    return _OPS.get(raw, raw)


_DIFFERENCE_NAMES = {"MD": "MD", "SMD": "MD", "WMD": "MD", "RD": "RD", "ARR": "RD", "ES": "other", "RRR": "other",
                     "GMR": "other"}
"""Names of differences and effect sizes a ratio pattern reads only with an interval, and the measure each reports."""


def _measure(raw: str) -> str:
    folded = " ".join(raw.split()).casefold()
    for key, name in (("subdistribution", "SHR"), ("sub-distribution", "SHR"), ("hazard", "HR"), ("odds", "OR"),
                      ("risk ratio", "RR"), ("rate ratio", "IRR"), ("relative risk", "RR"), ("β", "beta"),
                      ("beta", "beta"), ("prevalence ratio", "other"), ("geometric mean", "other")):
        if key in folded:
            return name
    if folded.startswith("effect size"):
        return "other"
    name = raw.strip().rstrip("s").removeprefix("adjusted").strip()
    if name == "sHR":
        return "SHR"
    if name in _DIFFERENCE_NAMES:
        return _DIFFERENCE_NAMES[name]
    return name[1:] if name.startswith("a") and name[1:] in ("HR", "OR") else name


class _Claims:
    """Character spans already used by a statistic (kept sorted, so a check costs a bisection)."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def free(self, start: int, end: int) -> bool:
        index = bisect_right(self.starts, start)
        if index > 0 and self.ends[index - 1] > start:
            return False
        return not (index < len(self.starts) and self.starts[index] < end)

    def take(self, start: int, end: int) -> None:
        index = bisect_right(self.starts, start)
        self.starts.insert(index, start)
        self.ends.insert(index, end)


def _finditer(pattern: re.Pattern[str], starts: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)``, with the pattern tried only where ``starts`` matches.

    The same matches, in the same order, when every match of ``pattern`` begins where ``starts``
    matches and no match is empty: a cheap scan for first letters replaces trying a long pattern
    at every character.
    """
    pos = 0
    for candidate in starts.finditer(text):
        if candidate.start() >= pos and (m := pattern.match(text, candidate.start())):
            yield m
            pos = m.end()


def _p_values(text: str, claims: _Claims) -> list[Statistic]:
    found = []
    for m in _P_VALUE.finditer(text):
        value = number(m["num"])
        exponent = m["exp"] or m["eexp"]
        if exponent:
            value = value.scaleb(int(exponent.replace("−", "-").replace("–", "-").replace(" ", "")))
        if value > 1 or not claims.free(m.start(), m.end()):
            continue
        claims.take(m.start(), m.end())
        op = _op(m["op"])
        found.append(Statistic("p_value", op, value, m.start(), m.end(), m.group(), found_by="p-value"))
        pos = m.end()
        while more := _P_MORE.match(text, pos):  # "P = 0.6 and 0.3, respectively"
            tail = text[more.end():more.end() + 40]
            if not re.match(r"[\s,;]*(?:and\s+[.\d]|respectively|\))", tail) and "respectively" not in tail:
                break
            extra = number(more["num"])
            if extra > 1 or not claims.free(more.start("num"), more.end()):
                break
            claims.take(more.start("num"), more.end())
            found.append(Statistic("p_value", op, extra, more.start("num"), more.end(), more["num"],
                                   found_by="p-value"))
            pos = more.end()
    return found


def _effects(text: str, claims: _Claims) -> list[Statistic]:
    """Named ratios first ("HR 0.45; 95% CI 0.28-0.73", "RR of 1.80 (0.99-3.28)")."""
    found = []
    heart_rate = _HEART_RATE.search(text) is not None  # once per text: the effects are many in a long one
    for m in _finditer(_EFFECT, _EFFECT_START, text):
        if not claims.free(m.start(), m.end()):
            continue
        low, high = m["low"] or m["blow"], m["high"] or m["bhigh"]
        end = m.end()
        if m["clow"] is not None:  # "OR 1.53, 1.39-1.69": a bare pair is an interval only when it holds the value
            if _inside(number(m["value"]), number(m["clow"]), number(m["chigh"])):
                low, high = m["clow"], m["chigh"]
            else:
                end = m.start("clow")
        measure = _measure(m["measure"])
        if measure in ("MD", "RD", "other") and low is None:
            continue  # "MD" or "RD" without an interval is as likely a word or an initial as a difference
        if m["measure"].startswith("HR") and (heart_rate or _HEART_RATE_UNIT.match(text, end, end + 12)):
            continue
        claims.take(m.start(), end)
        found.append(Statistic(
            "effect_size", "=", number(m["value"]), m.start(), end, text[m.start():end], measure=measure,
            ci_low=number(low) if low else None, ci_high=number(high) if high else None,
            found_by="effect-size",
        ))
    return found


def _inside(value: Decimal, low: Decimal, high: Decimal) -> bool:
    """Whether an interval holds its estimate (sign-blind too: "lost 7.3 kg (CI -5.8 to -8.8)")."""
    a, b = min(low, high), max(low, high)
    return a <= value <= b or min(abs(a), abs(b)) <= abs(value) <= max(abs(a), abs(b))


def _measure_before(text: str, end: int, reach: int = 110) -> str | None:
    """The measure a value reports, named in the words shortly before it.

    The name that ends nearest the value wins, and of names ending at the same place the longest
    ("risk difference" over "difference", "hazard ratio" over "ratio").
    """
    window = text[max(0, end - reach):end]
    best: tuple[int, int, str] | None = None
    for name, pattern in _MEASURES:
        for m in pattern.finditer(window):
            if best is None or (m.end(), -m.start()) > best[:2]:
                best = (m.end(), -m.start(), name)
    return best[2] if best else None


_PERIOD_END = re.compile(r"\.(?<!\bvs\.)(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bal\.)(?<!\bapprox\.)\s")
"""A period that ends a sentence ("vs.", "e.g.", "i.e.", "et al." and "approx." do not); written to start
with the period, so the engine jumps from one period to the next."""
_COMPARATIVE_BEFORE = re.compile(r"\b(?:greater|higher|lower|less|more|fewer|larger|smaller|shorter|longer)\b[^.;]*$",
                                 re.IGNORECASE)
_MEASURE_AFTER = re.compile(r"\s*(?:\w+\s+)?(?:"
                            r"(?P<relative>(?:proportional|relative)\s+(?:risk\s+)?(?:reduction|increase))|"
                            r"(?P<absolute>absolute\s+(?:risk\s+)?(?:reduction|increase|difference))|"
                            r"(?P<difference>(?:mean\s+)?difference))\b", re.IGNORECASE)
"""The name of a change written after its interval: "17% (95% CI 9-25) proportional reduction" (other),
"12.3% (95% CI ...) absolute reduction" (RD), "a 5.2-point (95% CI ...) difference" (MD)."""
_TIMES_AFTER = re.compile(r"(?:-|\s*)(?:fold|times)\b", re.IGNORECASE)
"""A ratio written as a multiple: "2.0-fold (95% CI ...)", "1.8 times (95% CI ...) more likely"."""
_COMPARATIVE_AFTER = re.compile(r"\s*(?:%|[A-Za-zμ/]+(?:\s+[a-z]+)?)?\s+(?:greater|higher|lower|less|more|fewer|larger|"
                                r"smaller|shorter|longer)\b", re.IGNORECASE)
"""A unit and a comparative right after an estimate: "0.5% lower", "1.5 days shorter", "2 points higher"."""


def _measure_after(text: str, end: int) -> str | None:
    """The measure a change names right after its interval (``_MEASURE_AFTER``), or None."""
    after = _MEASURE_AFTER.match(text, end)
    if after is None:
        return None
    return "other" if after["relative"] else "RD" if after["absolute"] else "MD"


_PERCENT_NEXT = re.compile(r"\s*%")
_LEVEL_NEXT = re.compile(r"\s*%\s*(?:CI|conf)")
"""A number followed by these is the level of an interval ("95% CI"), never its estimate."""


def _sentence_start(text: str, end: int) -> int:
    """Where the sentence holding ``end`` starts: after the last period that ends a sentence ("vs." does not)."""
    start = 0
    for m in _PERIOD_END.finditer(text, max(0, end - 300), end):
        start = m.end()
    return start


def _difference_by_form(text: str, candidate: re.Match[str], interval_end: int) -> str | None:
    """``"MD"`` when an estimate without a named measure is still written as a difference.

    A signed estimate ("-32.7 % (95% CI ...)", "+3.8") reports a change or a difference, and so
    does an unsigned one after a comparative in its clause ("10.3 μmol greater with X vs. Y (95%
    CI ...)") unless it is a percentage, which there is a level (a prevalence with its CI); so
    does a unit and a comparative printed after the interval ("2.5 points (95% CI 1.0 to 4.0) lower").
    A multiple ("1.8 times", "2.0-fold") is a ratio.
    """
    if _TIMES_AFTER.match(text, candidate.end()):
        return "other"
    if candidate["value"][0] in "-−–+" or _COMPARATIVE_AFTER.match(text, candidate.end()):
        return "MD"
    if _PERCENT_NEXT.match(text, candidate.end()):
        return None
    if _COMPARATIVE_AFTER.match(text, interval_end):
        return "MD"
    clause_start = max(0, text.rfind(";", 0, candidate.start()) + 1, _sentence_start(text, candidate.start()))
    return "MD" if _COMPARATIVE_BEFORE.search(text, clause_start, candidate.start()) else None


def _ci_effects(text: str, claims: _Claims) -> list[Statistic]:
    """Estimates written before a confidence interval that has no ratio name next to it.

    Two shapes: "... 1.9 (95% CI 0.7 to 3.2)" / "0.62, 95% CI: 0.43-0.89" (the CI words
    anchor it; the estimate is the nearest unclaimed number before them), and
    "0.2 (-0.4, 0.9)" when a CI or a ratio is named earlier in the sentence. The interval
    must hold the estimate, and the words before it must name a ratio or a difference;
    otherwise (a prevalence or a median with its CI) the bounds are only claimed, so they
    are never read as percentages.
    """
    found = []
    heart_rate = _HEART_RATE.search(text) is not None
    for m in _finditer(_CI, _CI_START, text):
        if not claims.free(m.start(), m.end()):
            continue
        claims.take(m.start(), m.end())
        low, high = number(m["low"]), number(m["high"])
        window_start = max(0, m.start() - 70, _sentence_start(text, m.start()))
        candidate = None
        for c in _CANDIDATE.finditer(text, window_start, m.start()):
            if claims.free(c.start("value"), c.end()) and not _LEVEL_NEXT.match(text, c.end()) \
                    and not _SPREAD_BEFORE.search(text, window_start, c.start()):
                candidate = c
        if candidate is None:
            continue
        gap = text[candidate.end():m.start()]
        if len(re.findall(r"[A-Za-z]{2,}", gap)) > 8 or re.search(r"[)\]]\s*(?:and|,|;)", gap):
            continue
        value = number(candidate["value"])
        measure = _measure_before(text, m.start()) or _difference_by_form(text, candidate, m.end()) or \
            _measure_after(text, m.end())
        if measure is None or not _inside(value, low, high) or \
                (measure == "MD" and _BRACKET_PAIR.search(text[m.end():m.end() + 60])):
            continue  # a list of group means each with its interval is not a difference
        claims.take(candidate.start(), candidate.end())
        found.append(Statistic("effect_size", "=", value, candidate.start(), m.end(),
                               text[candidate.start():m.end()], measure=measure, ci_low=low, ci_high=high,
                               found_by="estimate-before-ci"))
    for m in _BRACKET_PAIR.finditer(text):
        if not claims.free(m.start(), m.end()):
            continue
        before = text[max(0, m.start() - 200):m.start()]
        value, low, high = number(m["value"]), number(m["low"]), number(m["high"])
        if not _NAMES_AN_INTERVAL.search(before) or not _inside(value, low, high) or low == high:
            continue
        measure = _measure_before(text, m.start(), reach=200)
        if measure == "HR" and not re.search(r"hazard", before, re.IGNORECASE) and (
                heart_rate or _HEART_RATE_UNIT.match(text, m.end(), m.end() + 12)):
            measure = None
        if measure is None:  # a proportion or a median with its interval: the bounds are not results
            claims.take(m.start("low"), m.end())
            continue
        claims.take(m.start(), m.end())
        found.append(Statistic("effect_size", "=", value, m.start(), m.end(), m.group(), measure=measure,
                               ci_low=low, ci_high=high, found_by="estimate-bracket-pair"))
    return found


def _medians(text: str, claims: _Claims) -> list[Statistic]:
    found = []
    for m in _MEDIAN.finditer(text):
        if not claims.free(m.start("value"), m.end()):
            continue
        claims.take(m.start("value"), m.end())
        kind = (m["kind"] or "").casefold()
        low = number(m["low"]) if m["low"] else None
        high = number(m["high"]) if m["high"] else None
        is_ci = "ci" in kind
        found.append(Statistic(
            "median", "=", number(m["value"]), m.start(), m.end(), m.group(),
            ci_low=low if is_ci else None, ci_high=high if is_ci else None,
            range_low=None if is_ci else low, range_high=None if is_ci else high,
            unit=m["unit"], label=" ".join(m["what"].split()) or None, found_by="median",
        ))
    return found


_COUNT_RULES = (
    ("count-of-total-percent", _COUNT_TOTAL_PERCENT), ("percent-count-of-total", _PERCENT_COUNT_TOTAL),
    ("count-comma-percent", _COMMA_COUNT_PERCENT), ("percent-words-count", _PERCENT_WORDS_COUNT),
    ("count-noun-percent", _COUNT_NOUN_PERCENT), ("count-percent", _COUNT_PERCENT),
)


_NUMBER_WORDS = frozenset([*_UNITS[1:], *_TENS])
_NUMBER_WORD_AT = re.compile(r"[OoTtFfSsEeNn](?<![\w-][OoTtFfSsEeNn])[A-Za-z]*")
"""A whole ASCII word starting with a number word's first letter (o, t, f, s, e, n); the pattern starts
with a character class, so the engine skips to those letters, and a set lookup decides."""
_DIGIT_START = re.compile(r"(?<![\d,·/])(?<!\d\.)\d|\b[Nn]\s*=")


def _count_starts(text: str, lo: int, hi: int) -> list[int]:
    """Where a count or a percentage can begin: a digit, "n =", or a number written in words."""
    starts = [m.start() for m in _DIGIT_START.finditer(text, lo, hi)]
    starts += _word_number_starts(text, lo, hi)
    return starts


_PERCENT_SIGN = re.compile(r"%|per\s*cent", re.IGNORECASE)


def _percent_windows(text: str) -> list[tuple[int, int]]:
    """The stretches of text around each % sign (merged): only there can a count with its percentage be."""
    spans: list[tuple[int, int]] = []
    for m in _PERCENT_SIGN.finditer(text):
        lo, hi = max(0, m.start() - 110), min(len(text), m.end() + 50)
        if spans and lo <= spans[-1][1]:
            spans[-1] = (spans[-1][0], hi)
        else:
            spans.append((lo, hi))
    return spans


_AFTER_A_TIME_OR_GRADE = re.compile(r"\b(?:week|month|day|year|hour|visit|cycle|grade|stage|phase|type|aged?)\s*$",
                                    re.IGNORECASE)
"""A word that the next number names ("week 12", "grade 3"); a plural ("after 4 months 22 (19%)") is counted."""


def _counts(text: str, claims: _Claims) -> list[Statistic]:
    found = []
    starts = sorted({start for lo, hi in _percent_windows(text) for start in _count_starts(text, lo, hi)})
    for name, pattern in _COUNT_RULES:
        for m in filter(None, (pattern.match(text, start) for start in starts)):
            if not claims.free(m.start(), m.end()):
                continue
            groups = {k: v for k, v in m.groupdict().items() if v}
            raw_count = groups.get("count") or groups.get("count2") or groups.get("count3")
            count = integer(raw_count) if raw_count else None
            if count is None and "words" in groups:
                count = word_number(groups["words"])
            raw_total = groups.get("total") or groups.get("total_n")
            total = integer(raw_total) if raw_total else None
            if name == "percent-words-count":
                percent = Decimal(word_number(groups["words"]))
            else:
                percent = number(groups.get("percent") or groups["percent2"])
            if count is None or percent > 100 or (total is not None and (count > total or total == 0)):
                continue
            if _AFTER_A_TIME_OR_GRADE.search(text, max(0, m.start() - 12), m.start()):
                continue  # "at week 12 (69%)": the number names a time or a grade, not a count
            if "count3" in groups and re.search(r"(?:group|arm)\s*[(\[]\s*$", text[max(0, m.start() - 12):m.start()]):
                continue  # "the X group (38.6%, n = 88)": n is the size of the group, not a count
            claims.take(m.start(), m.end())
            found.append(Statistic("count_percent", "=", percent, m.start(), m.end(), m.group(),
                                   count=count, total=total, percent=percent, found_by=name))
    return found


def _percents(text: str, claims: _Claims) -> list[Statistic]:
    """Bare percentages; "35 and 6%" gives the trailing % sign to every number of the list."""
    found = []
    windows = _percent_windows(text)
    for m in (m for lo, hi in windows for m in _PERCENT_LIST.finditer(text, lo, hi)):
        items = list(re.finditer(NUM, m.group()))
        if m.group().count("%") >= len(items):
            continue  # every number has its own % sign: the percent rule reads them one by one
        for item in items:
            start, end = m.start() + item.start(), m.start() + item.end()
            if claims.free(start, end):
                claims.take(start, end)
                value = number(item.group())
                if value <= 100:
                    found.append(Statistic("percent", "=", value, start, end, item.group(), percent=value,
                                           found_by="percent-list"))
    for m in (m for lo, hi in windows for m in _PERCENT.finditer(text, lo, hi)):
        if not claims.free(m.start("percent"), m.end()):
            continue
        tail = text[m.end():m.end() + 30]
        if re.match(r"\s*(?:CI|confidence)", tail, re.IGNORECASE) or \
                re.search(r"(?:CI|±)\s*$", text[max(0, m.start("percent") - 8):m.start("percent")]):
            continue  # "95% CI" / "CI 95%" is the interval's level, "± 2%" a spread, not results
        value = number(m["percent"])
        if abs(value) > 1000:
            continue
        start = m.start() if m["op"] else m.start("percent")
        claims.take(start, m.end())
        found.append(Statistic("percent", _op(m["op"]), value, start, m.end(), text[start:m.end()], percent=value,
                               found_by="percent"))
    return found


def _rate_labels(text: str, stats: list[Statistic]) -> list[Statistic]:
    """Name what a rate is of ("CR rate was 51%" -> label "CR rate"), looking a short way back only."""
    out = []
    for stat in stats:
        lo = max(0, stat.start - 90)
        match = _RATE.search(text, lo, stat.start) \
            if stat.kind == "percent" and _RATE_NOUN.search(text, lo, stat.start) else None
        out.append(replace(stat, label=" ".join((match["what"] + match["noun"]).split())) if match else stat)
    return out


def _word_number_starts(text: str, lo: int = 0, hi: int | None = None) -> list[int]:
    """Where a number written in words may start (a set lookup per candidate word, cheaper than the pattern)."""
    return [m.start() for m in _NUMBER_WORD_AT.finditer(text, lo, len(text) if hi is None else hi)
            if m.group().casefold() in _NUMBER_WORDS]


_SIZE_START = re.compile(r"[Nn\d](?:(?<=[Nn])(?<!\w[Nn])\s*=|(?<=\d)(?<![\w.·/%,-]\d))")
"""Where a size can begin: "n =" starting a word, or a digit not inside a number, ratio or word. Written to
start with a character class, so the engine skips to candidate characters without trying the rest."""


def _samples(text: str, claims: _Claims) -> list[Statistic]:
    found = []
    starts = (m.start() for m in _SIZE_START.finditer(text))  # the pattern is tried only where a size can begin
    for m in filter(None, (_SAMPLE.match(text, start) for start in starts)):
        which = next(g for g in ("n", "size", "verb_size", "each") if m[g])
        start = m.start(which)
        end = m.end() if which == "size" else m.end(which)
        if not claims.free(start, end):
            continue
        claims.take(start, end)
        size = integer(m[which])
        found.append(Statistic("sample_size", "=", Decimal(size), start, end, text[start:end],
                               count=size, label=m["noun"], found_by="sample-size"))
    for start in _word_number_starts(text):
        m = _SAMPLE_WORDS.match(text, start)
        if m and claims.free(m.start(), m.end()):
            claims.take(m.start(), m.end())
            size = word_number(m["words"] or m["each"] or m["verb_words"])
            found.append(Statistic("sample_size", "=", Decimal(size), m.start(), m.end(), m.group(),
                                   count=size, label=(m["noun"] or "").casefold() or None,
                                   found_by="sample-size-words"))
    return found


_SAME_LENGTH = str.maketrans({
    "\uff1c": "<", "\uff1e": ">", "\uff1d": "=", "\uff05": "%", "\uff08": "(", "\uff09": ")", "\uff0c": ",",
    "\uff0e": ".", "\uff1a": ":", "\uff1b": ";", "\u2264": "≤", "\u2265": "≥", "\u2212": "−", "\u2009": " ",
    "\u202f": " ", "\u00a0": " ", "\u2007": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ", "\u2010": "-",
    "\u2011": "-", "\uff5e": "~", "\uff30": "P", "\uff50": "p",
    "\uff0b": "+", "\uff0d": "-", "\uff0f": "/", "\uff3b": "[", "\uff3d": "]",
    "\u00b7": "·", "\u2027": "·", "\u22c5": "·",
    **{chr(0xFF10 + d): str(d) for d in range(10)},
})
"""Full-width forms and odd spaces, each replaced by one ordinary character, so offsets stay the same."""
_ODD_CHARACTER = re.compile("[" + "".join(re.escape(chr(k)) for k, v in _SAME_LENGTH.items() if chr(k) != v) + "]")
"""A character the table changes: a text without one is read as it is (most texts; translating costs more)."""


def find_statistics(text: str) -> list[Statistic]:
    """Every statistic in the text, in reading order (offsets and ``text`` refer to the text as given)."""
    if not _ODD_CHARACTER.search(text):
        return _find(text)
    original, text = text, text.translate(_SAME_LENGTH)
    return [_as_written(s, original) for s in _find(text)]


def _as_written(stat: Statistic, original: str) -> Statistic:
    moved = object.__new__(Statistic)
    moved.__dict__.update(stat.__dict__, text=original[stat.start:stat.end])
    return moved


def _find(text: str) -> list[Statistic]:
    claims = _Claims()
    stats = _p_values(text, claims)
    stats += _effects(text, claims)
    stats += _medians(text, claims)
    stats += _ci_effects(text, claims)
    stats += _counts(text, claims)
    stats += _percents(text, claims)
    stats += _samples(text, claims)
    stats = _rate_labels(text, stats)
    return sorted(stats, key=lambda s: (s.start, s.end))

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
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

NUM = r"(?:\d+(?:[.·]\d+)?|[.·]\d+)"
SNUM = r"[-−–]?" + NUM
OP = r"(?:<=|>=|=<|=>|≤|≥|⩽|⩾|=|<|>)"
DASH = r"\s*(?:-|–|—|−|to)\s*"

_P_VALUE = re.compile(
    rf"(?<![A-Za-z])[Pp](?:[\s-]*values?)?(?:\s*(?:for\s+trend|trend))?\s*(?P<op>{OP}|of|was|is)\s*"
    rf"(?P<num>{NUM})(?:\s*[×x*]\s*10\s*\^?\s*(?P<exp>[-−–]\s*\d+)|[eE](?P<eexp>-\d+))?"
)
_EFFECT = re.compile(
    r"(?P<measure>\b(?:a|adjusted\s+)?(?:HR|OR|RR|IRR|SHR|sHR|aHR|aOR|HRs|ORs)\b|"
    r"\b(?:adjusted\s+)?(?:hazard|odds|risk|subdistribution\s+hazard)\s+ratios?\b(?:\s*[\[(](?:a?HR|a?OR|RR|SHR)[\])])?|"
    r"β|\bbeta\b)"
    rf"\s*(?:[,:=]|of|was|was\s+estimated\s+at)?\s*(?P<value>{SNUM})"
    rf"(?:[^\d;]{{0,6}}?[;,(\[]?\s*(?:95\s*%\s*(?:CI|confidence\s+interval)|CI\s*95\s*%?|95\s*%)"
    rf"\s*[,:=]?\s*(?P<low>{SNUM}){DASH}(?P<high>{SNUM}))?"
)
_COUNT_TOTAL_PERCENT = re.compile(
    rf"(?P<count>\d+)\s*(?:/|of|out\s+of)\s*(?P<total>\d+)(?:\s+[A-Za-z-]+){{0,3}}?\s*"
    rf"[(\[]\s*(?P<percent>{NUM})\s*%\s*[)\]]"
)
_PERCENT_COUNT_TOTAL = re.compile(
    rf"(?P<percent>{NUM})\s*%\s*[(\[]\s*(?:n\s*=\s*)?(?P<count>\d+)\s*(?:/|of)\s*(?P<total>\d+)\s*[)\]]"
)
_COUNT_NOUN_PERCENT = re.compile(
    rf"(?<![\d.·/])(?P<count>\d+)\s+(?:[a-z-]+\s+){{0,2}}?(?:patients|cases|subjects|children|adults|responders|"
    rf"participants|individuals)\s*[(\[]\s*(?P<percent>{NUM})\s*%\s*[)\]]"
)
_COUNT_PERCENT = re.compile(
    rf"(?<![\d.·/])(?P<count>\d+)\s*[(\[]\s*(?P<percent>{NUM})\s*%\s*[)\]]"
)
_PERCENT_LIST = re.compile(
    rf"(?<![\d.·])(?P<items>{NUM}(?:\s*%)?(?:\s*,\s*{NUM}(?:\s*%)?)*\s*,?\s*(?:and|or|vs\.?|versus)\s*){NUM}\s*%"
)
_PERCENT = re.compile(rf"(?P<op>{OP})?\s*(?<![\d.·])(?P<percent>{NUM})\s*%")
_MEDIAN = re.compile(
    rf"\bmedian\b(?P<what>[^.;()\d%]{{0,50}}?)\s*(?:was|were|of|:|=|,)?\s*(?P<value>{NUM})"
    r"(?:\s*(?P<unit>years?|months?|weeks?|days?|mo|yr|y|d|cycles?|lines?|%))?"
    rf"(?:\s*[(\[,]\s*(?P<kind>range|IQR|interquartile\s+range|95\s*%\s*CI)\s*[,:=]?\s*"
    rf"(?P<low>{NUM}){DASH}(?P<high>{NUM})\s*[)\]]?)?",
    re.IGNORECASE,
)
_SAMPLE = re.compile(
    r"(?:\b[Nn]\s*=\s*(?P<n>\d[\d,]*)\b)|"
    r"(?<![\d(.·/%])\b(?P<size>\d[\d,]*)\s+(?:(?:adult|pediatric|paediatric|consecutive|evaluable|eligible|"
    r"newly|diagnosed|treated|older|elderly|young|heavily|pretreated|unselected|previously|untreated|"
    r"Chinese|Japanese|US|European|high-risk|adolescent|female|male)\s+){0,3}"
    r"(?P<noun>patients|subjects|participants|children|adults|individuals|cases|women|men|infants|"
    r"adolescents|recipients|survivors)\b"
)
_UNITS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_NUMBER = rf"(?:(?:{'|'.join(_TENS)})(?:[- ](?:{'|'.join(_UNITS[1:10])}))?|{'|'.join(_UNITS[2:])})"
_SAMPLE_WORDS = re.compile(
    rf"(?<![\w-])(?P<words>{_WORD_NUMBER})\s+(?:(?:adult|pediatric|paediatric|consecutive|evaluable|eligible|"
    r"newly|diagnosed|treated|older|elderly|young|heavily|pretreated|previously|untreated)\s+){0,3}"
    r"(?P<noun>patients|subjects|participants|children|adults|individuals|cases|women|men|recipients)\b",
    re.IGNORECASE,
)


def word_number(text: str) -> int:
    """The value of a spelt-out number below one hundred ("Forty-one" -> 41)."""
    total = 0
    for word in re.split(r"[- ]", text.casefold()):
        total += _TENS.index(word) * 10 + 20 if word in _TENS else _UNITS.index(word)
    return total


_RATE = re.compile(
    r"(?P<what>(?:[\w/()-]{1,40}\s+){0,4}?)(?P<noun>rate|rates|incidence|proportion|frequency|probability)"
    rf"\s+(?:was|were|of|reached|is|:)\s+(?:\w{{1,20}}\s+){{0,2}}?(?:{OP})?\s*$",
    re.IGNORECASE,
)
_OPS = {"≤": "<=", "⩽": "<=", "=<": "<=", "≥": ">=", "⩾": ">=", "=>": ">=", "of": "=", "was": "=", "is": "="}


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
    try:
        return Decimal(cleaned if not cleaned.startswith(".") else "0" + cleaned)
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None


def _op(raw: str | None) -> str:
    if not raw:
        return "="
    return _OPS.get(raw, raw)


def _measure(raw: str) -> str:
    folded = " ".join(raw.split()).casefold()
    for key, name in (("subdistribution", "SHR"), ("hazard", "HR"), ("odds", "OR"), ("risk ratio", "RR"),
                      ("relative risk", "RR"), ("β", "beta"), ("beta", "beta")):
        if key in folded:
            return name
    name = raw.strip().rstrip("s")
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
        found.append(Statistic("p_value", _op(m["op"]), value, m.start(), m.end(), m.group(), found_by="p-value"))
    return found


def _effects(text: str, claims: _Claims) -> list[Statistic]:
    found = []
    for m in _EFFECT.finditer(text):
        if not claims.free(m.start(), m.end()):
            continue
        claims.take(m.start(), m.end())
        found.append(Statistic(
            "effect_size", "=", number(m["value"]), m.start(), m.end(), m.group(), measure=_measure(m["measure"]),
            ci_low=number(m["low"]) if m["low"] else None, ci_high=number(m["high"]) if m["high"] else None,
            found_by="effect-size",
        ))
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
    ("count-noun-percent", _COUNT_NOUN_PERCENT), ("count-percent", _COUNT_PERCENT),
)


def _counts(text: str, claims: _Claims) -> list[Statistic]:
    found = []
    for name, pattern in _COUNT_RULES:
        for m in pattern.finditer(text):
            if not claims.free(m.start(), m.end()):
                continue
            count = int(m["count"])
            total = int(m["total"]) if "total" in m.groupdict() and m["total"] else None
            percent = number(m["percent"])
            if percent > 100 or (total is not None and count > total):
                continue
            claims.take(m.start(), m.end())
            found.append(Statistic("count_percent", "=", percent, m.start(), m.end(), m.group(),
                                   count=count, total=total, percent=percent, found_by=name))
    return found


def _percents(text: str, claims: _Claims) -> list[Statistic]:
    """Bare percentages; "35 and 6%" gives the trailing % sign to every number of the list."""
    found = []
    for m in _PERCENT_LIST.finditer(text):
        for item in re.finditer(NUM, m.group()):
            start, end = m.start() + item.start(), m.start() + item.end()
            if claims.free(start, end):
                claims.take(start, end)
                value = number(item.group())
                if value <= 100:
                    found.append(Statistic("percent", "=", value, start, end, item.group(), percent=value,
                                           found_by="percent-list"))
    for m in _PERCENT.finditer(text):
        if not claims.free(m.start("percent"), m.end()):
            continue
        tail = text[m.end():m.end() + 30]
        if re.match(r"\s*(?:CI|confidence)", tail, re.IGNORECASE):
            continue  # "95% CI" is the interval's level, not a result
        value = number(m["percent"])
        if value > 100:
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
        match = _RATE.search(text, max(0, stat.start - 90), stat.start) if stat.kind == "percent" else None
        out.append(replace(stat, label=" ".join((match["what"] + match["noun"]).split())) if match else stat)
    return out


def _samples(text: str, claims: _Claims) -> list[Statistic]:
    found = []
    for m in _SAMPLE.finditer(text):
        raw = m["n"] or m["size"]
        start = m.start("n") if m["n"] else m.start("size")
        end = m.end("n") if m["n"] else m.end()
        if not claims.free(start, end):
            continue
        claims.take(start, end)
        found.append(Statistic("sample_size", "=", Decimal(raw.replace(",", "")), start, end, text[start:end],
                               count=int(raw.replace(",", "")), label=m["noun"], found_by="sample-size"))
    for m in _SAMPLE_WORDS.finditer(text):
        if claims.free(m.start(), m.end()):
            claims.take(m.start(), m.end())
            size = word_number(m["words"])
            found.append(Statistic("sample_size", "=", Decimal(size), m.start(), m.end(), m.group(),
                                   count=size, label=m["noun"].casefold(), found_by="sample-size-words"))
    return found


def find_statistics(text: str) -> list[Statistic]:
    """Every statistic in the text, in reading order."""
    claims = _Claims()
    stats = _p_values(text, claims)
    stats += _effects(text, claims)
    stats += _medians(text, claims)
    stats += _counts(text, claims)
    stats += _percents(text, claims)
    stats += _samples(text, claims)
    stats = _rate_labels(text, stats)
    return sorted(stats, key=lambda s: (s.start, s.end))

"""Checks every relational finding passes before it is emitted, whichever rule read it.

Rules choose spans with patterns, and a pattern that fits the words around a
cue can still hand over a clause, a fragment or a number where a noun phrase
belongs ("PINP could be identified", "amount of", "position is important").
Each rule used to guard its own spans; the checks here are shared so that every
rule, present and future, meets the same bar:

* ``noun_phrase_problem`` says why a subject or object span is not a short noun
  phrase (a finite verb outside brackets, a leading or trailing function word,
  a pronoun or bare determiner, a statistic's name, a number, too many words);
* ``significance_direction`` turns a comparison the sentence itself calls not
  significant into ``no_effect`` (both annotation guides score a non-significant
  result or a trend as no effect);
* ``negated_comparison`` reads "Y was not improved in the X group" as no effect on Y;
* ``signed_change`` reads "a greater change (-5.2 vs. -3.3)" as a fall: when the compared values
  of a change are negative, the arm with the larger change lowered the outcome;
* ``Abbreviations`` pairs the long forms and abbreviations an abstract defines
  ("mechanical insufflation-exsufflation (MI-E)"), so a label written one way also
  names the other, as a reader resolves it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from ingest.extract.draft import Draft

_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\w.,]*", re.UNICODE)
_BRACKETED = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_QUOTED = re.compile(r"(?<!\w)['‘\"“][^'’\"”]{1,40}['’\"”](?!\w)")
_FINITE = frozenset([
    "was", "were", "is", "are", "be", "been", "being", "am", "suggest", "suggests", "indicate", "indicates",
    "could", "would", "should", "might", "shall",
    "did", "does", "showed", "found", "reported", "achieved", "led", "remained", "became", "appeared",
    "seemed", "resulted", "occurred", "received", "identified",
])
"""Verbs that make a span a clause rather than a noun phrase: auxiliaries and past tenses that are no
participle before a noun ("treated", "assisted" are kept; "results", "had", "may" are left out as too often nouns
or part of an outcome such as "had assisted conception")."""
_EDGE = frozenset([
    "of", "in", "on", "at", "to", "by", "for", "from", "with", "without", "and", "or", "but", "than", "as",
    "that", "which", "who", "whom", "whose", "when", "while", "whereas", "although", "though", "if", "because",
    "since", "vs", "versus", "between", "among", "into", "onto", "over", "under", "about", "after", "before",
    "during",
])
"""Function words a noun phrase neither starts nor ends with (a lead "the", "a" is fine)."""
_NOT_ALONE = frozenset([
    "a", "an", "the", "this", "that", "these", "those", "it", "its", "they", "them", "their", "there", "here",
    "we", "our", "us", "he", "she", "his", "her", "findings", "finding", "results", "result", "data", "effect",
    "effects", "outcome", "outcomes", "difference", "differences", "one", "both", "all", "each", "any", "none",
    "other", "others", "some", "several", "many", "most",
])
"""Words that name nothing by themselves: a span made only of these is no subject or object."""
_STATISTIC_NAME = re.compile(
    r"^(?:(?:the|an?|adjusted|crude|unadjusted|pooled)\s+)*(?:odds|hazard|risk|rate)\s+ratios?$|"
    r"^(?:p|p[\s-]?values?|ci|confidence\s+intervals?|(?:95\s*%\s*)?ci|statistical(?:ly)?\s+significan\w*|"
    r"significan\w*)$", re.IGNORECASE)
MAX_SUBJECT_WORDS = 8
MAX_OBJECT_WORDS = 14


def noun_phrase_problem(label: str | None, *, max_words: int) -> str | None:
    """Why ``label`` is not a short noun phrase (``None`` when it is one)."""
    if not label or not label.strip():
        return "empty"
    bare = _QUOTED.sub(" name ", _BRACKETED.sub(" ", label))  # "the 'at risk' group": a quoted name is one word
    tokens = _WORD.findall(bare)
    words = [w.casefold() for w in tokens]
    if not words:
        return "no words"
    if all(w[0].isdigit() for w in words):
        return "a number"
    if len(words) > max_words:
        return "too long"
    if words[0] in _EDGE or words[-1] in _EDGE or tokens[-1] in ("a", "an", "the"):
        return "starts or ends with a function word"
    if any(w in _FINITE for w in words):
        return "a clause"
    if all(w in _NOT_ALONE and not t.isupper() for w, t in zip(words, tokens, strict=True)):  # "arm A" names one
        return "names nothing"
    if _STATISTIC_NAME.match(" ".join(bare.split())):
        return "a statistic's name"
    return None


_OTHER_WORK = re.compile(
    r"\b(?:previous(?:ly)?|prior|earlier|other|several|many|some|few|recent)\s+(?:\w+\s+)?(?:studies|trials|reports|"
    r"research|work|data)\b|\b(?:studies|trials|evidence|literature|research)\s+(?:have|has|suggests?|shows?|"
    r"indicates?)\b|\b(?:has|have)\s+been\s+(?:shown|reported|suggested|demonstrated|associated|linked|found)\b|"
    r"\b(?:is|are)\s+(?:well\s+)?known\b|\bit\s+is\s+(?:unclear|unknown|not\s+known)\b", re.IGNORECASE)
"""Words that attribute a statement to other work: background, not this study's result."""


_BALANCE = re.compile(
    r"^(?:(?:mean|median|the)\s+)?(?:age|sex|gender|ethnicity|race|demographics?|(?:baseline|demographic|clinical)\s+"
    r"(?:characteristics|variables|data)|characteristics)\b(?!\s+at\s+(?:follow|end))|\bat\s+baseline\b|"
    r"\bbaseline\s+(?:characteristics|variables|data|values)\b|\bwell[\s-]balanced\b", re.IGNORECASE)
"""A null comparison of who was enrolled (age, sex, baseline characteristics): a balance check, not a result."""


def passes(draft: Draft) -> bool:
    """Whether a relational finding's subject and object are noun phrases (occurrence findings pass as they are).

    A finding without numbers in a sentence that cites other work ("previous studies
    showed that ...") is background and does not pass either.
    """
    subject = draft.subject_label
    if draft.subject_concept is None and subject is None:
        return True
    if not draft.statistics and _OTHER_WORK.search(draft.sentence.text):
        return False
    if draft.direction == "no_effect" and _BALANCE.search(f"{draft.object_label or ''} {draft.sentence.text}"):
        return False
    if subject is not None and draft.subject_concept is None and \
            noun_phrase_problem(subject, max_words=MAX_SUBJECT_WORDS):
        return False
    return draft.object_concept is not None or \
        noun_phrase_problem(draft.object_label, max_words=MAX_OBJECT_WORDS) is None


_NOT_SIGNIFICANT = re.compile(
    r"\b(?:not\s+(?:statistically\s+)?significant(?:ly)?|non-?\s?significant(?:ly)?|insignificant(?:ly)?|"
    r"did\s+not\s+reach\s+(?:statistical\s+)?significance|failed\s+to\s+reach\s+(?:statistical\s+)?significance|"
    r"was\s+not\s+significant|were\s+not\s+significant|no\s+longer\s+significant|a\s+(?:non-?significant\s+)?trend|"
    r"tended\s+to|trended|to\s+(?:the|a)\s+(?:same|similar)\s+(?:extent|degree)|similarly\s+in\s+both)\b",
    re.IGNORECASE)
_ALPHA = Decimal("0.05")


def significance_direction(draft: Draft) -> Draft:
    """A comparison the sentence calls not significant, or whose one P-value is above 0.05, has no effect.

    Without a P-value, a finding's one effect size decides: an interval that holds the null
    value (1 for a ratio, 0 for a difference) is no effect.

    Only findings with a direction change: ``unspecified`` and ``no_effect`` stay.
    A sentence with several findings and several P-values is judged by each
    finding's own P-value; the wording is used only when the sentence states a
    single comparison (one P-value or none), so "A rose (P < .01) but B did not
    reach significance" does not turn A into a null.
    """
    if draft.direction not in ("increases", "decreases"):
        return draft
    own = [s for s in draft.statistics if s.kind == "p_value"]
    if len(own) == 1:
        p = own[0]
        if (p.value > _ALPHA and p.operator in ("=", ">", ">=")) or (p.value == _ALPHA and p.operator in (">", ">=")):
            return replace(draft, direction="no_effect")
        return draft
    effects = [e for e in draft.statistics
               if e.kind == "effect_size" and e.ci_low is not None and e.ci_high is not None]
    if not own and len(effects) == 1:
        effect = effects[0]
        null = Decimal(0) if effect.measure in ("MD", "RD", "other", "beta") else Decimal(1)
        low, high = sorted((effect.ci_low, effect.ci_high))  # type: ignore[type-var]
        return replace(draft, direction="no_effect") if low < null < high else draft
    sentence_ps = _P_IN_SENTENCE.findall(draft.sentence.text)
    if len(sentence_ps) <= 1 and _NOT_SIGNIFICANT.search(draft.sentence.text):
        return replace(draft, direction="no_effect")
    return draft


_NEGATED_COMPARATIVE = re.compile(
    r"\b(?:was|were|is|are)\s+not\s+(?:significantly\s+|statistically\s+)?(?:improved|increased|decreased|reduced|"
    r"higher|lower|greater|better|worse|longer|shorter|prolonged|superior|inferior|different)\b", re.IGNORECASE)


def negated_comparison(draft: Draft) -> Draft:
    """A comparison the sentence negates right after the outcome ("Median PFS was not improved in ...") is null.

    Applies to a finding with a direction whose outcome label is printed just before "was not improved /
    higher / lower ..." (within 60 characters, no other clause between), so an affirmed comparison of the
    sentence keeps its own direction.
    """
    if draft.direction not in ("increases", "decreases") or not draft.object_label:
        return draft
    text = draft.sentence.text
    label = _BRACKETED.sub("", draft.object_label).strip().casefold()
    for match in _NEGATED_COMPARATIVE.finditer(text):
        window = text[max(0, match.start() - 60):match.start()].casefold()
        at = window.rfind(label) if label else -1
        if at >= 0 and not _OTHER_CLAUSE.search(window[at + len(label):]):
            return replace(draft, direction="no_effect")
    return draft


_OTHER_CLAUSE = re.compile(r"[,;]|\b(?:was|were|is|are|but|and|whereas|while)\b")
"""Between an outcome and a negated verb: the verb belongs to another outcome ("A was improved, but B was not")."""


_CHANGE_WORD = re.compile(r"\b(?:changes?|improvements?|reductions?|differences?|decreases?|declines?)\b",
                          re.IGNORECASE)
_PAIR = re.compile(r"(?P<a>[-−–]?\s?\d+(?:[.·]\d+)?)\s*(?:[a-zA-Z/%]+\s*)?(?:vs\.?|versus|v\.?|compared\s+with)\s*"
                   r"(?P<b>[-−–]?\s?\d+(?:[.·]\d+)?)")
_MINUS = "-−–"
_HARM = re.compile(r"\b(?:pain|stiffness|symptoms?|severity|distress|depression|depressive|anxiety|fatigue|"
                   r"insomnia|disability|nausea|itch\w*|dyspnoea|dyspnea|craving|burden|impairment)\b", re.IGNORECASE)
"""Outcomes that name a harm: a score of one falls as the patient improves, so a larger negative change lowers it
(a score named after what it gains, "physical function", is read as the text words it)."""


def signed_change(draft: Draft) -> Draft:
    """A larger change whose compared values are negative is a fall: "greater change for pain (-5.2 vs. -3.3)".

    Applies to a finding read as ``increases`` whose outcome names a harm (pain, symptoms, distress), from
    a sentence that speaks of a change, improvement or difference, when the first pair of values printed
    after its outcome are both negative and the first (the arm the sentence names first, the finding's
    subject) is the more negative: the outcome went down further in that arm, so the subject decreases it
    (a score where lower is better).
    """
    if draft.direction != "increases" or not draft.object_label or not _HARM.search(draft.object_label):
        return draft
    text = draft.sentence.text
    if not _CHANGE_WORD.search(text):
        return draft
    label = _BRACKETED.sub("", draft.object_label).strip()
    at = text.find(label) if label else -1
    if at < 0:
        return draft
    pair = _PAIR.search(text, at + len(label), at + len(label) + 80)
    if pair is None or not (pair["a"].lstrip()[0] in _MINUS and pair["b"].lstrip()[0] in _MINUS):
        return draft
    a, b = (Decimal(pair[k].replace(" ", "").replace("·", ".").lstrip(_MINUS)) for k in ("a", "b"))
    return replace(draft, direction="decreases") if a > b else draft


_P_IN_SENTENCE = re.compile(r"(?<![A-Za-z])[Pp]\s*(?:[<>=≤≥]|value)")


_LEADING_DIRECTION = re.compile(
    r"^(?:(?:statistically\s+)?significant(?:ly)?\s+|much\s+|slightly\s+|a\s+|an\s+)*"
    r"(?:(?P<down>less|lower|fewer|decreased|reduced|shorter|worse|smaller|diminished)|"
    r"(?P<up>more|higher|greater|increased|improved|better|longer|larger|elevated|enhanced)|"
    r"(?P<null>similar|comparable|no|unchanged))\s+(?=\S)", re.IGNORECASE)
"""A direction word an object span starts with ("less AIDS progression", "significantly increased costs")."""
_TRAILING = re.compile(r"\s+(?:,\s*)?(?:respectively|compared\s+(?:with|to)|as\s+compared|with\s+no|"
                       r"without\s+(?:any\s+)?(?:increase|change|difference))\b.*$", re.IGNORECASE)
"""What follows an outcome but is not part of it: the comparator, "respectively", "with no increase in ..."."""
_NAMED_IN_A_DIRECTION = re.compile(r"^(?:an?\s+|the\s+)?(?:higher|lower|greater|increased|decreased|reduced|"
                                   r"elevated|low|high|longer|shorter|more|less|poor|poorer)\s+\S", re.IGNORECASE)
_NEGATED_ITEM = re.compile(r"^(?:but\s+)?not\s+(?:the\s+)?(?=\S)", re.IGNORECASE)


def tidy(draft: Draft) -> Draft:
    """Words about the direction moved out of the spans and into the direction.

    An object that starts with a direction word ("less AIDS progression") is the
    outcome without it, and the word gives the direction when the rule's cue did
    not ("X resulted in less Y" decreases Y; "similar Y" is no effect). A subject
    item "not the response to NACT" in "A and B, but not C, were associated with Y"
    is C with no effect. Trailing comparators and "respectively" are cut from objects.
    """
    subject, obj, direction = draft.subject_label, draft.object_label, draft.direction
    if subject and _NEGATED_ITEM.match(subject):
        subject, direction = subject[_NEGATED_ITEM.match(subject).end():], "no_effect"  # type: ignore[union-attr]
    if obj:
        cut = _TRAILING.search(obj)
        if cut and cut.start() > 0:
            obj = obj[:cut.start()]
        lead = _LEADING_DIRECTION.match(obj)
        if lead and len(obj) > lead.end():
            obj = obj[lead.end():]
            if direction != "no_effect":
                direction = "decreases" if lead["down"] else "increases" if lead["up"] else "no_effect"
    if direction == "unspecified" and draft.relation == "predicts" and subject and _NAMED_IN_A_DIRECTION.match(subject):
        direction = "increases"  # "a higher BMI predicts knee pain": the factor as named raises the outcome
    if (subject, obj, direction) == (draft.subject_label, draft.object_label, draft.direction):
        return draft
    return replace(draft, subject_label=subject, object_label=obj, direction=direction)


class Abbreviations:
    """The long forms and abbreviations an abstract (with its title) defines: "long form (ABBR)".

    A pair is kept when the abbreviation's letters start words of the long form in
    order, the first letter the first word (the usual test for a definition, so
    "patients (n = 40)" or "placebo (saline)" define nothing).
    """

    _SHORT = re.compile(r"\(\s*(?P<short>[A-Za-z][A-Za-z0-9+/-]{1,9})\s*[);,]")
    _WORD_TOKEN = re.compile(r"[^\W\d_][\w'’/+-]*")

    def __init__(self, text: str) -> None:
        self.long_of: dict[str, str] = {}
        self.short_of: dict[str, str] = {}
        for m in self._SHORT.finditer(text):  # each bracketed short token, then the words just before it
            short = m["short"]
            if not any(c.isupper() for c in short) or short.casefold() in _EDGE:
                continue
            words: list[str] = []
            for token in reversed(text[max(0, m.start() - 160):m.start()].split()[-8:]):
                if not self._WORD_TOKEN.fullmatch(token):
                    break
                words.insert(0, token)
            long_form = _long_form(words, short) if words else None
            if long_form and short not in self.long_of:
                self.long_of[short] = long_form
                self.short_of.setdefault(long_form.casefold(), short)

    @classmethod
    def from_long_forms(cls, long_of: dict[str, str]) -> Abbreviations:
        """The pairs of an abstract already read (abbreviation -> long form)."""
        made = cls("")
        for short, long_form in long_of.items():
            made.long_of[short] = long_form
            made.short_of.setdefault(long_form.casefold(), short)
        return made

    def label(self, label: str | None) -> str | None:
        """``label`` naming both forms: "MI-E (mechanical insufflation-exsufflation)", "tCBT" spelt out."""
        if not label or "(" in label:
            return label
        folded = label.casefold()
        for long_form, short in self.short_of.items():
            if long_form in folded and not re.search(rf"(?<!\w){re.escape(short)}(?!\w)", label):
                return f"{label} ({short})"
        for token in _WORD.findall(label):
            long_form = self.long_of.get(token)
            if long_form and long_form.casefold() not in folded:
                return f"{label} ({long_form})"
        return label


def _long_form(words: list[str], short: str) -> str | None:
    """The fewest trailing ``words`` whose initials (and inner capitals) spell ``short`` in order."""
    letters = [c.casefold() for c in short if c.isalpha()]
    if len(letters) < 2:
        return None
    for size in range(1, min(len(words), len(letters) + 2) + 1):
        candidate = words[-size:]
        if candidate[0].casefold() in _EDGE or candidate[0][0].casefold() != letters[0]:
            continue
        if _spells(" ".join(candidate), letters):
            return " ".join(candidate)
    return None


def _spells(phrase: str, letters: list[str]) -> bool:
    """Whether ``letters`` occur in ``phrase`` in order, each at a word start or inside a word after the first."""
    text = phrase.casefold()
    pos = 0
    for index, letter in enumerate(letters):
        found = text.find(letter, pos)
        if found < 0:
            return False
        if index == 0 and found != 0:
            return False
        pos = found + 1
    starts = {0} | {m.start() for m in re.finditer(r"(?<=[\s/-])\w", text)}
    return sum(1 for s in starts if s < len(text)) <= len(letters) + 1

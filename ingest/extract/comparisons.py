"""Findings of trial comparisons: how randomised trials state that an arm changed an outcome, or did not.

Trial abstracts name the arm and the outcome in a handful of shapes that the
cohort rules of ``findings.py`` do not read:

* null comparisons: "there was no significant difference in Y between X and Z",
  "Y did not differ between groups", "Y was similar in both arms";
* an outcome that changed within an arm: "Y improved significantly in the X group",
  "Y was reduced if allocated X";
* an arm that had more or less of an outcome: "the X group had a lower Y",
  "X were more likely to Y";
* the arm's own verb: "X reduced Y" is read by the effect-verb rule in ``findings.py``.

When the sentence does not name the arm (a null comparison "between groups"),
the subject is the intervention the title names ("Efficacy of X versus Y ..."),
never a guess from elsewhere; without one the sentence gives no finding.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

from ingest.extract.draft import Context, Draft, Local
from ingest.extract.outcomes import DECREASE_VERBS, DECREASE_WORDS, object_end, outcome_drafts, phrase_label
from ingest.extract.phrases import KIND_RANK, pick
from ingest.extract.sentences import Sentence

_SIG = r"(?:(?:statistically\s+)?significant(?:ly)?\s+|clinically\s+meaningful\s+|important\s+|apparent\s+)?"
NULL_DIFFERENCE = re.compile(
    rf"\b(?:no|not\s+a|did\s+not\s+find\s+(?:a|any))\s+(?:(?:evidence|indication)\s+(?:of|for)\s+(?:an?\s+)?)?"
    rf"{_SIG}(?P<noun>differences?|effects?|changes?|"
    r"improvements?|reductions?|increases?|decreases?|benefits?|impacts?|associations?|relationships?|"
    r"correlations?)\s+"
    r"(?:(?:was|were)\s+(?:found|observed|seen|noted|detected|identified|shown|demonstrated)\s+)?"
    r"(?:between\s+(?P<pair>[^,;()]{2,80}?\s+and\s+[^,;()]{2,60}?)(?=\s*[,;(.]|\s+(?:in|among)\b|\s*$)|"
    r"(?:between\s+(?P<between>[^,;()]{2,80}?)\s+(?:for|in|regarding|on|with\s+respect\s+to)\s+|"
    r"(?:of\s+(?P<of>[^,;()]{2,60}?)\s+)?(?:in|for|on|regarding|with\s+respect\s+to|of)\s+)"
    r"(?P<object>[^,;()]{2,90}?)"
    r"(?=\s+(?:between|among|across|in\s+(?:the|either|both|any)|with\s+either|after|at|during|compared|versus|"
    r"vs\.?|or\s+in|from)\b|\s*[,;(.:]|\s*$))",
    re.IGNORECASE,
)
DID_NOT_DIFFER = re.compile(
    r"^(?P<object>(?:[^,;()]|\([^()]*\)){2,90}?)\s+(?:did\s+not|does\s+not|do\s+not|didn't)\s+"
    r"(?:significantly\s+)?differ(?:\s+significantly)?|"
    r"^(?P<object2>(?:[^,;()]|\([^()]*\)){2,90}?)\s+(?:was|were)\s+(?:also\s+)?(?:similar|comparable|not\s+"
    r"(?:significantly\s+)?"
    r"different)\b",
    re.IGNORECASE,
)
_BETWEEN_ARMS = re.compile(
    r"\b(?:between|among)\s+(?P<arms>[^,;():]{2,80}?)(?=\s*[,;(.:]|\s+(?:at|after|in|for|during|upon)\b|\s*$)",
    re.IGNORECASE,
)
_GENERIC_ARMS = re.compile(r"^(?:the\s+)?(?:(?:two|three|four|[234]|treatment|study|both|all|experimental|intervention|"
                           r"randomi[sz]ed|trial)\s+)*(?:groups|arms|treatments|formulations|conditions|"
                           r"modes(?:\s+of\s+[\w-]+)?)(?:\s+(?:at|after|in|during|on)\s+[^,;()]{1,30})?$",
                           re.IGNORECASE)
_NOT_AN_ARM = re.compile(r"^(?:both|all|each|either|neither|these|this|they|it|which|there)\b|analys|regression|"
                         r"\bmodels?\b|\bstudy\b|\btrial\b|\bresults?\b|\bdata\b|^we\b", re.IGNORECASE)
_ARM_AFTER = re.compile(r"\b(?:in|with|among|for)\s+(?:the\s+)?(?P<arm>[^,;()]{1,40}?)\s+(?:group|arm)s?\b",
                        re.IGNORECASE)
_BASELINE = re.compile(r"\bbaseline\b|study\s+(?:entry|initiation)|demographic", re.IGNORECASE)
_ASSOCIATION_NOUNS = ("association", "relationship", "correlation")
_CHANGE_NOUNS = ("change", "improvement", "reduction", "increase", "decrease")
WITHIN_ARM = re.compile(
    r"^(?P<object>[^,;()]{2,90}?)\s+(?:was\s+|were\s+)?(?:significantly\s+|also\s+)*"
    r"(?P<verb>improved|increased|decreased|reduced|declined|fell|rose|lowered|shortened|prolonged)\s+"
    r"(?:significantly\s+)?(?:\w+\s+)?(?:(?:more\s+)?(?:in|with|among|for|if|when)\s+(?:allocated\s+(?:to\s+)?|"
    r"receiving\s+|treated\s+with\s+|patients\s+(?:in|on|receiving|with)\s+|those\s+(?:in|on|receiving|with)\s+)?)"
    r"(?:the\s+)?(?P<arm>[^,;()]{1,60}?)(?=\s+(?:group|arm)s?\b|\s+(?:compared|than|versus|vs\.?|relative)\b|"
    r"\s*[,;(.]|\s*$)",
    re.IGNORECASE,
)
ARM_HAD = re.compile(
    r"^(?:(?:Patients|Participants|Subjects|Children|Women|Men|Those|People)\s+(?:in|on|receiving|allocated\s+to)\s+)?"
    r"(?:the\s+)?(?P<arm>[^,;()]{1,60}?(?:\s+(?:group|arm)s?)?)\s+(?:had|showed|experienced|achieved|reported|"
    r"received|demonstrated|produced)\s+(?:a\s+|an\s+)?(?:statistically\s+)?(?:significant(?:ly)?\s+)?"
    r"(?P<word>lower|higher|longer|shorter|better|worse|superior|inferior|poorer|improved|reduced|increased|"
    r"greater|fewer|more|less|smaller|larger|faster|slower)\s+(?P<object>[^(;,]+?)"
    r"(?=\s+(?:than|compared|versus|vs\.?|relative|in\s+comparison|at|during|after)\b|\s*[(;,.]|\s*$)",
    re.IGNORECASE,
)
MORE_LIKELY = re.compile(
    r"^(?:(?:Patients|Participants|Subjects|Children|Women|Men|Those|People)\s+(?:in|on|receiving|allocated\s+to|"
    r"with)\s+)?(?:the\s+)?(?P<arm>[^,;()]{1,60}?)\s+(?:were|was)\s+(?:also\s+)?(?:significantly\s+)?"
    r"(?P<word>more|less)\s+likely\s+to\s+(?:be\s+|have\s+)?(?P<object>[^(;,]+?)"
    r"(?=\s+(?:than|compared|versus|vs\.?|relative)\b|\s*[(;,.]|\s*$)",
    re.IGNORECASE,
)
_NUM = r"[-−]?\d+(?:[.·]\d+)?"
_ARM = r"(?:the\s+)?(?P<{0}>[^,;()]{{1,50}}?)(?:\s+(?:group|arm|patients|participants)s?)?"
_VS = r"\s*,?\s*(?:and|versus|vs\.?|compared\s+(?:to|with)|as\s+compared\s+(?:to|with)|while|whereas|but|against)\s+"
_PAREN = r"(?:\s*[\[(][^()\[\]]*[)\]])?"
_WITH_STATISTIC = r"\s+(?:with|and)\s+(?:an?\s+|the\s+)?(?:adjusted\s+)?(?:RR|OR|HR|IRR|relative|odds|hazard|risk|P)\b"
"""An arm's name ends before "with RR of ...", "and an odds ratio of ..."."""
ARM_NUMBERS = (
    # "Y was 49% in the X arm and 48% in the Z arm (P = 0.76)"
    re.compile(rf"^(?P<object>(?:[^,;()]|\([^()]*\)){{2,90}}?)\s+(?:was|were)\s+(?:about\s+|approximately\s+)?"
               rf"(?P<a>{_NUM})"
               rf"\s*(?:%|[a-zμ/]+)?{_PAREN}\s+(?:in|for|with|among)\s+{_ARM.format('x')}{_VS}(?P<b>{_NUM})"
               rf"\s*(?:%|[a-zμ/]+)?{_PAREN}\s+(?:in|for|with|among)\s+{_ARM.format('z')}(?=\s*[,;(.]|\s*$|{_WITH_STATISTIC})",
               re.IGNORECASE),
    # "Y in the X group was 20.5% compared to 44.5% in the Z group"
    re.compile(rf"^(?P<object>[^,;()]{{2,90}}?)\s+(?:in|among|for|with)\s+{_ARM.format('x')}\s+(?:was|were)\s+"
               rf"(?P<a>{_NUM})\s*(?:%|[a-zμ/]+)?{_PAREN}{_VS}(?P<b>{_NUM})\s*(?:%|[a-zμ/]+)?{_PAREN}\s+"
               rf"(?:in|among|for|with)\s+{_ARM.format('z')}(?=\s*[,;(.]|\s*$|{_WITH_STATISTIC})", re.IGNORECASE),
    # "Y were 22% and 50% in X and Z patients, respectively"
    re.compile(rf"^(?P<object>[^,;()]{{2,90}}?)\s+(?:was|were)\s+(?P<a>{_NUM})\s*(?:%|[a-zμ/]+)?{_PAREN}{_VS}"
               rf"(?P<b>{_NUM})\s*(?:%|[a-zμ/]+)?{_PAREN}\s*,?\s+(?:in|for|among|with)\s+(?:the\s+)?"
               rf"(?P<x>[^,;()]{{1,40}}?){_VS}(?:the\s+)?(?P<z>[^,;()]{{1,40}}?)(?:\s+(?:groups?|arms?|patients))?"
               rf",?\s+respectively", re.IGNORECASE),
)
_QUANTITY_WORD = (r"(?P<word>reduced|lower|decreased|less|fewer|shorter|smaller|higher|increased|improved|greater|"
                  r"better|more|longer|larger)")
_PEOPLE = r"(?:patients|people|participants|subjects|children|infants|women|men|mothers|adults|individuals)"
COMPARATIVE_FIRST = (
    # "Reduced rate of Y (numbers) was observed in the X group compared to Z"
    re.compile(rf"^(?:a\s+|an\s+)?(?:significantly\s+|statistically\s+significant(?:ly)?\s+)?{_QUANTITY_WORD}\s+"
               rf"(?P<object>(?:[^,;()]|\([^()]*\)){{2,90}}?)\s+(?:was|were)\s+(?:also\s+)?(?:observed|seen|found|"
               rf"noted|reported|detected|demonstrated|shown)\s+(?:in|for|among|with)\s+(?:the\s+)?"
               rf"(?P<arm>[^,;()]{{1,50}}?)(?:\s+(?:group|arm)s?)?"
               rf"(?=\s+(?:compared|than|versus|vs\.?|relative|as\s+compared)\b|\s*[,;(.]|\s*$)", re.IGNORECASE),
    # "A higher proportion of people allocated to X provided Y compared with those who received Z"
    re.compile(rf"^(?:a|the)\s+(?:significantly\s+|statistically\s+significant(?:ly)?\s+)?{_QUANTITY_WORD}\s+"
               rf"(?:proportion|percentage|number|rate)\s+of\s+(?:the\s+)?(?:{_PEOPLE}\s+)?(?:who\s+were\s+)?"
               rf"(?:allocated\s+to|randomi[sz]ed\s+to|receiving|in|on|treated\s+with|given|assigned\s+to)\s+"
               rf"(?:the\s+)?(?P<arm>[^,;()]{{1,40}}?)(?:\s+(?:group|arm)s?)?\s+(?P<object>(?:had|were|was|"
               rf"provided|achieved|reported|developed|experienced|required|received|completed|used|lost|gained|"
               rf"reached)\b[^,;()]{{2,80}}?)"
               rf"(?=\s+(?:compared|than|versus|vs\.?|relative|as\s+compared)\b|\s*[,;(.]|\s*$)", re.IGNORECASE),
    # "Significantly more X than Z participants lost 5% of their weight"
    re.compile(rf"^(?:significantly\s+|statistically\s+significantly\s+)?(?P<word>more|fewer|less)\s+"
               rf"(?P<arm>[^,;()]{{1,40}}?)\s+than\s+(?P<other>[^,;()]{{1,40}}?)\s+(?:{_PEOPLE}|group\s+members)\s+"
               rf"(?P<object>[^,;()]{{2,80}}?)(?=\s*[,;(.]|\s*$)", re.IGNORECASE),
)
"""A comparative quantity first, then the arm and the outcome: the arm changes the outcome that way."""
SUPERIOR_TO = re.compile(
    r"^(?:the\s+)?(?P<arm>[^,;()]{1,50}?)\s+(?:was|were|is|are)\s+(?:significantly\s+|statistically\s+significantly\s+)?"
    r"(?P<word>superior|inferior|more\s+effective|less\s+effective|more\s+efficacious|less\s+efficacious)"
    r"\s+(?:to|than)\s+(?:the\s+)?(?!(?:we|they|expected|previously|before|that)\b)(?P<other>[^,;()]{1,40}?)\s+(?:in|for|regarding|with\s+respect\s+to|in\s+terms\s+of)\s+"
    r"(?:(?P<verb>reducing|lowering|decreasing|preventing|shortening|improving|increasing|raising|achieving|"
    r"maintaining|prolonging)\s+)?(?:the\s+)?(?P<object>[^,;()]{2,60}?)(?=\s*[,;(.]|\s*$)",
    re.IGNORECASE,
)
"""An arm "superior to Z in reducing Y": the arm changes Y the way the verb says (inferior reverses it)."""
FASTER = re.compile(
    rf"^(?:{_PEOPLE}\s+(?:receiving|given|in|on|treated\s+with|allocated\s+to|with)\s+)?(?:the\s+)?"
    r"(?P<arm>[^,;()]{1,50}?)\s+(?P<object>(?:recovered|healed|responded|resolved|improved|returned|stabili[sz]ed|"
    r"normali[sz]ed|ambulated|walked|mobili[sz]ed|cleared)(?:\s+(?:from|to)\s+[^,;()]{1,40}?)?)\s+"
    r"(?:significantly\s+)?(?P<word>faster|sooner|earlier|more\s+quickly|more\s+rapidly|slower|later|more\s+slowly)\b",
    re.IGNORECASE,
)
"""An arm whose patients "recovered (from Y) significantly faster": the arm speeds that recovery."""
SIMILAR_OUTCOME = re.compile(
    rf"^(?!(?:{_PEOPLE}|those)\b)(?:the\s+)?"
    r"(?P<arm>[^,;()]{1,60}?)\s+(?:showed|shows|had|has|have|offers?|offered|achieved|yielded|produced|"
    r"provided|demonstrated|gave)\s+(?:a\s+|an\s+)?(?:similar|comparable|equivalent|"
    r"no\s+(?:significant\s+)?difference\s+in)\s+(?P<object>[^,;()]{2,80}?)"
    r"(?=\s+(?:as|to|compared|with|versus|vs\.?|than|in\s+comparison)\b|\s*[,;(.]|\s*$)",
    re.IGNORECASE,
)
"""An arm that "showed similar Y as / compared to Z": no effect on Y. A group of patients named by a
characteristic ("patients with severe pain have similar outcomes") is a prognostic remark, not an arm, and is left
out."""
COMPARED_FIRST = re.compile(
    rf"^(?:(?:in|among)\s+(?:the\s+)?(?:(?:[\w-]+\s+){{0,3}}?{_PEOPLE}\s+)?(?:given|receiving|treated\s+with|allocated\s+to|on|in)\s+"
    rf"(?:the\s+)?(?P<arm>[^,;()]{{1,40}}?)(?:\s+(?:group|arm)s?)?\s+)?"
    rf"(?:compared\s+(?:with|to)|relative\s+to|versus|vs\.?|as\s+compared\s+(?:with|to))\s+(?:the\s+)?"
    rf"(?P<other>[^,;()]{{1,40}}?)(?:\s+(?:group|arm)s?)?\s*,\s*(?:the\s+)?"
    rf"(?P<object>[^,;()]{{2,90}}?)\s+(?:was|were)\s+(?:also\s+)?(?:significantly\s+|statistically\s+significantly\s+)?"
    rf"(?:(?:about\s+|approximately\s+)?[-−]?\d+(?:[.·]\d+)?\s*(?:%|[A-Za-zμ/]+(?:\s+[a-z]+)?)?\s+)?"
    rf"{_QUANTITY_WORD}(?=\s*[,;(.]|\s+(?:in|with|among|for|at|after|during|by)\b|\s*$)",
    re.IGNORECASE,
)
"""The comparator first: "Compared with placebo, Y was significantly shorter (P)", "In patients given X compared
to placebo, Y was 24% greater"; the arm is the one named, or the title's intervention when the comparator is the
control."""
CHANGE_IN_ARM = re.compile(
    r"\b(?:statistically\s+)?significant\s+(?P<word>decreases?|increases?|reductions?|improvements?)\s+(?:of|in)\s+",
    re.IGNORECASE,
)
EFFECT_OF = re.compile(
    r"\b(?:a\s+)?(?:statistically\s+)?significant\s+(?:positive\s+|beneficial\s+)?(?:effect|impact|influence)\s+"
    r"of\s+(?P<arm>[^,;()]{2,60}?)\s+on\s+(?:the\s+)?(?:(?P<word>increased|decreased|reduced|improved|higher|lower|"
    r"greater|better)\s+)?",
    re.IGNORECASE,
)
TIMES = re.compile(
    r"(?P<n>\d+(?:[.·]\d+)?)\s+times\s+(?P<word>greater|higher|larger|more|lower|smaller|less)\b(?:\s*\([^()]*\))?"
    r"(?:\s+(?:likely|frequent))?\s+(?:for|in|among|with)\s+(?:the\s+)?(?:patients\s+|participants\s+|those\s+)?"
    r"(?:with\s+)?(?P<arm>[^,;()]{1,60}?)(?=\s*[,;(.]|\s+(?:compared|than|versus|vs\.?|relative)\b|\s*$)",
    re.IGNORECASE,
)
_TIMES_OBJECT = re.compile(r"\b(?:hazard|risk|odds|likelihood|probability|rate|incidence)\s+(?:for|of)\s+"
                           r"(?P<object>[^,;()]{2,60}?)\s+(?:was|were|is)\b", re.IGNORECASE)
CORRELATION = re.compile(
    r"\b(?:a|an)\s+(?:statistically\s+)?(?:significant\s+)?(?P<sign>negative|positive|inverse|direct)?\s*"
    r"(?:and\s+)?(?:significant\s+)?(?:correlation|association|relationship)\s+between\s+"
    r"(?P<x>[^,;()]{2,60}?)\s+and\s+(?P<y>[^,;()]{2,60}?)"
    r"(?:\s+(?:in|among)\s+(?:the\s+)?(?P<group>[^,;()]{2,50}?))?(?=\s*[,;(.]|\s*$)",
    re.IGNORECASE,
)
_BUT_NOT_IN = re.compile(r",?\s*but\s+not\s+(?:in|among|for)\s+(?:the\s+)?(?P<group>[^,;()]{2,50}?)(?=\s*[,;(.]|\s*$)",
                         re.IGNORECASE)
OUTCOME_FOR_ARM = re.compile(
    r"^(?P<object>[^,;()]{2,60}?)\s+(?:for|in|with|among)\s+(?:the\s+)?(?P<arm>[^,;()]{1,40}?)\s+(?:was|were)\s+"
    r"(?:significantly\s+)?(?P<word>higher|lower|greater|longer|shorter|better|worse|superior|inferior|poorer|"
    r"fewer|more|less)\s+(?:than|compared|versus|vs\.?)\b",
    re.IGNORECASE,
)
FAVOUR = re.compile(
    r"^(?:(?:statistically\s+)?significant\s+(?:differences?|improvements?)\s+(?:between\s+[^,;()]{1,60}?\s+)?"
    r"(?:were|was)\s+(?:noted|found|observed|seen)\s+(?:for|in)\s+)(?P<object>.+?),?\s+in\s+favou?r\s+of\s+"
    r"(?P<arm>[^,;()]{2,80}?)(?=\s*[,;(.]|\s+(?:compared|than|versus|vs)\b|\s*$)",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"\b(?:placebo|controls?|usual\s+care|standard\s+care|sham|vehicle|no\s+\w+|CG|SC|UC|TAU)\b",
                      re.IGNORECASE)
_WORD = re.compile(r"[a-z]+")
_COMPARATIVE_FIRST_WORDS = {"reduced", "lower", "decreased", "less", "fewer", "shorter", "smaller", "higher",
                            "increased", "improved", "greater", "better", "more", "longer", "larger"}
_WITHIN_WORDS = {"improved", "increased", "decreased", "reduced", "declined", "fell", "rose", "lowered", "shortened",
                 "prolonged"}
_HAD_WORDS = {"had", "showed", "experienced", "achieved", "reported", "received", "demonstrated", "produced"}
def _arm_item(local: Local, start: int, end: int, ctx: Context) -> tuple[int, int, list[str], str]:
    adverb = re.search(r"\s+\w+ly$", local.text[start:end])
    end = start + adverb.start() if adverb else end  # "module completers predominantly had ..."
    concepts = pick(local.mentions_in(start, end), ctx, KIND_RANK)
    label = re.sub(r"^(?:the|a|an)\s+", "", " ".join(local.text[start:end].split()), flags=re.IGNORECASE)
    label = re.sub(r"\s+(?:groups?|arms?)$", "", label, flags=re.IGNORECASE) or label
    return (start, end, concepts, label)


def _null_subject(local: Local, start: int, end: int, ctx: Context,
                  named: tuple[int, int] | None) -> tuple[int, int, list[str], str] | None:
    """The arm a null comparison is about: the arms the sentence names, else the title's intervention."""
    if named is not None and not _GENERIC_ARMS.match(local.text[named[0]:named[1]].strip()):
        arms = re.split(r"\s+(?:and|versus|vs\.?|or)\s+", local.text[named[0]:named[1]], maxsplit=1)
        first = arms[0].strip()
        return (named[0], named[0] + len(first), [], re.sub(r"^(?:the|a|an)\s+", "", first,
                                                                flags=re.IGNORECASE))
    between = _BETWEEN_ARMS.search(local.text, start, end)
    if between and not _GENERIC_ARMS.match(between["arms"].strip()):
        arms = re.split(r"\s+(?:and|versus|vs\.?|or)\s+", between["arms"], maxsplit=1)
        first = arms[0].strip()
        if len(arms) == 2 and _CONTROL.search(first) and not _CONTROL.search(arms[1]):
            first = arms[1].strip()  # "between placebo and zinc arms": the tested arm is the subject
            if len(first.split()) <= 6:
                offset = between.start("arms") + between["arms"].index(arms[1])
                return (offset, offset + len(first), [],
                        re.sub(r"\s+(?:groups?|arms?)$", "", first, flags=re.IGNORECASE))
        if len(first.split()) <= 6:
            return (between.start("arms"), between.start("arms") + len(first), [],
                    re.sub(r"^(?:the|a|an)\s+", "", first, flags=re.IGNORECASE))
    if ctx.intervention:
        return (0, 0, [], ctx.intervention)
    return None


LEAD = re.compile(r"(?:(?:During|At|After|In|On|By|Over|Within|Following|Throughout|From)\s+[^,;()]{1,40},\s*|"
                  r"(?:[\w-]+\s+){1,4}(?:showed|demonstrated|found|indicated|revealed|suggested|confirmed)\s+that\s+|"
                  r"(?:After\s+)?[Aa]djust(?:ed|ing)\s+for\s+[^,;()]{1,80},\s*|"
                  r"(?:Compared\s+(?:with|to)|Relative\s+to|Versus)\s+[^,;()]{1,60},\s*|"
                   r"(?:However|Moreover|Furthermore|Additionally|In\s+addition|Also|Overall|Similarly|As\s+expected|"
                   r"Conversely|Finally|Importantly|Notably),\s*|(?:and|but|while|whereas)\s+)*",
                   re.IGNORECASE)
_SUB_BREAK = re.compile(r",\s+and\s+|;\s+|,\s+(?:while|whereas|but)\s+|"
                        r",\s+(?=(?:the\s+)?(?:[\w-]+\s+){0,5}?(?:was|were)\s+(?:about\s+)?[-−]?\d)", re.IGNORECASE)
"""Where a clause ends: ", and", ";", ", while/whereas/but", and a comma before a new statement of a number
("..., the median OS was 30.7 months in ...")."""


def _sub_clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The clause cut where ``_SUB_BREAK`` says, outside brackets."""
    cuts, last = [], start
    for cut in _SUB_BREAK.finditer(text, start, end):
        if cut.start() < last:
            continue
        before = text[start:cut.start()]
        if before.count("(") + before.count("[") == before.count(")") + before.count("]"):
            cuts.append((last, cut.start()))
            last = cut.end()
    cuts.append((last, end))
    return cuts


def _drafts_for_null(local: Local, sentence: Sentence, subgroup: str, ctx: Context, obj_start: int, obj_end: int,
                     end: int, stats_region: tuple[int, int]) -> list[Draft]:
    subject = _null_subject(local, obj_end, end, ctx, None)
    if subject is None:
        return []
    return outcome_drafts(local, sentence, subject, obj_start, obj_end, "no_effect", subgroup, ctx,
                          "no-significant-difference", stats_region)


def _one_clause(local: Local, sentence: Sentence, subgroup: str, body: int, end: int,
                ctx: Context) -> list[Draft]:
    text = local.text
    lead = LEAD.match(text, body, end)
    if lead:
        body = lead.end()
    words = set(_WORD.findall(text[body:end].casefold()))  # each rule needs one of its words: a cheap first check
    baseline = bool(_BASELINE.search(text, body, end))
    null = None if baseline or not words & {"no", "not", "didn"} else NULL_DIFFERENCE.search(text, body, end)
    pair = (null["pair"] or null["between"]) if null else None
    if null and pair and null["noun"].casefold().startswith(_ASSOCIATION_NOUNS) and re.search(r"\s+and\s+", pair):
        # "no association between X and Y (in Z)": X is the subject, Y the object.
        cut = re.search(r"\s+and\s+", pair)
        x_start = null.start("pair") if null["pair"] else null.start("between")
        subject = (x_start, x_start + cut.start(), [], phrase_label(pair[:cut.start()]))
        y_end = null.end("pair") if null["pair"] else null.end("between")
        return outcome_drafts(local, sentence, subject, x_start + cut.end(), y_end, "no_effect", subgroup,
                              ctx, "no-significant-difference", (null.start(), end))
    if null and null["pair"]:
        after = re.match(r"\s+(?:in|for|on|regarding|with\s+respect\s+to)\s+", text[null.end("pair"):end])
        if not after:
            null = None  # "no difference between X and Z" names no outcome
        else:  # "no differences between X and Z in Y (P), or W (P)"
            arms = re.split(r"\s+and\s+", null["pair"], maxsplit=1)[0]
            subject = (null.start("pair"), null.start("pair") + len(arms), [], phrase_label(arms))
            if _GENERIC_ARMS.match(arms.strip()) or re.match(r"(?:the\s+)?(?:intervention|treatment)$", arms.strip(),
                                                                 re.IGNORECASE):
                subject = _null_subject(local, end, end, ctx, None) or subject
            start = null.end("pair") + after.end()
            return outcome_drafts(local, sentence, subject, start, end, "no_effect", subgroup, ctx,
                                  "no-significant-difference", (null.start(), end))
    if null:
        change = null["noun"].casefold().startswith(_CHANGE_NOUNS)
        if change and null["of"]:  # "no reduction of Y in Z": Y is the outcome
            return _drafts_for_null(local, sentence, subgroup, ctx, null.start("of"), null.end("of"), end,
                                    (null.start(), end))
        named = (null.start("between"), null.end("between")) if null["between"] else (
            (null.start("of"), null.end("of")) if null["of"] else None)
        subject = _null_subject(local, null.end("object"), end, ctx, named)
        if subject is not None:
            return outcome_drafts(local, sentence, subject, null.start("object"), end, "no_effect", subgroup, ctx,
                                  "no-significant-difference", (null.start(), end))
    clause = text[body:end]
    differ = None if baseline or not words & {"not", "similar", "comparable", "didn"} else DID_NOT_DIFFER.match(clause)
    if differ:
        name = "object" if differ["object"] else "object2"
        obj_start, obj_end = body + differ.start(name), body + differ.end(name)
        arm = re.match(r"\s+(?:for|with|in)\s+(?:the\s+)?(?P<arm>[^,;()]{2,50}?)(?=\s*[,;(.]|\s*$)",
                       text[body + differ.end():end])
        subject = _arm_item(local, body + differ.end() + arm.start("arm"), body + differ.end() + arm.end("arm"), ctx) \
            if arm and not _GENERIC_ARMS.match(arm["arm"]) and not _BETWEEN_ARMS.match(arm.group().strip()) \
            else _null_subject(local, body + differ.end(), end, ctx, None)
        if subject is not None:
            return outcome_drafts(local, sentence, subject, obj_start, obj_end, "no_effect", subgroup, ctx,
                                  "outcome-did-not-differ", (obj_end, end))
    within = WITHIN_ARM.match(clause) if words & _WITHIN_WORDS else None
    if within and len(within["arm"].split()) <= 6 and not _NOT_AN_ARM.search(within["arm"]):
        direction = "decreases" if within["verb"].casefold() in DECREASE_VERBS else "increases"
        negated = re.search(r"\s+(?:was|were|is|are)\s+not$", within["object"], re.IGNORECASE)
        if negated:  # "Y was not improved in the X group"
            direction = "no_effect"
            within_object_end = body + within.start("object") + negated.start()
        else:
            within_object_end = body + within.end("object")
        arm = _arm_item(local, body + within.start("arm"), body + within.end("arm"), ctx)
        return outcome_drafts(local, sentence, arm, body + within.start("object"), within_object_end,
                              direction, subgroup, ctx, "outcome-changed-in-arm", (body + within.end("verb"), end))
    for pattern, rule in ((ARM_HAD, "arm-had-comparative"), (MORE_LIKELY, "arm-more-likely")):
        if not words & (_HAD_WORDS if pattern is ARM_HAD else {"likely"}):
            continue
        match = pattern.match(clause)
        if match and len(match["arm"].split()) <= 8:
            direction = "decreases" if match["word"].casefold() in DECREASE_WORDS else "increases"
            arm = _arm_item(local, body + match.start("arm"), body + match.end("arm"), ctx)
            if _NOT_AN_ARM.search(match["arm"]):  # "the analysis showed a lower Y in the X group"
                named = _ARM_AFTER.search(text, body + match.end("object"), end) or \
                    _ARM_AFTER.search(text, body + match.start("object"), end)
                if not named or _NOT_AN_ARM.search(named["arm"]):
                    continue
                arm = _arm_item(local, named.start("arm"), named.end("arm"), ctx)
            return outcome_drafts(local, sentence, arm, body + match.start("object"), end, direction, subgroup, ctx,
                                  rule, (body + match.start("object"), end))
    correlation = CORRELATION.search(clause) if words & {"correlation", "association", "relationship"} else None
    if correlation and not re.search(r"\bno\s+(?:\w+\s+){0,3}$", clause[:correlation.start()], re.IGNORECASE):
        return _correlation(local, sentence, subgroup, body, end, _shift(correlation, body), ctx)
    change = CHANGE_IN_ARM.search(clause) if "significant" in words else None
    if change and re.search(r"\b(?:both|all|each)\s+(?:groups|arms)\b", clause[:change.start()], re.IGNORECASE):
        change = None  # "both groups produced significant improvements": no arm is singled out
    if change:
        object_start = body + change.end()
        object_stop = object_end(text, object_start, end)
        arm_match = _ARM_AFTER.search(text, object_start, end)
        if arm_match and not _NOT_AN_ARM.search(arm_match["arm"]):
            arm = _arm_item(local, arm_match.start("arm"), arm_match.end("arm"), ctx)
            direction = "decreases" if change["word"].casefold().startswith(("decrease", "reduction")) \
                else "increases"
            return outcome_drafts(local, sentence, arm, object_start, min(object_stop, arm_match.start()), direction,
                                  subgroup, ctx, "significant-change-in-arm", (body, end), listed=False)
    effect = EFFECT_OF.search(clause) if "significant" in words else None
    if effect:
        arm = _arm_item(local, body + effect.start("arm"), body + effect.end("arm"), ctx)
        direction = "decreases" if (effect["word"] or "").casefold() in DECREASE_WORDS | DECREASE_VERBS else \
            "increases"
        return outcome_drafts(local, sentence, arm, body + effect.end(), end, direction, subgroup, ctx,
                              "significant-effect-of", (body, end))
    times = list(TIMES.finditer(text, body, end)) if "times" in words else []
    named = _TIMES_OBJECT.search(text, max(0, body - 200) if times else body, end) if times else None
    if times and named:  # "the hazard for Y was 8.4 times greater (P) for patients with X, and 2.0 times ... Z"
        drafts = []
        for match in times:
            direction = "decreases" if match["word"].casefold() in ("lower", "smaller", "less") else "increases"
            arm = _arm_item(local, match.start("arm"), match.end("arm"), ctx)
            own = local.stats_in(match.start(), match.end(), kinds=("p_value",))
            drafts += [replace(d, statistics=tuple(own)) for d in outcome_drafts(
                local, sentence, arm, named.start("object"), named.end("object"), direction, subgroup, ctx,
                "times-greater", (match.start(), match.end()), listed=False)]
        return drafts
    outcome = OUTCOME_FOR_ARM.match(clause) if words & {"than", "compared", "versus", "vs"} else None
    if outcome and not _NOT_AN_ARM.search(outcome["arm"]):
        direction = "decreases" if outcome["word"].casefold() in DECREASE_WORDS else "increases"
        arm = _arm_item(local, body + outcome.start("arm"), body + outcome.end("arm"), ctx)
        return outcome_drafts(local, sentence, arm, body + outcome.start("object"), body + outcome.end("object"),
                              direction, subgroup, ctx, "outcome-in-arm-comparative", (body, end), listed=False)
    favour = FAVOUR.match(clause) if words & {"favour", "favor"} else None
    if favour:
        arm = _arm_item(local, body + favour.start("arm"), body + favour.end("arm"), ctx)
        return outcome_drafts(local, sentence, arm, body + favour.start("object"), body + favour.end("object"),
                              "increases", subgroup, ctx, "in-favour-of", (body, end))
    superior = SUPERIOR_TO.match(clause) if words & {"superior", "inferior", "effective", "efficacious"} else None
    if superior and not _NOT_AN_ARM.search(superior["arm"]) and not _is_control(superior["arm"], ctx):
        worse = superior["word"].casefold().startswith(("inferior", "less", "worse"))
        lowers = (superior["verb"] or "").casefold() in ("reducing", "lowering", "decreasing", "preventing",
                                                         "shortening")
        direction = "decreases" if worse != lowers else "increases"
        arm = _arm_item(local, body + superior.start("arm"), body + superior.end("arm"), ctx)
        return outcome_drafts(local, sentence, arm, body + superior.start("object"), body + superior.end("object"),
                              direction, subgroup, ctx, "superior-to", (body, end), listed=False)
    faster = FASTER.match(clause) if words & {"faster", "sooner", "earlier", "quickly", "rapidly", "slower", "later",
                                              "slowly"} else None
    if faster and not _NOT_AN_ARM.search(faster["arm"]) and not _is_control(faster["arm"], ctx):
        slower = faster["word"].casefold() in ("slower", "later", "more slowly")
        arm = _arm_item(local, body + faster.start("arm"), body + faster.end("arm"), ctx)
        return outcome_drafts(local, sentence, arm, body + faster.start("object"), body + faster.end("object"),
                              "decreases" if slower else "increases", subgroup, ctx, "recovered-faster", (body, end),
                              listed=False)
    similar = SIMILAR_OUTCOME.match(clause) if words & {"similar", "comparable", "equivalent", "difference"} else None
    if similar and not _NOT_AN_ARM.search(similar["arm"]) and not _is_control(similar["arm"], ctx):
        arm = _arm_item(local, body + similar.start("arm"), body + similar.end("arm"), ctx)
        return outcome_drafts(local, sentence, arm, body + similar.start("object"), body + similar.end("object"),
                              "no_effect", subgroup, ctx, "similar-outcome", (body, end), listed=False)
    for pattern in COMPARATIVE_FIRST if words & _COMPARATIVE_FIRST_WORDS else ():
        first = pattern.match(clause)
        if first and not _NOT_AN_ARM.search(first["arm"]) and not _is_control(first["arm"], ctx):
            word = first["word"].casefold()
            direction = "decreases" if word in DECREASE_WORDS or word == "fewer" else "increases"
            arm = _arm_item(local, body + first.start("arm"), body + first.end("arm"), ctx)
            return outcome_drafts(local, sentence, arm, body + first.start("object"), body + first.end("object"),
                                  direction, subgroup, ctx, "comparative-first", (body, end), listed=False)
    for pattern in ARM_NUMBERS if words & {"was", "were"} and any(c.isdigit() for c in clause) else ():
        numbers = pattern.match(clause)
        if numbers:
            return _arm_numbers(local, sentence, subgroup, body, end, numbers, ctx)
    return []


def _arm_numbers(local: Local, sentence: Sentence, subgroup: str, body: int, end: int, match: re.Match,
                 ctx: Context) -> list[Draft]:
    """Two arms' numbers for one outcome: the direction is that of the first arm, unless the statistics say none.

    The clause's one P-value decides, or without one its effect size's interval
    (a ratio's interval holding 1, a difference's holding 0, is no effect).
    """
    p_values = local.stats_in(body, end, kinds=("p_value",)) or local.stats_in(0, len(local.text), kinds=("p_value",))
    effects = [s for s in local.stats_in(body, end, kinds=("effect_size",)) if s.ci_low is not None]
    a = float(match["a"].replace("·", ".").replace("−", "-"))
    b = float(match["b"].replace("·", ".").replace("−", "-"))
    if len(p_values) == 1:
        p = p_values[0]
        significant = not (p.operator in (">", ">=") or (p.operator == "=" and p.value >= Decimal("0.05")))
        evidence = (p,)
    elif not p_values and len(effects) == 1 and effects[0].ci_high is not None:
        null = Decimal(0) if effects[0].measure in ("MD", "RD", "other") else Decimal(1)
        significant = not (min(effects[0].ci_low, effects[0].ci_high) <= null <=  # type: ignore[type-var]
                           max(effects[0].ci_low, effects[0].ci_high))  # type: ignore[type-var]
        evidence = (effects[0],)
    else:
        return []
    direction = "no_effect" if not significant or a == b else "increases" if a > b else "decreases"
    arm = _arm_item(local, body + match.start("x"), body + match.end("x"), ctx)
    other = _arm_item(local, body + match.start("z"), body + match.end("z"), ctx)
    if _is_control(arm[3], ctx) and not _is_control(other[3], ctx):  # the tested arm is the subject
        arm = other
        direction = {"increases": "decreases", "decreases": "increases"}.get(direction, direction)
    if _NOT_AN_ARM.search(arm[3]):
        return []
    if direction == "no_effect":  # a null comparison says as much about either arm
        arm = (*arm[:3], f"{arm[3]} (vs {other[3] if other is not arm else phrase_label(match['x'])})")
    drafts = outcome_drafts(local, sentence, arm, body + match.start("object"), body + match.end("object"), direction,
                            subgroup, ctx, "numbers-by-arm", (body, end), listed=False)
    return [replace(d, statistics=evidence) for d in drafts]


def _is_control(label: str, ctx: Context) -> bool:
    """Whether an arm is the comparator; an abbreviation the abstract defines is judged by its long form."""
    long_forms = [ctx.abbreviations[w] for w in re.findall(r"[\w+-]+", label) if w in ctx.abbreviations]
    return bool(_CONTROL.search(" ".join(long_forms) if long_forms else label))


class _Shifted:
    """A match of a clause seen with offsets in the sentence."""

    def __init__(self, match: re.Match, offset: int) -> None:
        self._match, self._offset = match, offset

    def __getitem__(self, name: str) -> str | None:
        return self._match[name]

    def start(self, name: str | int = 0) -> int:
        return self._match.start(name) + self._offset

    def end(self, name: str | int = 0) -> int:
        return self._match.end(name) + self._offset


def _shift(match: re.Match, offset: int) -> _Shifted:
    return _Shifted(match, offset)


def _correlation(local: Local, sentence: Sentence, subgroup: str, body: int, end: int, match: _Shifted,
                 ctx: Context) -> list[Draft]:
    """A negative correlation between X and Y in group A (P), but not in group B (P): one finding each."""
    text = local.text
    direction = "decreases" if (match["sign"] or "").casefold() in ("negative", "inverse") else "increases"
    subject = (match.start("x"), match.end("x"), pick(local.mentions_in(match.start("x"), match.end("x")), ctx,
                                                       KIND_RANK), phrase_label(match["x"]))
    group = phrase_label(match["group"]) if match["group"] else subgroup
    other = _BUT_NOT_IN.search(text, match.end(), len(text))  # ", but not in ..." is cut off as a clause of its own
    first_end = other.start() if other else end
    drafts = [replace(d, subgroup=group) for d in outcome_drafts(
        local, sentence, subject, match.start("y"), match.end("y"), direction, subgroup, ctx, "correlation-between",
        (match.end(), first_end), listed=False)]
    if other:
        drafts += [replace(d, subgroup=phrase_label(other["group"])) for d in outcome_drafts(
            local, sentence, subject, match.start("y"), match.end("y"), "no_effect", subgroup, ctx,
            "correlation-between", (other.start(), len(text)), listed=False)]
    return drafts


_OPENING = re.compile(r"(?:however|moreover|furthermore|in\s+addition|additionally|overall|similarly|also)\s*,?\s*",
                      re.IGNORECASE)


def _clause_start(text: str, body: int) -> int:
    """Where the clause holding ``body`` starts: after the last "; " before it, else at the sentence start."""
    cut = text.rfind("; ", 0, body)
    return cut + 2 if cut >= 0 else 0


def _compared_first(local: Local, sentence: Sentence, subgroup: str, body: int, end: int,
                    ctx: Context) -> list[Draft]:
    """The findings of a clause that names the comparator first (``COMPARED_FIRST``)."""
    text = local.text
    match, start = None, body
    for origin in (body, _clause_start(text, body)):  # a leading "Compared with Z," may be cut off as a lead
        lead = _OPENING.match(text, origin, end)
        start = lead.end() if lead else origin
        if re.match(r"(?:in|among|compared|relative|versus|vs|as)\b", text[start:start + 10], re.IGNORECASE):
            match = COMPARED_FIRST.match(text[start:end])
            if match and start + match.end("object") > body:
                break
            match = None
    if match is None:
        return []
    if match["arm"]:
        arm = _arm_item(local, start + match.start("arm"), start + match.end("arm"), ctx)
    elif _is_control(match["other"], ctx):
        arm = _null_subject(local, end, end, ctx, None)  # the title's intervention against its control
    else:
        return []
    if arm is None or _NOT_AN_ARM.search(arm[3]):
        return []
    word = match["word"].casefold()
    direction = "decreases" if word in DECREASE_WORDS or word == "fewer" else "increases"
    return outcome_drafts(local, sentence, arm, start + match.start("object"), start + match.end("object"), direction,
                          subgroup, ctx, "compared-first", (start + match.end("object"), end), listed=False)


def comparison_findings(local: Local, sentence: Sentence, subgroup: str, body: int, end: int,
                        ctx: Context) -> list[Draft]:
    """The findings the trial-comparison rules read in one clause (each sub-clause on its own)."""
    compared = _compared_first(local, sentence, subgroup, body, end, ctx)
    if compared:
        return compared
    drafts: list[Draft] = []
    for start, stop in _sub_clauses(local.text, body, end):
        drafts += _one_clause(local, sentence, subgroup, start, stop, ctx)
    return drafts

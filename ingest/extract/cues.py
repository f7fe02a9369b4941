"""The wording of cohort abstracts that the finding builder reads: relation verbs, direction words, subgroups.

Kept apart from the logic in ``findings.py`` so the phrase lists can be read
(and extended) in one place. Every pattern is about how clinical authors
write in general ("were risk factors for", "was associated with inferior",
"did not differ", "Among responders,"), never about one abstract.
"""

from __future__ import annotations

import re

# A negated relation: "no pretreatment factors predicted", "was not associated with", "did not differ".
NULL_SUBJECT = re.compile(
    r"\bno\s+(?:other\s+|significant\s+)?(?P<subject>(?:[\w/-]+\s+){0,3}?[\w/-]+)\s+"
    r"(?P<verb>predicted|predicts|was\s+associated\s+with|were\s+associated\s+with|correlated\s+with|"
    r"influenced|affected|was\s+predictive\s+of|were\s+predictive\s+of)\b",
    re.IGNORECASE,
)
NULL_VERB = re.compile(
    r"\b(?:(?:was|were|is|are)\s+not\s+(?:significantly\s+|independently\s+|statistically\s+)?"
    r"(?:associated\s+with|correlated\s+with|predictive\s+of|linked\s+to|related\s+to|a\s+risk\s+factor\s+for)|"
    r"(?:did\s+not|didn't|does\s+not|do\s+not)\s+(?:significantly\s+)?(?:predict|affect|influence|impact|"
    r"correlate\s+with|improve|change|alter|reduce|increase)|"
    r"had\s+no\s+(?:significant\s+)?(?:impact|effect|influence)\s+on|"
    r"(?:did\s+not|does\s+not|do\s+not)\s+(?:significantly\s+)?differ|"
    r"(?:was|were)\s+(?:similar|comparable|not\s+different))\b",
    re.IGNORECASE,
)
# Relations whose subject comes first: "A (P = .02) and B predicted lower CR rate".
FORWARD = re.compile(
    r"\b(?P<predicts>predicted|predicts|(?:(?:was|were)\s+identified\s+as|was|were|are|is|as|remained|emerged\s+as)\s+"
    r"(?:an?\s+)?(?:independent\s+|significant\s+|strong\s+)*predict(?:ors?|ive)\s+(?:of|for))|"
    r"(?P<risk>(?:(?:was|were)\s+identified\s+as|was|were|are|is|as|remained|emerged\s+as|identified\s+as)\s+(?:an?\s+)?"
    r"(?:independent\s+|significant\s+|additional\s+|major\s+)*risk\s+factors?\s+for)|"
    r"(?P<assoc>(?:was|were|is|are|remained)\s+(?:also\s+)?(?:significantly\s+|independently\s+|strongly\s+)?"
    r"(?:associated\s+with|correlated\s+with|linked\s+to|related\s+to)|(?<!\bhave\s)(?<!\bhas\s)"
    r"(?:resulted\s+in|led\s+to|caused))|"
    r"(?<!\bwas\s)(?<!\bwere\s)(?<!\bbe\s)(?<!\bwith\s)(?P<improves>(?:(?:significantly|also|further|markedly|substantially|"
    r"effectively|statistically\s+significantly)\s+)?(?:improved|prolonged|increased|reduced|decreased|lowered|"
    r"worsened))(?=\s+(?!(?:by|from|to|at|in|significantly|over|after|during|with|among|between|use|could|"
    r"was|were)\b)(?:the\s+)?[\w-]+)",
    re.IGNORECASE,
)
# Relations whose outcome comes first: "OS was superior for patients who responded".
BACKWARD = re.compile(
    r"\b(?:was|were|is|are)\s+(?:not\s+)?(?:significantly\s+|also\s+|\w+ly\s+)?(?:\d+(?:[.·]\d+)?[- ]fold\s+)?"
    r"(?P<word>improved|superior|better|longer|"
    r"prolonged|higher|inferior|worse|shorter|poorer|lower|reduced|increased|decreased|"
    r"(?:more|less)\s+(?:frequent|common|likely|frequently\s+observed)|greater|less|fewer)(?:\s*\([^()]*\))?\s+"
    r"(?:(?:for|in|among|with|using)\s+(?:the\s+)?(?:patients|those|children|adults|subjects|cases|responders|"
    r"participants|people|women|men|individuals|infants)?)",
    re.IGNORECASE,
)
EXPOSURE = re.compile(
    r"\b(?:for|in|among|with|using)\s+(?:the\s+)?(?:patients|those|children|adults|subjects|cases|responders|"
    r"participants|people|women|men|individuals|infants)?\s*"
    r"(?:who\s+(?:had\s+)?|that\s+|with\s+|receiving\s+|treated\s+with\s+)?(?P<what>.+?)"
    r"(?=\s+(?:(?:as|when)\s+compared|compared|versus|vs\.?|than|relative|in\s+comparison|but)\b|[,;(:]|$)",
    re.IGNORECASE,
)
COMPARATOR_GROUP = re.compile(
    r"\b(?:compared\s+(?:to|with)|versus|vs\.?|than)\s+(?:the\s+|those\s+)?(?P<group>[\w-]+(?:\s+[\w-]+)?)"
    r"\s+(?:who\s+did\s+not|without|who\s+were\s+not)\b",
    re.IGNORECASE,
)
DECREASE_WORDS = {
    "lower", "reduced", "decreased", "worse", "shorter", "inferior", "poorer", "less", "fewer", "diminished",
    "impaired", "lowered", "worsened", "reduce", "decrease", "reduction", "protective",
}
INCREASE_WORDS = {
    "higher", "increased", "greater", "longer", "better", "improved", "superior", "more", "prolonged",
    "elevated", "increase", "improve",
}
IMPROVE_WORDS = {"improved", "superior", "better", "longer", "prolonged"}
# "Among refractory cases," / "In patients with MRD-negative CR," at the start of a sentence.
SUBGROUP = re.compile(
    r"^(?:However,\s*|Furthermore,\s*|Moreover,\s*|In\s+addition,\s*|Additionally,\s*|Conversely,\s*)?"
    r"(?P<cue>Among|In|Of|For|Within|Considering\s+(?:only\s+)?the\s+subgroup\s+of)\s+(?:the\s+|these\s+|all\s+)?"
    r"(?:\d+\s+)?(?P<group>[^,;]{2,70}?)"
    r"(?:\s*\(\s*n\s*=\s*\d+\s*\))?\s*,\s*",
    re.IGNORECASE,
)
POPULATION = re.compile(
    r"\b(?:patients|cases|responders|non-?responders|subjects|children|adults|those|individuals|recipients|"
    r"survivors|participants|men|women|group|cohort|arm)\b",
    re.IGNORECASE,
)
NOT_SUBGROUP = re.compile(
    r"^(?:conclusion|summary|total|this|our|the\s+present|multivariate|univariate|multivariable|contrast|"
    r"particular|addition|comparison|general|practice|all\s+patients|the\s+whole|the\s+entire|overall)",
    re.IGNORECASE,
)
GENERIC_NOUNS = re.compile(r"\s+(?:cases|patients|subjects|pts|individuals)$", re.IGNORECASE)
IN_ADDITION_TO = re.compile(r"(?:In\s+addition\s+to|Besides|Along\s+with|Beyond)\s+(?P<item>[^,]{2,80}),\s*",
                            re.IGNORECASE)
LEADING_ADVERB = re.compile(r"(?:However|Furthermore|Moreover|Additionally|Finally|Importantly|Notably|"
                            r"Conversely|Similarly|Overall|Thus|Therefore),\s*", re.IGNORECASE)
# Study aims, where "predictors of" names what was looked for, not what was found.
AIM = re.compile(r"\b(?:analy[sz]ed|evaluated|investigated|assessed|examined|aimed|sought|to\s+identify|"
                 r"to\s+determine|to\s+evaluate|to\s+assess|to\s+investigate|to\s+compare|to\s+examine|"
                 r"we\s+studied|was\s+to|hypothesi[sz]ed|objectives?|purpose)\b", re.IGNORECASE)
CLAUSE_BREAK = re.compile(r",\s+and\s+|;\s+|,\s+(?:whereas|while|but)\s+|\s+(?:among|of)\s+whom\s+",
                          re.IGNORECASE)
WHOM = re.compile(r"^\s+(?:among|of)\s+whom\s+$", re.IGNORECASE)
EVALUABLE = re.compile(r"^\s*%?\s*of\s+(?:the\s+)?(?:evaluable|assessable|tested|analy[sz]ed)\s+"
                       r"(?:cases|patients|samples|subjects)", re.IGNORECASE)
RESPECTIVE_MARKER = re.compile(
    r"(?P<marker>[A-Za-z][\w/+-]*)\s+(?:expression|staining|status)\s+(?:was|were|is|are)\s+"
    r"(?P<words>[a-z-]+(?:\s*,\s*[a-z-]+)*\s*,?\s+(?:or|and)\s+[a-z-]+)\b",
)
ANALYSIS_PREFIX = re.compile(
    r"(?:(?:In|On|By|Using)\s+(?:a\s+|the\s+)?(?:(?:multi|uni)varia\w+|multiple|adjusted)\s+(?:Cox\s+|logistic\s+)?"
    r"(?:\w+\s+)?(?:analysis|analyses|model|models|regression)|In\s+(?:Cox|logistic)\s+(?:regression|analysis|"
    r"models?)|After\s+adjust\w+\s+for\s+[^,]{1,80})\s*,\s*",
    re.IGNORECASE,
)
HAD_COMPARATIVE = re.compile(
    r"\b(?:patients|those|children|adults|cases|subjects)\s+(?:with|who\s+had|who\s+received|who\s+underwent|"
    r"harbou?ring|carrying|receiving|treated\s+with)\s+"
    r"(?P<x>.+?)\s+(?:had|showed|experienced|achieved)\s+(?:a\s+|an\s+)?(?:significantly\s+|markedly\s+)?"
    r"(?P<word>lower|higher|longer|shorter|better|worse|superior|inferior|poorer|improved|reduced|increased|"
    r"greater)\s+(?P<y>[^(;,]+?)(?=\s+(?:than|compared|versus|vs\.?|relative)\b|\s*[(;,]|\s*\.?$)",
    re.IGNORECASE,
)
STRONG_BREAK = re.compile(r";\s+|,\s+(?:whereas|while|but)\s+", re.IGNORECASE)
POPULATION_IN_COUNT = re.compile(
    r"\d+\s+(?P<np>(?:[a-z-]+\s+)?(?:responders|non-?responders|survivors|recipients))", re.IGNORECASE)
# A passive relation, the outcome first: "OS was negatively affected by nodal metastases (P = .01)".
PASSIVE_BY = re.compile(
    r"^(?P<y>[^,;()]{2,80}?)\s+(?:was|were)\s+(?:also\s+)?(?:significantly\s+|independently\s+)?"
    r"(?P<adverb>negatively|positively|adversely|favou?rably|strongly|significantly)?\s*"
    r"(?P<verb>affected|influenced|reduced|increased|improved|decreased|lowered|prolonged|shortened|"
    r"worsened|impaired|predicted|determined)\s+by\s+(?P<x>.+?)\s*\.?$",
    re.IGNORECASE,
)
# One group's outcome against another's: "the 5-year survival of women was better than that of men".
OF_GROUP_THAN = re.compile(
    r"^(?P<y>[^,;()]{2,80}?)\s+(?:of|in|among|for)\s+(?:the\s+)?(?P<x>[^,;()]{1,50}?)\s+(?:was|were)\s+"
    r"(?:significantly\s+|also\s+|\w+ly\s+)?(?P<word>better|worse|higher|lower|longer|shorter|greater|poorer|"
    r"superior|inferior|smaller|larger)\s+than\s+(?:that|those)\s+(?:of|in|among|for)\s+",
    re.IGNORECASE,
)

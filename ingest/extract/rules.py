"""The registry of extraction rules: every pattern that can produce a statistic or a finding, by name.

Each extracted statistic and finding records the rule that produced it
(``found_by``), in the JSON of ``kg extract`` and as ``ckg:foundBy`` in the
graph, so ``kg eval-extraction`` can print the precision of each rule and a
rule that hurts shows up. A rule states its purpose, the order it runs in
(statistics claim characters in that order, so a lower order wins a span;
finding rules are tried in that order within a clause and the first that reads
the clause wins), and example strings: the positive ones must be read by that
rule, the negative ones must not. ``tests/test_extract_rules.py`` runs every
example, so the registry cannot drift from the code.

The examples are written in the forms real abstracts use (the development
split of the corpus), never sentences of the seed study.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Rule:
    """One named extraction rule with its purpose, order and example strings."""

    name: str
    kind: Literal["statistic", "finding"]
    order: int
    purpose: str
    positive: tuple[str, ...]
    negative: tuple[str, ...]


_RULES = (
    # --- statistics: claimed in this order ---------------------------------------------------------
    Rule("p-value", "statistic", 10, "P-values with any operator, spelt or Unicode, and their lists",
         ("The difference was significant (P = .02).", "Response was lower (p<0.001).",
          "Survival differed (P ≤ 0·05).", "Rates were similar (P = 0.6 and 0.3, respectively)."),
         ("Patients received 5 mg per day.", "Group P had 20 patients.")),
    Rule("effect-size", "statistic", 20, "ratios and differences (HR, OR, RR, IRR, mean differences) with a CI",
         ("Risk fell (HR 0.45; 95% CI 0.28-0.73).", "Odds were higher (odds ratio 2.1, 95% CI 1.2 to 3.4).",
          "Incidence was lower (RR 0.66 CI 95%: 0.43 to 1.03)."),
         ("Twelve patients had a response.", "The hazard was estimated by Cox models.")),
    Rule("median", "statistic", 30, "medians with their unit and range, IQR or CI",
         ("The median follow-up was 17 months (range, 1-39).",),
         ("The mean age was 61 years.",)),
    Rule("count-of-total-percent", "statistic", 40, "a count out of a total with its percentage",
         ("Infection occurred in 41/190 [22%] women.", "Failure was seen in 5 of 86 (5.9%) patients."),
         ("Response was 40%.",)),
    Rule("percent-count-of-total", "statistic", 41, "a percentage first, then the count and total",
         ("Macrosomia was 11.2% (38/339) in the SC group.", "Completion was 48.7% of enrollees (459/943)."),
         ("Response was 40% at week 4.",)),
    Rule("count-noun-percent", "statistic", 42, "a count, a noun or a few words, then the percentage",
         ("Then 9 children (30%) improved.", "Only 6 patients (17%) were reintubated."),
         ("The rate was 30% in children.",)),
    Rule("count-percent", "statistic", 43, "a count directly followed by its percentage in brackets",
         ("Of them, 106 (61%) preferred the tablet.", "Progression was seen in 20 (14%) vs. 34 (24%)."),
         ("The rate was 61% at one year.",)),
    Rule("percent-list", "statistic", 50, "a list of numbers that share one trailing % sign",
         ("Rates were 35 and 6%, respectively.",),
         ("Rates were 35% and 6%.",)),
    Rule("percent", "statistic", 51, "any other percentage (not the level of a CI)",
         ("The overall infection rate was 21%.",),
         ("The 95% CI was wide.",)),
    Rule("sample-size", "statistic", 60, "the number of people, cases or samples in digits, or n = N",
         ("We enrolled 216 patients.", "The control group (n = 16) received saline."),
         ("The dose was 216 mg.",)),
    Rule("sample-size-words", "statistic", 61, "the number of people written in words",
         ("Sixty consenting adults were randomised.",),
         ("Sixty days later the trial ended.",)),
    # --- findings: tried in this order within a clause ---------------------------------------------
    Rule("null-subject", "finding", 100, '"no X predicted / was associated with Y": no effect',
         ("No baseline factor predicted relapse.",),
         ("Age predicted relapse (P = .01).",)),
    Rule("null-verb", "finding", 110, '"X was not associated with / did not affect Y": no effect',
         ("Smoking was not associated with mortality (P = 0.4).",),
         ("Smoking was associated with mortality (P = 0.01).",)),
    Rule("null-differ-by", "finding", 111, '"Y did not differ between patients with and without X": no effect',
         ("Mortality did not differ between patients with and without diabetes (P = 0.5).",),
         ("Mortality was higher in patients with diabetes (P = 0.01).",)),
    Rule("outcome-comparative-for", "finding", 120, '"Y was higher/shorter in (patients with) X": outcome first',
         ("Mortality was higher in patients with diabetes (P = 0.01).",),
         ("Mortality was 12% in the whole cohort.",)),
    Rule("had-comparative", "finding", 130, '"patients with X had lower/longer Y": exposure first',
         ("Patients with anaemia had longer hospital stay (P = 0.02).",),
         ("Patients with anaemia were older.",)),
    Rule("risk-factor-for", "finding", 140, '"X was a risk factor for Y": X increases Y',
         ("Female gender was a risk factor for catheter failure (P < 0.01).",),
         ("Risk factors were collected at baseline.",)),
    Rule("predictor-of", "finding", 141, '"X predicted / was a predictor of Y"',
         ("Insulin level was an independent predictor of progression (P = 0.03).",),
         ("We aimed to identify predictors of progression.",)),
    Rule("associated-with", "finding", 142, '"X was associated with Y", direction from the words or the effect size',
         ("Obesity was associated with higher mortality (OR 2.1, 95% CI 1.2-3.4).",),
         ("Obesity is common in adults.",)),
    Rule("effect-verb", "finding", 143, '"X reduced / improved / increased Y"',
         ("Vitamin A reduced anaemia prevalence (P < 0.01).",),
         ("Vitamin A was given once.",)),
    Rule("occurrence-respectively", "finding", 200, '"X and Y occurred in a% and b%, respectively"',
         ("Diarrhoea and neutropenia were observed in 7% and 5%, respectively.",),
         ("Diarrhoea was observed in 7% of patients and neutropenia in some.",)),
    Rule("occurrence-count-then-event", "finding", 210, '"n (p%) had / developed / achieved X"',
         ("Overall, 12 (40%) developed pneumonia.",),
         ("Pneumonia is a frequent complication.",)),
    Rule("occurrence-event-then-count", "finding", 211, '"X occurred in n (p%)", "the X rate was p%"',
         ("The response rate was 45%.", "Sore throat occurred in 30 (75%) patients."),
         ("Sore throat is frequent after surgery.",)),
    Rule("occurrence-elliptic", "finding", 212, '"X was observed in a (p%) and Y in b (q%)": Y shares the verb',
         ("Fever was observed in 6 (11%) and rash in 5 (9%) patients.",),
         ("Fever was observed in 6 (11%) patients.",)),
)

RULES: dict[str, Rule] = {rule.name: rule for rule in sorted(_RULES, key=lambda r: r.order)}
"""Every extraction rule by name, in the order they run."""


def rule(name: str) -> Rule:
    """The rule called ``name`` (``KeyError`` for a name the registry does not know)."""
    return RULES[name]

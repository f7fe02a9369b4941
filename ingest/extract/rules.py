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
          "Incidence was lower (RR 0.66 CI 95%: 0.43 to 1.03).",
          "Death was more common (odds ratio [OR], 2.40; 95% confidence interval [CI], 1.30-4.45).",
          "Relapse rose (hazard ratio 1.8, 95% C.I. 1.1–2.9).", "Uptake rose (RR1.12, CI 0.97–1.31).",
          "Grade predicted death (HR = 4, 95%CI of HR = 1.5-11.0).", "Risk fell (HR 0.50; 99% CI 0.30-0.80).",
          "Risk rose (OR 1.53, 1.39-1.69).", "Pain fell (MD -2.1 [-3.4 to -0.8]).",
          "Mood rose (ES = 0.15, −0.21 to 0.52).", "Risk fell (HR 0.50, 95% CI from 0.30 to 0.80).",
          "Risk fell (HR 0.70; 95% CrI 0.50-0.90).", "The OR was 1.6 with a 95% CI of 1.1 to 2.3."),
         ("Twelve patients had a response.", "The hazard was estimated by Cox models.",
          "Group MD 12 received saline.", "Heart rate (HR) was 72 (65-80) beats/min.")),
    Rule("estimate-before-ci", "statistic", 32,
         "an estimate whose CI words follow it, named as a ratio or difference a few words before",
         ("The mean difference was 1.9 (95% CI 0.7 to 3.2).", "Weight fell by 6.4 kg (95% CI -9.4 to -3.4).",
          "Preterm delivery fell (0.62, 95% CI: 0.43-0.89).",
          "Peak pressure changed by -21.5 % (95 % CI: -30.2 to –12.8 %).",
          "Nitrate was 8.1 μmol greater with the juice vs. placebo (95% CI, 1.2, 15.0).",
          "Uptake rose by +5.2 ml.min−1kg−1, 95% CI, 1.1, 9.3.", "The treatment effect was 0.35 (95% CI 0.10 to 0.60).",
          "Length fell (estimate −0.021 units, 95% CI −0.038; 0.004).",
          "Length of stay was 1.5 days shorter (95% CI 0.5 to 2.5)."),
         ("Prevalence was 48.5% (95% CI 42.3 to 54.8).", "The mean difference was 9.9 (95% CI 0.7 to 3.2).",
          "Prevalence was higher in women (48.5%, 95% CI 42.3 to 54.8).",
          "Pain was lower in arm A (arm A =140.2 (95% CI 120.4-160.0), arm B 180.5 (160.1 - 200.9)).",
          "Pressure was 118.0 mmHg (SD: 5.9) vs. 124.1 mmHg (SD: 6.3); 95% CI 3.1–8.8.")),
    Rule("estimate-bracket-pair", "statistic", 33,
         "an estimate followed by its interval in brackets, after a CI or ratio was named in the sentence",
         ("Mean differences (95% CI) were 0.2 (-0.4, 0.9) and -0.8 (-1.6, -0.01).",
          "The hazard of relapse was 2.2 [1.3-3.6] in smokers."),
         ("The median stay was 9 days (7-14).", "Means (95% CI) were 162.8 (137.4-188.3) and 197.0 (172.4-221.7).")),
    Rule("median", "statistic", 30, "medians with their unit and range, IQR or CI",
         ("The median follow-up was 17 months (range, 1-39).",),
         ("The mean age was 61 years.",)),
    Rule("count-of-total-percent", "statistic", 40, "a count out of a total with its percentage",
         ("Infection occurred in 41/190 [22%] women.", "Failure was seen in 5 of 86 (5.9%) patients."),
         ("Response was 40%.",)),
    Rule("percent-count-of-total", "statistic", 41, "a percentage first, then the count and total",
         ("Macrosomia was 11.2% (38/339) in the SC group.", "Completion was 48.7% of enrollees (459/943)."),
         ("Response was 40% at week 4.",)),
    Rule("count-comma-percent", "statistic", 44, 'a count and its percentage separated by a comma ("n = 71, 69%")',
         ("Most were male (n = 447, 68.6%).", "Most were female (152/195, 77.9%).", "Most were male (68.6%, n = 447).",
          "Atrophy was rarer after early surgery (n=4 of 70, 6%)."),
         ("The rate in the surgery group (38.6%, n = 88) was lower.",)),
    Rule("percent-words-count", "statistic", 45, 'a percentage in words with its count ("Eighty percent (n = 1066)")',
         ("Eighty percent (n = 1,066) completed follow-up.",),
         ("Eighty patients completed follow-up.",)),
    Rule("count-noun-percent", "statistic", 42, "a count, a noun or a few words, then the percentage",
         ("Then 9 children (30%) improved.", "Only 6 patients (17%) were reintubated.",
          "Of 117 screened, 77 of them (66%) enrolled.", "Relapse occurred in 71 children with leukaemia (69%)."),
         ("The rate was 30% in children.",)),
    Rule("count-percent", "statistic", 43, "a count directly followed by its percentage in brackets",
         ("Of them, 106 (61%) preferred the tablet.", "Progression was seen in 20 (14%) vs. 34 (24%).",
          "Of them, 71 (69%; 95% CI 60-78) relapsed.", "Of them, 71 (69 per cent) relapsed."),
         ("The rate was 61% at one year.", "At week 12 (69%) most had responded.")),
    Rule("percent-list", "statistic", 50, "a list of numbers that share one trailing % sign",
         ("Rates were 35 and 6%, respectively.",),
         ("Rates were 35% and 6%.",)),
    Rule("percent", "statistic", 51, "any other percentage (not the level of a CI)",
         ("The overall infection rate was 21%.",),
         ("The 95% CI was wide.",)),
    Rule("sample-size", "statistic", 60, "the number of people, cases or samples in digits, or n = N",
         ("We enrolled 216 patients.", "The control group (n = 16) received saline.",
          "A total of 38 204 patients were treated.", "We studied 212 knees.", "Of 3,140 screenees, few had cancer."),
         ("The dose was 216 mg.", "Cases seen between 2003 and 2004 were included.",
          "Atrophy occurred (n=4 of 70, 6%).")),
    Rule("sample-size-words", "statistic", 61, "the number of people written in words",
         ("Sixty consenting adults were randomised.", "One thousand three hundred twelve patients had fractures.",
          "Forty-two were randomly assigned to each arm."),
         ("Sixty days later the trial ended.",)),
    # --- findings: tried in this order within a clause ---------------------------------------------
    Rule("null-verb", "finding", 110,
         '"X was not associated with / did not affect Y", "no X predicted Y": no effect',
         ("Smoking was not associated with mortality (P = 0.4).", "No baseline factor predicted relapse."),
         ("Smoking was associated with mortality (P = 0.01).",)),
    Rule("null-differ-by", "finding", 111, '"Y did not differ between patients with and without X": no effect',
         ("Mortality did not differ between patients with and without diabetes (P = 0.5).",),
         ("Mortality was higher in patients with diabetes (P = 0.01).",
          "Enrollment did not differ by treatment group, gender, or baseline smoking.")),
    Rule("outcome-comparative-for", "finding", 120, '"Y was higher/shorter in (patients with) X": outcome first',
         ("Mortality was higher in patients with diabetes (P = 0.01).",
          "Recovery time was longer in the placebo than in the iron arm (P = 0.02).",
          "Cardiac output was higher using high-flow oxygen (P = 0.04).",
          "The risk of relapse was 0.6-fold less in the vaccine group than in the placebo group (P = 0.01).",
          "Pain relief was greater with acupuncture as compared to sham (P = 0.03)."),
         ("Mortality was 12% in the whole cohort.",)),
    Rule("had-comparative", "finding", 130, '"patients with X had lower/longer Y": exposure first',
         ("Patients with anaemia had longer hospital stay (P = 0.02).",),
         ("Patients with anaemia were older.",)),
    Rule("risk-factor-for", "finding", 140, '"X was a risk factor for Y": X increases Y',
         ("Female gender was a risk factor for catheter failure (P < 0.01).",),
         ("Risk factors were collected at baseline.",)),
    Rule("predictor-of", "finding", 141, '"X predicted / was a predictor of Y"',
         ("Insulin level was an independent predictor of progression (P = 0.03).",
          "Age, sex, and alcohol intake were identified as independent predictors for polyps (P < .01)."),
         ("We aimed to identify predictors of progression.",)),
    Rule("passive-by", "finding", 135, '"Y was (negatively) affected / reduced by X": X is the subject',
         ("Overall survival was negatively affected by nodal metastases (P = .02) and vascular invasion (P = .03).",
          "Pain was reduced by early mobilisation (P = 0.01)."),
         ("Samples were collected by trained nurses.", "Consent was given by all parents.")),
    Rule("outcome-of-group-than", "finding", 136, '"Y of group A was better than that of group B"',
         ("The 5-year survival of women was better than that of men (80% vs 71%, P < .001).",),
         ("The survival of women was 80%.",)),
    Rule("associated-with", "finding", 142, '"X was associated with Y", direction from the words or the effect size',
         ("Obesity was associated with higher mortality (OR 2.1, 95% CI 1.2-3.4).",),
         ("Obesity is common in adults.", "Transfusion risks have resulted in wider use of low thresholds.",
          "Of the 300 scans reviewed, 40 were associated with artefacts.")),
    Rule("effect-verb", "finding", 143, '"X reduced / improved / increased Y"',
         ("Vitamin A reduced anaemia prevalence (P < 0.01).",),
         ("Vitamin A was given once.", "Low albumin (p = 0.006) was related with prolonged admission.")),
    Rule("no-significant-difference", "finding", 150,
         '"no significant difference in Y (between X and Z)": X, or the title\'s intervention, has no effect on Y',
         ("There was no significant difference in pain scores between acupuncture and sham (P = 0.4).",
          "There was no association between smoking and relapse (P = 0.3).",
          "We found no significant differences in infection rates between surgery and stenting.",
          "There was no evidence of a difference in uptake between texting and leaflets (P = 0.36)."),
         ("Infection rates were lower with acupuncture (P = 0.01).",
          "There was no significant difference in age between groups at baseline.")),
    Rule("outcome-did-not-differ", "finding", 151,
         '"Y did not differ / was similar between X and Z": no effect',
         ("Mortality did not differ between citrate and heparin (P = 0.8).",
          "Length of stay was similar between surgery and stenting."),
         ("Mortality differed between citrate and heparin (P = 0.01).",
          "Mean age did not differ between the groups at baseline.")),
    Rule("outcome-changed-in-arm", "finding", 152,
         '"Y improved / decreased (significantly) in the X group": X changes Y',
         ("Pain scores decreased significantly in the exercise group (P = 0.01).",),
         ("Pain scores decreased in both groups.",)),
    Rule("arm-had-comparative", "finding", 153,
         '"the X group had a lower / higher Y (than ...)", each listed outcome with its own P-value',
         ("The exercise group had lower pain scores (P = 0.01) and better function (P = 0.02) than controls.",
          "During surgery, group I received more fluid than group C (P < 0.001)."),
         ("The analysis had lower power than planned.",)),
    Rule("arm-more-likely", "finding", 154, '"X were more / less likely to Y": X increases / decreases Y',
         ("Children in the intervention areas were more likely to receive antibiotics (RR 3.5, 95% CI 1.8-7.0).",),
         ("Children were enrolled if they were likely to return.",)),
    Rule("in-favour-of", "finding", 155,
         '"significant differences were found for A (P), B (P) ... in favour of X": X increases each listed outcome',
         ("Significant differences were noted for mobility (p=0.01) and mood (p=0.02), in favour of daily walking.",),
         ("Differences in mobility were small.",)),
    Rule("numbers-by-arm", "finding", 156,
         '"Y was a% in the X group and b% in the Z group (P)": direction from the numbers unless P says none',
         ("Response was 49% in the surgery group and 28% in the control group (P = 0.01).",
          "Relapse rates were 22% and 50% in surgery and stenting patients, respectively (P = 0.02).",
          "Falls were 11% in the exercise group compared to 18% in the control group (RR 0.64, 95% CI 0.44-0.93).",
          "At one year, PFS was 10.3 months in the A arm and 9.3 months in the B arm (p = 0.78), "
          "the median OS was 30.7 months in the A arm and 16.6 months in the B arm (p = 0.16)."),
         ("Response was 49% in the surgery group and 28% in the control group.",
          "Falls were 11% in the exercise group and 18% in the control group (RR 0.64, 95% CI 0.44-0.93, P = 0.02; "
          "P = 0.04 for trend).")),
    Rule("significant-effect-of", "finding", 157,
         '"a significant effect of X on (increased) Y": X increases (or decreases) Y',
         ("There was a significant effect of the reminder on increased attendance (OR 1.9, 95% CI 1.1-3.3).",),
         ("There was no significant effect of the reminder on attendance.",)),
    Rule("outcome-in-arm-comparative", "finding", 158,
         '"Y for X was higher / lower than (for) Z": X increases / decreases Y',
         ("Cure rates for artesunate were higher than for quinine (P = 0.002).",),
         ("Cure rates were high in all arms.",)),
    Rule("times-greater", "finding", 159,
         '"the hazard for Y was 8.4 times greater (P) for patients with X": X increases Y, each X with its P',
         ("The hazard for readmission was 3.2 times greater (P = 0.001) for patients with poor function.",),
         ("Readmission took three times longer to record.",)),
    Rule("significant-change-in-arm", "finding", 160,
         '"significant decreases of A (P), B (P) and C (P) in the X group": X decreases each',
         ("We saw significant decreases of blood pressure (p = 0.03) and LDL (p = 0.04) in the coaching group.",),
         ("We saw significant decreases of blood pressure over time.",)),
    Rule("comparative-first", "finding", 161,
         '"Reduced Y was observed in the X group", "a higher proportion of those receiving X had Y", '
         '"more X than Z participants Y": X changes Y in the direction of the comparative',
         ("Reduced rate of wound infection (12% vs 30%; p = 0.01) was observed in the drain group compared to "
          "controls.",
          "A higher proportion of people allocated to methadone provided a clean sample compared with those who "
          "received placebo (21% vs 3%, p = 0.03).",
          "Significantly more diet than control participants lost 5% of their weight (54% vs 14%, P < 0.001)."),
         ("Higher doses were given in the first week.",
          "Reduced rate of wound infection was observed in the control group compared to the drain group.",
          "More women than men were enrolled.")),
    Rule("compared-first", "finding", 162,
         '"Compared with placebo, Y was shorter (P)": the arm the clause names, or the title\'s intervention against '
         'its control, changes Y in the direction of the comparative',
         ("In children given zinc compared to placebo, mean villous height was 24.0% greater (P = 0.006).",
          "Among patients treated with zinc compared with placebo, recovery time was shorter (P = 0.01)."),
         ("Compared with the first visit, the second was shorter.",
          "Compared to baseline, weight was lower at week 12 (P = 0.01).")),
    Rule("similar-outcome", "finding", 163, '"X showed similar Y as Z": X has no effect on each listed Y',
         ("The XELIRI regimen showed similar PFS and OS compared to the FOLFIRI regimen.",
          "Iron polymaltose offers comparable efficacy to ferrous sulfate."),
         ("The two arms were similar at baseline.", "Placebo showed similar pain scores to zinc.",
          "Patients with severe pain had similar long-term outcomes compared with patients without.")),
    Rule("superior-to", "finding", 164,
         '"X was superior to Z in reducing Y": X decreases Y (increases it for "improving"; "inferior" reverses)',
         ("Zinc was superior to placebo in reducing fever duration (P = 0.02).",
          "Surgery was more effective than stenting for pain relief (P = 0.01)."),
         ("Zinc was superior to placebo (P = 0.02).", "The new test was better than we expected in most cases.")),
    Rule("recovered-faster", "finding", 165,
         '"Patients receiving X recovered (from Y) significantly faster": X increases that recovery',
         ("Women with NASGs recovered from shock significantly faster (HR 1.25, 95% CI 1.02-1.52, p = 0.03).",
          "Patients receiving zinc recovered faster than those receiving placebo (P = 0.02)."),
         ("Patients recovered within a week.", "Patients in the placebo group recovered faster (P = 0.02).")),
    Rule("correlation-between", "finding", 149,
         '"a negative correlation between X and Y in group A (P), but not in group B (P)"',
         ("There was a negative correlation between CSF protein and ventilation time in the PE group (p = 0.03), "
          "but not in the IVIG group (p = 0.13).",),
         ("There was no correlation between CSF protein and ventilation time.",)),
    Rule("statistic-anchored", "finding", 190,
         "a clause with a P-value or an effect size that no worded rule read: the outcome printed before the "
         "statistic or opening the clause, the arm the clause names (the tested one first), direction from "
         "comparative words, the effect size, or a non-significant P-value",
         ("Serum ferritin fell to 21 in the zinc group compared with 30 in the placebo group (P = 0.01).",
          "On the behaviour scale, sensory awareness significantly improved (p = 0.04) in the treatment group "
          "compared to the control group.",
          "The overall cost for the counselling group was higher ($1,574 vs. $1,534, p = 0.021).",
          "Older smokers had thicker plaques (P = .002) and more often had calcified lesions (P < .001) than "
          "younger smokers.",
          "Those given the booklet needed more clinic visits (5 vs 3; p = 0.01), had fewer admissions (2% vs 9%; "
          "p = 0.03) and had a shorter stay (p = 0.04)."),
         ("Serum ferritin was measured in all children (P = 0.01).",
          "Relapse was seen in 12% of patients (95% CI 8 to 16).",
          "The mean age was 63 years in the zinc group and 62 years in the placebo group (p = 0.33).",
          "Urinary sodium was measured after 12 months in the smokers (p = 0.04).",
          "Older smokers had their plaques measured (P = .002).")),
    Rule("anchored-relation", "finding", 191,
         "factors and the outcome a relation verb names in a sentence no worded rule read: each factor of a list "
         "with its own ratio and P-value before the verb, or one factor before 'was the only predictor of' with "
         "its statistics after the outcome, or one factor with a signed correlation to a list of outcomes each "
         "with its own statistics; the factor and outcome are the noun-phrase chunks either side, the direction "
         "the sign the verb states, a comparative before the outcome, else the factor's ratio",
         ("Albumin (OR 0.81, 95% CI 0.70-0.94, p = 0.006) and CRP (OR 1.12, 95% CI 1.03-1.22, p = 0.01) were "
          "related with prolonged admission.",
          "On multivariable analysis, prior stroke was the only predictor of in-hospital death (relative risk "
          "3.10, 95% CI 1.20-8.00, p = 0.02).",
          "Lactate on admission had a negative correlation with cord pH (r = -0.22, p = 0.04) and Apgar score "
          "(r = -0.31, p = 0.01)."),
         ("Albumin (p = 0.006) and CRP (p = 0.01) were related with prolonged admission.",
          "Prior stroke was the only predictor of in-hospital death.",
          "Lactate on admission had a correlation with cord pH (r = -0.22, p = 0.04).")),
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

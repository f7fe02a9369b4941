"""Rule-based extraction of cohort findings from abstracts, driven by the SKOS vocabulary.

One module per step: ``concepts`` (vocabulary recognition), ``statistics``
(P-values, counts, rates, ratios, medians, sizes), ``sentences`` (splitting),
``findings``, ``phrases`` and ``occurrence`` (sentences -> findings), ``pipeline`` (one
abstract -> records), ``report`` (the JSON of ``kg extract``), ``evaluate``
(precision/recall against a gold file), ``pubmed_xml`` (a minimal reader).
"""

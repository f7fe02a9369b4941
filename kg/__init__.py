"""cohort-kg: cohort-study findings and their literature in one RDF graph.

``kg`` is the ground floor (model, identifiers, RDF mapping, store, queries,
validation); ``ingest`` builds on it and never the other way round.
"""

__version__ = "0.1.0"

"""Ingestors: one module per source, each turning its input into plain ``kg.model`` records.

They build on ``kg`` and register with the CLI through entry points
(``cohort_kg.sources`` and ``cohort_kg.commands`` in ``pyproject.toml``).
"""

"""Where the project's own data files live: package resources of ``kg``, read with ``importlib.resources``.

The ontology, vocabulary, shapes and seed tables are curator-editable files kept
at the top of the repository (``ontology/``, ``data/seed/``) as their single
source. The build maps them into the package (``kg/ontology``, ``kg/seed``, see
``[tool.setuptools.package-dir]`` in ``pyproject.toml``), so an installed wheel
carries them and works from any directory. A source checkout (an editable
install, the tests) has no such folders inside ``kg/``: there the same files are
read where curators edit them, so an edit takes effect without reinstalling.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _resource_dir(name: str, checkout_dir: str) -> Path:
    """The packaged folder ``kg/<name>`` if the package carries it, else the checkout's folder.

    pip unpacks a wheel into plain files, so the resource is a real ``Path``
    (rdflib, pyoxigraph and Streamlit all want file paths, not open streams).
    """
    packaged = files("kg").joinpath(name)
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return _CHECKOUT / checkout_dir


ONTOLOGY_DIR = _resource_dir("ontology", "ontology")
"""``cohort-kg.ttl`` (the ontology), ``vocabulary.ttl`` (SKOS concepts) and ``shapes.ttl`` (SHACL)."""

SEED_DIR = _resource_dir("seed", "data/seed")
"""The curated tables ``kg build`` loads: ``*-bibliography.csv`` and ``*-findings.csv``."""

QUERY_DIR = _resource_dir("queries", "kg/queries")
"""The named SPARQL queries of the catalog (``*.rq``)."""

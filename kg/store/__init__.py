"""Where the graph lives: one interface, an embedded backend and a remote one.

``kg.store.interface`` defines the ``Store`` every face uses and the types the
backends share; ``kg.store.embedded`` is pyoxigraph on disk or in memory (the
default); ``kg.store.remote`` is any SPARQL 1.1 server named by an ``http(s)://``
URL; ``kg.store.load`` loads RDF files so that a failure leaves the store as it
was; ``kg.store.locate`` turns ``--store`` / ``KG_STORE`` into an open store.
The names below are the package's public surface.
"""

from kg.store.embedded import OxigraphStore, dataset_options, native_query
from kg.store.interface import (
    FORMATS,
    QUAD_FORMATS,
    QueryResult,
    Store,
    Triple,
    from_ox,
    one_line,
    python_value,
    rdf_format,
    to_ox,
    triples_to_ntriples,
)
from kg.store.locate import DEFAULT_STORE, open_store, resolve_store_spec

__all__ = [
    "DEFAULT_STORE",
    "FORMATS",
    "QUAD_FORMATS",
    "OxigraphStore",
    "QueryResult",
    "Store",
    "Triple",
    "dataset_options",
    "from_ox",
    "native_query",
    "one_line",
    "open_store",
    "python_value",
    "rdf_format",
    "resolve_store_spec",
    "to_ox",
    "triples_to_ntriples",
]

"""The Publications page with publication IRIs that are not http(s) URLs (``urn:``, ``tag:``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO_ROOT
from rdflib import Literal, URIRef
from streamlit.testing.v1 import AppTest

from kg import namespaces as ns
from kg.counts import refresh_derived
from kg.store import OxigraphStore

APP = str(REPO_ROOT / "app.py")
ODD = {"urn:isbn:9780000000001": "A book known by its ISBN", "tag:example.org,2026:paper-7": "A tagged paper"}


@pytest.fixture(scope="module")
def odd_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("odd") / "store"
    store = OxigraphStore(location)
    triples = []
    for iri, title in ODD.items():
        triples += [(URIRef(iri), ns.RDF.type, ns.BIBO.Document), (URIRef(iri), ns.DCTERMS.title, Literal(title))]
    store.replace_graphs({"https://w3id.org/cohort-kg/graph/test/odd": triples})
    refresh_derived(store)
    store.close()
    return location


@pytest.mark.parametrize("iri", list(ODD))
def test_publication_without_double_slash_shows_its_detail(monkeypatch, odd_store, iri):
    monkeypatch.setenv("KG_STORE", str(odd_store))
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page("explorer/pages/publications.py").run()
    assert not app.exception, app.exception
    app.selectbox(key="p_chosen").set_value(iri).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert ODD[iri] in [s.value for s in app.subheader]


def test_a_query_error_on_the_detail_is_an_error_box(monkeypatch, odd_store):
    from explorer import data
    from kg.errors import InputError

    monkeypatch.setenv("KG_STORE", str(odd_store))
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.switch_page("explorer/pages/publications.py").run()
    real = data.named

    def failing(name: str, **params: str) -> object:
        if params:  # the detail's queries are the ones bound to a publication
            raise InputError("not an IRI, prefixed name or concept slug: 'x'")
        return real(name, **params)

    monkeypatch.setattr(data, "named", failing)
    app.selectbox(key="p_chosen").set_value(next(iter(ODD))).run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == [
        "Cannot show this publication: not an IRI, prefixed name or concept slug: 'x'"]

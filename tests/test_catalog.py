"""The competency questions, answered on the graph `kg build` makes from the bundled data."""

from decimal import Decimal

import pytest

from kg.errors import InputError
from kg.queries import catalog, run_named

STUDY_TITLE = "Correlates of Resistance and Relapse During Blinatumomab Therapy"


def local(value: str) -> str:
    return value.rsplit("/", 1)[-1]


def test_risk_factors_predicting_lower_cr(seed_store):
    rows = run_named(seed_store, "risk-factors-for-outcome").values()
    got = {(local(r["riskFactor"]), r["directionName"], str(r["pValue"])) for r in rows}
    assert got == {
        ("bone-marrow-blasts-over-50", "Decreases", "0.02"),
        ("prior-extramedullary-disease", "Decreases", "0.005"),
        ("active-extramedullary-disease", "Decreases", "0.05"),
    }
    assert [r["pValue"] for r in rows] == sorted(r["pValue"] for r in rows)


def test_risk_factors_for_an_increase_in_cr_is_empty(seed_store):
    assert run_named(seed_store, "risk-factors-for-outcome", {"direction": "ckg:Increases"}).rows == []


def test_resistance_phenotypes_by_subgroup(seed_store):
    rows = run_named(seed_store, "resistance-phenotypes").values()
    got = {(local(r["phenotype"]), r["subgroup"], r["count"], r["denominator"], str(r["percentage"])) for r in rows}
    assert got == {
        ("extramedullary-relapse", "refractory", 13, None, "41"),
        ("cd19-negative", "refractory", None, None, "18"),
        ("cd19-dim", "refractory", None, None, "23"),
        ("extramedullary-relapse", "responders who relapsed", 8, 20, "40"),
        ("cd19-negative", "responders who relapsed (evaluable)", None, None, "35"),
        ("cd19-dim", "responders who relapsed (evaluable)", None, None, "6"),
    }


def test_publications_citing_the_study(seed_store):
    rows = run_named(seed_store, "citing-publications").values()
    assert {(r["pmid"], r["year"], r["doi"], r["pmcid"]) for r in rows} == {
        ("40075627", 2025, "10.3390/cancers17050779", "PMC11899621"),
        ("39995843", 2025, "10.3389/fonc.2025.1548446", "PMC11847677"),
        ("39800374", 2025, "10.1136/jitc-2024-010331", "PMC11749218"),
        ("39692275", 2024, "10.1002/cam4.70515", "PMC11653214"),
        ("39386214", 2024, "10.3389/fimmu.2024.1423487", "PMC11461246"),
    }
    assert all(r["studyTitle"].startswith(STUDY_TITLE) for r in rows)
    assert [r["year"] for r in rows] == sorted((r["year"] for r in rows), reverse=True)


def test_risk_factors_for_extramedullary_relapse(seed_store):
    rows = run_named(seed_store, "risk-factors-for-phenotype").values()
    got = {(local(r["riskFactor"]), r["directionName"], Decimal(str(r["pValue"]))) for r in rows}
    assert got == {
        ("cd19-moderate-strong-expression", "Increases", Decimal("0.01")),
        ("prior-extramedullary-disease", "Increases", Decimal("0.04")),
    }


@pytest.mark.parametrize("term", ["EM-ALL", "extramedullary disease", "em-all", "extramedullary-disease"])
def test_concept_by_any_label(seed_store, term):
    rows = run_named(seed_store, "concept", {"term": term}).values()
    assert {local(r["concept"]) for r in rows} == {"extramedullary-disease"}
    p_values = {str(r["pValue"]) for r in rows if r["pValue"] is not None}
    assert {"0.005", "0.05", "0.01", "0.04"} <= p_values


def test_concept_by_code(seed_store):
    rows = run_named(seed_store, "concept", {"term": "NCIT:C62528"}).values()
    assert {local(r["concept"]) for r in rows} == {"blinatumomab"}
    assert {r["role"] for r in rows} >= {"cohort"}


def test_unknown_query_and_parameter():
    with pytest.raises(InputError, match="unknown query 'nope'"):
        from kg.queries import get_query

        get_query("nope")


def test_unknown_parameter_is_refused(seed_store):
    with pytest.raises(InputError, match="has no parameter 'colour'"):
        run_named(seed_store, "citing-publications", {"colour": "red"})


def test_every_catalog_query_runs_and_is_documented(seed_store):
    for query in catalog().values():
        assert query.title and query.title != query.name
        result = seed_store.query(query.text)
        assert result.variables

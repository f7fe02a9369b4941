"""Benchmark of reading a query's structure: kg.sparql_syntax against rdflib's parser, in the same run.

Not a test. Run:  .venv/bin/python bench/sparql_parse.py [--repeat 20]

For every catalog query (kg/queries/*.rq) and every W3C SPARQL 1.1 evaluation query in
../shared/fixtures/w3c-sparql11-query (when present), times:

* ``kg.sparql_syntax.analyze`` - tokens, brackets, query form, WHERE group, sub-SELECTs;
* ``rdflib parseQuery`` - rdflib's pyparsing grammar (a parse tree, no algebra);
* ``rdflib prepareQuery`` - parse tree plus the SPARQL algebra (the baseline the guard could use).

It also times each on one deeply nested query (``SELECT * WHERE {{{...}}}``, 5,000 levels) that
crashes pyoxigraph's parser: analyze refuses it at the cap, rdflib recurses until RecursionError.
Medians over ``--repeat`` runs, in milliseconds per query; one JSON line per approach follows the table.

Last, the cost of the layer itself on the query path: every catalog query (parameters at their
defaults) run through ``OxigraphStore.query`` (depth and SERVICE check, VALUES binding, rdflib terms)
against the same bound text handed to pyoxigraph directly, on the graph ``kg build`` makes of the seed data.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyoxigraph as ox
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parser import parseQuery

from kg.errors import InputError
from kg.namespaces import PREFIXES
from kg.paths import QUERY_DIR
from kg.sparql_syntax import analyze

SUITE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "w3c-sparql11-query"


def queries() -> dict[str, list[str]]:
    """Query texts by corpus: the catalog, and the W3C evaluation queries that rdflib can parse."""
    prologue = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items())
    found = {"catalog": [prologue + path.read_text(encoding="utf-8") for path in sorted(QUERY_DIR.glob("*.rq"))]}
    if SUITE.is_dir():
        texts = []
        for path in sorted(SUITE.glob("*/*.rq")):
            if path.parent.name == "syntax-query":
                continue
            text = path.read_text(encoding="utf-8")
            try:
                parseQuery(text)
                texts.append(text)
            except Exception:  # noqa: BLE001 - rdflib cannot parse it: left out of both timings
                continue
        found["w3c"] = texts
    return found


def median_ms(run: Callable[[str], object], texts: list[str], repeat: int) -> float:
    """Median over ``repeat`` passes of the mean time per query, in milliseconds."""
    passes = []
    for _ in range(repeat):
        start = time.perf_counter()
        for text in texts:
            run(text)
        passes.append((time.perf_counter() - start) / len(texts) * 1000)
    return statistics.median(passes)


def deep(run: Callable[[str], object]) -> str:
    text = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    start = time.perf_counter()
    try:
        run(text)
        outcome = "accepted"
    except InputError:
        outcome = "refused (InputError)"
    except RecursionError:
        outcome = "RecursionError"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        outcome = type(exc).__name__
    return f"{outcome} in {(time.perf_counter() - start) * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    corpora = queries()
    approaches: dict[str, Callable[[str], object]] = {
        "kg.sparql_syntax.analyze": analyze,
        "rdflib parseQuery": parseQuery,
        "rdflib prepareQuery": prepareQuery,
    }
    print(f"{'approach':<26}" + "".join(f"{name + ' (' + str(len(t)) + ')':>18}" for name, t in corpora.items())
          + "  5,000 nested braces")
    for name, run in approaches.items():
        repeat = args.repeat if name.startswith("kg") else max(1, args.repeat // 5)
        times = {corpus: median_ms(run, texts, repeat) for corpus, texts in corpora.items()}
        print(f"{name:<26}" + "".join(f"{times[c]:>15.3f} ms" for c in corpora) + f"  {deep(run)}")
        print(json.dumps({"approach": name, "ms_per_query": times}), file=sys.stderr)
    layer_overhead(args.repeat)


def layer_overhead(repeat: int) -> None:
    """Catalog queries through ``OxigraphStore.query`` against pyoxigraph alone, same store, same text."""
    import tempfile

    from ingest.build import SEED_DIR, build
    from kg.queries import catalog, prepare
    from kg.sparql import bind_values
    from kg.store import OxigraphStore

    folder = tempfile.TemporaryDirectory(prefix="kg-bench-")
    location = Path(folder.name) / "store"
    build(str(location), SEED_DIR, [])
    store = OxigraphStore(location)
    prepared = [prepare(query, {}) for query in catalog().values()]
    bound = [bind_values(text, bindings) for text, bindings in prepared]

    def engine(text: str) -> None:
        answer = store.engine.query(text, use_default_graph_as_union=True, prefixes=PREFIXES)
        if not isinstance(answer, ox.QueryBoolean):
            for _ in answer:
                pass

    def layer(index: str) -> None:
        text, bindings = prepared[int(index)]
        store.query(text, bindings)

    indices = [str(i) for i in range(len(prepared))]
    direct, through = median_ms(engine, bound, repeat), median_ms(layer, indices, repeat)
    print(f"\ncatalog queries ({len(bound)}), seed graph ({store.quad_count()} quads): pyoxigraph alone "
          f"{direct:.3f} ms, through OxigraphStore.query {through:.3f} ms per query")
    print(json.dumps({"approach": "layer overhead", "engine_ms": direct, "store_query_ms": through}),
          file=sys.stderr)
    store.close()
    folder.cleanup()


if __name__ == "__main__":
    main()

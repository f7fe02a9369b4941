"""Grammar-based fuzzing: no query text crashes the guard, ``kg query``'s code path or ``kg serve``.

Queries are generated from a small SPARQL grammar (every query form, nested groups, sub-SELECTs,
property paths, literals of every kind, Unicode names) and then mutated (tokens dropped, doubled,
swapped, glued, SERVICE spliced in, brackets nested thousands deep, bytes replaced). A fixed seed
keeps a failure reproducible. A crash of the engine would take the test process down with it,
so reaching the assertions is itself the proof that nothing segfaulted.
"""

from __future__ import annotations

import contextlib
import random
import time

import pytest
import requests
from conftest import endpoint_in_thread

from kg.cli import main
from kg.errors import InputError
from kg.guard import ReadOnlyError, check_query
from kg.output import render
from kg.serve import ServeConfig
from kg.store import OxigraphStore

COUNT = 10_000
ENDPOINT_SAMPLE = 20  # every 20th query also goes to kg serve over HTTP
TIME_LIMIT = 180.0

VARS = ["?s", "?p", "?o", "?é", "$x", "?食", "?o1"]
IRIS = ["<http://e/a>", "<http://e/SERVICE>", "ex:p", "ex:it\\'s", "食:食べる", ":x", "rdf:type", "a"]
LITERALS = ['"x"', "'y'", '"""m\nl"""', "'''z'''", '"x"@en', '"1"^^xsd:integer', "1", "1.5", "1e3", "-2",
            "true", "false", '"SERVICE <http://127.0.0.1:9/>"', '"\\u0041"']
PATHS = ["ex:p", "ex:p*", "ex:p+", "ex:p?", "^ex:p", "ex:p/ex:q", "ex:p|ex:q", "!ex:p", "(ex:p)", "a"]
SNIPPETS = ["SERVICE <http://127.0.0.1:9/> { }", ".SERVICE <http://127.0.0.1:9/> { }", "# comment\n", "}", "{",
            "(", ")", "[", "]", ".", ";", ",", "LIMIT 1", "OFFSET 2", "ORDER BY ?s", "\\", "'", '"', "<", ">",
            "INSERT DATA { <http://a> <http://b> 1 }", "LOAD <http://e/>", "\x00", "\u202e", "\ud7ff"]


def term(rng: random.Random) -> str:
    return rng.choice([*VARS, *IRIS, *LITERALS])


def triples(rng: random.Random, depth: int) -> str:
    parts = []
    for _ in range(rng.randint(0, 3)):
        kind = rng.random()
        if kind < 0.5:
            parts.append(f"{rng.choice(VARS)} {rng.choice(PATHS)} {term(rng)} .")
        elif kind < 0.6:
            parts.append(f"FILTER({rng.choice(VARS)} {rng.choice(['=', '!=', '<', '>='])} {term(rng)})")
        elif kind < 0.7:
            parts.append(f"BIND({term(rng)} AS {rng.choice(VARS)})")
        elif kind < 0.8 and depth < 4:
            parts.append(f"OPTIONAL {group(rng, depth + 1)}")
        elif kind < 0.88 and depth < 4:
            parts.append(f"{group(rng, depth + 1)} UNION {group(rng, depth + 1)}")
        elif kind < 0.94 and depth < 4:
            parts.append(f"FILTER NOT EXISTS {group(rng, depth + 1)}")
        elif depth < 4:
            parts.append(f"{{ {select(rng, depth + 1)} }}")
        else:
            parts.append(f"VALUES {rng.choice(VARS)} {{ {term(rng)} }}")
    return " ".join(parts)


def group(rng: random.Random, depth: int) -> str:
    return f"{{ {triples(rng, depth)} }}"


def select(rng: random.Random, depth: int) -> str:
    projection = rng.choice(["*", " ".join(rng.sample(VARS, 2)), f"(COUNT(*) AS {rng.choice(VARS)})"])
    tail = rng.choice(["", " LIMIT 5", " ORDER BY ?s LIMIT 2 OFFSET 1", " GROUP BY ?s"])
    return f"SELECT {projection} WHERE {group(rng, depth)}{tail}"


def generate(rng: random.Random) -> str:
    prologue = "PREFIX ex: <http://e/> PREFIX 食: <http://f/> PREFIX : <http://g/> "
    form = rng.choice([
        lambda: select(rng, 0),
        lambda: f"ASK {group(rng, 0)}",
        lambda: f"CONSTRUCT {{ ?s ?p ?o }} WHERE {group(rng, 0)}",
        lambda: "CONSTRUCT WHERE { ?s ex:p ?o }",
        lambda: f"DESCRIBE {rng.choice(VARS)} WHERE {group(rng, 0)}",
    ])()
    return prologue + form


def mutate(rng: random.Random, text: str) -> str:
    choice = rng.random()
    if choice < 0.25:
        return text
    if choice < 0.35:  # far past the depth cap: the input that crashes pyoxigraph's parser
        depth = rng.choice([250, 3000, 6000])
        opener, closer = rng.choice([("{", "}"), ("(", ")"), ("[", "]")])
        return f"SELECT * WHERE {{ FILTER({opener * depth}1{closer * depth}) }}" if opener == "(" else \
            f"SELECT * WHERE {opener * depth}{closer * depth}"
    pieces = text.split(" ")
    for _ in range(rng.randint(1, 4)):
        position = rng.randrange(len(pieces))
        operation = rng.random()
        if operation < 0.3:
            pieces.insert(position, rng.choice(SNIPPETS))
        elif operation < 0.5 and len(pieces) > 1:
            del pieces[position]
        elif operation < 0.7:
            pieces[position] += rng.choice(SNIPPETS)  # glued: ?o.SERVICE, ex:p}, 'x'@en.SERVICE
        elif operation < 0.85:
            pieces.insert(position, pieces[rng.randrange(len(pieces))])
        else:
            word = pieces[position]
            if word:
                index = rng.randrange(len(word))
                pieces[position] = word[:index] + chr(rng.randrange(1, 0x3000)) + word[index + 1 :]
    return " ".join(pieces)


@pytest.fixture(scope="module")
def endpoint():
    with endpoint_in_thread(OxigraphStore(None), ServeConfig(port=0, workers=0, timeout=10)) as url:
        yield url


@pytest.mark.slow
def test_no_query_crashes_any_face(endpoint, capsys):
    rng = random.Random(20261201)
    store = OxigraphStore(None)
    started = time.monotonic()
    counts = {"accepted": 0, "refused": 0, "service": 0, "deep": 0, "cli": 0, "http": 0}
    session = requests.Session()
    for index in range(COUNT):
        assert time.monotonic() - started < TIME_LIMIT, f"fuzzing took too long ({index} queries)"
        text = mutate(rng, generate(rng))
        deep = False
        counts_accepted_before = counts["accepted"]
        try:
            check_query(text)
            counts["accepted"] += 1
        except ReadOnlyError:
            counts["service"] += 1
        except InputError as exc:
            counts["refused"] += 1
            deep = "deeper than" in str(exc)
            counts["deep"] += deep
            assert "\n" not in str(exc)
        # kg query's code path in-process: the guard, the embedded store, the SPARQL results writer;
        # every 20th query through the whole command (argument parsing, one-line errors)
        if index % 20 == 0 and "\x00" not in text:
            capsys.readouterr()
            code = main(["query", f"{text}\n", "--store", "memory:", "--format", "json"])
            _, err = capsys.readouterr()
            assert code == 0 or (code == 1 and err.startswith("kg: error: ") and len(err.splitlines()) == 1), err
            counts["cli"] += 1
        elif not deep and counts_accepted_before < counts["accepted"]:
            with contextlib.suppress(InputError):
                render(store.query(text), "json")
        else:
            with contextlib.suppress(InputError):  # the store API itself refuses deep nesting
                store.query(text)
        if index % ENDPOINT_SAMPLE == 0 or (deep and counts["deep"] % 10 == 0):
            response = session.post(endpoint, data={"query": text}, timeout=30)
            assert response.status_code in (200, 400, 403), (response.status_code, response.text, text)
            counts["http"] += 1
    session.close()
    assert sum(counts[k] for k in ("accepted", "refused", "service")) == COUNT
    assert counts["deep"] > 500 and counts["service"] > 50 and counts["accepted"] > 1000, counts
    assert counts["cli"] >= COUNT // 25 and counts["http"] >= COUNT // ENDPOINT_SAMPLE, counts

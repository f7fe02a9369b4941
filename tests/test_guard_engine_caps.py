"""The engine caps hold at their own limits: the deepest, longest text they let through neither crashes nor hangs.

The face defaults (200 levels) sit far below the engine's limits; these tests aim at the upper end
a user can reach with ``--max-query-depth`` and at the store API's own last check. Each query runs
in a child ``kg query`` process, so a segfault shows as a return code instead of killing pytest.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from kg.errors import InputError
from kg.guard import check_query
from kg.sparql_syntax import ENGINE_MAX_BACKTRACKING_CALLS, ENGINE_MAX_DEPTH, TextLimits, check_engine_text


def nested_calls(function: str, levels: int, close: str = ")") -> str:
    """A FILTER whose expression is ``levels`` calls of ``function`` nested in one another."""
    return "SELECT * WHERE { FILTER(" + f"{function}(" * levels + "1" + close * levels + ") }"


def run_kg_query(query: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kg", "query", query, "--store", "memory:", *options],
                          capture_output=True, text=True, timeout=120)


def test_function_call_nesting_that_crashed_the_engine_is_refused():
    """950 nested COALESCE calls (depth 951, under the old engine cap of 1,000) segfaulted pyoxigraph."""
    bomb = nested_calls("COALESCE", 950)
    with pytest.raises(InputError, match="deeper than"):
        check_engine_text(bomb)
    with pytest.raises(InputError, match="deeper than"):
        check_query(bomb, TextLimits(max_depth=ENGINE_MAX_DEPTH))


WORST_ALLOWED = {  # each as deep (and as operator-heavy) as the engine caps allow
    "calls-and-unary": "SELECT * WHERE { FILTER(" + "COALESCE(!" * (ENGINE_MAX_DEPTH - 3) + "!" * 400 + "true"
                       + ")" * (ENGINE_MAX_DEPTH - 3) + ") }",
    "calls-and-binary": "SELECT * WHERE { FILTER(" + "CONCAT(1+" * (ENGINE_MAX_DEPTH - 3) + "1"
                        + ")" * (ENGINE_MAX_DEPTH - 3) + ") }",
    "exists": "SELECT * WHERE { FILTER(" + "EXISTS { FILTER(" * (ENGINE_MAX_DEPTH // 2 - 2) + "true"
              + ")}" * (ENGINE_MAX_DEPTH // 2 - 2) + ") }",
}


@pytest.mark.parametrize("name", sorted(WORST_ALLOWED))
def test_kg_query_survives_the_deepest_query_its_caps_allow(name):
    run = run_kg_query(WORST_ALLOWED[name], "--max-query-depth", str(ENGINE_MAX_DEPTH))
    assert run.returncode == 0, (run.returncode, run.stderr[-300:])
    assert re.search(r"^\(\d+ rows?\)$", run.stdout, re.MULTILINE), run.stdout[-200:]


def test_max_query_depth_beyond_the_engine_cap_is_a_usage_error():
    run = run_kg_query("ASK {}", "--max-query-depth", str(ENGINE_MAX_DEPTH + 1))
    assert run.returncode == 1
    assert run.stderr == f"kg: error: --max-query-chars must be positive and --max-query-depth between 1 and " \
                         f"{ENGINE_MAX_DEPTH}\n"


@pytest.mark.parametrize("function,close", [("REGEX", ',"a")'), ("SUBSTR", ",1)"), ("REPLACE", ',"a","b")')])
def test_nested_calls_with_an_optional_argument_are_refused_before_the_parser(function, close):
    """30 nested REGEX calls (under 300 characters) kept pyoxigraph's parser busy for about half an hour."""
    bomb = nested_calls(function, 30, close)
    with pytest.raises(InputError, match="REGEX, SUBSTR or REPLACE"):
        check_engine_text(bomb)
    run = run_kg_query(bomb)
    assert run.returncode == 1
    assert run.stderr.startswith("kg: error: query nests REGEX, SUBSTR or REPLACE calls more than")
    assert len(run.stderr.splitlines()) == 1


def test_mixed_backtracking_calls_count_together_and_siblings_do_not():
    mixed = "SELECT * WHERE { FILTER(" + "REGEX(SUBSTR(" * 5 + "1" + ',1),"a")' * 5 + ") }"
    with pytest.raises(InputError, match="REGEX, SUBSTR or REPLACE"):
        check_query(mixed)
    siblings = "SELECT * WHERE { FILTER(" + " && ".join(['REGEX(STR(?s), "a")'] * 50) + ") }"
    assert check_query(siblings).form == "SELECT"


def test_the_allowed_nesting_of_backtracking_calls_runs():
    allowed = nested_calls("REGEX", ENGINE_MAX_BACKTRACKING_CALLS, ',"a")')
    check_query(allowed)
    run = run_kg_query(allowed)
    assert run.returncode == 0, run.stderr

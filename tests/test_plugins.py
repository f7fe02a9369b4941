"""Sources and commands: built-ins registered in code, third-party plugins found through entry points.

The example plugin in ``tests/plugin_example`` is a real distribution on disk
(a package plus a ``.dist-info`` folder with ``entry_points.txt``); putting its
folder on ``sys.path`` (or ``PYTHONPATH``) is all it takes for ``kg`` to find it.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

from kg import namespaces as ns
from kg.cli import CORE_COMMANDS, main
from kg.plugins import (
    BUILTIN_COMMANDS,
    BUILTIN_SOURCES,
    Command,
    PluginError,
    Registration,
    Source,
    registered_commands,
    registered_sources,
)
from kg.store import OxigraphStore

PLUGIN_DIR = Path(__file__).parent / "plugin_example"
HEAVY = ("rdflib", "pyoxigraph", "pyshacl", "requests", "streamlit", "tqdm", "pandas", "ingest", "explorer",
         "kg.store", "kg.serve", "kg_plugin_example")


def imported_after(*argv: str, pythonpath: Path | None = None) -> list[str]:
    """The heavy modules a fresh interpreter has imported after ``kg ARGV`` (which exits through argparse)."""
    script = (
        "import json, sys\n"
        "from kg.cli import main\n"
        "try:\n"
        f"    main({list(argv)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"heavy = {HEAVY!r}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy or m in heavy)))\n"
    )
    env = {"PYTHONPATH": str(pythonpath)} if pythonpath else {}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT,
                            timeout=120, env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# -- built-ins ------------------------------------------------------------------------------------


@pytest.mark.parametrize("registration", BUILTIN_SOURCES, ids=lambda r: r.name)
def test_builtin_source_registration_matches_its_object(registration: Registration):
    source = registration.load(Source)
    assert source.name == registration.name
    assert source.help == registration.help  # the listing shows the same help as `kg ingest NAME --help`


@pytest.mark.parametrize("registration", BUILTIN_COMMANDS, ids=lambda r: r.name)
def test_builtin_command_registration_matches_its_object(registration: Registration):
    command = registration.load(Command)
    assert command.name == registration.name
    assert command.help == registration.help


def test_builtin_names_are_unique_and_leave_the_core_alone():
    commands = [r.name for r in BUILTIN_COMMANDS]
    sources = [r.name for r in BUILTIN_SOURCES]
    assert len(set(commands)) == len(commands) and len(set(sources)) == len(sources)
    assert not set(commands) & set(CORE_COMMANDS)


def test_version_and_help_import_no_command_module():
    assert imported_after("--version") == []
    assert imported_after("--help") == []
    assert imported_after("ingest", "--help") == []


def test_a_command_imports_its_own_module_only():
    serve = imported_after("serve", "--help")
    assert "kg.serve" in serve
    assert not [name for name in serve if name.startswith(("ingest", "explorer", "streamlit", "requests"))]
    build = imported_after("build", "--help")
    assert "ingest.build" in build and "kg.serve" not in build and "streamlit" not in build


def test_a_registration_that_names_the_wrong_object_is_refused():
    with pytest.raises(PluginError, match="is not a Command named 'build'"):
        Registration("build", "ingest.sources:PAGE", "x").load(Command)
    with pytest.raises(PluginError, match="'gone' from someone failed to load"):
        Registration("gone", "kg.no_such_module:THING", "x", provider="someone").load(Command)
    with pytest.raises(ModuleNotFoundError):  # a broken built-in is a bug of ours: its traceback stays
        Registration("gone", "kg.no_such_module:THING", "x").load(Command)


# -- a third-party plugin -------------------------------------------------------------------------


@pytest.fixture
def example_plugin(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example plugin's folder on ``sys.path``; its module not yet imported."""
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    monkeypatch.delitem(sys.modules, "kg_plugin_example", raising=False)
    return PLUGIN_DIR


def test_plugin_entry_points_are_listed_without_importing_the_plugin(example_plugin, caplog):
    with caplog.at_level(logging.WARNING, logger="kg.plugins"):
        commands = {r.name: r for r in registered_commands(reserved=CORE_COMMANDS)}
    sources = {r.name: r for r in registered_sources()}
    assert commands["hello"].provider == "kg-plugin-example"
    assert commands["hello"].target == "kg_plugin_example:HELLO"
    assert sources["example-list"].provider == "kg-plugin-example"
    assert commands["build"].provider == "cohort-kg"  # a plugin cannot take over a built-in name
    assert "plugin build from kg-plugin-example ignored" in caplog.text
    assert "kg_plugin_example" not in sys.modules


def test_plugin_command_runs(example_plugin, capsys):
    assert main(["hello", "world", "--store", "memory:"]) == 0
    assert capsys.readouterr().out == "hello world from the example plugin (store memory:)\n"


def test_plugin_source_writes_to_the_store(example_plugin, tmp_path, capsys):
    listing = tmp_path / "list.tsv"
    listing.write_text("90000101\tA first example\n90000102\tA second example\n", encoding="utf-8")
    assert main(["ingest", "example-list", str(listing), "--store", str(tmp_path / "store")]) == 0
    assert "ingest example-list" in capsys.readouterr().out
    store = OxigraphStore(tmp_path / "store")
    try:
        rows = store.query(f"SELECT ?id WHERE {{ GRAPH ?g {{ ?p <{ns.FABIO.hasPubMedId}> ?id }} }} ORDER BY ?id").rows
    finally:
        store.close()
    assert [str(row[0]) for row in rows] == ["90000101", "90000102"]


@pytest.mark.parametrize(("command", "message"), [
    ("wrong-kind", "kg: error: kg_plugin_example:NOT_A_COMMAND (registered as 'wrong-kind' by kg-plugin-example) "
                   "is not a Command named 'wrong-kind'"),
    ("missing-module", "kg: error: 'missing-module' from kg-plugin-example failed to load "
                       "(kg_plugin_example_absent:COMMAND): No module named 'kg_plugin_example_absent'"),
])
def test_broken_plugin_is_one_line_error(example_plugin, capsys, command, message):
    assert main([command]) == 1
    assert capsys.readouterr().err == message + "\n"


def test_plugin_found_by_a_fresh_process(kg):
    env = {"PYTHONPATH": str(PLUGIN_DIR)}
    listed = kg("--help", env=env)
    assert listed.returncode == 0 and "hello" in listed.stdout and "(from kg-plugin-example" in listed.stdout
    sources = kg("ingest", "--help", env=env)
    assert "example-list" in sources.stdout
    assert kg("hello", "you", store="memory:", env=env).stdout.startswith("hello you from the example plugin")
    assert imported_after("--help", pythonpath=PLUGIN_DIR) == []  # listed, not imported


def test_the_whole_tree_builds_with_every_command_defined():
    from kg.cli import build_parser

    parser = build_parser()  # no argv: every command and source gets its arguments
    assert parser.parse_args(["serve", "--port", "0"]).handler is not None
    assert parser.parse_args(["ingest", "pubmed-xml", "f.xml"]).files == [Path("f.xml")]
    assert parser.parse_args(["explore", "--port", "9"]).port == 9


def test_only_the_named_command_gets_its_arguments():
    from kg.cli import build_parser

    with pytest.raises(SystemExit):  # `build` was not named, so it has no --seed-dir yet
        build_parser(["query", "x"]).parse_args(["build", "--seed-dir", "d"])
    assert build_parser(["build"]).parse_args(["build", "--seed-dir", "d"]).seed_dir == Path("d")

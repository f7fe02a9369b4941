"""The layering rules, read from the source with ``ast``: no import cycle, ``kg`` below ``ingest`` and ``explorer``.

Deferred imports (inside a function) hide a cycle from Python until the
function runs, so every import counts, wherever it is written, including
those under ``if TYPE_CHECKING:`` (a type-only cycle still ties two modules
together for a reader). ``from pkg import name`` is an import of ``pkg.name``
when that is a module, else of ``pkg``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from conftest import REPO_ROOT

PACKAGES = ("kg", "ingest", "explorer")


def module_files() -> dict[str, Path]:
    """Every module of the three packages, by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((REPO_ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module a ``from ... import`` names (relative imports resolved against ``module``)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join([*package, *([node.module] if node.module else [])])


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The project modules that ``module`` imports anywhere in its body."""
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, path, node)
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {target for target in targets if target in known and target != module}


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    return {module: imports_of(module, path, known) for module, path in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path that starts and ends at the same module, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start)
            if cycle:
                return cycle
    return None


def test_the_graph_is_read_from_every_kind_of_import():
    graph = import_graph()
    assert {"kg.loader", "kg.aliases", "kg.counts"} <= graph["kg.pipeline"]  # module level
    assert "kg.pipeline" in graph["kg.cli"]  # inside a function
    assert "ingest.enrich" in graph["ingest.sources"]  # `from ingest.enrich import enrich_document`
    assert "kg.store" in graph["kg.loader"]  # `from kg.store import Store`: a name of the package


def test_find_cycle_reports_a_cycle_and_accepts_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_kg_imports_nothing_from_ingest_or_explorer():
    wrong = sorted(f"{module} -> {target}" for module, targets in import_graph().items()
                   if module.split(".")[0] == "kg" for target in targets if target.split(".")[0] != "kg")
    assert not wrong, wrong


def private_reaches(path: Path, root: Path = REPO_ROOT) -> Iterator[str]:
    """``obj._name`` outside any class body, ``obj`` not ``self``/``cls``: a reach into another's privates."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))

    def walk(node: ast.AST, in_class: bool) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                yield from walk(child, True)
                continue
            if (isinstance(child, ast.Attribute) and child.attr.startswith("_") and not child.attr.startswith("__")
                    and not in_class and not (isinstance(child.value, ast.Name) and child.value.id in ("self", "cls"))):
                yield f"{path.relative_to(root)}:{child.lineno}: {ast.unparse(child)}"
            yield from walk(child, in_class)

    yield from walk(tree, False)


def test_private_reach_detector_flags_outside_classes_only(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("def f(store):\n    return store._store\n\n\nclass A:\n    def same(self, other):\n"
                      "        return other._value == self._value\n")
    assert list(private_reaches(sample, tmp_path)) == ["sample.py:2: store._store"]


def test_no_module_reaches_into_another_objects_private_attributes():
    reaches = [reach for path in module_files().values() for reach in private_reaches(path)]
    assert not reaches, "\n".join(reaches)

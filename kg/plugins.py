"""How ingestors and extra commands plug into the ``kg`` CLI without ``kg`` importing them.

A source is listed under the entry-point group ``cohort_kg.sources`` and
becomes ``kg ingest NAME``; a command is listed under ``cohort_kg.commands``
and becomes ``kg NAME``. Adding a source is a new module plus one line in
``pyproject.toml``; the core never changes.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from kg.model import SourceDocument

log = logging.getLogger(__name__)

SOURCE_GROUP = "cohort_kg.sources"
COMMAND_GROUP = "cohort_kg.commands"


def add_file_arguments(parser: argparse.ArgumentParser) -> None:
    """The usual arguments of a file source: one or more input files."""
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="input file(s)")


@dataclass(frozen=True)
class Source:
    """An input format that ``kg ingest NAME`` reads into source documents.

    ``documents`` turns the parsed arguments into documents; it must not write
    anything: the CLI stores what it yields, one named graph per document.
    """

    name: str
    help: str
    documents: Callable[[argparse.Namespace], Iterable[SourceDocument]]
    add_arguments: Callable[[argparse.ArgumentParser], None] = add_file_arguments
    description: str = ""
    streaming: bool = False
    """True for bulk sources: documents go to the store in batches as they are parsed (bounded
    memory) instead of all being parsed first; such a source checks its input before yielding."""


@dataclass(frozen=True)
class Command:
    """A top-level ``kg NAME`` command contributed by another package; ``run`` returns the exit code."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""


def _discover(group: str) -> list[object]:
    found: list[object] = []
    for entry in sorted(entry_points(group=group), key=lambda e: e.name):
        try:
            found.append(entry.load())
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not take the CLI down
            log.warning("plugin %s (%s) failed to load: %s", entry.name, entry.value, exc)
    return found


def discover_sources() -> list[Source]:
    """Every registered source."""
    return [s for s in _discover(SOURCE_GROUP) if isinstance(s, Source)]


def discover_commands() -> list[Command]:
    """Every registered command."""
    return [c for c in _discover(COMMAND_GROUP) if isinstance(c, Command)]

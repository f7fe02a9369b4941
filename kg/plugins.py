"""How sources and commands plug into the ``kg`` CLI without ``kg`` importing them up front.

A source becomes ``kg ingest NAME``; a command becomes ``kg NAME``. Each is
known first by a ``Registration``: its name, one line of help and a
``"module:ATTRIBUTE"`` string naming the ``Source`` or ``Command`` object.
The module is imported only when that source or command runs (or prints its
own ``--help``), so ``kg --help`` and ``kg --version`` never import the
extractor, the HTTP client or the server.

The project's own sources and commands are listed in code below
(``BUILTIN_SOURCES``, ``BUILTIN_COMMANDS``), the way rdflib's
``plugin.register`` names a class without importing it. Other packages add
theirs through the entry-point groups ``cohort_kg.sources`` and
``cohort_kg.commands``: the entry point's value is the same kind of
``"module:ATTRIBUTE"`` string, read from the installed metadata without
importing the plugin.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from kg.errors import KGError

if TYPE_CHECKING:
    from kg.model import SourceDocument
    from kg.pipeline import Enricher

log = logging.getLogger(__name__)

SOURCE_GROUP = "cohort_kg.sources"
COMMAND_GROUP = "cohort_kg.commands"


def add_file_arguments(parser: argparse.ArgumentParser) -> None:
    """The usual arguments of a file source: one or more input files."""
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="input file(s)")


@dataclass(frozen=True)
class Source:
    """An input format that ``kg ingest NAME`` reads into source documents.

    ``documents`` turns the parsed arguments into documents (the parse stage);
    it must not write anything: the CLI runs what it yields through the pipeline
    (``kg.pipeline``), one named graph per document. ``enrich`` names the enrich
    stage for sources whose documents hold text to read findings from.
    """

    name: str
    help: str
    documents: Callable[[argparse.Namespace], Iterable[SourceDocument]]
    add_arguments: Callable[[argparse.ArgumentParser], None] = add_file_arguments
    description: str = ""
    streaming: bool = False
    """True for bulk sources: documents go to the store in batches as they are parsed (bounded
    memory) instead of all being parsed first; such a source checks its input before yielding."""
    enrich: Enricher | None = None


@dataclass(frozen=True)
class Command:
    """A top-level ``kg NAME`` command beyond the core ones of ``kg.cli``; ``run`` returns the exit code."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
    description: str = ""


class PluginError(KGError):
    """A registered source or command could not be imported, or is not what its registration says."""


PluginT = TypeVar("PluginT", Source, Command)
BUILTIN_PROVIDER = "cohort-kg"


@dataclass(frozen=True)
class Registration:
    """A source or command known by name and help, imported only when it is used."""

    name: str
    target: str
    """``"package.module:ATTRIBUTE"``: where the ``Source`` or ``Command`` object lives."""
    help: str
    provider: str = BUILTIN_PROVIDER
    """The distribution that registered it (``cohort-kg`` for the built-ins)."""

    def load(self, kind: type[PluginT]) -> PluginT:
        """Import the object named by ``target``.

        A third-party plugin that fails to import is reported in one line (``PluginError``): the
        user can uninstall it. A built-in that fails is a bug of this package and keeps its traceback.
        """
        module_name, _, attribute = self.target.partition(":")
        try:
            found = getattr(import_module(module_name), attribute)
        except Exception as exc:
            if self.provider == BUILTIN_PROVIDER:
                raise
            raise PluginError(f"{self.name!r} from {self.provider} failed to load ({self.target}): {exc}") from exc
        if not isinstance(found, kind) or found.name != self.name:
            raise PluginError(f"{self.target} (registered as {self.name!r} by {self.provider}) "
                              f"is not a {kind.__name__} named {self.name!r}")
        return found


BUILTIN_SOURCES: tuple[Registration, ...] = (
    Registration("page", "ingest.sources:PAGE",
                 "a saved PubMed abstract page: the study, its abstract and its cited-by list"),
    Registration("findings", "ingest.sources:FINDINGS",
                 "a curated findings table (CSV, one finding per row; see README)"),
    Registration("bibliography", "ingest.sources:BIBLIOGRAPHY",
                 "a bibliographic table (CSV: pmid, pmcid, doi, title, authors, journal, year, cites_*)"),
    Registration("abstract", "ingest.extract.cli:ABSTRACT",
                 "a plain-text abstract (or, with only --pmid, the stored one): findings and concept mentions"),
    Registration("pubmed-xml", "ingest.pubmed.commands:PUBMED_XML",
                 "PubMed XML files (efetch output or the annual baseline's pubmed*.xml.gz), streamed"),
)
"""The sources this package ships; ``help`` is what ``kg ingest --help`` lists (a test checks it matches)."""

BUILTIN_COMMANDS: tuple[Registration, ...] = (
    Registration("build", "ingest.build:BUILD",
                 "build the graph from the bundled ontology, vocabulary and seed tables (offline)"),
    Registration("extract", "ingest.extract.cli:EXTRACT",
                 "extract findings from an abstract, page or PubMed XML file and print them (no store)"),
    Registration("findings", "ingest.extract.cli:FINDINGS",
                 "print the findings the graph holds for a publication, with evidence and method"),
    Registration("eval-extraction", "ingest.extract.cli:EVAL",
                 "precision, recall and F1 of extraction against a gold file, per field, with the misses"),
    Registration("refresh", "ingest.pubmed.commands:REFRESH",
                 "complete publications and citation links from NCBI PubMed (E-utilities)"),
    Registration("serve", "kg.serve:SERVE", "serve the graph as a read-only SPARQL 1.1 endpoint"),
    Registration("explore", "explorer.launch:EXPLORE", "open the explorer (a Streamlit app) on the store"),
)
"""The commands this package ships beyond the core ones defined in ``kg.cli``."""


def _entry_point_registrations(group: str, taken: set[str]) -> list[Registration]:
    """Third-party registrations from installed metadata; nothing is imported here."""
    from importlib.metadata import entry_points

    found: list[Registration] = []
    for entry in sorted(entry_points(group=group), key=lambda e: e.name):
        provider = entry.dist.name if entry.dist is not None else "an unknown distribution"
        if entry.name in taken:
            log.warning("plugin %s from %s ignored: the name is already taken", entry.name, provider)
            continue
        taken.add(entry.name)
        found.append(Registration(entry.name, entry.value, f"(from {provider}; see its --help)", provider))
    return found


def registered_sources(*, plugins: bool = True) -> list[Registration]:
    """The built-in sources, then those of installed plugins (a built-in name cannot be taken over).

    ``plugins=False`` skips reading the installed metadata (about 50 ms of imports and file reads).
    """
    if not plugins:
        return list(BUILTIN_SOURCES)
    return [*BUILTIN_SOURCES, *_entry_point_registrations(SOURCE_GROUP, {r.name for r in BUILTIN_SOURCES})]


def registered_commands(reserved: Iterable[str] = (), *, plugins: bool = True) -> list[Registration]:
    """The built-in commands, then those of installed plugins; ``reserved`` are names the CLI defines itself."""
    if not plugins:
        return list(BUILTIN_COMMANDS)
    taken = {*reserved, *(r.name for r in BUILTIN_COMMANDS)}
    return [*BUILTIN_COMMANDS, *_entry_point_registrations(COMMAND_GROUP, taken)]

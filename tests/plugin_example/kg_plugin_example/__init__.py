"""A third-party plugin for the tests: one source and one command, registered through entry points.

It lives outside the ``kg`` and ``ingest`` packages and is found only through its
``entry_points.txt`` (in the ``.dist-info`` folder beside it), the way an installed
plugin distribution is found.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from kg.model import Publication, SourceDocument
from kg.plugins import Command, Source


def _publications(args: argparse.Namespace) -> Iterator[SourceDocument]:
    """One document per line of each file: ``PMID<TAB>title``."""
    for path in args.files:
        for line in path.read_text(encoding="utf-8").splitlines():
            pmid, _, title = line.partition("\t")
            yield SourceDocument(kind="example", key=pmid, source=path.resolve().as_uri(),
                                 records=(Publication(pmid=pmid, title=title),))


def _greeting_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name")


def _greet(args: argparse.Namespace) -> int:
    print(f"hello {args.name} from the example plugin (store {args.store})")
    return 0


EXAMPLE_SOURCE = Source(name="example-list", help="PMID<TAB>title lines (example plugin)", documents=_publications)
HELLO = Command(name="hello", help="greet (example plugin)", add_arguments=_greeting_arguments, run=_greet)
NOT_A_COMMAND = "a string where a Command should be"

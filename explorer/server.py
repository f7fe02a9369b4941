"""The explorer's Streamlit server, started with the libraries every page needs already imported.

Streamlit runs each page script inside its server process, so whatever a page
imports is imported on the first visit: pandas, pyarrow, rdflib, pyoxigraph and
the query layer take about a second there. Importing them before the server
starts moves that second to start-up, where ``kg explore`` already waits for
the server. The explorer's own modules are not imported here: their Streamlit
caches must be created inside the running server.

Run as ``python -m explorer.server run APP [streamlit options] -- [app options]``.
"""

from __future__ import annotations

import sys

PRELOADED = ("pandas", "pyarrow", "rdflib", "pyoxigraph", "networkx", "kg.queries", "kg.store", "kg.store.client",
             "kg.guard", "kg.sparql_syntax")
"""Modules the pages import, in no particular order (a missing optional one is skipped)."""


def preload() -> None:
    """Import ``PRELOADED`` so the first page visit finds them in ``sys.modules``."""
    import importlib

    for name in PRELOADED:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


def main() -> None:
    """Preload, then hand the command line to Streamlit's own command (which exits the process)."""
    preload()
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()

"""The ``kg`` command line: ingest, load, query, validate, export, and what plugins add.

Every command takes ``--store`` (default: ``$KG_STORE``, else ``data/store``).
User errors print one line, ``kg: error: ...``, and exit 1 with the store unchanged.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tqdm import tqdm

from kg import __version__
from kg.counts import refresh_counts
from kg.errors import InputError, KGError
from kg.loader import load_documents
from kg.output import OUTPUT_FORMATS, render
from kg.plugins import Source, discover_commands, discover_sources
from kg.queries import catalog, get_query, page_of, prepare
from kg.store import DEFAULT_STORE, FORMATS, QUAD_FORMATS, Store, open_store, rdf_format

log = logging.getLogger("kg")

EPILOG = """examples:
  kg build                                   build the graph from the bundled seed data
  kg ingest page saved-pubmed-page.txt       a PubMed abstract page with its cited-by list
  kg ingest findings my-findings.csv         a curated findings table
  kg query risk-factors-for-outcome          a catalog query (kg queries lists them)
  kg query citing-publications --format csv
  kg validate                                check the graph against the SHACL shapes
"""


def _store_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--store",
        metavar="PATH|URL",
        help=f"store to use: a folder (embedded), memory:, or a SPARQL endpoint URL "
        f"(default: $KG_STORE, else {DEFAULT_STORE})",
    )


def _run_ingest(source: Source, args: argparse.Namespace) -> int:
    documents = tqdm(source.documents(args), desc=f"parsing {source.name}", unit="doc", disable=None)
    if not source.streaming:
        documents = list(documents)
    store = open_store(args.store)
    try:
        summary = load_documents(store, documents)
    finally:
        store.close()
    print(summary.describe(f"ingest {source.name}"))
    return 0


def _has_quads(store: Store, graph: str | None = None) -> bool:
    """Whether the store (or one named graph) holds anything: an ASK stops at the first quad."""
    pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "GRAPH ?g { ?s ?p ?o }"
    return bool(store.query(f"ASK {{ {pattern} }}").boolean)


def _check_parses(path: Path, fmt: object) -> None:
    """Parse the whole file without storing it; a syntax error becomes a one-line InputError."""
    import collections

    import pyoxigraph as ox

    try:
        collections.deque(ox.parse(path=str(path), format=fmt), maxlen=0)
    except SyntaxError as exc:
        raise InputError(f"{path}: {exc}; nothing loaded") from exc


def load_one_file(store: Store, path: Path, fmt: object, graph: str | None) -> int:
    """Bulk-load one file so that a syntax error leaves the store as it was.

    The bulk loader is not transactional, and checking the whole file first costs a
    full parse (about a quarter of the load time). So the check is skipped when an
    exact undo exists: loading into an empty store (undo: drop what was loaded) or
    triples into a named graph that does not exist yet (undo: drop that graph).
    Otherwise (quads into a non-empty store, or replacing a graph) the file is parsed
    first, as before.
    """
    undo: list[str] | None = None
    if graph is not None and not _has_quads(store, graph):
        undo = [graph]
    elif not _has_quads(store):
        undo = []  # empty store: every graph present after a failure came from this file
    if undo is None:
        _check_parses(path, fmt)
        if graph:
            store.drop_graphs([graph])
        return store.load_file(path, fmt, graph)  # type: ignore[arg-type]
    try:
        return store.load_file(path, fmt, graph)  # type: ignore[arg-type]
    except InputError as exc:
        names = undo or [str(row[0]) for row in store.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }").rows]
        store.drop_graphs(names)
        raise InputError(f"{exc}; nothing loaded") from exc


def _cmd_load(args: argparse.Namespace) -> int:
    store = open_store(args.store)
    changed = False
    try:
        for path in args.files:
            if not path.is_file():
                raise InputError(f"no such file: {path}")
            fmt = rdf_format(args.format or path.name)
            graph = None
            if fmt not in QUAD_FORMATS:
                from kg.ids import graph_iri

                graph = args.graph or graph_iri("file", path.stem)
            added = load_one_file(store, path, fmt, graph)
            changed = changed or added > 0
            print(f"loaded {path}: {added} new quads")
    finally:
        try:
            if changed:  # files loaded before a failing one stay loaded: count them too
                refresh_counts(store)
                if args.optimize:
                    _compact(store)
        finally:
            store.close()
    return 0


def _compact(store: Store) -> None:
    """Compact the embedded store (what `kg optimize` and `kg load --optimize` do)."""
    import time

    from kg.store import OxigraphStore

    if not isinstance(store, OxigraphStore) or store.location == "memory:":
        raise InputError(f"only an on-disk embedded store can be compacted, not {store.location}")
    start = time.perf_counter()
    store.optimize()
    print(f"compacted {store.location} in {time.perf_counter() - start:.1f} s")


def _cmd_optimize(args: argparse.Namespace) -> int:
    store = open_store(args.store)
    try:
        _compact(store)
    finally:
        store.close()
    return 0


def _read_query_text(spec: str) -> tuple[str, dict]:
    """A catalog name, a .rq file, or inline SPARQL."""
    queries = catalog()
    if spec in queries:
        return queries[spec].text, {"named": queries[spec]}
    path = Path(spec)
    if spec.endswith((".rq", ".sparql")) or (len(spec) < 256 and "\n" not in spec and path.is_file()):
        if not path.is_file():
            raise InputError(f"no such query file: {spec}")
        return path.read_text(encoding="utf-8"), {}
    if any(word in spec.upper() for word in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")):
        return spec, {}
    raise InputError(f"unknown query {spec!r}: not a catalog name ({', '.join(queries)}), file or SPARQL")


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise InputError(f"--param wants name=value, got {pair!r}")
        values[name.strip().lstrip("?")] = value
    return values


def _cmd_query(args: argparse.Namespace) -> int:
    text, info = _read_query_text(args.query)
    values = _parse_params(args.param)
    if "named" in info:
        text, bindings = prepare(info["named"], values)
    else:
        from rdflib import Literal

        bindings = {name: Literal(value) for name, value in values.items()}
    store = open_store(args.store)
    try:
        result = store.query(text, bindings)
    finally:
        store.close()
    sys.stdout.write(render(result, args.format))
    page = page_of(info["named"], values) if "named" in info else None
    if page is not None and page[0] and len(result.rows) >= page[0]:
        # A full page: say (on stderr, so piped output stays clean) how to get the next rows. The offset counts
        # what the page is cut from (links, findings), which may be fewer than the rows shown.
        print(f"kg: showing {len(result.rows)} rows (one page); --param offset={page[1] + page[0]} "
              "for the next page, --param limit=0 for every row", file=sys.stderr)
    return 0


def _cmd_queries(args: argparse.Namespace) -> int:
    for query in catalog().values():
        print(f"{query.name}\n    {query.title}")
        for parameter in query.parameters:
            default = f" (default {parameter.default})" if parameter.default else ""
            print(f"    --param {parameter.name}=<{parameter.kind}>{default}  {parameter.help}")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    store = open_store(args.store)
    try:
        if args.recount:
            refresh_counts(store)
        result = store.query(get_query("graph-stats").text)
        quads = store.quad_count()
        distinct = store.query("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }")
    finally:
        store.close()
    print(f"store: {store.location}")
    print(f"quads: {quads}")
    print(f"distinct triples: {distinct.values()[0]['n']}")
    if not result.rows:
        print("counts: none stored (the store was not written by kg); run kg stats --recount")
    for name, value in (result.values() or [{}])[0].items():
        print(f"{name}: {value}")
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from kg.validate import format_summary, validate_store

    store = open_store(args.store)
    try:
        report = validate_store(store)
    finally:
        store.close()
    print(format_summary(report))
    return 0 if report.conforms else 1


def _cmd_export(args: argparse.Namespace) -> int:
    fmt = rdf_format(args.format)
    store = open_store(args.store)
    try:
        if args.output:
            with args.output.open("wb") as out:
                store.dump(out, fmt)
        else:
            store.dump(sys.stdout.buffer, fmt)
    finally:
        store.close()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The whole command tree, with plugin sources and commands discovered from entry points."""
    parser = argparse.ArgumentParser(
        prog="kg",
        description="cohort-kg: cohort-study findings and the literature around them, in one RDF graph.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cohort-kg {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ingest = commands.add_parser("ingest", help="parse a source and store it, one named graph per document")
    sources = ingest.add_subparsers(dest="source", metavar="SOURCE", required=True)
    for source in discover_sources():
        sub = sources.add_parser(source.name, help=source.help, description=source.description or source.help)
        source.add_arguments(sub)
        _store_argument(sub)
        sub.set_defaults(handler=lambda args, source=source: _run_ingest(source, args))

    load = commands.add_parser("load", help="bulk-load RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD)")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument("--format", choices=sorted(FORMATS), help="RDF format (default: from the file name)")
    load.add_argument("--graph", help="named graph for triple formats (default: graph/file/<file stem>)")
    load.add_argument("--optimize", action="store_true",
                      help="compact the store afterwards, as `kg optimize` does (slower load, faster queries)")
    _store_argument(load)
    load.set_defaults(handler=_cmd_load)

    optimize = commands.add_parser(
        "optimize", help="compact the embedded store after a big load (lookups read fewer files)",
        description="A bulk load (kg load) writes the store in many small pieces that every lookup must "
        "consult; compacting merges them. At 1M quads it takes about 2 s and makes selective queries "
        "up to twice as fast (docs/benchmarks.md).")
    _store_argument(optimize)
    optimize.set_defaults(handler=_cmd_optimize)

    query = commands.add_parser(
        "query", help="run a catalog query, a .rq file or inline SPARQL",
        description="Run a SPARQL query: a catalog name (see 'kg queries'), a .rq file, or the query text.",
    )
    query.add_argument("query", metavar="NAME|FILE|QUERY")
    query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter")
    query.add_argument("--format", choices=OUTPUT_FORMATS, default="table", help="output format (default: table)")
    _store_argument(query)
    query.set_defaults(handler=_cmd_query)

    listing = commands.add_parser("queries", help="list the query catalog and its parameters")
    listing.set_defaults(handler=_cmd_queries)

    stats = commands.add_parser("stats", help="count what the graph holds")
    _store_argument(stats)
    stats.add_argument("--recount", action="store_true",
                       help="recompute the stored whole-graph counts first (kg does it after every load; use this "
                       "when another tool wrote to the store)")
    stats.set_defaults(handler=_cmd_stats)

    validate = commands.add_parser("validate", help="check the graph against the SHACL shapes")
    _store_argument(validate)
    validate.set_defaults(handler=_cmd_validate)

    export = commands.add_parser("export", help="write the whole graph as RDF")
    export.add_argument("--format", default="trig", choices=["turtle", "trig", "nquads", "jsonld", "nt"])
    export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
    _store_argument(export)
    export.set_defaults(handler=_cmd_export)

    for command in discover_commands():
        sub = commands.add_parser(command.name, help=command.help, description=command.description or command.help,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        command.add_arguments(sub)
        if not any(action.dest == "store" for action in sub._actions):
            _store_argument(sub)
        sub.set_defaults(handler=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.handler(args))
    except KGError as exc:
        print(f"kg: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader (head, sed -n 2p) closed the pipe early: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("kg: interrupted; the store keeps its last committed state", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

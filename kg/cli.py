"""The ``kg`` command line: ingest, load, query, validate, export, and what plugins add.

Each command imports what it needs when it runs, so ``kg --help`` and ``kg --version`` stay fast.
Every command takes ``--store`` (default: ``$KG_STORE``, else ``data/store``).
User errors print one line, ``kg: error: ...``, and exit 1 with the store unchanged.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NoReturn

from kg import __version__
from kg.errors import InputError, KGError
from kg.terminal import printable

if TYPE_CHECKING:
    from kg.plugins import Source
    from kg.store import Store

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
    from kg.store import DEFAULT_STORE

    parser.add_argument(
        "--store",
        metavar="PATH|URL",
        help=f"store to use: a folder (embedded), memory:, or a SPARQL endpoint URL "
        f"(default: $KG_STORE, else {DEFAULT_STORE})",
    )


@contextmanager
def _writing(spec: str | None) -> Iterator[Store]:
    """Open a store for a write; after a failed write, closing must not raise a second error over the first.

    A full disk fails the write and then the flush that closing does: the user sees
    the first error, the second only in the debug log.
    """
    from kg.store import open_store

    store = open_store(spec)
    try:
        yield store
    except BaseException:
        try:
            store.close()
        except (KGError, OSError) as exc:
            log.debug("closing %s after a failure also failed: %s", store.location, exc)
        raise
    store.close()


def _run_ingest(source: Source, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from kg.pipeline import run_pipeline

    documents = tqdm(source.documents(args), desc=f"parsing {source.name}", unit="doc", disable=None)
    if not source.streaming:
        documents = list(documents)
    with _writing(args.store) as store:
        try:
            summary = run_pipeline(store, documents, enrich=source.enrich)
        except KeyboardInterrupt:  # the pipeline derived on the way out
            print("kg: interrupted: the documents stored before Ctrl-C stay, each graph whole, and the counts "
                  "match them; re-run the ingest to store the rest", file=sys.stderr)
            return 130
    print(summary.describe(f"ingest {source.name}"))
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    from kg.counts import DERIVED_GRAPHS, PENDING_GRAPH, is_pending, mark_pending, refresh_derived
    from kg.store import QUAD_FORMATS, open_store, rdf_format
    from kg.store.load import LoadInterrupted, base_iri, compact, load_one_file, uninterruptible

    store = open_store(args.store)
    changed = False
    failed = True  # until the loop ends normally: then cleanup errors are the user's errors to see
    marked = False
    was_pending = is_pending(store)  # an earlier write was killed before its derived step
    done: list[str] = []
    try:
        for path in args.files:
            if not path.is_file():
                raise InputError(f"no such file: {path}")
            fmt = rdf_format(args.format or path.name)
            graph = None
            if fmt not in QUAD_FORMATS:
                from kg.ids import graph_iri

                graph = args.graph or graph_iri("file", path.stem)
            if not marked:
                mark_pending(store)  # the derived data is behind the data from here until refreshed below
                marked = True
            try:
                added = load_one_file(store, path, fmt, graph, base_iri(args.base, path), derived=DERIVED_GRAPHS)
            except LoadInterrupted as exc:
                changed = changed or exc.partial
                kept = f"{', '.join(done)} stay loaded; " if done else ""
                print(f"kg: interrupted while loading {path}: {kept}{exc}", file=sys.stderr)
                failed = False
                return 130
            changed = changed or added > 0
            done.append(str(path))
            print(f"loaded {path}: {added} new quads")
        failed = False
    finally:
        with uninterruptible():
            try:
                if changed or was_pending:  # files loaded before a failing one stay loaded: count them too
                    refresh_derived(store)
                elif marked:  # every file was undone: the derived data still matches the data
                    store.drop_graphs([PENDING_GRAPH])
                if changed and args.optimize:
                    compact(store)
            except (KGError, OSError) as exc:
                if not failed:
                    raise
                log.warning("counts not refreshed after the failure (the next kg write redoes them): %s", exc)
            finally:
                try:
                    store.close()
                except (KGError, OSError) as exc:
                    if not failed:
                        raise
                    log.debug("closing %s after a failure also failed: %s", store.location, exc)
    return 0


def _cmd_optimize(args: argparse.Namespace) -> int:
    from kg.store import open_store
    from kg.store.load import compact
    from kg.store.locate import is_store, resolve_store_spec

    location = resolve_store_spec(args.store)
    if location != "memory:" and not location.startswith(("http://", "https://")) and not is_store(Path(location)):
        raise InputError(f"not a cohort-kg store: {location} (nothing to optimize)")
    store = open_store(args.store)
    try:
        compact(store)
    finally:
        store.close()
    return 0


def _read_query_text(spec: str) -> tuple[str, dict]:
    """A catalog name, a .rq file, or inline SPARQL."""
    from kg.queries import catalog

    queries = catalog()
    if spec in queries:
        return queries[spec].text, {"named": queries[spec]}
    path = Path(spec)
    if spec.endswith((".rq", ".sparql")) or (len(spec) < 256 and "\n" not in spec and path.is_file()):
        if not path.is_file():
            raise InputError(f"no such query file: {spec}")
        from kg.textfile import read_text_file

        return read_text_file(path), {}
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
    from kg.guard import check_query
    from kg.output import render
    from kg.queries import page_of, prepare
    from kg.sparql_syntax import ENGINE_MAX_DEPTH, TextLimits
    from kg.store import open_store

    text, info = _read_query_text(args.query)
    values = _parse_params(args.param)
    if "named" in info:
        text, bindings = prepare(info["named"], values)
    else:
        from rdflib import Literal

        bindings = {name: Literal(value) for name, value in values.items()}
    if args.max_query_chars <= 0 or not 0 < args.max_query_depth <= ENGINE_MAX_DEPTH:
        raise InputError(f"--max-query-chars must be positive and --max-query-depth between 1 and {ENGINE_MAX_DEPTH}")
    check_query(text, TextLimits(args.max_query_chars, args.max_query_depth))
    store = open_store(args.store, read_only=True)
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
    from kg.queries import catalog

    for query in catalog().values():
        print(f"{query.name}\n    {query.title}")
        for parameter in query.parameters:
            default = f" (default {parameter.default})" if parameter.default else ""
            print(f"    --param {parameter.name}=<{parameter.kind}>{default}  {parameter.help}")
    return 0


def _cmd_stats(args: argparse.Namespace) -> int:
    from kg.counts import GRAPH_COUNTS, derived_current, is_pending, refresh_derived, stored_basis
    from kg.queries import get_query
    from kg.store import open_store

    store = open_store(args.store, read_only=not args.recount)  # only --recount writes
    try:
        counts = get_query("graph-stats").text
        if args.recount:
            refresh_derived(store, force=True)
        elif (stored_basis(store) is not None or is_pending(store)) and not derived_current(store):
            print("counts: the store changed since they were stored (an interrupted write?); showing live counts, "
                  "the next kg write (or kg stats --recount) stores them", file=sys.stderr)
            counts = GRAPH_COUNTS
        result = store.query(counts)
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
    from kg.store import open_store
    from kg.validate import format_summary, validate_store

    store = open_store(args.store, read_only=True)
    try:
        report = validate_store(store)
    finally:
        store.close()
    print(format_summary(report))
    return 0 if report.conforms else 1


def _cmd_export(args: argparse.Namespace) -> int:
    from kg.export import dump
    from kg.store import open_store, rdf_format

    fmt = rdf_format(args.format)
    store = open_store(args.store, read_only=True)
    try:
        if args.output:
            write_replacing(args.output, lambda out: dump(store, out, fmt))
        else:
            try:
                dump(store, sys.stdout.buffer, fmt)
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise KGError(f"cannot write standard output: {exc.strerror or exc}") from exc
    finally:
        store.close()
    return 0


def write_replacing(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file through a temporary file beside it, renamed over it once complete.

    A failure (disk full, Ctrl-C) leaves the old file, or none, never a truncated
    one. A path that is not a regular file (``/dev/stdout``, a pipe) is written directly.
    """
    if path.exists() and not path.is_file():
        try:
            with path.open("wb") as out:
                write(out)
        except OSError as exc:
            raise KGError(f"cannot write {path}: {exc.strerror or exc}") from exc
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as out:
            write(out)
        os.replace(partial, path)
    except OSError as exc:
        raise KGError(f"cannot write {path}: {exc.strerror or exc}; nothing written") from exc
    finally:
        with suppress(OSError):
            partial.unlink(missing_ok=True)


CORE_COMMANDS = ("ingest", "load", "optimize", "query", "queries", "stats", "validate", "export")
"""The commands defined in this module; the others come from ``kg.plugins`` registrations."""


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose usage errors follow the project's error contract.

    argparse prints the usage block and exits 2; every other error a user can cause in ``kg`` is one
    ``kg: error:`` line and exit 1, so a wrong option value reads the same way. Sub-commands inherit
    the class through ``add_subparsers``.
    """

    def error(self, message: str) -> NoReturn:
        """Print one line naming the command and the problem, then exit 1."""
        self.exit(1, f"kg: error: {self.prog}: {printable(message)} (see '{self.prog} --help')\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command tree: every command and source is listed, the one ``argv`` names is fully defined.

    Defining a command's arguments may import its module (the extractor, the server, rdflib), so with
    ``argv`` given only the command it names gets its arguments; ``kg --help`` and ``kg --version``
    import none of them. With ``argv=None`` every command is defined (and every module imported).
    """
    from kg.plugins import BUILTIN_COMMANDS, BUILTIN_SOURCES, Command, Source, registered_commands, registered_sources

    words = None if argv is None else [word for word in argv if not word.startswith("-")]
    asks_help = argv is not None and ("-h" in argv or "--help" in argv)

    def wanted(*path: str) -> bool:
        return words is None or words[: len(path)] == list(path)

    def plugins_needed(level: int, known: set[str]) -> bool:
        """Whether third-party names matter here: a help listing, or a name that is not built in."""
        if words is None:
            return True
        return words[level] not in known if len(words) > level else asks_help

    parser = OneLineErrorParser(
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
    source_plugins = wanted("ingest") and plugins_needed(1, {r.name for r in BUILTIN_SOURCES})
    for registration in registered_sources(plugins=source_plugins):
        sub = sources.add_parser(registration.name, help=registration.help)
        if wanted("ingest", registration.name):
            source = registration.load(Source)
            sub.description = source.description or source.help
            source.add_arguments(sub)
            _store_argument(sub)
            sub.set_defaults(handler=lambda args, source=source: _run_ingest(source, args))

    load = commands.add_parser("load", help="bulk-load RDF files (Turtle, N-Triples, N-Quads, TriG, JSON-LD)")
    if wanted("load"):
        from kg.store import FORMATS

        load.add_argument("files", nargs="+", type=Path, metavar="FILE")
        load.add_argument("--format", choices=sorted(FORMATS), help="RDF format (default: from the file name)")
        load.add_argument("--graph", help="named graph for triple formats (default: graph/file/<file stem>)")
        load.add_argument("--base", metavar="IRI",
                          help="base IRI for relative IRIs in the files (default: each file's own file: URI)")
        load.add_argument("--optimize", action="store_true",
                          help="compact the store afterwards, as `kg optimize` does (slower load, faster queries)")
        _store_argument(load)
        load.set_defaults(handler=_cmd_load)

    optimize = commands.add_parser(
        "optimize", help="compact the embedded store after a big load (lookups read fewer files)",
        description="A bulk load (kg load) writes the store in many small pieces that every lookup must "
        "consult; compacting merges them. At 1M quads it takes about 2 s and makes selective queries "
        "up to twice as fast (docs/benchmarks.md).")
    if wanted("optimize"):
        _store_argument(optimize)
        optimize.set_defaults(handler=_cmd_optimize)

    query = commands.add_parser(
        "query", help="run a catalog query, a .rq file or inline SPARQL",
        description="Run a SPARQL query: a catalog name (see 'kg queries'), a .rq file, or the query text.",
    )
    if wanted("query"):
        from kg.output import OUTPUT_FORMATS
        from kg.sparql_syntax import DEFAULT_MAX_CHARS, DEFAULT_MAX_DEPTH

        query.add_argument("query", metavar="NAME|FILE|QUERY")
        query.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="bind a parameter")
        query.add_argument("--format", choices=OUTPUT_FORMATS, default="table",
                           help="output format: a table, or the SPARQL 1.1 results formats (default: table)")
        query.add_argument("--max-query-chars", type=int, default=DEFAULT_MAX_CHARS, metavar="N",
                           help=f"refuse longer query text (default: {DEFAULT_MAX_CHARS})")
        query.add_argument("--max-query-depth", type=int, default=DEFAULT_MAX_DEPTH, metavar="N",
                           help=f"refuse brackets nested deeper (default: {DEFAULT_MAX_DEPTH})")
        _store_argument(query)
        query.set_defaults(handler=_cmd_query)

    listing = commands.add_parser("queries", help="list the query catalog and its parameters")
    listing.set_defaults(handler=_cmd_queries)

    stats = commands.add_parser("stats", help="count what the graph holds")
    if wanted("stats"):
        _store_argument(stats)
        stats.add_argument("--recount", action="store_true",
                           help="recompute the stored whole-graph counts first (kg does it after every load; use "
                           "this when another tool wrote to the store)")
        stats.set_defaults(handler=_cmd_stats)

    validate = commands.add_parser("validate", help="check the graph against the SHACL shapes")
    if wanted("validate"):
        _store_argument(validate)
        validate.set_defaults(handler=_cmd_validate)

    export = commands.add_parser("export", help="write the whole graph as RDF")
    if wanted("export"):
        export.add_argument("--format", default="trig", choices=["turtle", "trig", "nquads", "jsonld", "nt"])
        export.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")
        _store_argument(export)
        export.set_defaults(handler=_cmd_export)

    command_plugins = plugins_needed(0, {*CORE_COMMANDS, *(r.name for r in BUILTIN_COMMANDS)})
    for registration in registered_commands(reserved=CORE_COMMANDS, plugins=command_plugins):
        sub = commands.add_parser(registration.name, help=registration.help, conflict_handler="resolve",
                                  formatter_class=argparse.RawDescriptionHelpFormatter)
        if wanted(registration.name):
            command = registration.load(Command)
            sub.description = command.description or command.help
            _store_argument(sub)  # a command that defines its own --store replaces this one
            command.add_arguments(sub)
            sub.set_defaults(handler=command.run)
    return parser


class _PrintableFormatter(logging.Formatter):
    """Log lines with control characters from data (NUL, ESC, line breaks) shown as escapes."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return printable(super().formatMessage(record))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``kg`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = build_parser(argv).parse_args(argv)
        level = logging.WARNING - 10 * min(args.verbose, 2)
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        # rdflib logs a warning with a traceback for every ill-typed literal it is handed ("abc"^^xsd:integer is
        # valid RDF and is passed through unchanged); that is data, not an error of the user's command.
        logging.getLogger("rdflib.term").setLevel(logging.ERROR if args.verbose < 2 else logging.DEBUG)
        return int(args.handler(args))
    except KGError as exc:
        print(f"kg: error: {printable(str(exc))}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader (head, sed -n 2p) closed the pipe early: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # the system refused (disk full, permission) somewhere no KGError was raised
        where = f": {exc.filename}" if exc.filename else ""
        print(f"kg: error: {printable(str(exc.strerror or exc))}{where}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kg: interrupted; the store keeps its last committed state", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

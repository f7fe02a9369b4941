"""``kg serve``: a read-only SPARQL 1.1 Protocol endpoint over any store.

``/sparql`` takes queries by GET, by POST form and by POST
``application/sparql-query``, with ``default-graph-uri`` / ``named-graph-uri``;
a GET without a query returns the SPARQL 1.1 Service Description. ``/`` is a
small HTML page with a query box and the catalog queries as examples.
It runs on the standard library's threading HTTP server: requests are small
and the work happens in pyoxigraph (``kg.endpoint``), so a framework would add
weight and nothing measurable.

Refusals follow the protocol: a malformed query, a request without a query
(other than a bare GET) or an invalid dataset IRI is 400, an update operation
or SERVICE is 403, another HTTP method 405 with ``Allow``, a result format the
answer cannot take 406, an oversized body 413, an oversized query string 414,
a query past the time limit 503. Every refusal, including those the standard
library's HTTP server writes itself, is plain text with the CORS headers, so a
web page on another origin can read why.

The dataset follows SPARQL 1.1: ``default-graph-uri`` / ``named-graph-uri``
when given (replacing ``FROM`` / ``FROM NAMED``), else the query's own
``FROM`` / ``FROM NAMED``, else the union of all named graphs as the default
graph. Relative IRIs in a query resolve against the endpoint's own URL.

A connection that sends no complete request within ``header_timeout`` seconds
is closed, so stalled clients cannot hold server threads; a client that goes
away mid-request is logged as one INFO line.
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from kg.endpoint import EvalRequest, ServerBusy, graph_list, make_evaluator
from kg.errors import InputError, KGError, StoreError
from kg.guard import QueryTimeout, ReadOnlyError, check_query
from kg.negotiation import GRAPH_FORMATS, Format, NotAcceptable, negotiate
from kg.plugins import Command
from kg.sparql_syntax import DEFAULT_MAX_CHARS, DEFAULT_MAX_DEPTH, ENGINE_MAX_DEPTH, TextLimits
from kg.store import Store, open_store

log = logging.getLogger(__name__)

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Accept",
    "Access-Control-Expose-Headers": "X-Result-Truncated",
    "Access-Control-Max-Age": "86400",
}
FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
ALLOW = "GET, HEAD, POST, OPTIONS"
FORMAT_PARAMETERS = ("format", "output")
"""Parameters naming a result format; clients such as SPARQLWrapper send several, possibly repeated."""


@dataclass(frozen=True)
class ServeConfig:
    """How the endpoint listens and limits queries."""

    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 10.0
    max_rows: int = 10_000
    max_request_bytes: int = 1_000_000
    workers: int = 4
    max_query_chars: int = DEFAULT_MAX_CHARS
    max_query_depth: int = DEFAULT_MAX_DEPTH
    header_timeout: float = 30.0
    max_lag: float = 0.0  # seconds a checkpoint may lag behind committed writes (0: never)


class ProtocolError(Exception):
    """A refusal with its HTTP status."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ProtocolError(HTTPStatus.BAD_REQUEST, f"give the {name!r} parameter once, not {len(values)} times")
    return values[0] if values else None


def requested_format(form: str, accept: str | None, params: dict[str, list[str]]) -> Format:
    """The answer's format: from ``format`` / ``output`` parameters when given, else from ``Accept``.

    The parameters may repeat as long as every value names the same format: SPARQLWrapper sends
    ``format=tsv&format=text/tab-separated-values`` and the same again as ``output``.
    """
    names = [value for name in FORMAT_PARAMETERS for value in params.get(name, []) if value.strip()]
    # A value with a slash is a list of media types (SPARQLWrapper sends its Accept list there too).
    chosen = {negotiate(form, name) if "/" in name else negotiate(form, accept, name) for name in names}
    if len(chosen) > 1:
        listed = ", ".join(sorted(set(names)))
        raise ProtocolError(HTTPStatus.BAD_REQUEST, f"the format parameters name different formats: {listed}")
    return chosen.pop() if chosen else negotiate(form, accept)


def dataset_graphs(params: dict[str, list[str]], name: str) -> tuple[str, ...] | None:
    """``default-graph-uri`` or ``named-graph-uri`` values, each checked to be an absolute IRI (else 400)."""
    values = graph_list(params.get(name, []))
    for value in values or ():
        try:
            ox.NamedNode(value)
        except ValueError as exc:
            raise ProtocolError(HTTPStatus.BAD_REQUEST, f"{name} {value!r} is not an IRI: {exc}") from None
        if ":" not in value:
            raise ProtocolError(HTTPStatus.BAD_REQUEST, f"{name} {value!r} is not an absolute IRI")
    return values


_AUTHORITY = re.compile(r"(?:[A-Za-z0-9._~-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")


def host_authority(header: str | None, fallback: str) -> str:
    """The ``Host`` header as an IRI authority, or ``fallback`` (the bound address) when it is not a host[:port].

    The header is the client's text and ends up inside Turtle and N-Triples: anything but a plain
    host name or address with an optional port would break (or inject into) the document.
    """
    if header and _AUTHORITY.fullmatch(header.strip()):
        return header.strip()
    return fallback


class EndpointHandler(BaseHTTPRequestHandler):
    """One HTTP request; the server object carries the store, the evaluator and the limits."""

    server: EndpointServer
    protocol_version = "HTTP/1.1"
    server_version = "cohort-kg"
    # Headers and body go out in two writes; with Nagle on, a keep-alive client's delayed ACK
    # holds the body back ~40 ms (measured: 44 ms for ASK {} instead of ~1 ms).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        """Bound every read on the connection: a client must send its request within the header timeout."""
        self.timeout = self.server.config.header_timeout
        super().setup()

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Refusals written by the standard library (414, malformed request line) as plain text with CORS."""
        self.close_connection = True
        status = HTTPStatus(code)
        text = message or status.phrase
        if status is HTTPStatus.REQUEST_URI_TOO_LONG:
            text = "the request line is over 64 KiB: send long queries by POST"
        self._error(status, text)

    # -- plumbing -------------------------------------------------------------------------

    def _send(self, status: HTTPStatus, body: bytes, media_type: str, extra: dict[str, str] | None = None) -> None:
        """Write one answer; a client that hung up before reading it is one INFO line, not an internal error."""
        self.send_response(status)
        charset = "" if media_type.startswith("application/sparql-results") else "; charset=utf-8"
        self.send_header("Content-Type", media_type + charset)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**CORS_HEADERS, **(extra or {})}.items():
            self.send_header(name, value)
        try:
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except ConnectionError as exc:
            self.close_connection = True
            log.info("%s: client went away before the answer was sent (%s)", self.client_address[0],
                     type(exc).__name__)

    def _error(self, status: HTTPStatus, message: str, extra: dict[str, str] | None = None) -> None:
        log.info("refused (%d): %s", status, message)
        self._send(status, (message + "\n").encode("utf-8"), "text/plain", extra)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length")
        if length is None:
            if self.headers.get("Transfer-Encoding"):
                raise ProtocolError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length (chunked bodies are not read)")
            return b""
        try:
            size = int(length)
        except ValueError:
            raise ProtocolError(HTTPStatus.BAD_REQUEST, f"bad Content-Length {length!r}") from None
        if size > self.server.config.max_request_bytes:
            self.close_connection = True
            raise ProtocolError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"request body of {size} bytes is over the limit of {self.server.config.max_request_bytes}",
            )
        return self.rfile.read(size)

    # -- methods --------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        for name, value in CORS_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._dispatch(body=None)

    def _not_allowed(self) -> None:
        self.close_connection = True  # the body, if any, is not read
        self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"{self.command} is not allowed: the endpoint is read-only "
                    f"and answers {ALLOW}", {"Allow": ALLOW})

    do_PUT = do_DELETE = do_PATCH = _not_allowed

    def do_HEAD(self) -> None:
        self._dispatch(body=None)

    def do_POST(self) -> None:
        try:
            body = self._read_body()
        except ProtocolError as exc:
            self._error(exc.status, str(exc))
            return
        self._dispatch(body=body)

    def _dispatch(self, body: bytes | None) -> None:
        url = urlsplit(self.path)
        try:
            if len(url.query) > self.server.config.max_request_bytes:
                raise ProtocolError(HTTPStatus.REQUEST_URI_TOO_LONG,
                                    "query string over the size limit: send long queries by POST")
            if url.path in ("/", "/index.html") and body is None:
                from kg.serve_page import render_page

                params = parse_qs(url.query)
                config = self.server.config
                page = render_page(_single(params, "example"), timeout=config.timeout, max_rows=config.max_rows)
                self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html")
            elif url.path == "/sparql":
                self._sparql(url.query, body)
            else:
                raise ProtocolError(HTTPStatus.NOT_FOUND, f"no such resource {url.path}; the endpoint is /sparql")
        except ProtocolError as exc:
            self._error(exc.status, str(exc))
        except ReadOnlyError as exc:
            self._error(HTTPStatus.FORBIDDEN if "SERVICE" in str(exc) else HTTPStatus.BAD_REQUEST, str(exc))
        except NotAcceptable as exc:
            self._error(HTTPStatus.NOT_ACCEPTABLE, str(exc))
        except InputError as exc:
            self._error(HTTPStatus.BAD_REQUEST, str(exc))
        except (QueryTimeout, ServerBusy) as exc:
            self._error(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
        except StoreError as exc:
            self._error(HTTPStatus.BAD_GATEWAY, str(exc))
        except KGError as exc:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(exc))
        except Exception as exc:  # a bug: answer 500 and keep serving
            log.exception("internal error")
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, f"internal error: {type(exc).__name__}: {exc}")

    # -- the protocol ---------------------------------------------------------------------

    def _sparql(self, query_string: str, body: bytes | None) -> None:
        params = parse_qs(query_string, keep_blank_values=True)
        if body is not None:
            content_type = self.headers.get("Content-Type") or ""
            media = content_type.split(";")[0].strip().lower()
            charset = next((p.split("=", 1)[1].strip().strip('"').lower() for p in content_type.split(";")[1:]
                            if p.strip().lower().startswith("charset=")), "utf-8")
            if charset not in ("utf-8", "utf8"):
                raise ProtocolError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"send the request in UTF-8, not {charset}")
            if media == FORM:
                try:
                    form = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
                except UnicodeDecodeError:
                    raise ProtocolError(HTTPStatus.BAD_REQUEST, "the form is not UTF-8") from None
                for key, values in form.items():
                    params.setdefault(key, []).extend(values)
            elif media == SPARQL_QUERY:
                if "query" in params:
                    raise ProtocolError(HTTPStatus.BAD_REQUEST, "give the query in the body or the URL, not both")
                try:
                    text = body.decode("utf-8")
                except UnicodeDecodeError:
                    raise ProtocolError(HTTPStatus.BAD_REQUEST, "the query is not UTF-8") from None
                if text.strip():
                    params["query"] = [text]
            elif media == SPARQL_UPDATE:
                raise ProtocolError(HTTPStatus.FORBIDDEN, "updates are not allowed: this endpoint is read-only")
            else:
                raise ProtocolError(
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"POST {FORM} or {SPARQL_QUERY}, not {media or 'no Content-Type'}",
                )
        if "update" in params:
            raise ProtocolError(HTTPStatus.FORBIDDEN, "updates are not allowed: this endpoint is read-only")
        query = _single(params, "query")
        if query is None:
            if body is not None or set(params) - set(FORMAT_PARAMETERS):
                raise ProtocolError(HTTPStatus.BAD_REQUEST, "no query: give it as the 'query' parameter "
                                    f"or POST it as {SPARQL_QUERY}")
            self._service_description(params)
            return
        config = self.server.config
        form = check_query(query, TextLimits(config.max_query_chars, config.max_query_depth)).form
        fmt = requested_format(form, self.headers.get("Accept"), params)
        request = EvalRequest(
            query=query,
            media_type=fmt.media_type,
            max_rows=self.server.config.max_rows,
            default_graphs=dataset_graphs(params, "default-graph-uri"),
            named_graphs=dataset_graphs(params, "named-graph-uri"),
            base_iri=self._endpoint_iri(),
        )
        answer = self.server.evaluator.evaluate(request, self.server.config.timeout)
        extra = {"Vary": "Accept"}
        if answer.truncated:
            extra["X-Result-Truncated"] = f"max-rows={self.server.config.max_rows}"
        self._send(HTTPStatus.OK, answer.body, answer.media_type, extra)

    def _endpoint_iri(self) -> str:
        """The endpoint's URL as the client named it: the service description's subject and the query base."""
        fallback = "{}:{}".format(*self.server.server_address[:2])
        return f"http://{host_authority(self.headers.get('Host'), fallback)}/sparql"

    def _service_description(self, params: dict[str, list[str]]) -> None:
        fmt = requested_format("DESCRIBE", self.headers.get("Accept"), params)
        turtle = service_description(self._endpoint_iri(), self.server.config)
        if fmt is GRAPH_FORMATS[0]:
            body = turtle.encode("utf-8")
        else:
            assert fmt.rdf is not None
            triples = ox.parse(turtle.encode("utf-8"), format=ox.RdfFormat.TURTLE)
            body = ox.serialize([q.triple for q in triples], format=fmt.rdf) or b""
        self._send(HTTPStatus.OK, body, fmt.media_type, {"Vary": "Accept"})


def service_description(endpoint: str, config: ServeConfig) -> str:
    """A SPARQL 1.1 Service Description of this endpoint, in Turtle."""
    formats = ", ".join(
        f"<http://www.w3.org/ns/formats/{name}>"
        for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                     "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
    )
    return f"""@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .

<{endpoint}> a sd:Service ;
    sd:endpoint <{endpoint}> ;
    sd:supportedLanguage sd:SPARQL11Query ;
    sd:feature sd:UnionDefaultGraph ;
    sd:resultFormat {formats} ;
    rdfs:comment "cohort-kg, read-only: unless FROM or default-graph-uri/named-graph-uri name a dataset, the \
default graph is the union of all named graphs; queries may use the cohort-kg prefixes without declaring them; \
time limit {config.timeout:g} s, at most {config.max_rows} rows (header X-Result-Truncated when cut); \
SERVICE is refused." .
"""


class EndpointServer(ThreadingHTTPServer):
    """The HTTP server with the endpoint's state."""

    daemon_threads = True

    def __init__(self, store: Store, config: ServeConfig) -> None:
        self.store = store
        self.config = config
        if config.max_lag < 0:
            raise InputError("--max-lag must be 0 or more seconds")
        self.evaluator = make_evaluator(store, config.workers, config.max_lag)
        try:
            super().__init__((config.host, config.port), EndpointHandler)
        except OSError as exc:
            self.evaluator.close()
            raise StoreError(f"cannot listen on {config.host}:{config.port}: {exc}") from exc

    def server_close(self) -> None:
        super().server_close()
        self.evaluator.close()

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        """A client that hung up or stalled is one INFO line; anything else is a bug and keeps its traceback."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            log.info("%s: client went away (%s)", client_address[0], type(error).__name__)
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


def serve(store: Store, config: ServeConfig) -> None:
    """Serve until interrupted."""
    server = EndpointServer(store, config)
    if threading.current_thread() is threading.main_thread():  # SIGTERM stops as cleanly as Ctrl-C
        signal.signal(signal.SIGTERM, _interrupt)
    host, port = server.server_address[:2]
    print(f"SPARQL endpoint on http://{host}:{port}/sparql (query page: http://{host}:{port}/)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, loopback only)")
    parser.add_argument("--port", type=int, default=7878, help="port (default: 7878; 0 picks a free one)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds a query may run (default: 10)")
    parser.add_argument("--max-rows", type=int, default=10_000, help="rows (or triples) per answer (default: 10000)")
    parser.add_argument("--max-request-bytes", type=int, default=1_000_000,
                        help="largest request body or query string (default: 1000000)")
    parser.add_argument("--max-query-chars", type=int, default=DEFAULT_MAX_CHARS, metavar="N",
                        help=f"refuse longer query text (default: {DEFAULT_MAX_CHARS})")
    parser.add_argument("--max-query-depth", type=int, default=DEFAULT_MAX_DEPTH, metavar="N",
                        help=f"refuse deeper nesting (default: {DEFAULT_MAX_DEPTH}; at most {ENGINE_MAX_DEPTH})")
    parser.add_argument("--workers", type=int, default=4,
                        help="query worker processes for an on-disk store (default: 4; 0 evaluates in threads)")
    parser.add_argument("--header-timeout", type=float, default=30.0,
                        help="seconds a connection may take to send a request before it is closed (default: 30)")
    parser.add_argument("--max-lag", type=float, default=0.0, metavar="SECONDS",
                        help="let answers lag behind writes committed in the last SECONDS, so a busy writer "
                        "costs fewer checkpoints (default: 0, every committed write is seen)")


def _run(args: argparse.Namespace) -> int:
    if args.timeout <= 0 or args.max_rows <= 0 or args.max_request_bytes <= 0 or args.header_timeout <= 0:
        raise InputError("--timeout, --max-rows, --max-request-bytes and --header-timeout must be positive")
    if args.max_query_chars <= 0 or not 0 < args.max_query_depth <= ENGINE_MAX_DEPTH:
        raise InputError(f"--max-query-chars must be positive and --max-query-depth between 1 and {ENGINE_MAX_DEPTH}")
    if args.max_lag < 0:
        raise InputError("--max-lag must be 0 or more seconds")
    if not 0 <= args.port <= 65535 or args.workers < 0:
        raise InputError(f"--port must be between 0 and 65535 (got {args.port}) and --workers 0 or more "
                         f"(got {args.workers})")
    config = ServeConfig(args.host, args.port, args.timeout, args.max_rows, args.max_request_bytes, args.workers,
                         args.max_query_chars, args.max_query_depth, args.header_timeout, args.max_lag)
    store = open_store(args.store, own=True)  # the owner of the store, or a client of its owner
    service = getattr(store, "service", None)
    if service is not None:  # the evaluator other endpoints reach through the owner channel
        service.workers = args.workers
    try:
        serve(store, config)
    finally:
        store.close()
    return 0


SERVE = Command(
    name="serve",
    help="serve the graph as a read-only SPARQL 1.1 endpoint",
    description="Serve the store as a read-only SPARQL 1.1 Protocol endpoint at /sparql, with a query page at /.\n"
    "Formats: SPARQL JSON/XML/CSV/TSV; Turtle, N-Triples, JSON-LD, RDF/XML for CONSTRUCT and DESCRIBE.\n\n"
    "example:\n  kg serve --port 7878 --timeout 5 --max-rows 1000",
    add_arguments=_add_arguments,
    run=_run,
)

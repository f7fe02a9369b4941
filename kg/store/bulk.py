"""Parallel bulk loading of line-based RDF (N-Triples, N-Quads) into an on-disk pyoxigraph store.

One ``Store.bulk_load`` call keeps about one core busy, and most of its time goes to
sorting and writing, not parsing (1M quads, pyoxigraph 0.5.13: 9.2 s to load, 1.2 s
to parse). ``bulk_load`` releases the GIL, so a few threads each loading their own
piece of the file use the other cores.

Why cutting the file at newline bytes is safe for these two formats: a statement is
one line (the grammar has no way to continue a statement on the next line: IRIs and
string literals cannot hold a raw line feed, they must escape it as a backslash and n), and a
0x0A byte never occurs inside a multi-byte UTF-8 character. So every piece that ends
at a newline holds whole statements, and the pieces together hold exactly the file.

What is NOT safe is blank nodes: ``bulk_load`` renames blank-node labels to fresh
random ids on every call (checked on 0.5.13: ``_:b1`` loaded in two calls gives two
different nodes). A label shared by two pieces would become two nodes. So the load
runs in parallel only up to the first piece that contains ``_:`` (a cheap byte
search; a literal holding ``_:`` merely ends the parallel part early), and everything
from there to the end of the file goes through one parse, which keeps one label one
node, as a single-call load of the whole file does. The same holds from a piece that
has no newline at all (a line longer than a chunk, CR-only line ends).

That one parse, like every file of the other formats (Turtle, TriG, JSON-LD, RDF/XML,
through ``kg.store.load``), is not one ``bulk_load`` call (which holds several times
its input: 1.28 GB for 50 MB of Turtle) but streamed (``load_streaming``): pyoxigraph's
parser yields the quads one at a time, renaming blank-node labels once for the whole
parse, and they are added in batches of ``BATCH_QUADS`` with ``bulk_extend``.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from tqdm import tqdm

log = logging.getLogger(__name__)

CHUNK_BYTES = 16 * 1024 * 1024
"""Bytes per piece handed to one ``bulk_load`` call (measured: 16-64 MB perform alike, see docs/benchmarks.md).

A ``bulk_load`` call holds several times its piece in memory, so the piece size
bounds the peak of ``kg load``: 200 MB of N-Quads on 2 threads peaked at 640 MB
with 32 MB pieces and 390 MB with 16 MB ones, in about the same time (22 s against 20 s).
"""

MAX_THREADS = 4
"""Upper bound on loader threads: past the core count they only compete for the same cores and the disk."""

LINE_FORMATS = frozenset({ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS})
"""Formats with one statement per line, the only ones that may be cut at newlines."""

BLANK_NODE = b"_:"

BATCH_QUADS = 50_000
"""Quads per ``bulk_extend`` call of a streaming load: the batch bounds its memory.

Measured on 50 MB of Turtle (1.7M triples), in-process peak RSS: 143 MB with 50,000, 194 MB with
100,000, 315 MB with 200,000, 718 MB with 500,000; one ``bulk_load`` call: 1,279 MB. The time is
1.2-1.5x that call's through ``kg load`` (docs/benchmarks.md), the quads crossing into Python and back.
"""


def default_threads() -> int:
    """One loader thread per core, at most ``MAX_THREADS``."""
    return max(1, min(os.cpu_count() or 1, MAX_THREADS))


@dataclass(frozen=True)
class Chunk:
    """Whole lines of the file: their bytes, the file line number of the first one, and its byte offset.

    ``whole`` is False for a piece with no newline before the end of the file (a line
    longer than a chunk, or a file with CR-only line ends): it cannot be cut, so the
    caller loads the file from there on in one parse.
    """

    data: bytes
    first_line: int
    offset: int
    whole: bool = True


def iter_chunks(handle: BinaryIO, chunk_bytes: int) -> Iterator[Chunk]:
    """Cut a binary stream into pieces of about ``chunk_bytes`` that end at a newline.

    The last piece may lack a final newline, as the file may. A piece with no newline
    at all before the end of the stream ends the iteration, marked not ``whole``
    (growing it instead would copy the rest of the file over and over).
    """
    rest = b""
    line = 1
    offset = 0
    while block := handle.read(chunk_bytes):
        block = rest + block
        cut = block.rfind(b"\n") + 1
        if cut == 0:
            yield Chunk(block, line, offset, whole=False)
            return
        piece, rest = block[:cut], block[cut:]
        yield Chunk(piece, line, offset)
        line += piece.count(b"\n")
        offset += len(piece)
    if rest:
        yield Chunk(rest, line, offset)


_LINE = re.compile(r"\bline (\d+)")


def shift_syntax_error(exc: SyntaxError, first_line: int, path: Path) -> SyntaxError:
    """The parser's error for a piece, with its line numbers counted from the top of the whole file.

    pyoxigraph puts the position both in the message ("between line 3 column 23 and
    line 4 column 1") and in the ``lineno``/``end_lineno`` attributes; both are rewritten.
    """
    shift = first_line - 1
    message = _LINE.sub(lambda match: f"line {int(match.group(1)) + shift}", str(exc.msg))
    lineno = exc.lineno + shift if exc.lineno is not None else None
    end_lineno = exc.end_lineno + shift if exc.end_lineno is not None else None
    return SyntaxError(message, (str(path), lineno, exc.offset, None, end_lineno, exc.end_offset))


@dataclass(frozen=True)
class _Failure:
    first_line: int
    error: BaseException


def load_lines_parallel(
    store: ox.Store,
    path: Path,
    fmt: ox.RdfFormat,
    to_graph: ox.NamedNode | None,
    *,
    threads: int,
    chunk_bytes: int = CHUNK_BYTES,
) -> None:
    """Bulk-load an N-Triples/N-Quads file with ``threads`` workers, each loading one piece at a time.

    At most ``threads + 2`` pieces are in memory (one per worker, one queued, one being
    read). When a piece fails, no further pieces are handed out; pieces already being
    loaded finish, then the error of the earliest failing piece is raised (a
    ``SyntaxError`` with whole-file line numbers, or the ``OSError``). Like one
    ``bulk_load`` call, a failure may leave part of the file loaded: the caller undoes it.
    A tqdm bar over bytes shows progress on a terminal (it is silent otherwise).
    """
    if fmt not in LINE_FORMATS:
        raise ValueError(f"{fmt} is not a line-based format")
    size = path.stat().st_size
    with tqdm(total=size, unit="B", unit_scale=True, desc=f"loading {path.name}", disable=None) as bar:
        lock = threading.Lock()

        def advance(n: int) -> None:
            with lock:  # workers finish pieces concurrently; one writer at a time for the bar
                bar.update(n)

        _load(store, path, fmt, to_graph, threads, chunk_bytes, advance)


def _load(
    store: ox.Store,
    path: Path,
    fmt: ox.RdfFormat,
    to_graph: ox.NamedNode | None,
    threads: int,
    chunk_bytes: int,
    progress: Callable[[int], object],
) -> None:
    pending: queue.Queue[Chunk | None] = queue.Queue(maxsize=1)
    failures: list[_Failure] = []
    failed = threading.Event()

    def work() -> None:
        while (chunk := pending.get()) is not None:
            if failed.is_set():
                continue  # keep draining so the reader never blocks on a full queue
            try:
                store.bulk_load(input=chunk.data, format=fmt, to_graph=to_graph)
            except (SyntaxError, OSError, ValueError) as exc:
                failures.append(_Failure(chunk.first_line, exc))  # list.append is atomic under the GIL
                failed.set()
            else:
                progress(len(chunk.data))

    workers = [threading.Thread(target=work, name=f"kg-bulk-{n}", daemon=True) for n in range(threads)]
    for worker in workers:
        worker.start()
    tail: Chunk | None = None
    try:
        with path.open("rb") as handle:
            for chunk in iter_chunks(handle, chunk_bytes):
                if failed.is_set():
                    break
                if not chunk.whole or BLANK_NODE in chunk.data:
                    tail = chunk
                    break
                pending.put(chunk)
    except BaseException:
        failed.set()  # e.g. Ctrl-C or an unreadable file: stop handing out work, let workers finish
        raise
    finally:
        for _ in workers:
            pending.put(None)
        for worker in workers:
            worker.join()
    if failures:
        first = min(failures, key=lambda failure: failure.first_line)
        if isinstance(first.error, SyntaxError):
            raise shift_syntax_error(first.error, first.first_line, path) from first.error
        raise first.error
    if tail is not None:
        reason = "blank nodes" if tail.whole else "no line end within a chunk"
        log.info("%s: %s from line %d on: loading the rest in one parse", path, reason, tail.first_line)
        _load_rest(store, path, fmt, to_graph, tail, progress)


def _load_rest(
    store: ox.Store,
    path: Path,
    fmt: ox.RdfFormat,
    to_graph: ox.NamedNode | None,
    start: Chunk,
    progress: Callable[[int], object],
) -> None:
    """Load the file from ``start`` to its end in one parse, so each blank-node label stays one node."""
    load_streaming(store, path, fmt, to_graph, start=start, progress=progress)


def load_streaming(
    store: ox.Store,
    path: Path,
    fmt: ox.RdfFormat,
    to_graph: ox.NamedNode | None,
    base_iri: str | None = None,
    *,
    start: Chunk | None = None,
    batch_quads: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> None:
    """Parse ``path`` (from ``start`` on) with the streaming parser and add its quads in bounded batches.

    Triples, and the default-graph quads of a dataset format, go to ``to_graph`` when it
    is given, as ``bulk_load`` puts them. Blank-node labels get fresh ids once for the
    whole parse: one label is one node across batches, and never an existing node of the
    store. Memory holds one batch (``batch_quads``, default ``BATCH_QUADS``) whatever the
    file's size. Like ``bulk_load`` it is not transactional: batches written before a
    syntax error or a Ctrl-C (seen between batches) stay, for the caller to undo. A
    ``SyntaxError`` names the file and counts lines from the top of the whole file.
    ``progress`` receives the bytes read since its previous call.
    """
    size = batch_quads or BATCH_QUADS
    offset = start.offset if start else 0
    with path.open("rb") as handle:
        handle.seek(offset)
        parsed = ox.parse(input=handle, format=fmt, base_iri=base_iri, rename_blank_nodes=True)
        if to_graph is not None:
            parsed = (
                ox.Quad(q.subject, q.predicate, q.object, to_graph) if isinstance(q.graph_name, ox.DefaultGraph) else q
                for q in parsed
            )
        read = offset
        try:
            while batch := list(islice(parsed, size)):
                store.bulk_extend(batch)
                if progress is not None:
                    position = handle.tell()
                    progress(position - read)
                    read = position
        except SyntaxError as exc:
            raise shift_syntax_error(exc, start.first_line if start else 1, path) from exc

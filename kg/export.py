"""Writing the whole graph in bounded memory: the merged triples of all named graphs (``kg export``).

A triple stored in several named graphs is written once in a triple format. A SPARQL
``CONSTRUCT`` drops the duplicates by keeping every triple it has seen, so its memory grows
with the store (measured: 102 MB for a 10 MB store, 236 MB for 40 MB). Here every triple
becomes its N-Triples line; lines are sorted in runs of bounded size that go to temporary
files, and the runs are merged (an external merge sort): equal lines meet in the merge and
are written once. N-Triples output is the merged lines themselves; Turtle and the other
triple formats parse the lines back with pyoxigraph's streaming N-Triples parser and hand
them to its serializer, which writes as it reads. Blank nodes keep the labels the store
gives them, as the ``CONSTRUCT`` did, so a node shared by two graphs stays one node.

The temporary files (about the size of the N-Triples export) go to the system's temporary
folder (``$TMPDIR``) and are removed whatever happens. Quad formats (N-Quads, TriG, JSON-LD)
keep the graph names and need no merge: the store writes them as it reads its quads.
"""

from __future__ import annotations

import heapq
import io
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from kg.errors import KGError
from kg.namespaces import PREFIXES
from kg.store.embedded import OxigraphStore
from kg.store.interface import Store

RUN_BYTES = 16 * 1024 * 1024
"""Bytes of N-Triples lines sorted in memory at once (about twice that in Python objects at the peak).

Measured on a store of 1.7M triples (170 MB of lines): 207 MB peak with 32 MB runs, the floor of
an open store and the interpreter being about 100 MB.
"""

MERGE_FAN_IN = 64
"""Runs merged at once; more runs are first merged in groups, so open files stay few."""

WRITE_BYTES = 1 << 20
"""Bytes of merged lines gathered before one write to the output."""


def dump(store: Store, out: BinaryIO, fmt: ox.RdfFormat, *, run_bytes: int | None = None) -> None:
    """Write the whole store to ``out``: quad formats as the store writes them, triple formats merged.

    Only the embedded store is merged here; other stores write their own dump (a remote
    store fetches its quads in pages, the owner of a shared store runs this same function).
    """
    if fmt.supports_datasets or not isinstance(store, OxigraphStore):
        store.dump(out, fmt)
        return
    write_merged_triples(store.iter_quads(), out, fmt, run_bytes=run_bytes)


def write_merged_triples(
    quads: Iterable[ox.Quad], out: BinaryIO, fmt: ox.RdfFormat, *, run_bytes: int | None = None
) -> None:
    """Write the distinct triples of the named-graph ``quads`` to ``out`` in ``fmt`` (a triple format).

    Quads in the default graph are left out, as the store's views of the data leave them out.
    Memory holds one run of ``run_bytes`` (default ``RUN_BYTES``) of lines at a time, whatever
    the number of quads.
    """
    if fmt.supports_datasets:
        raise ValueError(f"{fmt} keeps graph names: write the quads themselves")
    try:
        temporary = tempfile.TemporaryDirectory(prefix="kg-export-")
    except OSError as exc:
        raise KGError(f"cannot create a folder for the export's temporary sort files in {tempfile.gettempdir()}: "
                      f"{exc.strerror or exc} (set TMPDIR to a writable folder)") from exc
    with temporary as folder:
        lines = _merged_lines(quads, Path(folder), run_bytes or RUN_BYTES)
        if fmt == ox.RdfFormat.N_TRIPLES:
            _write_lines(lines, out)
        else:
            parsed = ox.parse(input=_LineReader(lines), format=ox.RdfFormat.N_TRIPLES)
            ox.serialize((quad.triple for quad in parsed), out, fmt, prefixes=PREFIXES)


def ntriples_line(quad: ox.Quad) -> bytes:
    """The N-Triples line of a quad's triple; equal triples give equal lines (pyoxigraph writes terms one way)."""
    return f"{quad.subject} {quad.predicate} {quad.object} .\n".encode()


def _merged_lines(quads: Iterable[ox.Quad], folder: Path, run_bytes: int) -> Iterator[bytes]:
    """The sorted distinct N-Triples lines of the named-graph quads, through sorted runs in ``folder``.

    The runs are written before this returns, so a full disk or Ctrl-C while reading the store
    surfaces here, not inside the serializer that reads the merged lines. A store that fits in
    one run is sorted in memory and never touches the disk.
    """
    runs: list[Path] = []
    batch: list[bytes] = []
    size = 0
    for quad in quads:
        if isinstance(quad.graph_name, ox.DefaultGraph):
            continue
        line = ntriples_line(quad)
        batch.append(line)
        size += len(line)
        if size >= run_bytes:
            batch.sort()
            runs.append(_write_run(_distinct(batch), folder, len(runs)))
            batch, size = [], 0
    batch.sort()
    if not runs:
        return _distinct(batch)
    if batch:
        runs.append(_write_run(_distinct(batch), folder, len(runs)))
    del batch
    number = len(runs)
    while len(runs) > MERGE_FAN_IN:  # merge in groups first: each pass divides the open files by the fan-in
        merged = []
        for start in range(0, len(runs), MERGE_FAN_IN):
            merged.append(_merge_to_file(runs[start : start + MERGE_FAN_IN], folder, number))
            number += 1
        runs = merged
    return _merge(runs)


def _write_run(lines: Iterable[bytes], folder: Path, number: int) -> Path:
    """Write sorted lines to a new run file in ``folder``; a full disk is one clear error."""
    path = folder / f"run-{number:06d}.nt"
    try:
        with path.open("wb", buffering=WRITE_BYTES) as out:
            out.writelines(lines)
    except OSError as exc:
        raise KGError(f"cannot write the export's temporary sort files in {folder.parent}: "
                      f"{exc.strerror or exc} (set TMPDIR to a folder with more space)") from exc
    return path


def _merge_to_file(runs: list[Path], folder: Path, number: int) -> Path:
    """Merge some runs into one bigger run and remove them."""
    path = _write_run(_merge(runs), folder, number)
    for run in runs:
        run.unlink()
    return path


def _merge(runs: list[Path]) -> Iterator[bytes]:
    """The lines of sorted run files in order, each distinct line once."""
    with ExitStack() as stack:
        handles = [stack.enter_context(run.open("rb", buffering=WRITE_BYTES)) for run in runs]
        yield from _distinct(heapq.merge(*handles))


def _distinct(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Sorted lines without repeats (equal lines are next to each other)."""
    previous = None
    for line in lines:
        if line != previous:
            yield line
            previous = line


def _write_lines(lines: Iterable[bytes], out: BinaryIO) -> None:
    """Write lines to ``out`` in blocks of about ``WRITE_BYTES``."""
    block: list[bytes] = []
    size = 0
    for line in lines:
        block.append(line)
        size += len(line)
        if size >= WRITE_BYTES:
            out.write(b"".join(block))
            block, size = [], 0
    if block:
        out.write(b"".join(block))


class _LineReader(io.RawIOBase):
    """A binary stream over an iterator of lines, for a parser that reads from a file object."""

    def __init__(self, lines: Iterator[bytes]) -> None:
        self._lines = lines
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` from the pending bytes and further lines; 0 at the end."""
        want = len(buffer)
        parts = [self._pending]
        size = len(self._pending)
        while size < want:
            line = next(self._lines, None)
            if line is None:
                break
            parts.append(line)
            size += len(line)
        data = b"".join(parts)
        count = min(want, size)
        buffer[:count] = data[:count]
        self._pending = data[count:]
        return count

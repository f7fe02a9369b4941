"""The embedded backend: pyoxigraph on disk (RocksDB) or in memory.

Queries see the union of all named graphs as their default graph unless they
name a dataset (``FROM`` / ``FROM NAMED``, or the protocol's graph parameters).
Updates are transactions; big files load through the bulk loader on several
threads (``kg.store.bulk``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib.term import Node

from kg.errors import InputError, StoreError
from kg.namespaces import PREFIXES
from kg.sparql import bind_values
from kg.sparql_syntax import check_engine_text, tokenize
from kg.store.bulk import CHUNK_BYTES, LINE_FORMATS, default_threads, load_lines_parallel
from kg.store.interface import QUAD_FORMATS, QueryResult, Triple, from_ox, one_line, to_ox, triples_to_ntriples
from kg.store.staged import StagedGraph, recover

log = logging.getLogger(__name__)

FLUSH_ABOVE = 2_000_000
"""Characters of inserted N-Triples above which ``replace_graphs`` flushes the on-disk store."""

FLUSH_QUADS_ABOVE = 20_000
"""Quads added to new graphs above which ``replace_graphs`` flushes too (about ``FLUSH_ABOVE`` characters)."""

def dataset_options(
    sparql: str, default_graphs: Sequence[str] | None = None, named_graphs: Sequence[str] | None = None
) -> dict[str, object]:
    """The dataset options of pyoxigraph for a query, following SPARQL 1.1 (Query section 13, Protocol 2.1.4).

    A dataset given by the protocol (``default-graph-uri`` / ``named-graph-uri``) replaces any
    ``FROM`` / ``FROM NAMED`` of the query, and whatever it leaves out is empty: only default graphs
    given means no named graphs. Without it, the query's own ``FROM`` / ``FROM NAMED`` apply. Only
    when neither names a dataset is the default graph the union of all named graphs (pyoxigraph's
    union flag would otherwise override ``FROM``).
    """
    if default_graphs is None and named_graphs is None:
        has_from = any(token.word == "FROM" for token in tokenize(sparql))
        return {} if has_from else {"use_default_graph_as_union": True}
    try:
        return {
            "default_graph": [ox.NamedNode(g) for g in default_graphs or ()],
            "named_graphs": [ox.NamedNode(g) for g in named_graphs or ()],
        }
    except ValueError as exc:
        raise InputError(f"bad dataset graph IRI: {exc}") from None


def native_query(
    store: ox.Store,
    sparql: str,
    *,
    default_graphs: Sequence[str] | None = None,
    named_graphs: Sequence[str] | None = None,
    base_iri: str | None = None,
) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Run a query string on a pyoxigraph store with a protocol dataset; errors as ``InputError``/``StoreError``."""
    check_engine_text(sparql)  # deep nesting would crash pyoxigraph's parser; SERVICE would call out
    options = dataset_options(sparql, default_graphs, named_graphs)
    if base_iri is not None:
        options["base_iri"] = base_iri
    try:
        return store.query(sparql, prefixes=PREFIXES, **options)  # type: ignore[arg-type]
    except SyntaxError as exc:
        raise InputError(f"SPARQL syntax error: {one_line(exc)}") from exc
    except ValueError as exc:
        raise InputError(f"bad dataset: {exc}") from exc
    except RuntimeError as exc:  # e.g. an extension function the engine does not know
        raise InputError(f"the engine cannot run this query: {one_line(exc)}") from exc
    except OSError as exc:
        raise StoreError(f"query failed: {exc}") from exc


def read_answer(answer: object, max_rows: int | None) -> QueryResult:
    """A pyoxigraph answer as a QueryResult, reading at most ``max_rows`` + 1 rows (evaluation happens here)."""
    if isinstance(answer, ox.QueryBoolean):
        return QueryResult(boolean=bool(answer))
    limit = None if max_rows is None else max_rows + 1
    if isinstance(answer, ox.QuerySolutions):
        variables = tuple(v.value for v in answer.variables)
        rows = [tuple(from_ox(solution[name]) for name in variables) for solution in islice(answer, limit)]
        truncated = max_rows is not None and len(rows) > max_rows
        return QueryResult(variables=variables, rows=rows[:max_rows], truncated=truncated)
    triples = [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in islice(answer, limit)]
    truncated = max_rows is not None and len(triples) > max_rows
    return QueryResult(triples=triples[:max_rows], truncated=truncated)  # type: ignore[arg-type]


# -- the embedded store --------------------------------------------------------------------


class OxigraphStore:
    """pyoxigraph on disk (or in memory): fast SPARQL, transactional updates, bulk loading."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        read_only: bool = False,
        load_threads: int | None = None,
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        """``load_threads`` and ``chunk_bytes`` tune ``load_file`` (threads default to the cores, at most 4)."""
        self.location = str(path) if path else "memory:"
        self._writable = path is not None and not read_only
        self._load_threads = load_threads or default_threads()
        self._chunk_bytes = chunk_bytes
        self.generation = 0
        """Counts the writes this instance committed: a reader holding a snapshot compares it to see if it is behind."""
        try:
            if path is None:
                self._store = ox.Store()
            elif read_only:
                self._store = ox.Store.read_only(str(path))
            else:
                path.mkdir(parents=True, exist_ok=True)
                self._store = ox.Store(str(path))
        except OSError as exc:
            raise StoreError(f"cannot open store {path}: {exc} (is another kg process using it?)") from exc
        if self._writable:
            try:
                recover(self._store)  # a staged write a crash interrupted: finished or undone before any use
            except BaseException:
                del self._store
                raise

    @property
    def engine(self) -> ox.Store:
        """The pyoxigraph store itself: the endpoint serializes its answers natively, without rdflib terms."""
        return self._store

    def query(
        self, sparql: str, bindings: Mapping[str, Node] | None = None, *, max_rows: int | None = None
    ) -> QueryResult:
        # Deep nesting would crash pyoxigraph's parser and SERVICE would call out. The VALUES blocks that
        # bind_values adds hold terms only and nest 3 levels at most, so checking the unbound text suffices.
        check_engine_text(sparql)
        text = bind_values(sparql, bindings)
        try:
            answer = self._store.query(text, prefixes=PREFIXES, **dataset_options(text))  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise InputError(f"SPARQL syntax error: {one_line(exc)}") from exc
        except RuntimeError as exc:  # e.g. an extension function the engine does not know
            raise InputError(f"the engine cannot run this query: {one_line(exc)}") from exc
        except OSError as exc:
            raise StoreError(f"query failed: {exc}") from exc
        try:
            return read_answer(answer, max_rows)
        except RuntimeError as exc:
            raise InputError(f"the query failed: {one_line(exc)}") from exc
        except OSError as exc:
            raise StoreError(f"query failed: {one_line(exc)}") from exc

    def replace_graphs(self, graphs: Mapping[str, Iterable[Triple]]) -> None:
        if not graphs:
            return
        names = [ox.NamedNode(name) for name in graphs]
        if not any(next(self._store.quads_for_pattern(None, None, None, g), None) for g in names):
            # Only new graphs: nothing to drop, and extend() is one transaction by itself. It skips the
            # SPARQL text round trip (serialize, then parse INSERT DATA): about twice as fast.
            # The quads are made while extend() reads them, never held as a list (8 kB per cited-by entry of a
            # big page); an error half-way through still writes nothing, as extend() is one transaction.
            written = 0

            def quads() -> Iterator[ox.Quad]:
                nonlocal written
                for g, triples in zip(names, graphs.values(), strict=True):
                    for s, p, o in triples:
                        written += 1
                        yield ox.Quad(to_ox(s), to_ox(p), to_ox(o), g)

            try:
                self._store.extend(quads())
                self.generation += 1
            except (TypeError, ValueError, OSError) as exc:
                raise StoreError(f"store update failed, nothing written: {exc}") from exc
            if self.location != "memory:" and written > FLUSH_QUADS_ABOVE:
                self._flush()  # the same memtable growth as below: a bulk ingest of new records writes here
            return
        drops = " ;\n".join(f"DROP SILENT GRAPH <{name}>" for name in graphs)
        inserts = "\n".join(
            f"GRAPH <{name}> {{\n{triples_to_ntriples(triples)}}}" for name, triples in graphs.items()
        )
        # One update request is one transaction in oxigraph: readers see all of it or none.
        self._update(f"{drops} ;\nINSERT DATA {{\n{inserts}\n}}")
        if self.location != "memory:" and len(inserts) > FLUSH_ABOVE:
            # Written data stays in RocksDB's memtables until flushed; without this a bulk ingest
            # grows by ~0.9 kB per quad written (measured on pyoxigraph 0.5.13); with it memory stays flat.
            self._flush()

    def stage_graph(self, name: str) -> StagedGraph:
        """Start replacing the graph ``name`` in bounded transactions (``kg.store.staged``): for big graphs."""
        return StagedGraph(self._store, name, on_disk=self.location != "memory:", on_write=self._count_write)

    def _count_write(self) -> None:
        self.generation += 1

    def drop_graphs(self, graphs: Iterable[str]) -> None:
        names = list(graphs)
        if names:
            self._update(" ;\n".join(f"DROP SILENT GRAPH <{name}>" for name in names))

    def _update(self, sparql: str) -> None:
        try:
            self._store.update(sparql)
        except (SyntaxError, OSError) as exc:
            raise StoreError(f"store update failed, nothing written: {exc}") from exc
        self.generation += 1

    def load_file(self, path: Path, fmt: ox.RdfFormat, graph: str | None, base_iri: str | None = None) -> int:
        """Bulk-load a file; N-Triples/N-Quads bigger than one chunk load on several threads (``kg.store.bulk``).

        A memory store keeps the single call: it has no disk writes to overlap.
        """
        before = self.quad_count() if next(iter(self._store), None) is not None else 0
        target = ox.NamedNode(graph) if graph and fmt not in QUAD_FORMATS else None
        parallel = (
            self.location != "memory:"
            and fmt in LINE_FORMATS
            and self._load_threads > 1
            and path.stat().st_size > self._chunk_bytes
        )
        started = time.perf_counter()
        try:
            if parallel:
                load_lines_parallel(
                    self._store, path, fmt, target, threads=self._load_threads, chunk_bytes=self._chunk_bytes
                )
            else:
                self._store.bulk_load(path=str(path), format=fmt, to_graph=target, base_iri=base_iri)
        except SyntaxError as exc:
            raise InputError(f"{path}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{path}: {exc}") from exc
        finally:
            self.generation += 1  # a failed bulk load may have written part of the file
        self._store.flush()
        added = self.quad_count() - before
        elapsed = time.perf_counter() - started
        how = f"{self._load_threads} threads" if parallel else "one call"
        log.info("%s: %d quads in %.1f s (%.0f quads/s, %s)", path, added, elapsed, added / max(elapsed, 1e-9), how)
        return added

    def dump(self, out: BinaryIO, fmt: ox.RdfFormat) -> None:
        if fmt.supports_datasets:  # N-Quads, TriG and JSON-LD keep the graph names
            quads = (q for q in self._store if not isinstance(q.graph_name, ox.DefaultGraph))
            ox.serialize(quads, out, fmt, prefixes=PREFIXES)
            return
        triples = self._store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
        ox.serialize(triples, out, fmt, prefixes=PREFIXES)

    def quad_count(self) -> int:
        # len() walks one index in Rust: several times faster than COUNT(*) through the SPARQL engine.
        in_default = sum(1 for _ in self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        return len(self._store) - in_default

    def iter_quads(self) -> Iterator[ox.Quad]:
        """Every quad, for exports and validation."""
        return iter(self._store)

    def optimize(self) -> None:
        """Compact the on-disk store: a bulk load leaves many overlapping files that each lookup must read."""
        try:
            self._store.optimize()
        except OSError as exc:
            raise StoreError(f"cannot compact {self.location}: {exc}") from exc

    def _flush(self) -> None:
        try:
            self._store.flush()
        except OSError as exc:
            raise StoreError(f"cannot write {self.location}: {exc}") from exc

    def close(self) -> None:
        try:
            if self._writable:  # flush() raises on read-only instances and is pointless in memory
                self._flush()
        finally:
            del self._store

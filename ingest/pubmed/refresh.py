"""``kg refresh``: complete the literature around the studies from PubMed, incrementally and resumably.

**Scope.** The publications expanded (who cites them, what they cite) are the
*seeds* and whatever ``depth`` citation steps reach from them. Seeds are the
curated studies (typed ``ckg:Study`` or reporting a curated finding), the
publications the user's own sources cite (the study of a saved page, the cited
papers of a bibliography), or, with ``pmids``, exactly the PMIDs named.
Papers whose only findings were extracted from their abstracts are seeds only
with ``expand_extracted``. Every publication within ``depth`` gets its full
PubMed record; one known only from a reference list (of a record, or of the
last step's links) is stored as its PMID and its ``cito:cites`` link, and is
fetched only when a later run's depth reaches it.

**Steps**, each batch written atomically as soon as it arrives:

1. publications known only by title or DOI are resolved to their PMID and
   merged into the PubMed node (``resolve.py``), unless ``pmids`` are named;
   one looked up without a match since the cut-off is not looked up again;
2. breadth first from the seeds, ``depth`` steps: a publication with both link
   graphs stored and fresh uses them; the others are asked through elink
   ``pubmed_pubmed_citedin`` and ``pubmed_pubmed_refs`` (one graph per PMID and
   link kind, ``graph/elink/citedin-<pmid>``). The next step's frontier is built
   from the *stored* links as much as from the fetched ones, so a run
   interrupted anywhere and run again reaches the same publications;
3. every publication in scope lacking a fresh record gets it (efetch), one
   graph per PMID (``graph/pubmed/<pmid>``) with ``ckg:lastRefreshed``.

Every batch goes through one ``kg.pipeline.Pipeline`` (enrich, write); its
derive stage (supersessions, counts) runs once, when the refresh ends, also
after a cancel or an error, so a refresh of N batches scans the whole graph
once instead of N times.

**Fixed point.** ``ckg:lastRefreshed`` has day precision and an unchanged graph
is never rewritten, so a second refresh right after a first changes no triple,
and asks nothing (everything in scope is fresh). ``force`` asks again; what
comes back equal is skipped. A record is fresh when refreshed after the
cut-off (``since``, default 7 days ago); a link graph when its record is
fresh or the graph itself was written after the cut-off.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote

from ingest.enrich import enrich_document
from ingest.http import RateLimiter, RemoteError
from ingest.pubmed import api
from ingest.pubmed.client import EutilsClient
from ingest.pubmed.parser import PubmedRecord, parse_pubmed_xml
from ingest.pubmed.resolve import Unresolved, find_pmid, merge_resolutions, record_misses
from kg.counts import live_counts
from kg.errors import KGError
from kg.ids import graph_iri, is_provisional, normalize_pmid
from kg.model import Citation, PublicationRef, SourceDocument
from kg.namespaces import PUBMED
from kg.pipeline import Pipeline
from kg.store import Store

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(days=7)
LINKS = {"citedin": api.CITED_IN, "refs": api.REFS}
HISTORY_CHUNK = 10_000
"""Ids per epost (``api.efetch`` posts larger sets in chunks of this size)."""

# ?study is one EXISTS over a UNION, not `EXISTS {..} || EXISTS {..}`: Virtuoso 7.2 rejects two EXISTS
# joined by an operator (SQ074). It answers 0/1 where pyoxigraph answers false/true; _state uses bool().
_PUBLICATIONS = """
SELECT ?pub ?pmid ?doi ?title ?refreshed ?study ?extracted WHERE {
  { ?pub a bibo:Document } UNION { ?pub ckg:reportsFinding ?finding } UNION { ?pub a ckg:Study }
  OPTIONAL { ?pub fabio:hasPubMedId ?pmid }
  OPTIONAL { ?pub prism:doi ?doi }
  OPTIONAL { ?pub dcterms:title ?title }
  OPTIONAL { ?pub ckg:lastRefreshed ?refreshed }
  BIND(EXISTS { { ?pub ckg:reportsFinding ?f . ?f ckg:method ckg:Curated } UNION { ?pub a ckg:Study } } AS ?study)
  BIND(EXISTS { ?pub ckg:reportsFinding ?e } AS ?extracted)
}"""
_CITED_BY_USER_SOURCES = """
SELECT DISTINCT ?pub WHERE {
  GRAPH ?g { ?g ckg:sourceKind ?kind . ?citing cito:cites ?pub }
  FILTER (?kind NOT IN ("elink", "pubmed"))
}"""
_ELINK_LINKS = """
SELECT ?g ?written ?citing ?cited WHERE {
  GRAPH ?g { ?g ckg:sourceKind "elink" ; prov:generatedAtTime ?written OPTIONAL { ?citing cito:cites ?cited } }
}"""


class RefreshCancelled(KGError):
    """The user cancelled a refresh; what was stored before stays."""


@dataclass(frozen=True)
class ProgressEvent:
    """One step of a refresh, for progress displays.

    ``phase`` is ``resolve``, ``links``, ``records``, ``retry`` or ``done``;
    ``done`` of ``planned`` counts publications in that phase (the planned count
    of ``links`` grows as each step finds the next frontier).
    """

    phase: str
    done: int
    planned: int
    message: str


Progress = Callable[[ProgressEvent], None]


@dataclass
class Known:
    """What the graph holds about one publication node."""

    iri: str
    pmid: str | None = None
    doi: str | None = None
    title: str | None = None
    refreshed: datetime | None = None
    study: bool = False
    extracted: bool = False


@dataclass
class StoredLinks:
    """The elink graphs in the store: linked PMIDs and when each graph was written."""

    linked: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    written: dict[tuple[str, str], datetime] = field(default_factory=dict)


@dataclass
class RefreshPlan:
    """What a refresh will ask, as far as the store tells before asking anything."""

    seeds: int = 0
    resolve: int = 0
    link_steps: list[tuple[int, int]] = field(default_factory=list)
    """Per depth step: (publications whose links are asked, publications whose stored links are used)."""
    open_steps: int = 0
    """Steps whose frontier depends on links not asked yet (their size is unknown before the run)."""
    open_reach: bool = False
    """Links are to be asked, so more publications than ``records`` may come into scope."""
    records: int = 0
    fresh: int = 0

    def requests(self) -> dict[str, int]:
        """Estimated requests per E-utility (the known part; resolution counts its first esearch only)."""
        return {
            "esearch": self.resolve,
            "elink": sum(len(LINKS) * math.ceil(n / api.BATCH) for n, _ in self.link_steps),
            "epost": math.ceil(self.records / HISTORY_CHUNK) if self.records > api.BATCH else 0,
            "efetch": self.resolve + math.ceil(self.records / api.BATCH),
        }

    def describe(self) -> str:
        """Lines for ``kg refresh --dry-run``; times at the rate limiter's spacing for 3 and 10 requests/s."""
        per = self.requests()
        total = sum(per.values())

        def spacing(rate: float) -> float:
            return RateLimiter(rate).interval
        lines = [f"seeds (publications expanded from): {self.seeds}",
                 f"to resolve by title/DOI: {self.resolve} (esearch, then efetch of the hits)"]
        for step, (asked, reused) in enumerate(self.link_steps, start=1):
            lines.append(f"links, step {step}: {asked} publication(s) asked (elink citedin + refs), "
                         f"{reused} from stored link graphs")
        if self.open_steps:
            lines.append(f"links, {self.open_steps} more step(s): sizes known only once the links above "
                         "are asked")
        lines.append(f"records to fetch: {self.records} (efetch){' + those new links reach' if self.open_reach else ''}"
                     f"; fresh, skipped: {self.fresh}")
        lines.append("requests per E-utility: " + ", ".join(f"{k} {v}" for k, v in per.items()))
        lines.append(f"batches: {per['elink'] + per['efetch']} of up to {api.BATCH} ids")
        lines.append(f"estimated requests: {total}{' or more' if self.open_reach or self.resolve else ''}; "
                     f"time at 3 requests/s: {total * spacing(3.0):.1f} s, at 10 requests/s (API key): "
                     f"{total * spacing(10.0):.1f} s")
        return "\n".join(lines)


@dataclass
class RefreshSummary:
    """What a refresh changed, per kind, and what it cost."""

    new_publications: int = 0
    new_citation_links: int = 0
    new_findings: int = 0
    records_written: int = 0
    records_unchanged: int = 0
    link_sets_written: int = 0
    link_sets_unchanged: int = 0
    link_sets_reused: int = 0
    resolved: int = 0
    skipped_fresh: int = 0
    in_scope: int = 0
    missing: list[str] = field(default_factory=list)
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    per_utility: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """A few lines for the user: what changed per kind, then the cost."""
        lines = [
            f"publications in scope: {self.in_scope}",
            f"new publications: {self.new_publications}",
            f"new citation links: {self.new_citation_links}",
            f"PubMed records written (new or changed): {self.records_written}, unchanged: {self.records_unchanged}",
            f"citation link sets written: {self.link_sets_written}, unchanged: {self.link_sets_unchanged}, "
            f"used from the store: {self.link_sets_reused}",
            f"findings added (net): {self.new_findings}",
            f"resolved by title/DOI: {self.resolved}",
            f"skipped as recently refreshed: {self.skipped_fresh}",
            f"requests: {self.requests} ({self.retries} retried, {self.throttled} answered 429)"
            + (": " + ", ".join(f"{k} {v}" for k, v in sorted(self.per_utility.items())) if self.per_utility else ""),
        ]
        if self.missing:
            lines.append(f"not found in PubMed: {', '.join(self.missing[:20])}"
                         + (" ..." if len(self.missing) > 20 else ""))
        return "\n".join(lines)


def _moment(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _state(store: Store) -> dict[str, Known]:
    known: dict[str, Known] = {}
    for row in store.query(_PUBLICATIONS).values():
        iri = str(row["pub"])
        entry = known.setdefault(iri, Known(iri))
        if row["pmid"]:
            entry.pmid = str(row["pmid"])
        elif iri.startswith(str(PUBMED)) and not entry.pmid:
            entry.pmid = iri.removeprefix(str(PUBMED))
        entry.doi = entry.doi or (str(row["doi"]) if row["doi"] else None)
        entry.title = entry.title or (str(row["title"]) if row["title"] else None)
        if row["refreshed"] is not None:
            moment = _moment(row["refreshed"])
            entry.refreshed = max(entry.refreshed or moment, moment)
        entry.study = entry.study or bool(row["study"])
        entry.extracted = entry.extracted or bool(row["extracted"])
    return known


def _pmid_of(iri: str) -> str | None:
    return iri.removeprefix(str(PUBMED)) if iri.startswith(str(PUBMED)) else None


def stored_links(store: Store) -> StoredLinks:
    """Every elink graph: (kind, PMID) -> the PMIDs it links, and when the graph was written."""
    prefix = graph_iri("elink", "x")[:-1]
    found = StoredLinks()
    linked: dict[tuple[str, str], list[str]] = {}
    for row in store.query(_ELINK_LINKS).values():
        short, _, pmid = unquote(str(row["g"]).removeprefix(prefix)).partition("-")
        if short not in LINKS or not pmid:
            continue
        key = (short, pmid)
        linked.setdefault(key, [])
        found.written[key] = _moment(row["written"])
        if row["citing"] is None:
            continue
        other = _pmid_of(str(row["citing"] if short == "citedin" else row["cited"]))
        if other and other != pmid:
            linked[key].append(other)
    found.linked = {key: tuple(sorted(set(values), key=int)) for key, values in linked.items()}
    return found


def _pubmed_documents(records: Iterable[PubmedRecord], stamp: str, source: str) -> list[SourceDocument]:
    docs = []
    for record in records:
        pub = record.publication
        cites = tuple(Citation(citing=pub.ref, cited=PublicationRef(pmid=ref)) for ref in record.references)
        publication = replace(pub, last_refreshed=stamp)
        docs.append(SourceDocument(
            kind="pubmed", key=pub.pmid or "", source=f"{source}efetch.fcgi?db=pubmed&id={pub.pmid}",
            records=(publication, *cites),
        ))
    return docs


def _link_documents(links: dict[str, tuple[str, ...]], short: str, source: str) -> list[SourceDocument]:
    docs = []
    for pmid, linked in links.items():
        if short == "citedin":
            records = tuple(Citation(citing=PublicationRef(pmid=o), cited=PublicationRef(pmid=pmid)) for o in linked)
        else:
            records = tuple(Citation(citing=PublicationRef(pmid=pmid), cited=PublicationRef(pmid=o)) for o in linked)
        docs.append(SourceDocument(
            kind="elink", key=f"{short}-{pmid}", records=records,
            source=f"{source}elink.fcgi?dbfrom=pubmed&linkname={LINKS[short]}&id={pmid}",
        ))
    return docs


class _Reporter:
    """Progress per phase for the callback, and the cancel check between requests."""

    def __init__(self, progress: Progress | None, cancel: threading.Event | None) -> None:
        self.progress = progress
        self.cancel = cancel
        self.phase = ""
        self.done = 0
        self.planned = 0

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise RefreshCancelled("refresh cancelled; the batches stored before are kept; run it again to continue")

    def start(self, phase: str, planned: int, message: str) -> None:
        self.phase, self.done, self.planned = phase, 0, planned
        self.emit(message)

    def plan(self, more: int, message: str) -> None:
        self.planned += more
        self.emit(message)

    def advance(self, count: int, message: str) -> None:
        self.done += count
        self.emit(message)

    def emit(self, message: str, phase: str | None = None) -> None:
        if self.progress:
            self.progress(ProgressEvent(phase or self.phase, self.done, max(self.planned, self.done), message))
        self.check()


@dataclass
class _Context:
    store: Store
    pipeline: Pipeline | None
    """Every batch is written through it; it derives once, when the refresh ends."""
    client: EutilsClient | None
    force: bool
    cutoff: datetime
    stamp: str
    now: datetime
    summary: RefreshSummary
    reporter: _Reporter
    known: dict[str, Known] = field(default_factory=dict)
    links: StoredLinks = field(default_factory=StoredLinks)

    def fresh(self, pmid: str) -> bool:
        entry = self.known.get(f"{PUBMED}{pmid}")
        return bool(entry and entry.refreshed and entry.refreshed >= self.cutoff and not self.force)

    def links_fresh(self, pmid: str) -> bool:
        """Both link graphs are stored, and either the record or both graphs are fresh."""
        keys = [(short, pmid) for short in LINKS]
        if self.force or any(key not in self.links.linked for key in keys):
            return False
        return self.fresh(pmid) or all(self.links.written[key] >= self.cutoff for key in keys)

    def stored(self, pmid: str) -> set[str]:
        return {other for short in LINKS for other in self.links.linked.get((short, pmid), ())}


def _cutoff(now: datetime, since: date | datetime | None) -> datetime:
    if since is None:
        return now - STALE_AFTER
    if isinstance(since, datetime):
        return since if since.tzinfo else since.replace(tzinfo=UTC)
    return datetime.combine(since, time(0), tzinfo=UTC)


def _seeds(ctx: _Context, named: list[str] | None, expand_extracted: bool) -> list[str]:
    if named is not None:
        return list(dict.fromkeys(named))
    centre = {str(row[0]) for row in ctx.store.query(_CITED_BY_USER_SOURCES).rows}
    return sorted({k.pmid for k in ctx.known.values()
                   if k.pmid and (k.study or k.iri in centre or (expand_extracted and k.extracted))}, key=int)


def _unresolved(ctx: _Context) -> list[Unresolved]:
    """Publications without PMID to look up: not those looked up without a match since the cut-off."""
    return [Unresolved(k.iri, k.title, k.doi) for k in ctx.known.values()
            if not k.pmid and (k.doi or is_provisional(k.iri))
            and (ctx.force or not (k.refreshed and k.refreshed >= ctx.cutoff))]


def _walk(ctx: _Context, seeds: Sequence[str], depth: int,
          fetch: Callable[[list[str]], set[str]] | None, plan: RefreshPlan | None = None) -> list[str]:
    """Breadth first from the seeds; return every PMID within ``depth`` (seeds first).

    ``fetch`` asks and stores the links of the publications that need it and
    returns what they link to; without it (a dry run) the walk follows stored
    links only and notes how many steps stay open.
    """
    reached = dict.fromkeys(seeds)
    visited: set[str] = set()
    frontier = list(seeds)
    for step in range(depth):
        todo = [p for p in frontier if p not in visited]
        visited.update(todo)
        asked = [p for p in todo if not ctx.links_fresh(p)]
        reused = [p for p in todo if ctx.links_fresh(p)]
        found: set[str] = set()
        for pmid in reused:
            found |= ctx.stored(pmid)
        ctx.summary.link_sets_reused += len(LINKS) * len(reused)
        if plan is not None:
            plan.link_steps.append((len(asked), len(reused)))
        if asked:
            if fetch is None:
                if plan is not None:
                    plan.open_steps, plan.open_reach = depth - step - 1, True
            else:
                found |= fetch(asked)
        for pmid in sorted(found, key=int):
            reached.setdefault(pmid)
        frontier = sorted(found - visited, key=int)
        if not frontier:
            break
    return list(reached)


def plan_refresh(
    store: Store,
    *,
    pmids: Sequence[str] | None = None,
    depth: int = 1,
    force: bool = False,
    since: date | datetime | None = None,
    expand_extracted: bool = False,
    now: datetime | None = None,
) -> RefreshPlan:
    """What ``refresh`` with the same arguments would ask, read from the store alone (nothing is sent)."""
    now = now or datetime.now(UTC)
    ctx = _Context(store, None, None, force, _cutoff(now, since), "", now, RefreshSummary(), _Reporter(None, None))
    ctx.known, ctx.links = _state(store), stored_links(store)
    named = [normalize_pmid(p) for p in pmids] if pmids else None
    plan = RefreshPlan()
    if named is None:
        plan.resolve = len(_unresolved(ctx))
    seeds = _seeds(ctx, named, expand_extracted)
    plan.seeds = len(seeds)
    scope = _walk(ctx, seeds, depth, None, plan)
    plan.records = sum(1 for p in scope if not ctx.fresh(p))
    plan.fresh = len(scope) - plan.records
    return plan


def refresh(
    store: Store,
    client: EutilsClient,
    *,
    pmids: Sequence[str] | None = None,
    depth: int = 1,
    force: bool = False,
    since: date | datetime | None = None,
    expand_extracted: bool = False,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    now: datetime | None = None,
) -> RefreshSummary:
    """Refresh the graph from PubMed (see the module docstring); returns what changed."""
    now = now or datetime.now(UTC)
    stamp = datetime.combine(now.date(), time(0), tzinfo=UTC).isoformat().replace("+00:00", "Z")
    named = [normalize_pmid(p) for p in pmids] if pmids else None
    summary = RefreshSummary()
    reporter = _Reporter(progress, cancel)
    pipeline = Pipeline(store, enrich=enrich_document, now=now)
    ctx = _Context(store, pipeline, client, force, _cutoff(now, since), stamp, now, summary, reporter)
    before = live_counts(store)
    listener = client.http.on_retry

    def on_retry(path: str, number: int, allowed: int, delay: float, reason: str) -> None:
        if listener:
            listener(path, number, allowed, delay, reason)
        if progress:
            progress(ProgressEvent("retry", reporter.done, max(reporter.planned, reporter.done),
                                   f"{path}: {reason}; retry {number}/{allowed} in {delay:.1f} s"))

    client.http.on_retry = on_retry
    try:
        with pipeline:  # batches are written as they arrive; the derive stage runs once, on the way out
            _run(ctx, named, depth, expand_extracted)
        reporter.emit("finished", phase="done")
    except RemoteError as exc:
        raise RemoteError(f"{exc} (batches finished before this were stored and are kept)") from exc
    finally:
        client.http.on_retry = listener
        after = live_counts(store)
        summary.new_publications = after["publications"] - before["publications"]
        summary.new_citation_links = after["citationLinks"] - before["citationLinks"]
        summary.new_findings = after["findings"] - before["findings"]
        stats = client.http.stats
        summary.requests, summary.throttled, summary.retries = stats.requests, stats.throttled, stats.retries
        summary.per_utility = dict(stats.per_path)
    return summary


def _resolve(ctx: _Context) -> None:
    assert ctx.client is not None and ctx.pipeline is not None
    unresolved = _unresolved(ctx)
    ctx.reporter.start("resolve", len(unresolved), "resolving publications known by title or DOI")
    resolutions = []
    misses: list[str] = []
    for wanted in unresolved:
        found = find_pmid(ctx.client, wanted)
        if found:
            resolutions.append(found)
        else:
            misses.append(wanted.iri)
        ctx.reporter.advance(1, f"resolved {len(resolutions)}")
    record_misses(ctx.store, misses, ctx.stamp, f"{ctx.client.base_url}esearch.fcgi", ctx.now)
    if resolutions:
        merge_resolutions(ctx.store, resolutions, ctx.now)
        ctx.pipeline.stored_state_changed()  # graphs were rewritten and aliases recorded outside the pipeline
        ctx.summary.resolved = len(resolutions)
        # The records fetched to check the match are stored here, not fetched again below.
        result = ctx.pipeline.write(_pubmed_documents([r.record for r in resolutions], ctx.stamp,
                                                      ctx.client.base_url))
        ctx.summary.records_written += result.written
        ctx.summary.records_unchanged += result.unchanged
        ctx.known = _state(ctx.store)


def _fetch_links(ctx: _Context, asked: list[str]) -> set[str]:
    """Ask both link kinds of ``asked`` (batches of 200), store each batch, return every linked PMID."""
    assert ctx.client is not None and ctx.pipeline is not None
    ctx.reporter.plan(len(LINKS) * len(asked), f"asking the links of {len(asked)} publication(s)")
    found: set[str] = set()
    for short, linkname in LINKS.items():
        for links in api.elink(ctx.client, asked, linkname):
            result = ctx.pipeline.write(_link_documents(links, short, ctx.client.base_url))
            ctx.summary.link_sets_written += result.written
            ctx.summary.link_sets_unchanged += result.unchanged
            for linked in links.values():
                found.update(linked)
            ctx.reporter.advance(len(links), f"linked ({short})")
    return found


def _run(ctx: _Context, named: list[str] | None, depth: int, expand_extracted: bool) -> None:
    assert ctx.client is not None and ctx.pipeline is not None
    ctx.known, ctx.links = _state(ctx.store), stored_links(ctx.store)
    if named is None:
        _resolve(ctx)
    seeds = _seeds(ctx, named, expand_extracted)
    ctx.reporter.start("links", 0, f"{len(seeds)} seed(s), depth {depth}")
    scope = _walk(ctx, seeds, depth, lambda asked: _fetch_links(ctx, asked))
    ctx.summary.in_scope = len(scope)
    targets = sorted((p for p in scope if not ctx.fresh(p)), key=int)
    ctx.summary.skipped_fresh += len(scope) - len(targets)
    ctx.reporter.start("records", len(targets), f"{len(targets)} record(s) to fetch")
    returned: set[str] = set()
    for body in api.efetch(ctx.client, targets):
        records = parse_pubmed_xml(body, where="efetch answer")
        returned.update(r.publication.pmid or "" for r in records)
        result = ctx.pipeline.write(_pubmed_documents(records, ctx.stamp, ctx.client.base_url))
        ctx.summary.records_written += result.written
        ctx.summary.records_unchanged += result.unchanged
        ctx.reporter.advance(len(records), "fetched")
    ctx.summary.missing = sorted(set(targets) - returned, key=int)
    for pmid in ctx.summary.missing:
        log.warning("PMID %s: not found in PubMed (no record returned)", pmid)

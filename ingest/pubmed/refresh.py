"""``kg refresh``: complete the literature around the studies from PubMed, incrementally.

Steps, each batch written atomically as soon as it arrives (so a failure later
keeps everything before it):

1. publications known only by title or DOI are resolved to their PMID and
   merged into the PubMed node (``resolve.py``);
2. the studies (publications that report findings, or that the user's own
   sources cite, like the study of a saved page), or the PMIDs named, are
   expanded ``depth`` steps through elink ``pubmed_pubmed_citedin`` and
   ``pubmed_pubmed_refs``: one graph per source PMID and link kind
   (``graph/elink/citedin-<pmid>``) holding its ``cito:cites`` links;
3. every publication lacking a fresh record gets its PubMed record (efetch),
   one graph per PMID (``graph/pubmed/<pmid>``) with ``ckg:lastRefreshed``.

``ckg:lastRefreshed`` has day precision: a second refresh the same day, even
with ``--force``, writes identical triples, so it changes nothing. A
publication refreshed after the cut-off (``since``, default 7 days ago) is
skipped unless ``force``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import unquote

from ingest.enrich import enrich_document
from ingest.http import RemoteError
from ingest.pubmed import api
from ingest.pubmed.client import EutilsClient
from ingest.pubmed.parser import PubmedRecord, parse_pubmed_xml
from ingest.pubmed.resolve import Unresolved, find_pmid, merge_resolutions
from kg.ids import graph_iri, is_provisional, normalize_pmid
from kg.loader import LoadSummary, load_documents
from kg.model import Citation, PublicationRef, SourceDocument
from kg.namespaces import PUBMED
from kg.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
STALE_AFTER = timedelta(days=7)
LINKS = {"citedin": api.CITED_IN, "refs": api.REFS}

# ?study is one EXISTS over a UNION, not `EXISTS {..} || EXISTS {..}`: Virtuoso 7.2 rejects two EXISTS
# joined by an operator (SQ074). It answers 0/1 where pyoxigraph answers false/true; _state uses bool().
_PUBLICATIONS = """
SELECT ?pub ?pmid ?doi ?title ?refreshed ?study WHERE {
  { ?pub a bibo:Document } UNION { ?pub ckg:reportsFinding ?finding } UNION { ?pub a ckg:Study }
  OPTIONAL { ?pub fabio:hasPubMedId ?pmid }
  OPTIONAL { ?pub prism:doi ?doi }
  OPTIONAL { ?pub dcterms:title ?title }
  OPTIONAL { ?pub ckg:lastRefreshed ?refreshed }
  BIND(EXISTS { { ?pub ckg:reportsFinding ?f } UNION { ?pub a ckg:Study } } AS ?study)
}"""
_CITED_BY_USER_SOURCES = """
SELECT DISTINCT ?pub WHERE {
  GRAPH ?g { ?g ckg:sourceKind ?kind . ?citing cito:cites ?pub }
  FILTER (?kind NOT IN ("elink", "pubmed"))
}"""
_ELINK_GRAPHS = 'SELECT DISTINCT ?g WHERE { GRAPH ?g { ?g ckg:sourceKind "elink" } }'
_COUNTS = """SELECT (COUNT(DISTINCT ?p) AS ?pubs) (COUNT(DISTINCT ?link) AS ?links) WHERE {
  { ?p a bibo:Document } UNION { ?a cito:cites ?b BIND(CONCAT(STR(?a), " ", STR(?b)) AS ?link) } }"""


@dataclass
class Known:
    """What the graph holds about one publication node."""

    iri: str
    pmid: str | None = None
    doi: str | None = None
    title: str | None = None
    refreshed: datetime | None = None
    study: bool = False


@dataclass
class RefreshSummary:
    """What a refresh changed, and what it cost."""

    new_publications: int = 0
    new_citation_links: int = 0
    records_written: int = 0
    records_unchanged: int = 0
    link_sets_written: int = 0
    resolved: int = 0
    skipped_fresh: int = 0
    missing: list[str] = field(default_factory=list)
    requests: int = 0
    throttled: int = 0
    retries: int = 0

    def describe(self) -> str:
        """A few lines for the user."""
        lines = [
            f"new publications: {self.new_publications}",
            f"new citation links: {self.new_citation_links}",
            f"PubMed records written (new or changed): {self.records_written}, unchanged: {self.records_unchanged}",
            f"citation link sets written: {self.link_sets_written}",
            f"resolved by title/DOI: {self.resolved}",
            f"skipped as recently refreshed: {self.skipped_fresh}",
            f"requests: {self.requests} ({self.retries} retried, {self.throttled} answered 429)",
        ]
        if self.missing:
            lines.append(f"not found in PubMed: {', '.join(self.missing[:20])}"
                         + (" ..." if len(self.missing) > 20 else ""))
        return "\n".join(lines)


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
        stamp = row["refreshed"]
        if stamp is not None:
            moment = stamp if isinstance(stamp, datetime) else datetime.fromisoformat(str(stamp))
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            entry.refreshed = max(entry.refreshed or moment, moment)
        entry.study = entry.study or bool(row["study"])
    return known


def _links_done(store: Store) -> set[str]:
    prefix = graph_iri("elink", "x")[:-1]
    return {unquote(str(row[0]).removeprefix(prefix)) for row in store.query(_ELINK_GRAPHS).rows}


def _counts(store: Store) -> tuple[int, int]:
    row = store.query(_COUNTS).values()[0]
    return int(row["pubs"] or 0), int(row["links"] or 0)


def _pubmed_documents(records: Iterable[PubmedRecord], stamp: str, source: str) -> list[SourceDocument]:
    docs = []
    for record in records:
        pub = record.publication
        cites = tuple(Citation(citing=pub.ref, cited=PublicationRef(pmid=ref)) for ref in record.references)
        publication = replace(pub, last_refreshed=stamp)
        docs.append(enrich_document(SourceDocument(
            kind="pubmed", key=pub.pmid or "", source=f"{source}efetch.fcgi?db=pubmed&id={pub.pmid}",
            records=(publication, *cites),
        )))
    return docs


def _link_documents(links: dict[str, tuple[str, ...]], short: str, source: str) -> list[SourceDocument]:
    docs = []
    for pmid, linked in links.items():
        if short == "citedin":
            records = tuple(Citation(citing=PublicationRef(pmid=o), cited=PublicationRef(pmid=pmid)) for o in linked)
        else:
            records = tuple(Citation(citing=PublicationRef(pmid=pmid), cited=PublicationRef(pmid=o)) for o in linked)
        docs.append(enrich_document(SourceDocument(
            kind="elink", key=f"{short}-{pmid}", records=records,
            source=f"{source}elink.fcgi?dbfrom=pubmed&linkname={LINKS[short]}&id={pmid}",
        )))
    return docs


class _Tracker:
    """Progress counts for the callback: the total grows as links discover new work."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.done = 0
        self.total = 0

    def plan(self, more: int) -> None:
        self.total += more
        self.report("planned")

    def advance(self, count: int, message: str) -> None:
        self.done += count
        self.report(message)

    def report(self, message: str) -> None:
        if self.progress:
            self.progress(self.done, max(self.total, self.done), message)


def refresh(
    store: Store,
    client: EutilsClient,
    *,
    pmids: Sequence[str] | None = None,
    depth: int = 1,
    force: bool = False,
    since: date | datetime | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> RefreshSummary:
    """Refresh the graph from PubMed (see the module docstring); returns what changed."""
    now = now or datetime.now(UTC)
    stamp = datetime.combine(now.date(), time(0), tzinfo=UTC).isoformat().replace("+00:00", "Z")
    if since is None:
        cutoff = now - STALE_AFTER
    elif isinstance(since, datetime):
        cutoff = since if since.tzinfo else since.replace(tzinfo=UTC)
    else:
        cutoff = datetime.combine(since, time(0), tzinfo=UTC)
    named = [normalize_pmid(p) for p in pmids] if pmids else None
    summary = RefreshSummary()
    tracker = _Tracker(progress)
    pubs_before, links_before = _counts(store)
    loaded = LoadSummary()
    try:
        _run(store, client, named, depth, force, cutoff, stamp, now, summary, tracker, loaded)
    except RemoteError as exc:
        raise RemoteError(f"{exc} (batches finished before this were stored and are kept)") from exc
    finally:
        pubs_after, links_after = _counts(store)
        summary.new_publications = pubs_after - pubs_before
        summary.new_citation_links = links_after - links_before
        stats = client.http.stats
        summary.requests, summary.throttled, summary.retries = stats.requests, stats.throttled, stats.retries
    return summary


def _run(store: Store, client: EutilsClient, named: list[str] | None, depth: int, force: bool,
         cutoff: datetime, stamp: str, now: datetime, summary: RefreshSummary, tracker: _Tracker,
         loaded: LoadSummary) -> None:
    known = _state(store)

    def fresh(pmid: str) -> bool:
        entry = known.get(f"{PUBMED}{pmid}")
        return bool(entry and entry.refreshed and entry.refreshed >= cutoff and not force)

    # 1. publications known only by title or DOI
    if named is None:
        unresolved = [Unresolved(k.iri, k.title, k.doi) for k in known.values()
                      if not k.pmid and (k.doi or is_provisional(k.iri))]
        tracker.plan(len(unresolved))
        resolutions = []
        for wanted in unresolved:
            found = find_pmid(client, wanted)
            if found:
                resolutions.append(found)
            tracker.advance(1, "resolving titles")
        if resolutions:
            merge_resolutions(store, resolutions, now)
            summary.resolved = len(resolutions)
            # The records fetched to check the match are stored now, not fetched again below.
            result = load_documents(store, _pubmed_documents([r.record for r in resolutions], stamp, client.base_url),
                                    now=now)
            summary.records_written += result.written
            summary.records_unchanged += result.unchanged
            known = _state(store)

    # 2. citation links, depth steps out from the studies (or the PMIDs named)
    if named is None:
        # The studies, and what the user's own sources (a page's cited-by list, a bibliography) centre on.
        centre = {str(row[0]) for row in store.query(_CITED_BY_USER_SOURCES).rows}
        seeds = sorted({k.pmid for k in known.values() if k.pmid and (k.study or k.iri in centre)})
    else:
        seeds = named
    done_links = _links_done(store)
    visited: set[str] = set()
    discovered: set[str] = set()
    frontier = list(dict.fromkeys(seeds))
    for _step in range(depth):
        todo = [p for p in frontier if p not in visited and
                (force or not fresh(p) or any(f"{s}-{p}" not in done_links for s in LINKS))]
        visited.update(frontier)
        tracker.plan(2 * len(todo))
        found: set[str] = set()
        for short, linkname in LINKS.items():
            for links in api.elink(client, todo, linkname):
                docs = _link_documents(links, short, client.base_url)
                result = load_documents(store, docs, now=now)
                summary.link_sets_written += result.written
                loaded.merge(result)
                for linked in links.values():
                    found.update(linked)
                tracker.advance(len(links), f"links ({short})")
        discovered |= found
        frontier = sorted(found - visited)
        if not frontier:
            break

    # 3. PubMed records for everything that lacks a fresh one
    wanted = set(named or ()) | discovered | set(seeds)
    if named is None:
        wanted |= {k.pmid for k in known.values() if k.pmid}
    targets = sorted(p for p in wanted if not fresh(p))
    summary.skipped_fresh += len(wanted) - len(targets)
    tracker.plan(len(targets))
    returned: set[str] = set()
    for body in api.efetch(client, targets):
        records = parse_pubmed_xml(body, where="efetch answer")
        returned.update(r.publication.pmid or "" for r in records)
        result = load_documents(store, _pubmed_documents(records, stamp, client.base_url), now=now)
        summary.records_written += result.written
        summary.records_unchanged += result.unchanged
        loaded.merge(result)
        tracker.advance(len(records), "records")
    summary.missing = sorted(set(targets) - returned, key=int)
    for pmid in summary.missing:
        log.warning("PMID %s: not found in PubMed (no record returned)", pmid)

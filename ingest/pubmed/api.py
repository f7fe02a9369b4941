"""E-utilities calls: esearch, efetch, elink, esummary, epost (I/O only; parsing is elsewhere).

Batches are sized to cut the request count: up to 200 ids per efetch/elink
request (sent as POST), and the history server (epost + WebEnv/query_key) for
sets larger than one batch, so ids are uploaded once and pages are fetched by
position.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

from ingest.pubmed.client import EutilsClient, EutilsError

log = logging.getLogger(__name__)

BATCH = 200
CITED_IN = "pubmed_pubmed_citedin"
REFS = "pubmed_pubmed_refs"


@dataclass(frozen=True)
class SearchResult:
    """What esearch found: the total count, the first ids, and NCBI's error/warning notes."""

    count: int
    ids: tuple[str, ...]
    webenv: str | None = None
    query_key: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class History:
    """A set of ids held by NCBI's history server."""

    webenv: str
    query_key: str
    count: int


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _xml(utility: str, body: bytes) -> SafeET.Element:
    try:
        return SafeET.fromstring(body)
    except SafeET.ParseError as exc:
        raise EutilsError(f"{utility}: malformed XML answer ({exc})") from None


def esearch(client: EutilsClient, term: str, *, retmax: int = 20, usehistory: bool = False) -> SearchResult:
    """Search PubMed; NCBI's ``ErrorList``/``WarningList`` (e.g. PhraseNotFound) come back as notes."""
    data = client.call_json("esearch", {"db": "pubmed", "term": term, "retmax": retmax,
                                        "usehistory": "y" if usehistory else None})
    result = data.get("esearchresult") or {}
    notes: list[str] = []
    for key in ("errorlist", "warninglist"):
        for kind, values in (result.get(key) or {}).items():
            if values:
                notes.append(f"{kind}: {', '.join(map(str, values)) if isinstance(values, list) else values}")
    for note in notes:
        log.info("esearch %r: %s", term, note)
    return SearchResult(
        count=int(result.get("count") or 0),
        ids=tuple(str(i) for i in result.get("idlist") or ()),
        webenv=result.get("webenv"),
        query_key=result.get("querykey"),
        notes=tuple(notes),
    )


def epost(client: EutilsClient, ids: Sequence[str]) -> History:
    """Upload ids to the history server (one POST) and return where they are kept."""
    root = _xml("epost", client.call("epost", {"db": "pubmed"}, ids))
    webenv, key = root.findtext("WebEnv"), root.findtext("QueryKey")
    if not webenv or not key:
        raise EutilsError("epost: answer has no WebEnv/QueryKey")
    return History(webenv=webenv.strip(), query_key=key.strip(), count=len(ids))


def efetch(client: EutilsClient, pmids: Sequence[str], *, batch: int = BATCH) -> Iterator[bytes]:
    """PubMed XML for the given PMIDs, one body per batch.

    One batch is fetched by id; more go through epost + paged efetch, so the id
    list crosses the network once however many pages follow.
    """
    if not pmids:
        return
    if len(pmids) <= batch:
        yield client.call("efetch", {"db": "pubmed", "retmode": "xml"}, pmids)
        return
    for chunk in _chunks(pmids, 10_000):
        history = epost(client, chunk)
        for start in range(0, history.count, batch):
            yield client.call("efetch", {"db": "pubmed", "retmode": "xml", "WebEnv": history.webenv,
                                         "query_key": history.query_key, "retstart": start, "retmax": batch})


def parse_elink(body: bytes, linkname: str) -> dict[str, tuple[str, ...]]:
    """Source id -> linked ids, for answers with one LinkSet per id (absent links: empty tuple)."""
    root = _xml("elink", body)
    links: dict[str, tuple[str, ...]] = {}
    for linkset in root.iter("LinkSet"):
        sources = [i.text.strip() for i in linkset.findall("IdList/Id") if i.text]
        found: list[str] = []
        for db in linkset.findall("LinkSetDb"):
            if (db.findtext("LinkName") or "").strip() == linkname:
                found += [i.text.strip() for i in db.findall("Link/Id") if i.text]
        for source in sources:
            links[source] = tuple(dict.fromkeys(found)) if len(sources) == 1 else links.get(source, ())
        if len(sources) > 1:
            log.warning("elink: one LinkSet for %d ids; links cannot be attributed", len(sources))
    return links


def elink(client: EutilsClient, pmids: Sequence[str], linkname: str, *, batch: int = BATCH
          ) -> Iterator[dict[str, tuple[str, ...]]]:
    """Links of each PMID under ``linkname``, one mapping per batch (ids as separate ``id=``)."""
    for chunk in _chunks(list(pmids), batch):
        body = client.call("elink", {"dbfrom": "pubmed", "db": "pubmed", "linkname": linkname,
                                     "cmd": "neighbor"}, chunk, repeat_ids=True)
        links = parse_elink(body, linkname)
        yield {pmid: links.get(pmid, ()) for pmid in chunk}


def esummary(client: EutilsClient, pmids: Sequence[str], *, batch: int = BATCH) -> dict[str, dict]:
    """Document summaries (JSON, version 2.0) by PMID."""
    summaries: dict[str, dict] = {}
    for chunk in _chunks(list(pmids), batch):
        result = client.call_json("esummary", {"db": "pubmed", "version": "2.0"}, chunk).get("result") or {}
        for uid in result.get("uids") or ():
            summaries[str(uid)] = result.get(str(uid)) or {}
    return summaries

"""A loopback stand-in for NCBI E-utilities: a real HTTP server on 127.0.0.1, port chosen by the OS.

It serves esearch (JSON), efetch (PubMed XML, by id or from the history
server), elink (one LinkSet per ``id=``), epost and esummary from records
loaded out of the hand-written fixtures in ``tests/fixtures/eutils`` (or
generated ones, for the benchmark), and behaves like NCBI where it matters:
more than ``limit`` requests in any second without an ``api_key`` get HTTP
429 with NCBI's JSON body; ``faults`` injects 500s, slow answers, truncated
bodies and ``<ERROR>`` bodies for the next requests, and transport faults: a
body shorter than its ``Content-Length`` (``"short"``), a body trickled a byte
at a time (``("trickle", seconds_per_byte)``; ``"trickle-head"`` the status line
and headers), a redirect (``("redirect",
url)``), an arrival counted late as after a long upload (``("late", seconds)``)
and an ``<ERROR>`` echoing the request's parameters (``"echo"``).
``on_arrival(n, path)`` is called when the n-th request (1-based) arrives,
before it is answered (a true result: not answered at all): the kill hook of
the resume tests.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree as ET

from kg.ids import normalize_title

FIXTURES = Path(__file__).parent / "fixtures" / "eutils"
HEAD = (b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"'
        b' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n')
RATE_BODY = b'{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"%d","limit":"%d"}\n'


@dataclass
class Seen:
    """One request as the stand-in received it."""

    at: float
    path: str
    params: list[tuple[str, str]]
    status: int
    method: str


@dataclass
class EutilsStandIn:
    """The data and behaviour of the stand-in; the HTTP layer below only routes to it."""

    limit: int = 3
    keyed_limit: int = 10
    phrase_index: bool = True
    """False: quoted title phrases find nothing, as for a phrase missing from PubMed's phrase index."""
    records: dict[str, bytes] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)
    dois: dict[str, str] = field(default_factory=dict)
    links: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    generate: Callable[[str], bytes | None] | None = None
    on_arrival: Callable[[int, str], bool] | None = None
    arrivals: int = 0
    faults: deque = field(default_factory=deque)
    seen: list[Seen] = field(default_factory=list)
    history: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _arrivals: dict[bool, deque] = field(default_factory=lambda: {True: deque(), False: deque()})

    # ---- data -------------------------------------------------------------
    def add_pubmed_xml(self, body: bytes) -> None:
        """Index every record of a PubMed XML document by PMID (and title/DOI for esearch)."""
        root = ET.fromstring(body)
        for element in root:
            pmid = element.findtext("MedlineCitation/PMID") or element.findtext("BookDocument/PMID")
            self.records[pmid] = ET.tostring(element)
            title = "".join(element.find(".//ArticleTitle").itertext())
            self.titles[normalize_title(title)] = pmid
            for doi in element.iterfind(".//ArticleIdList/ArticleId[@IdType='doi']"):
                self.dois[doi.text.lower()] = pmid

    def add_elink_xml(self, body: bytes) -> None:
        root = ET.fromstring(body)
        for linkset in root.iter("LinkSet"):
            source = linkset.findtext("IdList/Id")
            for db in linkset.iter("LinkSetDb"):
                self.links[(db.findtext("LinkName"), source)] = tuple(i.text for i in db.iterfind("Link/Id"))

    def load_fixtures(self, folder: Path = FIXTURES) -> EutilsStandIn:
        for path in sorted(folder.glob("efetch_*.xml")):
            self.add_pubmed_xml(path.read_bytes())
        for path in sorted(folder.glob("elink_*.xml")):
            self.add_elink_xml(path.read_bytes())
        return self

    def record(self, pmid: str) -> bytes | None:
        return self.records.get(pmid) or (self.generate(pmid) if self.generate else None)

    # ---- behaviour ------------------------------------------------------
    def admit(self, keyed: bool) -> int:
        """Count this arrival in its one-second window; return how many arrived in it."""
        now = time.monotonic()
        with self.lock:
            window = self._arrivals[keyed]
            window.append(now)
            while window and window[0] <= now - 1.0:
                window.popleft()
            return len(window)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path.endswith(path)]

    @property
    def throttled(self) -> int:
        return sum(1 for s in self.seen if s.status == 429)

    def answer(self, path: str, params: list[tuple[str, str]]) -> tuple[int, str, bytes, dict[str, str]]:
        values: dict[str, str] = {}
        ids: list[str] = []
        for key, value in params:
            if key == "id":
                ids += [v for v in value.split(",") if v]
            else:
                values[key] = value
        name = path.rsplit("/", 1)[-1].removesuffix(".fcgi")
        if name == "esearch":
            return self._esearch(values)
        if name == "efetch":
            if "WebEnv" in values:
                stored = self.history.get(f"{values['WebEnv']}#{values.get('query_key')}")
                if stored is None:
                    body = b"<eFetchResult><ERROR>Unable to obtain query</ERROR></eFetchResult>"
                    return 200, "text/xml", body, {}
                start, count = int(values.get("retstart", 0)), int(values.get("retmax", 20))
                ids = stored[start : start + count]
            body = b"".join(r for r in (self.record(i) for i in ids) if r)
            return 200, "text/xml", HEAD + b"<PubmedArticleSet>" + body + b"</PubmedArticleSet>\n", {}
        if name == "elink":
            linkname = values.get("linkname", "")
            sets = []
            for pmid in ids:
                found = self.links.get((linkname, pmid), ())
                inner = "".join(f"<Link><Id>{i}</Id></Link>" for i in found)
                db = (f"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>{linkname}</LinkName>{inner}</LinkSetDb>"
                      if found else "")
                sets.append(f"<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>{pmid}</Id></IdList>{db}</LinkSet>")
            return 200, "text/xml", f"<eLinkResult>{''.join(sets)}</eLinkResult>\n".encode(), {}
        if name == "epost":
            if not ids:
                return 200, "text/xml", b"<ePostResult><ERROR>Empty ID list; Nothing to store</ERROR></ePostResult>", {}
            webenv = f"MCID_standin_{len(self.history)}"
            self.history[f"{webenv}#1"] = ids
            answer = f"<ePostResult><QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv></ePostResult>"
            return 200, "text/xml", answer.encode(), {}
        if name == "esummary":
            result: dict[str, object] = {"uids": [i for i in ids if self.record(i)]}
            for i in result["uids"]:
                element = ET.fromstring(self.record(i))
                result[i] = {"uid": i, "title": "".join(element.find(".//ArticleTitle").itertext())}
            return 200, "application/json", json.dumps({"result": result}).encode(), {}
        return 400, "text/plain", f"unknown utility {name}".encode(), {}

    def _esearch(self, values: dict[str, str]) -> tuple[int, str, bytes, dict[str, str]]:
        term = values.get("term", "")
        field_match = re.fullmatch(r'\s*"?(.*?)"?\s*\[(\w+)\]\s*', term)
        found: list[str] = []
        notes: dict[str, object] = {}
        if " AND " in term:  # every word in the title
            words = [w.strip() for w in term.replace("[ti]", "").split(" AND ")]
            wanted = set(normalize_title(" ".join(words)).split())
            found = [p for key, p in self.titles.items() if wanted <= set(key.split())]
        elif field_match and field_match.group(2).lower() in ("doi", "aid", "lid"):
            pmid = self.dois.get(field_match.group(1).lower())
            found = [pmid] if pmid else []
        else:
            text = field_match.group(1) if field_match else term
            pmid = self.titles.get(normalize_title(text)) if self.phrase_index else None
            found = [pmid] if pmid else []
        if not found:
            notes = {"errorlist": {"phrasesnotfound": [term]},
                     "warninglist": {"outputmessages": ["No items found."]}}
        result = {"count": str(len(found)), "retmax": str(len(found)), "retstart": "0", "idlist": found, **notes}
        if values.get("usehistory") == "y":
            webenv = f"MCID_standin_{len(self.history)}"
            self.history[f"{webenv}#1"] = found
            result.update(webenv=webenv, querykey="1")
        answer = {"header": {"type": "esearch"}, "esearchresult": result}
        return 200, "application/json", json.dumps(answer).encode(), {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _handle(self, method: str) -> None:
        split = urlsplit(self.path)
        params = parse_qsl(split.query, keep_blank_values=True)
        if method == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            params += parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
        state = self.server.state
        with state.lock:
            state.arrivals += 1
            number = state.arrivals
        if state.on_arrival and state.on_arrival(number, split.path):
            with state.lock:
                state.seen.append(Seen(time.monotonic(), split.path, params, 0, method))
            self.close_connection = True
            return
        fault = None
        with state.lock:
            if state.faults:
                fault = state.faults.popleft()
        if isinstance(fault, tuple) and fault[0] == "late":
            time.sleep(fault[1])
        keyed = any(k == "api_key" for k, _ in params)
        count = state.admit(keyed)
        limit = state.keyed_limit if keyed else state.limit
        headers: dict[str, str] = {}
        if count > limit:
            status, ctype, body = 429, "application/json", RATE_BODY % (count, limit)
        elif fault == "500":
            status, ctype, body = 500, "text/html", b"<html><body>Internal Server Error</body></html>"
        elif fault == "429-retry-after":
            status, ctype, body = 429, "application/json", RATE_BODY % (count, limit)
            headers["Retry-After"] = "0"
        elif isinstance(fault, tuple) and fault[0] == "redirect":
            status, ctype, body = 307, "text/plain", b"moved"
            headers["Location"] = fault[1]
        elif fault == "echo":
            echoed = "&".join(f"{k}={v}" for k, v in params).encode()
            body = b"<eLinkResult><ERROR>Invalid request: " + echoed + b"</ERROR></eLinkResult>"
            status, ctype = 200, "text/xml"
        else:
            status, ctype, body, headers = state.answer(split.path, params)
            if fault == "truncate":
                body = body[: max(1, len(body) // 2)]
            elif fault == "error":
                body = b"<eFetchResult><ERROR>Search Backend failed: injected by the stand-in</ERROR></eFetchResult>"
            elif fault == "empty":
                body = b""
            elif isinstance(fault, tuple) and fault[0] == "slow":
                time.sleep(fault[1])
            elif fault == "drop":
                self.close_connection = True
                self.connection.close()
                with state.lock:
                    state.seen.append(Seen(time.monotonic(), split.path, params, 0, method))
                return
        with state.lock:
            state.seen.append(Seen(time.monotonic(), split.path, params, status, method))
        if isinstance(fault, tuple) and fault[0] == "trickle-head":
            try:
                for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n":
                    self.connection.sendall(bytes([byte]))
                    time.sleep(fault[1])
            except OSError:  # the client gave up: what the fault is for
                pass
            self.close_connection = True
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if fault == "short":
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if isinstance(fault, tuple) and fault[0] == "trickle":
            try:
                for index in range(len(body)):
                    self.wfile.write(body[index : index + 1])
                    self.wfile.flush()
                    time.sleep(fault[1])
            except OSError:  # the client gave up: what the fault is for
                self.close_connection = True
            return
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: EutilsStandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class RunningStandIn:
    """The stand-in served in a background thread; use as a context manager."""

    def __init__(self, state: EutilsStandIn) -> None:
        self.state = state
        self.server = _Server(state)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/entrez/eutils/"

    def __enter__(self) -> RunningStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def max_in_any_second(times: Iterable[float]) -> int:
    """The largest number of arrivals within any one-second window."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while ordered[start] <= moment - 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


# ---- a corpus of real records for the convergence and resume tests --------------------------------------------

GENERATED_FROM = 81_000_000
"""PMIDs from here on are generated (a real record's body under another PMID)."""


def load_real_records(state: EutilsStandIn, folder: Path) -> list[str]:
    """Index the real single-record efetch answers of ``folder`` (metapub's); return their PMIDs.

    Their ``ReferenceList``s name hundreds of PMIDs outside the corpus: the
    reference-only publications a refresh must store but not fetch. The PMIDs
    come longest reference list first, so the centre of ``link_corpus`` is
    the most reference-heavy part.
    """
    for path in sorted(folder.glob("*pmid_xml_*.xml")):
        body = path.read_bytes()
        if b"<PubmedArticle>" in body:
            state.add_pubmed_xml(body)

    def references(pmid: str) -> int:
        return state.records[pmid].count(b'<ArticleId IdType="pubmed">') - 1

    return sorted(state.records, key=lambda pmid: (-references(pmid), int(pmid)))


def rekeyed(template: bytes, pmid: str) -> bytes:
    """``template`` (one real record) under another PMID: the bulk of a generated corpus."""
    root = ET.fromstring(template)
    root.find("MedlineCitation/PMID").text = pmid
    for element in root.iterfind(".//ArticleIdList/ArticleId[@IdType='pubmed']"):
        if element.text == template_pmid(template):
            element.text = pmid
    return ET.tostring(root)


def template_pmid(template: bytes) -> str:
    return ET.fromstring(template).findtext("MedlineCitation/PMID") or ""


def link_corpus(state: EutilsStandIn, real: list[str], generated_per_node: int = 0) -> str:
    """Give the corpus a citation graph three steps deep around ``real[0]``; return that seed's PMID.

    Step 1: three papers cite the seed, it cites two. Step 2: each of those five
    is cited by ten real papers and ``generated_per_node`` generated ones.
    Step 3 exists too (each step-2 real paper is cited by the next real one),
    so a refresh that walked one step too far would be seen growing. Every PMID
    the stand-in is asked about has a record: real, or a real one re-keyed.
    """
    seed, first, second = real[0], real[1:6], real[6:56]
    links = state.links
    links[(CITED_IN, seed)] = tuple(first[:3])
    links[(REFS, seed)] = tuple(first[3:])
    for index, node in enumerate(first):
        made = [str(GENERATED_FROM + 1000 * index + j) for j in range(generated_per_node)]
        links[(CITED_IN, node)] = (*second[10 * index : 10 * (index + 1)], *made)
        links[(REFS, node)] = (seed,)
    for index, node in enumerate(second):
        nxt = real[56 + index] if 56 + index < len(real) else None
        links[(CITED_IN, node)] = (nxt,) if nxt else ()
    template = state.records[real[-1]]
    state.generate = lambda pmid: rekeyed(template, pmid) if pmid.isdigit() else None
    return seed


CITED_IN = "pubmed_pubmed_citedin"
REFS = "pubmed_pubmed_refs"

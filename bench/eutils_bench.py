"""Benchmark of the PubMed paths (not a test): refresh against the loopback stand-in, and bulk XML.

1. refresh N citing publications (N = 1,000 and 10,000) against the stand-in
   enforcing NCBI's 3 requests/s: HTTP requests, 429s, wall time of
   ``ingest.pubmed.refresh.refresh`` (links both ways + full records) versus a
   naive client sending one request per PMID and E-utility, paced like
   Biopython (0.37 s apart, retrying 429s without backoff). The naive client
   is measured on a sample of PMIDs and extrapolated (said so in the output).
2. parser: records/s of ``ingest.pubmed.parser`` versus ``Bio.Entrez.read``
   (DTDs from Biopython's local copy) on the same generated file.
3. bulk: stream-parsing a generated 100,000-record file (the bulk source's
   check pass) in a child process: records/s and peak memory (max RSS); and
   ``kg ingest pubmed-xml`` parsing and storing a generated file (default
   20,000 records: the store's transactional writes, ~100 records/s on the
   shared machine, would take about 20 minutes for 100,000).

4. convergence (``--convergence G``), against the stand-in enforcing 3/s and
   serving real metapub records from ``../shared`` (``tests/eutils_server.link_corpus``,
   depth 2, ``G`` generated papers per step-1 node): requests of a first, a
   second (right after) and a forced refresh, quads changed by the second and
   the forced one; ``kg refresh`` killed (SIGKILL) at every request index and
   re-run, quads missing against the uninterrupted run; and 429s when arrivals
   are delayed at random (jitter, as after a large epost), with the limiter
   counting a request from when it was answered versus start spacing alone
   (the baseline, in the same run).

Usage: .venv/bin/python bench/eutils_bench.py [--sizes 1000 10000] [--naive-sample 40] [--parse 5000]
                                             [--parse-file 100000] [--bulk 20000] [--convergence 40]
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import math
import os
import random
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from eutils_server import EutilsStandIn, RunningStandIn, link_corpus, load_real_records  # noqa: E402

from ingest import http  # noqa: E402
from ingest.pubmed import api  # noqa: E402
from ingest.pubmed.client import EutilsClient  # noqa: E402
from ingest.pubmed.parser import parse_pubmed_xml  # noqa: E402
from ingest.pubmed.refresh import refresh  # noqa: E402
from kg.store import FORMATS, OxigraphStore  # noqa: E402

METAPUB = ROOT.parent / "shared" / "fixtures" / "eutils" / "metapub"
TIMESTAMPS = (b"prov#generatedAtTime>", b"lastRefreshed>")

HEAD = (b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN"'
        b' "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n<PubmedArticleSet>\n')
WORDS = (
    'cohort', 'relapse', 'remission', 'marrow', 'blast', 'antigen', 'response', 'therapy',
    'transplant', 'survival', 'lineage', 'marker', 'escape', 'phenotype', 'leukemia', 'antibody',
    'engager', 'cell', 'dose', 'toxicity',
)
STUDY = "90000001"
FIRST = 60_000_000


def synthetic_record(pmid: str) -> bytes:
    """A generated PubMed record of realistic size (invented words; about 4 kB)."""
    n = int(pmid)
    words = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(160)]
    authors = "".join(f"<Author><LastName>Author{n % 97}x{i}</LastName><ForeName>A</ForeName><Initials>A</Initials>"
                      f"</Author>" for i in range(6))
    mesh = "".join(f'<MeshHeading><DescriptorName UI="D{(n + i) % 999999:06d}" MajorTopicYN="N">Heading {i}'
                   f'</DescriptorName><QualifierName UI="Q000{i:03d}" MajorTopicYN="N">qualifier {i}</QualifierName>'
                   f"</MeshHeading>" for i in range(8))
    return (
        f'<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM"><PMID Version="1">{pmid}</PMID>'
        f'<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print"><Volume>{n % 50}</Volume>'
        f"<Issue>{n % 12}</Issue><PubDate><Year>{2000 + n % 25}</Year><Month>Mar</Month></PubDate></JournalIssue>"
        f"<Title>Journal of generated records</Title><ISOAbbreviation>J Gen Rec</ISOAbbreviation></Journal>"
        f"<ArticleTitle>Generated record {pmid} on <i>{words[0]}</i> and {words[1]}</ArticleTitle>"
        f"<Pagination><MedlinePgn>{n % 900}-{n % 900 + 9}</MedlinePgn></Pagination>"
        f'<ELocationID EIdType="doi" ValidYN="Y">10.5555/gen.{pmid}</ELocationID>'
        f'<Abstract><AbstractText Label="BACKGROUND">{" ".join(words[:80])}.</AbstractText>'
        f'<AbstractText Label="RESULTS">{" ".join(words[80:])}.</AbstractText></Abstract>'
        f'<AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language>'
        f'<PublicationTypeList><PublicationType UI="D016428">Journal Article</PublicationType></PublicationTypeList>'
        f"</Article><MedlineJournalInfo><MedlineTA>J Gen Rec</MedlineTA></MedlineJournalInfo>"
        f'<MeshHeadingList>{mesh}</MeshHeadingList></MedlineCitation><PubmedData><ArticleIdList>'
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">10.5555/gen.{pmid}</ArticleId>'
        f'<ArticleId IdType="pmc">PMC{n}</ArticleId></ArticleIdList></PubmedData></PubmedArticle>\n'
    ).encode()


def _generator(state: EutilsStandIn):  # noqa: ANN202 - the stand-in's record factory
    def generate(pmid: str) -> bytes | None:
        return synthetic_record(pmid) if int(pmid) >= FIRST else None

    return generate


def bench_refresh(n: int) -> dict[str, object]:
    """Our client: the N citing papers are named, expanded one step both ways and fetched in full."""
    state = EutilsStandIn(limit=3).load_fixtures()
    state.generate = _generator(state)
    pmids = [str(FIRST + i) for i in range(n)]
    state.links[("pubmed_pubmed_citedin", STUDY)] = tuple(pmids)
    for pmid in pmids:  # each citing paper cites the study
        state.links[("pubmed_pubmed_refs", pmid)] = (STUDY,)
    with RunningStandIn(state) as standin:
        client = EutilsClient(base_url=standin.url, email="bench@example.org")
        store = OxigraphStore(None)
        started = time.perf_counter()
        summary = refresh(store, client, pmids=pmids, depth=1)
        wall = time.perf_counter() - started
    per_utility = {u: len(state.requests_to(f"{u}.fcgi")) for u in ("elink", "efetch", "epost")}
    return {"n": n, "requests": len(state.seen), "throttled": state.throttled, "wall": wall,
            "per_utility": per_utility, "records": summary.records_written, "links": summary.new_citation_links}


def bench_naive(n: int, sample: int) -> dict[str, object]:
    """One request per PMID and E-utility (efetch, elink citedin, elink refs), Biopython's pacing."""
    state = EutilsStandIn(limit=3).load_fixtures()
    state.generate = _generator(state)
    pmids = [str(FIRST + i) for i in range(sample)]
    session = requests.Session()
    with RunningStandIn(state) as standin:
        started = time.perf_counter()
        last = 0.0
        for pmid in pmids:
            for utility, extra in (("efetch", {"db": "pubmed", "retmode": "xml"}),
                                   ("elink", {"dbfrom": "pubmed", "linkname": "pubmed_pubmed_citedin"}),
                                   ("elink", {"dbfrom": "pubmed", "linkname": "pubmed_pubmed_refs"})):
                for _try in range(3):
                    wait = 0.37 - (time.perf_counter() - last)
                    if wait > 0:
                        time.sleep(wait)
                    last = time.perf_counter()
                    answer = session.get(f"{standin.url}{utility}.fcgi",
                                         params={**extra, "id": pmid, "tool": "naive", "email": "bench@example.org"})
                    if answer.status_code != 429:
                        break
        wall = time.perf_counter() - started
    scale = n / sample
    return {"n": n, "sample": sample, "requests": round(len(state.seen) * scale),
            "throttled": round(state.throttled * scale), "wall": wall * scale, "measured_wall": wall}


def bench_parsers(count: int) -> dict[str, float]:
    from Bio import Entrez

    body = HEAD + b"".join(synthetic_record(str(FIRST + i)) for i in range(count)) + b"</PubmedArticleSet>\n"
    started = time.perf_counter()
    ours = parse_pubmed_xml(body)
    t_ours = time.perf_counter() - started
    started = time.perf_counter()
    theirs = Entrez.read(io.BytesIO(body))
    t_bio = time.perf_counter() - started
    assert len(ours) == len(theirs["PubmedArticle"]) == count
    return {"count": count, "ours": count / t_ours, "biopython": count / t_bio}


def _bulk_file(count: int, folder: Path) -> Path:
    path = folder / f"pubmed-bench-{count}.xml.gz"
    with gzip.open(path, "wb", compresslevel=1) as out:
        out.write(HEAD)
        for i in range(count):
            out.write(synthetic_record(str(FIRST + i)))
        out.write(b"</PubmedArticleSet>\n")
    return path


def bench_parse_file(count: int, folder: Path) -> dict[str, float]:
    """Stream-parse a generated file in a child process (the bulk source's check pass): rate and max RSS."""
    path = _bulk_file(count, folder)
    code = ("import sys; from pathlib import Path; from ingest.pubmed.commands import check_pubmed_xml; "
            "print(check_pubmed_xml(Path(sys.argv[1])))")
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    assert int(result.stdout) == count
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"count": count, "wall": wall, "rate": count / wall, "peak_mb": peak_kb / 1024,
            "file_mb": path.stat().st_size / 1e6}


def bench_bulk(count: int, folder: Path) -> dict[str, float]:
    path = _bulk_file(count, folder)
    store = folder / "store"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg", "ingest", "pubmed-xml", str(path), "--store", str(store)],
                   check=True, capture_output=True)
    wall = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"count": count, "wall": wall, "rate": count / wall, "peak_mb": max(peak_kb, before) / 1024,
            "file_mb": path.stat().st_size / 1e6}


def _quads(store: OxigraphStore, keep_timestamps: bool = False) -> list[bytes]:
    out = io.BytesIO()
    store.dump(out, FORMATS["nquads"])
    lines = out.getvalue().splitlines()
    return sorted(lines if keep_timestamps else [x for x in lines if not any(t in x for t in TIMESTAMPS)])


def _changed(before: list[bytes], after: list[bytes]) -> int:
    return len(set(before) ^ set(after))


def _corpus(generated: int, limit: int = 3) -> tuple[EutilsStandIn, str]:
    state = EutilsStandIn(limit=limit)
    return state, link_corpus(state, load_real_records(state, METAPUB), generated)


def _cli(store: str, url: str, seed: str) -> subprocess.Popen:
    env = {**os.environ, "NCBI_EMAIL": "bench@example.org", "KG_EUTILS_URL": url}
    code = "import sys; from kg.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.Popen([sys.executable, "-c", code, "refresh", "--pmid", seed, "--depth", "2", "--store", store],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stored(path: str) -> list[bytes]:
    store = OxigraphStore(Path(path))
    try:
        return _quads(store)
    finally:
        store.close()


def bench_fixed_point(generated: int) -> dict[str, object]:
    """First, second (right after) and forced refresh in one store: requests and quads changed."""
    state, seed = _corpus(generated)
    rows = {}
    with RunningStandIn(state) as standin:
        store = OxigraphStore(None)
        for name, force in (("first", False), ("second, right after", False), ("--force, right after", True)):
            before = _quads(store, keep_timestamps=True)
            client = EutilsClient(base_url=standin.url, email="bench@example.org")
            started = time.perf_counter()
            summary = refresh(store, client, pmids=[seed], depth=2, force=force)
            rows[name] = {"requests": dict(client.http.stats.per_path), "total": client.requests,
                          "changed": _changed(before, _quads(store, keep_timestamps=True)),
                          "wall": time.perf_counter() - started, "scope": summary.in_scope,
                          "written": summary.records_written + summary.link_sets_written}
    return {"rows": rows, "throttled": state.throttled}


def bench_resume(generated: int) -> dict[str, object]:
    """Kill ``kg refresh`` at every request index of a depth-2 run, re-run it, count quads missing."""
    state, seed = _corpus(generated)
    missing: dict[int, int] = {}
    extra: dict[int, int] = {}
    with RunningStandIn(state) as standin, tempfile.TemporaryDirectory() as folder:
        process = _cli(f"{folder}/reference", standin.url, seed)
        _, err = process.communicate()
        if process.returncode:
            raise SystemExit(err.decode())
        total = len(state.seen)
        reference = set(_stored(f"{folder}/reference"))
        for k in range(1, total + 1):
            state.arrivals = 0
            holder: dict[str, subprocess.Popen] = {}

            def kill(number: int, path: str, k: int = k, holder: dict = holder) -> bool:
                if number == k:
                    os.kill(holder["p"].pid, signal.SIGKILL)
                    return True
                return False

            state.on_arrival = kill
            holder["p"] = _cli(f"{folder}/k{k}", standin.url, seed)
            holder["p"].communicate()
            state.on_arrival = None
            rerun = _cli(f"{folder}/k{k}", standin.url, seed)
            rerun.communicate()
            got = set(_stored(f"{folder}/k{k}"))
            missing[k], extra[k] = len(reference - got), len(got - reference)
    return {"requests": total, "missing": missing, "extra": extra, "reference_quads": len(reference),
            "throttled": state.throttled}


def bench_jitter(runs: int, requests_per_run: int, seed: int = 11) -> dict[str, int]:
    """429s at the stand-in (3/s) when a third of arrivals are counted 0.1-0.6 s late, with and without settle."""
    results = {}
    original = http.RateLimiter.settle
    for name, settle in (("limiter counting arrivals from the answer", original),
                         ("baseline: start spacing only", lambda self, mark, at=None: None)):
        http.RateLimiter.settle = settle
        rng = random.Random(seed)
        throttled = sent = 0
        try:
            for _ in range(runs):
                state = EutilsStandIn(limit=3).load_fixtures()
                state.faults.extend(("late", rng.uniform(0.1, 0.6)) if rng.random() < 1 / 3 else None
                                    for _ in range(requests_per_run))
                with RunningStandIn(state) as standin:
                    client = EutilsClient(base_url=standin.url, email="bench@example.org", max_tries=1)
                    for _ in range(requests_per_run):
                        with contextlib.suppress(http.RemoteError):  # counted at the stand-in
                            api.esearch(client, "10.3389/fimmu.2024.1423487[doi]")
                throttled += state.throttled
                sent += len(state.seen)
        finally:
            http.RateLimiter.settle = original
        results[name] = {"requests": sent, "throttled": throttled}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--naive-sample", type=int, default=40)
    parser.add_argument("--parse", type=int, default=5000)
    parser.add_argument("--parse-file", type=int, default=100_000, help="records in the stream-parse-only file")
    parser.add_argument("--bulk", type=int, default=20_000, help="records parsed and stored by kg ingest pubmed-xml")
    parser.add_argument("--convergence", type=int, default=0, metavar="G",
                        help="run the convergence section with G generated papers per step-1 node (0: skip)")
    parser.add_argument("--jitter-runs", type=int, default=5, help="runs of 20 requests for the jitter section")
    args = parser.parse_args()
    if args.convergence:
        convergence(args.convergence, args.jitter_runs)
    if args.sizes:
        print("| N citing | client | HTTP requests | 429s | wall time (s) | notes |")
        print("|---|---|---|---|---|---|")
    for n in args.sizes:
        ours = bench_refresh(n)
        naive = bench_naive(n, min(args.naive_sample, n))
        target = 2 * math.ceil(n / 200) + math.ceil(n / 200)
        print(f"| {n:,} | cohort-kg refresh | {ours['requests']} | {ours['throttled']} | {ours['wall']:.1f} | "
              f"{ours['per_utility']}; ceil(N/200) per E-utility = {math.ceil(n / 200)}; target ~{target}; "
              f"{ours['records']} records, {ours['links']} links |", flush=True)
        print(f"| {n:,} | naive, 1 request per PMID per E-utility | {naive['requests']:,} | {naive['throttled']} | "
              f"{naive['wall']:.0f} | extrapolated from {naive['sample']} PMIDs measured in "
              f"{naive['measured_wall']:.1f} s; ratio {naive['requests'] / ours['requests']:.0f}x requests |",
              flush=True)
    if args.parse:
        rates = bench_parsers(args.parse)
        print(f"\nparser, {rates['count']:,} generated records: ours {rates['ours']:,.0f} records/s, "
              f"Bio.Entrez.read {rates['biopython']:,.0f} records/s "
              f"(ratio {rates['ours'] / rates['biopython']:.1f}x)", flush=True)
    if args.parse_file:
        with tempfile.TemporaryDirectory() as folder:
            parsed = bench_parse_file(args.parse_file, Path(folder))
        print(f"stream-parse only (the check pass), {parsed['count']:,} records ({parsed['file_mb']:.0f} MB gzip): "
              f"{parsed['wall']:.0f} s, {parsed['rate']:,.0f} records/s, peak RSS {parsed['peak_mb']:.0f} MB",
              flush=True)
    if args.bulk:
        with tempfile.TemporaryDirectory() as folder:
            bulk = bench_bulk(args.bulk, Path(folder))
        print(f"bulk kg ingest pubmed-xml, {bulk['count']:,} records ({bulk['file_mb']:.0f} MB gzip): "
              f"{bulk['wall']:.0f} s, {bulk['rate']:,.0f} records/s parsed (twice: check + load) and stored, "
              f"peak RSS {bulk['peak_mb']:.0f} MB")


def convergence(generated: int, jitter_runs: int) -> None:
    """Print the convergence tables (section 4)."""
    if not METAPUB.is_dir():
        raise SystemExit(f"real records not found at {METAPUB}")
    fixed = bench_fixed_point(generated)
    print("| refresh (depth 2, stand-in at 3/s) | publications in scope | requests per E-utility | requests | "
          "graphs written | quads changed (timestamps included) | wall time (s) |")
    print("|---|---|---|---|---|---|---|")
    for name, row in fixed["rows"].items():
        print(f"| {name} | {row['scope']} | {row['requests'] or '-'} | {row['total']} | {row['written']} | "
              f"{row['changed']} | {row['wall']:.1f} |", flush=True)
    print(f"429s: {fixed['throttled']}\n")
    resumed = bench_resume(generated)
    print(f"kill -9 at each of the {resumed['requests']} requests of the uninterrupted run "
          f"({resumed['reference_quads']} quads without timestamps), then one re-run:")
    print("| kill at request | quads missing | quads extra |")
    print("|---|---|---|")
    for k, count in resumed["missing"].items():
        print(f"| {k} | {count} | {resumed['extra'][k]} |", flush=True)
    print(f"429s: {resumed['throttled']}\n")
    print("| limiter (stand-in at 3/s, 1 in 3 arrivals 0.1-0.6 s late) | requests | 429s |")
    print("|---|---|---|")
    for name, row in bench_jitter(jitter_runs, 20).items():
        print(f"| {name} | {row['requests']} | {row['throttled']} |", flush=True)


if __name__ == "__main__":
    main()

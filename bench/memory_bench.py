"""Peak memory (max RSS) of the streaming commands against input size (not a test).

Generates its inputs, runs each command as a user does (a child ``kg`` process)
and reads that child's own peak resident set size from ``wait4``:

- ``kg ingest pubmed-xml`` on generated PubMed XML of about ``--xml-mb`` MB
  (records of about 10 kB, like the annual baseline's: 200 MB is about 21,000 records);
- ``kg ingest page`` on a generated saved page with ``--page-entries`` cited-by entries,
  then the same page again into the same store (a re-ingest that finds it unchanged);
- ``kg load`` of an N-Quads file of ``--nquads-mb`` MB, and ``kg export`` of the resulting store
  in every format of ``--export-formats``;
- ``kg load`` of a generated Turtle file of ``--turtle-mb`` MB (blank nodes included).

The baseline in the same run is the floor (``kg --version``: interpreter plus
imports) and each command at a quarter of the size: memory that is independent of
input size shows as the same figure at both sizes.

With ``--baseline-tree DIR`` (a source tree of another commit, e.g. from
``git archive <commit> | tar -x -C DIR``) every ``kg ingest page``, ``kg load`` and
``kg export`` row is also measured with that tree's code (``PYTHONPATH=DIR``, same
interpreter and libraries), next to this checkout's, in the same run. The baseline
loads into a store of its own; both trees export the same store (the one this
checkout loaded). The baseline tree ingests pages at ``--baseline-page-entries``
entries and a quarter of them (and re-ingests the bigger page, unchanged): a tree that
holds the whole page in one transaction would need several GB at 300,000 entries.

Usage: .venv/bin/python bench/memory_bench.py [--xml-mb 200] [--page-entries 300000] [--nquads-mb 200]
                                              [--turtle-mb 200] [--export-formats nquads turtle nt jsonld]
                                              [--skip xml page load turtle] [--baseline-tree DIR]
                                              [--baseline-page-entries 12000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WORDS = ("cohort", "relapse", "remission", "marrow", "blast", "antigen", "response", "therapy", "transplant",
         "survival", "lineage", "marker", "escape", "phenotype", "leukemia", "antibody", "infusion", "toxicity")
FIRST_PMID = 30_000_000


def pubmed_record(n: int) -> str:
    """One generated PubMed record of about 10 kB (invented words, realistic structure)."""
    pmid = FIRST_PMID + n
    words = [WORDS[(n * 7 + i * 3) % len(WORDS)] for i in range(900)]
    sections = "".join(f'<AbstractText Label="PART {k}">{" ".join(words[k * 150:(k + 1) * 150])}.</AbstractText>'
                       for k in range(6))
    authors = "".join(f"<Author><LastName>Author{n % 97}x{i}</LastName><Initials>A</Initials></Author>"
                      for i in range(12))
    mesh = "".join(f'<MeshHeading><DescriptorName UI="D{(n + i) % 999999:06d}">Heading {i}</DescriptorName>'
                   "</MeshHeading>" for i in range(12))
    refs = "".join(f'<Reference><ArticleIdList><ArticleId IdType="pubmed">{FIRST_PMID + (n * 13 + i) % 50_000}'
                   "</ArticleId></ArticleIdList></Reference>" for i in range(25))
    return (
        f"<PubmedArticle><MedlineCitation><PMID>{pmid}</PMID>"
        f"<DateRevised><Year>2025</Year><Month>01</Month><Day>{1 + n % 28:02d}</Day></DateRevised><Article>"
        f"<Journal><JournalIssue><Volume>{n % 50}</Volume><PubDate><Year>{2000 + n % 25}</Year></PubDate>"
        f"</JournalIssue><Title>Journal of generated records</Title></Journal>"
        f"<ArticleTitle>Generated record {pmid} on {words[0]} and {words[1]}</ArticleTitle>"
        f"<Abstract>{sections}</Abstract><AuthorList>{authors}</AuthorList></Article>"
        f"<MedlineJournalInfo><MedlineTA>J Gen Rec</MedlineTA></MedlineJournalInfo>"
        f"<MeshHeadingList>{mesh}</MeshHeadingList></MedlineCitation><PubmedData><ArticleIdList>"
        f'<ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">10.5555/gen.{pmid}</ArticleId>'
        f"</ArticleIdList><ReferenceList>{refs}</ReferenceList></PubmedData></PubmedArticle>\n"
    )


def write_pubmed_xml(path: Path, megabytes: float) -> int:
    """A PubMed XML file of about ``megabytes`` MB; returns its record count."""
    target = int(megabytes * 1e6)
    written = count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('<?xml version="1.0"?>\n<PubmedArticleSet>\n')
        while written < target:
            record = pubmed_record(count)
            out.write(record)
            written += len(record)
            count += 1
        out.write("</PubmedArticleSet>\n")
    return count


def write_page(path: Path, entries: int) -> None:
    """A saved PubMed page: title, abstract, then ``entries`` cited-by entries (about 170 bytes each)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("A generated cohort study of relapse after antigen-directed therapy\nAbstract\n")
        out.write("This generated abstract describes a cohort. It has several sentences. None are real.\n")
        out.write("Cited by\n")
        for n in range(entries):
            pmid = FIRST_PMID + n
            out.write(f"Citing paper {n} on marrow relapse\nAuthor{n % 97} A, Writer{n % 89} B\n"
                      f"J Gen Rec. {2000 + n % 25}; {n % 50}({n % 12}):{n % 900}-{n % 900 + 9}.\n"
                      f"PMID: {pmid} DOI: 10.5555/cite.{pmid}.\n")


def write_nquads(path: Path, megabytes: float) -> None:
    """An N-Quads file of about ``megabytes`` MB over a few hundred graphs."""
    target = int(megabytes * 1e6)
    written = n = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            line = (f"<https://example.org/s/{n // 8}> <https://example.org/p/{n % 8}> "
                    f'"value {n} of a generated statement" <https://example.org/g/{n % 300}> .\n')
            out.write(line)
            written += len(line)
            n += 1


def write_turtle(path: Path, megabytes: float) -> None:
    """A Turtle file of about ``megabytes`` MB: prefixes, subjects with ``;`` lists, and blank nodes.

    Every tenth subject carries a ``[ ... ]`` node and a labelled ``_:`` node shared with the next
    subject, so a loader that renamed labels per piece of the file would split one node into two.
    """
    target = int(megabytes * 1e6)
    written = n = 0
    with path.open("w", encoding="utf-8") as out:
        header = "@prefix ex: <https://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\n"
        out.write(header)
        written += len(header)
        while written < target:
            block = (f"ex:s{n} a ex:Finding ;\n    ex:p{n % 8} \"value {n} of a generated statement\"@en ;\n"
                     f'    ex:count "{n % 1000}"^^xsd:integer ;\n    ex:about ex:s{n // 8}, ex:t{n % 300} ')
            if n % 10 == 0:
                block += (f';\n    ex:detail [ ex:note "generated note {n}" ; ex:rank {n % 7} ] ;\n'
                          f"    ex:shared _:b{n // 10} .\n_:b{n // 10} ex:label \"shared node {n // 10}\" .\n")
            elif n % 10 == 1:
                block += f";\n    ex:shared _:b{n // 10} .\n"
            else:
                block += ".\n"
            out.write(block)
            written += len(block)
            n += 1


def peak_rss_mb(*args: str, code: Path = ROOT) -> tuple[float, float]:
    """Run ``kg ARGS`` in a child process (with the code of the tree ``code``); its peak RSS (MB) and wall (s)."""
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(code)} if code != ROOT else None
    process = subprocess.Popen([sys.executable, "-m", "kg", *args], cwd=code, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    stderr = process.stderr.read().decode() if process.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"kg {' '.join(args)} failed:\n{stderr[-2000:]}")
    return usage.ru_maxrss / 1024, wall


def row(name: str, size: str, rss: float, wall: float) -> None:
    print(f"| {name} | {size} | {rss:,.0f} | {wall:,.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xml-mb", type=float, default=200)
    parser.add_argument("--page-entries", type=int, default=300_000)
    parser.add_argument("--nquads-mb", type=float, default=200)
    parser.add_argument("--turtle-mb", type=float, default=200)
    parser.add_argument("--export-formats", nargs="*", default=["nquads"], choices=["nquads", "trig", "turtle", "nt",
                                                                                      "jsonld"])
    parser.add_argument("--skip", nargs="*", default=[], choices=["xml", "page", "load", "turtle"])
    parser.add_argument("--baseline-tree", type=Path,
                        help="source tree of the commit to compare the page, load and export rows with")
    parser.add_argument("--baseline-page-entries", type=int, default=12_000,
                        help="page size at which the baseline tree runs (and a quarter of it)")
    args = parser.parse_args()
    print("| command | input | peak RSS (MB) | wall (s) |\n|---|---|---:|---:|")
    row("kg --version (floor)", "-", *peak_rss_mb("--version"))
    with tempfile.TemporaryDirectory(prefix="kg-memory-") as tmp:
        folder = Path(tmp)
        if "xml" not in args.skip:
            for megabytes in (args.xml_mb / 4, args.xml_mb):
                path = folder / f"pubmed-{megabytes:g}.xml"
                records = write_pubmed_xml(path, megabytes)
                store = folder / f"xml-store-{megabytes:g}"
                size = f"{path.stat().st_size / 1e6:,.0f} MB XML, {records:,} records"
                rss = peak_rss_mb("ingest", "pubmed-xml", str(path), "--store", str(store))
                row("kg ingest pubmed-xml", size, *rss)
                path.unlink()
        if "page" not in args.skip:
            sizes = [args.page_entries // 4, args.page_entries]
            if args.baseline_tree:
                sizes = [args.baseline_page_entries // 4, args.baseline_page_entries, *sizes]
            for entries in dict.fromkeys(sizes):
                path = folder / f"page-{entries}.txt"
                write_page(path, entries)
                size = f"{path.stat().st_size / 1e6:,.1f} MB page, {entries:,} cited-by entries"
                if args.baseline_tree and entries in (args.baseline_page_entries // 4, args.baseline_page_entries):
                    store = folder / f"page-store-baseline-{entries}"
                    row("kg ingest page (baseline tree)", size,
                        *peak_rss_mb("ingest", "page", str(path), "--store", str(store), code=args.baseline_tree))
                    if entries == args.baseline_page_entries:
                        row("kg ingest page (baseline tree, again, unchanged)", size,
                            *peak_rss_mb("ingest", "page", str(path), "--store", str(store), code=args.baseline_tree))
                store = folder / f"page-store-{entries}"
                row("kg ingest page", size, *peak_rss_mb("ingest", "page", str(path), "--store", str(store)))
                if entries == args.page_entries:  # the same page again: found unchanged by its emission digest
                    row("kg ingest page (again, unchanged)", size,
                        *peak_rss_mb("ingest", "page", str(path), "--store", str(store)))
                shutil.rmtree(store)
                path.unlink()
        if "load" not in args.skip:
            for megabytes in (args.nquads_mb / 4, args.nquads_mb):
                path = folder / f"data-{megabytes:g}.nq"
                write_nquads(path, megabytes)
                size = f"{path.stat().st_size / 1e6:,.0f} MB N-Quads"
                store = folder / f"load-store-{megabytes:g}"
                measured_load(args.baseline_tree, "kg load", size, path, store)
                for fmt in args.export_formats:
                    out = folder / f"export-{megabytes:g}.{fmt}"
                    for name, code in trees(args.baseline_tree):
                        row(f"kg export --format {fmt}{name}", f"the store above ({size})",
                            *peak_rss_mb("export", "--format", fmt, "-o", str(out), "--store", str(store), code=code))
                        out.unlink()
                path.unlink()
                shutil.rmtree(store)
        if "turtle" not in args.skip:
            for megabytes in (args.turtle_mb / 4, args.turtle_mb):
                path = folder / f"data-{megabytes:g}.ttl"
                write_turtle(path, megabytes)
                size = f"{path.stat().st_size / 1e6:,.0f} MB Turtle"
                store = folder / f"turtle-store-{megabytes:g}"
                measured_load(args.baseline_tree, "kg load", size, path, store)
                path.unlink()
                shutil.rmtree(store)


def trees(baseline: Path | None) -> list[tuple[str, Path]]:
    """The row-name suffix and source tree of each measurement: the baseline tree's first, if given."""
    return ([(" (baseline tree)", baseline)] if baseline else []) + [("", ROOT)]


def measured_load(baseline: Path | None, name: str, size: str, path: Path, store: Path) -> None:
    """Rows for ``kg load PATH``, with each tree loading into a store of its own; ``store`` is this checkout's."""
    for suffix, code in trees(baseline):
        target = store if code == ROOT else store.with_name(store.name + "-baseline")
        row(f"{name}{suffix}", size, *peak_rss_mb("load", str(path), "--store", str(target), code=code))
        if code != ROOT:
            shutil.rmtree(target)


if __name__ == "__main__":
    main()

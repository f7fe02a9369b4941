"""Command-line faces of extraction: ``kg ingest abstract``, ``kg extract``, ``kg findings``, ``kg eval-extraction``.

Registered through entry points (``cohort_kg.sources`` / ``cohort_kg.commands``),
so the ``kg`` core never imports this package.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from rdflib import URIRef
from tqdm import tqdm

from ingest.enrich import enrich_document
from ingest.extract.corpus import iter_jsonl
from ingest.extract.evaluate import evaluate, format_evaluation, read_gold
from ingest.extract.pipeline import Extraction, extract_abstract
from ingest.extract.report import extraction_json, extraction_table
from ingest.extract.score import format_score, read_gold_jsonl, score_records
from ingest.pubmed.parser import iter_pubmed_xml
from ingest.pubmed_page import NAVIGATION, parse_page
from ingest.text import clean_text
from kg.errors import InputError
from kg.finding_text import finding_line, numbers_text
from kg.ids import content_key, normalize_pmid, normalize_title, publication_iri
from kg.model import Publication, PublicationRef, SourceDocument
from kg.namespaces import DCTERMS
from kg.plugins import Command, Source
from kg.queries import run_named
from kg.store import Store, open_store
from kg.textfile import read_text_file

CORPUS = Path("../shared/fixtures/abstracts/abstracts.jsonl")
"""Where the real-abstract corpus sits relative to a checkout under /work (or any parent of the gold file)."""
PUBMED_DIR = Path("../shared/fixtures/eutils")
"""The recorded efetch answers the ``path`` of a PubMed gold record (``data/gold/pubmed/``) is relative to."""


def publications_in(path: Path) -> list[Publication]:
    """The publications a file holds: PubMed XML (any number), a saved abstract page, or a plain abstract."""
    text = read_text_file(path)
    head = text.lstrip()[:2000]
    if head.startswith("<") and ("<PubmedArticle" in head or "<!DOCTYPE PubmedArticleSet" in head
                                 or "<PubmedArticleSet" in head):
        with path.open("rb") as stream:
            return [record.publication for record in iter_pubmed_xml(stream, where=str(path))]
    lines = [clean_text(line).casefold() for line in text.splitlines()[:12]]
    if sum(line in NAVIGATION for line in lines) >= 2:
        return [parse_page(text).study]
    return [Publication(abstract=text)]


def _extractions(path: Path) -> list[Extraction]:
    return [extract_abstract(pub.abstract or "", pub.ref, title=pub.title) for pub in publications_in(path)]


# --- kg ingest abstract ------------------------------------------------------------------------------

def _abstract_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", type=Path, metavar="FILE", help="plain-text abstract (UTF-8)")
    parser.add_argument("--pmid", help="the publication the abstract belongs to; without FILE, re-extract "
                                       "the abstract the store already holds for it")
    parser.add_argument("--title", help="the publication's title, when it has no PMID")


_STORED_ABSTRACT = (
    f"SELECT ?abstract ?title WHERE {{ ?pub <{DCTERMS.abstract}> ?abstract . "
    f"OPTIONAL {{ ?pub <{DCTERMS.title}> ?title }} }} LIMIT 1"
)


def _stored_abstract(store_spec: str | None, iri: str) -> tuple[str, str | None]:
    store = open_store(store_spec, read_only=True)
    try:
        rows = store.query(_STORED_ABSTRACT, {"pub": URIRef(iri)}).values()
    finally:
        store.close()
    if not rows:
        raise InputError(f"the store holds no abstract for {iri}; give the abstract as FILE")
    title = rows[0].get("title")
    return str(rows[0]["abstract"]), str(title) if title is not None else None


def abstract_documents(args: argparse.Namespace) -> Iterator[SourceDocument]:
    """The ``kg ingest abstract`` source: one document with the publication, its findings and mentions."""
    pmid = normalize_pmid(args.pmid) if args.pmid else None
    if not pmid and not args.title:
        raise InputError("say which publication the abstract belongs to: --pmid N or --title TEXT")
    ref = PublicationRef(pmid=pmid, title=None if pmid else args.title)
    iri = publication_iri(ref)
    if args.file is None:
        if not pmid:
            raise InputError("without FILE, give --pmid of a publication whose abstract is in the store")
        text, title = _stored_abstract(args.store, iri)
        publication = Publication(pmid=pmid, title=title, abstract=text)
        source = iri
    else:
        text = clean_text(read_text_file(args.file))
        if not text:
            raise InputError(f"{args.file}: the abstract is empty")
        publication = Publication(pmid=pmid, title=args.title, abstract=text)
        source = args.file.resolve().as_uri()
    # the graph keeps the text its findings point into; the pipeline's enrich stage adds the findings
    yield SourceDocument(kind="abstract", key=content_key(iri), source=source, records=(publication,))


ABSTRACT = Source(
    name="abstract",
    help="a plain-text abstract (or, with only --pmid, the stored one): findings and concept mentions",
    documents=abstract_documents,
    add_arguments=_abstract_arguments,
    enrich=enrich_document,
    description="Extract findings and concept mentions from an abstract and store them with the publication. "
                "Curated findings of the same statement supersede the extracted ones (both stay visible).",
)


# --- kg extract -------------------------------------------------------------------------------------

def _extract_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE",
                        help="a plain-text abstract, a saved PubMed abstract page, a PubMed XML file, or a "
                             "JSON Lines corpus (.jsonl: one object per line with id, title, text, optional pmid)")
    parser.add_argument("--format", choices=("json", "table"), default="table", help="output (default: table)")
    parser.add_argument("--store", help=argparse.SUPPRESS)  # no store is used; keeps the core from offering one


def _run_extract_jsonl(args: argparse.Namespace) -> int:
    """One result per corpus record, written as soon as it is read (JSON Lines out for ``--format json``)."""
    for record in iter_jsonl(args.file):
        extraction = extract_abstract(record.text, PublicationRef(pmid=record.pmid, title=record.title),
                                      title=record.title)
        if args.format == "json":
            sys.stdout.write(json.dumps({"id": record.id, **extraction_json(extraction)}, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(extraction_table(extraction).replace("# ", f"# {record.id} ", 1))
    return 0


def _run_extract(args: argparse.Namespace) -> int:
    if args.file.suffix == ".jsonl":
        return _run_extract_jsonl(args)
    extractions = [x for x in tqdm(_extractions(args.file), desc="extracting", unit="abstract", disable=None)]
    if args.format == "json":
        json.dump([extraction_json(x) for x in extractions], sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        sys.stdout.write("".join(extraction_table(x) for x in extractions))
    return 0


EXTRACT = Command(
    name="extract",
    help="extract findings from an abstract, page or PubMed XML file and print them (no store)",
    add_arguments=_extract_arguments,
    run=_run_extract,
    description="Run the extractor without touching any store. JSON output (documented in docs/extraction.md):\n"
                "a list with one object per document: pmid, statistics, findings, uninterpreted_sentences;\n"
                "for a .jsonl corpus, JSON Lines, one object per record (with its id), written as it is read.",
)


# --- kg findings ------------------------------------------------------------------------------------

def _findings_arguments(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--pmid", help="the publication's PMID")
    which.add_argument("--title", help="the title of a publication known without PMID (a provisional one)")


def _value(row: dict, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value)


def _stored_by_title(store: Store, title: str) -> str | None:
    """The stored publication with this title (compared as ``normalize_title`` folds it), if there is one.

    A title names a publication whose PMID the user may not know, while the graph may have it under
    its PubMed IRI (the bundled bibliography gives the seed study's PMID).
    """
    wanted = normalize_title(title)
    for row in run_named(store, "publications", {"limit": "0"}).values():
        if row.get("title") and normalize_title(str(row["title"])) == wanted:
            return str(row["publication"])
    return None


def _run_findings(args: argparse.Namespace) -> int:
    ref = PublicationRef(pmid=normalize_pmid(args.pmid)) if args.pmid else PublicationRef(title=args.title)
    iri = publication_iri(ref)
    store = open_store(args.store, read_only=True)
    try:
        if not args.pmid:
            iri = _stored_by_title(store, args.title) or iri
        rows = run_named(store, "publication-findings", {"study": iri, "limit": "0"}).values()
    finally:
        store.close()
    if not rows:
        print(f"no findings for {iri}")
        return 0
    seen: set[str] = set()
    for row in rows:
        if row["finding"] in seen:
            continue
        seen.add(row["finding"])
        numbers = numbers_text(*(_value(row, name) or None for name in (
            "count", "denominator", "percentage", "pValue", "pComparator", "effectMeasure", "effectSize")))
        line = finding_line(_value(row, "subjectLabel") or "-", str(row["relation"]), str(row["directionName"]),
                            _value(row, "objectLabel"), _value(row, "subgroup"), numbers)
        superseded = f"  superseded by {row['supersededBy']}" if row.get("supersededBy") else ""
        print(f"[{row['method']}] {line}  conf={_value(row, 'confidence') or '-'}{superseded}")
        if row.get("evidence"):
            where = f" @{row['start']}-{row['end']}" if row.get("start") is not None else ""
            print(f"    evidence{where}: {row['evidence']}")
    print(f"{len(seen)} finding(s) for {iri}")
    return 0


FINDINGS = Command(
    name="findings",
    help="print the findings the graph holds for a publication, with evidence and method",
    add_arguments=_findings_arguments,
    run=_run_findings,
)


# --- kg eval-extraction -----------------------------------------------------------------------------

def _eval_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("gold", type=Path, metavar="GOLD",
                        help="gold file: JSON facts of one abstract, or JSON Lines of corpus abstracts or PubMed "
                             "records (.jsonl, data/gold/abstracts/README.md, data/gold/pubmed/README.md)")
    parser.add_argument("--corpus", type=Path, metavar="FILE",
                        help="the corpus a .jsonl gold names abstracts of (default: "
                             "../shared/fixtures/abstracts/abstracts.jsonl beside the checkout)")
    parser.add_argument("--pubmed-dir", type=Path, metavar="DIR",
                        help="the folder the 'path' of a .jsonl gold's PubMed records is relative to (default: "
                             "../shared/fixtures/eutils beside the checkout)")
    parser.add_argument("--details", action="store_true", help="with a .jsonl gold: list every miss and extra")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--page", type=Path, metavar="FILE", help="a saved PubMed abstract page (the seed page)")
    source.add_argument("--abstract", type=Path, metavar="FILE", help="a plain-text abstract")
    parser.add_argument("--fail-under", type=float, metavar="F1",
                        help="exit 1 when F1 of findings with a P-value or percentage is below this")
    parser.add_argument("--store", help=argparse.SUPPRESS)  # no store is used


def _default_corpus(gold: Path) -> Path:
    here = Path.cwd() / CORPUS
    if here.is_file():
        return here
    for parent in gold.resolve().parents:
        candidate = parent / CORPUS
        if candidate.is_file():
            return candidate
    raise InputError(f"no corpus found for {gold} (looked for {CORPUS}); give it with --corpus FILE")


def _default_pubmed_dir(gold: Path) -> Path:
    for base in (Path.cwd(), *gold.resolve().parents):
        if (base / PUBMED_DIR).is_dir():
            return base / PUBMED_DIR
    raise InputError(f"no folder of PubMed records found for {gold} (looked for {PUBMED_DIR}); "
                     f"give it with --pubmed-dir DIR")


def _run_eval_jsonl(args: argparse.Namespace) -> int:
    gold = read_gold_jsonl(args.gold)
    corpus = (args.corpus or _default_corpus(args.gold)) if any(not g.path for g in gold) else None
    pubmed_dir = (args.pubmed_dir or _default_pubmed_dir(args.gold)) if any(g.path for g in gold) else None
    result = score_records(gold, corpus, pubmed_dir=pubmed_dir)
    sys.stdout.write(format_score(result, details=args.details))
    if args.fail_under is not None and result.fields["findings"].f1 < args.fail_under:
        return 1
    return 0


def _run_eval(args: argparse.Namespace) -> int:
    if args.gold.suffix == ".jsonl":
        return _run_eval_jsonl(args)
    gold = read_gold(args.gold)
    path = args.page or args.abstract
    if path is None:
        named = json.loads(args.gold.read_text(encoding="utf-8")).get("abstract_file")
        if not named:
            raise InputError("give the text to evaluate: --page FILE or --abstract FILE")
        path = (args.gold.parent / named).resolve()
    publications = publications_in(path) if args.page is None else [parse_page(read_text_file(path)).study]
    if len(publications) != 1:
        raise InputError(f"{path}: expected one abstract, found {len(publications)}")
    pub = publications[0]
    extraction = extract_abstract(pub.abstract or "", pub.ref, title=pub.title)
    result = evaluate(gold, [item.finding for item in extraction.findings])
    sys.stdout.write(format_evaluation(result))
    if args.fail_under is not None and result.target.f1 < args.fail_under:
        return 1
    return 0


EVAL = Command(
    name="eval-extraction",
    help="precision, recall and F1 of extraction against a gold file, per field, with the misses",
    add_arguments=_eval_arguments,
    run=_run_eval,
)

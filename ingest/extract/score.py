"""Score the extractor on the real-abstract gold (JSON Lines, ``data/gold/abstracts/README.md``).

Per field: P-values, count (%) pairs, other percentages, effect sizes with a
CI, sample sizes (each matched by value, as ``Decimal``, as multisets), and
relational findings (a finding matches when its subject and object phrases each
share a content word with the gold's and the direction agrees; subgroup and
P-value are then scored on the matched pairs). Every extracted item carries the
rule that produced it (``found_by``), so precision is also given per rule.

Gold records name their abstract by corpus ``id``; the corpus is read once,
streaming, and only the records the gold names are kept. A gold record with a
``path`` and a ``pmid`` names a PubMed record instead (``data/gold/pubmed/``):
its abstract is read from that XML file by the project's PubMed parser and
prepared as ``kg ingest pubmed-xml`` prepares it, so the score is that of the
text an ingest extracts from.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ingest.enrich import abstract_text
from ingest.extract.concepts import fold
from ingest.extract.corpus import CorpusRecord, iter_json_objects, iter_jsonl
from ingest.extract.evaluate import Score
from ingest.extract.pipeline import Extraction, extract_abstract
from ingest.extract.statistics import Statistic
from ingest.pubmed.parser import iter_pubmed_xml
from kg.errors import InputError
from kg.model import Finding, Publication, PublicationRef

STAT_FIELDS = ("p_values", "count_percent", "percentages", "effect_sizes", "sample_sizes")
_STOP = frozenset([
    "a", "an", "the", "of", "in", "on", "at", "to", "for", "with", "and", "or", "by", "from", "vs", "versus",
    "than", "as", "is", "was", "were", "be", "been", "being", "that", "this", "these", "those", "their", "its",
    "it", "who", "which", "between", "among", "after", "before", "during", "over", "under", "into", "per", "not",
    "no", "patients", "patient", "group", "groups", "participants", "subjects", "rate", "rates", "level", "levels",
    "score", "scores"
])
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class CorpusScore:
    """Scores of a whole gold file: per field, per rule, and the misses of each abstract."""

    fields: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    rules: dict[str, Score] = field(default_factory=lambda: defaultdict(Score))
    abstracts: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class GoldFinding:
    """One relational finding of the gold."""

    subject: str
    object: str
    direction: str
    subgroup: str | None
    p_value: Decimal | None


@dataclass(frozen=True)
class GoldAbstract:
    """The gold of one abstract: statistics by field (as match keys) and findings."""

    id: str
    statistics: dict[str, list[Hashable]]
    findings: list[GoldFinding]
    pmid: str | None = None
    path: str | None = None
    """Where a PubMed record is, relative to the folder of recorded efetch answers; None for a corpus abstract."""


def _decimal(value: object, where: str) -> Decimal:
    try:
        return Decimal(str(value).replace("−", "-").replace("·", ".").strip())
    except InvalidOperation:
        raise InputError(f"{where}: not a number: {value!r}") from None


def _optional_decimal(value: object, where: str) -> Decimal | None:
    return None if value is None or value == "" else _decimal(str(value).lstrip("=<>≤≥"), where)


def _gold_keys(stats: dict, where: str) -> dict[str, list[Hashable]]:
    if not isinstance(stats, dict):
        raise InputError(f"{where}: 'statistics' must be an object")
    try:
        return {
            "p_values": [_decimal(p["value"], where) for p in stats.get("p_values", [])],
            "count_percent": [(int(c["count"]), _decimal(c["percentage"], where))
                              for c in stats.get("count_percent", [])],
            "percentages": [_decimal(p, where) for p in stats.get("percentages", [])],
            "effect_sizes": [(_decimal(e["value"], where), _decimal(e["ci_low"], where), _decimal(e["ci_high"], where))
                             for e in stats.get("effect_sizes", [])],
            "sample_sizes": [int(s["n"]) for s in stats.get("sample_sizes", [])],
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: malformed statistics entry ({exc})") from None


def read_gold_jsonl(path: Path) -> list[GoldAbstract]:
    """The abstracts of a JSON Lines gold file; ``InputError`` naming the line of the first bad record."""
    gold = []
    for number, item in iter_json_objects(path):
        where = f"{path}:{number}"
        if not isinstance(item.get("id"), str):
            raise InputError(f"{where}: expected an object with an 'id'")
        findings = []
        for f in item.get("findings", []):
            if not isinstance(f, dict) or not f.get("object_text") or f.get("direction") not in (
                    "increases", "decreases", "no_effect", "unspecified"):
                raise InputError(f"{where}: a finding needs 'object_text' and a known 'direction'")
            findings.append(GoldFinding(f.get("subject_text") or "", f["object_text"], f["direction"],
                                        f.get("subgroup"), _optional_decimal(f.get("p_value"), where)))
        path, pmid = item.get("path"), item.get("pmid")
        if path is not None and not (isinstance(path, str) and path and isinstance(pmid, str) and pmid):
            raise InputError(f"{where}: a record with a 'path' needs it and its 'pmid' as non-empty strings")
        gold.append(GoldAbstract(item["id"], _gold_keys(item.get("statistics", {}), where), findings,
                                 pmid=pmid if path else None, path=path))
    return gold


def corpus_records(corpus: Path, ids: Iterable[str]) -> dict[str, CorpusRecord]:
    """The corpus records with the given ids (read streaming; other records are skipped unread)."""
    wanted = set(ids)
    found = {r.id: r for r in iter_jsonl(corpus) if r.id in wanted}
    missing = sorted(wanted - set(found))
    if missing:
        raise InputError(f"{corpus}: no abstract with id {missing[0]} (and {len(missing) - 1} more)"
                         if len(missing) > 1 else f"{corpus}: no abstract with id {missing[0]}")
    return found


def pubmed_publications(root: Path, gold: Iterable[GoldAbstract]) -> dict[tuple[str, str], Publication]:
    """The publications the gold names by (path, PMID), each XML file parsed once by the PubMed parser.

    ``InputError`` for a file that cannot be read or parsed, a PMID the file does not hold, and a record
    without an abstract (it cannot have been annotated).
    """
    wanted: dict[str, set[str]] = defaultdict(set)
    for item in gold:
        if item.path and item.pmid:
            wanted[item.path].add(item.pmid)
    found: dict[tuple[str, str], Publication] = {}
    for relative, pmids in wanted.items():
        file = root / relative
        try:
            stream = file.open("rb")
        except OSError as exc:
            raise InputError(f"cannot read {file}: {exc.strerror}") from None
        with stream:
            for record in iter_pubmed_xml(stream, where=str(file)):
                pmid = record.publication.pmid
                if pmid in pmids and (relative, pmid) not in found:
                    found[(relative, pmid)] = record.publication
        for pmid in sorted(pmids):
            publication = found.get((relative, pmid))
            if publication is None:
                raise InputError(f"{file}: no PubMed record with PMID {pmid}")
            if not abstract_text(publication):
                raise InputError(f"{file}: PMID {pmid} has no abstract")
    return found


def _stat_key(stat: Statistic) -> tuple[str, Hashable] | None:
    if stat.kind == "p_value":
        return "p_values", stat.value
    if stat.kind == "count_percent":
        return "count_percent", (stat.count, stat.percent)
    if stat.kind == "percent" or (stat.kind == "median" and stat.unit == "%"):
        return "percentages", stat.value
    if stat.kind == "effect_size" and stat.ci_low is not None and stat.ci_high is not None:
        return "effect_sizes", (stat.value, stat.ci_low, stat.ci_high)
    if stat.kind == "sample_size" and stat.count is not None:
        return "sample_sizes", stat.count
    return None


def _words(text: str | None) -> set[str]:
    """Content words, compared as the recogniser compares labels (case and a plural "s" folded)."""
    return {fold(w) for w in (m.group().casefold() for m in _WORD.finditer(text or "")) if w not in _STOP}


def _share(gold: str | None, predicted: str | None) -> bool:
    return bool(_words(gold) & _words(predicted))


def _subject_text(f: Finding) -> str:
    return " ".join(x for x in (f.subject_label, _slug(f.subject_concept)) if x)


def _object_text(f: Finding) -> str:
    return " ".join(x for x in (f.object_label, _slug(f.object_concept)) if x)


def _slug(iri: str | None) -> str:
    return iri.rsplit("/", 1)[-1].replace("-", " ") if iri else ""


def _match(gold: list, predicted: list, same: Callable[[object, object], bool]) -> list[tuple[int, int]]:
    """Greedy one-to-one pairs (gold index, predicted index), in gold order, first fitting prediction."""
    used: set[int] = set()
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(predicted):
            if pi not in used and same(g, p):
                used.add(pi)
                pairs.append((gi, pi))
                break
    return pairs


def relational(findings: Iterable[Finding]) -> list[Finding]:
    """The findings that relate a subject to an object (occurrence findings have no subject)."""
    return [f for f in findings if f.subject_concept or f.subject_label]


def score_abstract(gold: GoldAbstract, extraction: Extraction, result: CorpusScore) -> None:
    """Add one abstract's counts to ``result``."""
    by_field: dict[str, list[Statistic]] = defaultdict(list)
    for stat in extraction.statistics:
        key = _stat_key(stat)
        if key:
            by_field[key[0]].append(stat)
    for name in STAT_FIELDS:
        remaining = Counter(gold.statistics[name])
        score = Score(predicted=len(by_field[name]), gold=len(gold.statistics[name]))
        for stat in by_field[name]:
            key = _stat_key(stat)[1]  # type: ignore[index]
            ok = remaining[key] > 0
            if ok:
                remaining[key] -= 1
                score.correct += 1
            result.rules[stat.found_by or "?"].add(Score(int(ok), 1, 0))
        result.fields[name].add(score)
        if remaining.total():
            missed = ", ".join(str(k) for k, n in remaining.items() for _ in range(n))
            result.notes.append(f"{gold.id}: {name} missed: {missed}")
    predicted = relational(item.finding for item in extraction.findings)

    def same(g: object, p: object) -> bool:
        assert isinstance(g, GoldFinding) and isinstance(p, Finding)
        return (_share(g.object, _object_text(p)) and _share(g.subject, _subject_text(p))
                and g.direction == p.direction)

    pairs = _match(gold.findings, predicted, same)
    result.fields["findings"].add(Score(len(pairs), len(predicted), len(gold.findings)))
    result.fields["findings: object only"].add(Score(
        len(_match(gold.findings, predicted, lambda g, p: _share(g.object, _object_text(p)))),  # type: ignore
        len(predicted), len(gold.findings)))
    result.fields["findings: subject and object"].add(Score(len(_match(
        gold.findings, predicted,
        lambda g, p: _share(g.object, _object_text(p)) and _share(g.subject, _subject_text(p)))),  # type: ignore
        len(predicted), len(gold.findings)))
    matched_p = {pi for _, pi in pairs}
    for pi, p in enumerate(predicted):
        result.rules[p.found_by or "?"].add(Score(int(pi in matched_p), 1, 0))
    subgroup, p_value = Score(), Score()
    for gi, pi in pairs:
        g, p = gold.findings[gi], predicted[pi]
        pred_group = None if (p.subgroup or "all patients") == "all patients" else p.subgroup
        subgroup.predicted += pred_group is not None
        subgroup.gold += g.subgroup is not None
        subgroup.correct += g.subgroup is not None and pred_group is not None and _share(g.subgroup, pred_group)
        p_value.predicted += p.p_value is not None
        p_value.gold += g.p_value is not None
        p_value.correct += g.p_value is not None and p.p_value is not None and g.p_value == p.p_value
    result.fields["findings: subgroup (on matched)"].add(subgroup)
    result.fields["findings: P (on matched)"].add(p_value)
    for gi, g in enumerate(gold.findings):
        if gi not in {a for a, _ in pairs}:
            result.notes.append(f"{gold.id}: finding missed: {g.subject} -{g.direction}-> {g.object}")
    for pi, p in enumerate(predicted):
        if pi not in matched_p:
            result.notes.append(f"{gold.id}: finding not in gold [{p.found_by}]: {_subject_text(p)} "
                                f"-{p.direction}-> {_object_text(p)}")
    result.abstracts += 1


def score_records(gold: list[GoldAbstract], corpus: Path | None, *, pubmed_dir: Path | None = None) -> CorpusScore:
    """Extract every abstract the gold names (from the corpus, or from PubMed XML under ``pubmed_dir``) and score it.

    A source that some record needs but that is None is an ``InputError``.
    """
    from_xml = [g for g in gold if g.path]
    from_corpus = [g.id for g in gold if not g.path]
    if from_corpus and corpus is None:
        raise InputError(f"record {from_corpus[0]} names a corpus abstract, and no corpus was given")
    if from_xml and pubmed_dir is None:
        raise InputError(f"record {from_xml[0].id} names a PubMed XML file, and no folder of them was given")
    records = corpus_records(corpus, from_corpus) if corpus is not None and from_corpus else {}
    publications = pubmed_publications(pubmed_dir, from_xml) if pubmed_dir is not None and from_xml else {}
    result = CorpusScore()
    for item in gold:
        if item.path and item.pmid:
            pub = publications[(item.path, item.pmid)]
            extraction = extract_abstract(abstract_text(pub) or "", pub.ref, title=pub.title)
        else:
            record = records[item.id]
            extraction = extract_abstract(record.text, PublicationRef(pmid=record.pmid, title=record.title),
                                          title=record.title)
        score_abstract(item, extraction, result)
    return result


def score_gold(gold_path: Path, corpus: Path | None, *, pubmed_dir: Path | None = None) -> CorpusScore:
    """Read a JSON Lines gold file, extract every abstract it names and score it."""
    return score_records(read_gold_jsonl(gold_path), corpus, pubmed_dir=pubmed_dir)


_ORDER = (*STAT_FIELDS, "findings", "findings: object only", "findings: subject and object",
          "findings: subgroup (on matched)", "findings: P (on matched)")


def format_score(result: CorpusScore, *, details: bool = False) -> str:
    """The report ``kg eval-extraction GOLD.jsonl`` prints: per field, then per rule, then (optionally) misses."""
    lines = [f"{result.abstracts} abstract(s)",
             f"{'field':34} {'precision':>9} {'recall':>7} {'F1':>6}   correct/predicted/gold"]
    for name in _ORDER:
        s = result.fields[name]
        lines.append(f"{name:34} {s.precision:9.3f} {s.recall:7.3f} {s.f1:6.3f}   {s.correct}/{s.predicted}/{s.gold}")
    lines.append(f"{'rule (found_by)':34} {'precision':>9}   correct/predicted")
    for name in sorted(result.rules, key=lambda n: (-result.rules[n].predicted, n)):
        s = result.rules[name]
        lines.append(f"{name:34} {s.precision:9.3f}   {s.correct}/{s.predicted}")
    if details and result.notes:
        lines.append("misses and extras:")
        lines += [f"  {note}" for note in result.notes]
    return "\n".join(lines) + "\n"

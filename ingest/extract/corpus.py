"""Read the real-abstract corpus (JSON Lines) one record at a time, and tell its dev and test splits apart.

The split is fixed by the record id alone (``data/gold/abstracts/README.md``):
an abstract is in the test split when ``int(sha256(id)[:8], 16)`` is odd. Tuning
code reads the corpus only through :func:`dev_records`, so test abstracts are
never looked at while rules are written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kg.errors import InputError
from kg.textfile import decode_utf8


@dataclass(frozen=True)
class CorpusRecord:
    """One abstract of a JSON Lines corpus: ``id``, ``title``, ``text``, optional ``pmid``."""

    id: str
    text: str
    title: str | None = None
    pmid: str | None = None


def split_of(record_id: str) -> str:
    """``"test"`` when the first 8 hex digits of the id's SHA-256 make an odd number, else ``"dev"``."""
    return "test" if int(hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8], 16) % 2 else "dev"


def iter_json_objects(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line of a JSON Lines file, read one line at a time.

    Unreadable files, bytes that are not UTF-8, lines that are not JSON and values that are not
    objects are ``InputError``s naming the file and line.
    """
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    with stream:
        for line_no, raw in enumerate(stream, start=1):
            line = decode_utf8(raw, str(path), first_line=line_no)
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError as exc:
                raise InputError(f"{path}:{line_no}: not JSON ({exc.msg})") from None
            if not isinstance(item, dict):
                raise InputError(f"{path}:{line_no}: expected a JSON object")
            yield line_no, item


def iter_jsonl(path: Path) -> Iterator[CorpusRecord]:
    """The records of a corpus JSON Lines file, one at a time; ``InputError`` naming the line of a bad record."""
    for line_no, item in iter_json_objects(path):
        if not isinstance(item.get("text"), str):
            raise InputError(f"{path}:{line_no}: expected an object with a 'text' string")
        pmid = item.get("pmid")
        yield CorpusRecord(id=str(item.get("id") or f"line-{line_no}"), text=item["text"],
                           title=item.get("title") if isinstance(item.get("title"), str) else None,
                           pmid=str(pmid) if pmid else None)


def dev_records(path: Path) -> Iterator[CorpusRecord]:
    """Only the dev-split records of a corpus, in file order (the test split is never read)."""
    return (record for record in iter_jsonl(path) if split_of(record.id) == "dev")

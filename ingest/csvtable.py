"""Shared reading of curator-filled CSV tables: header check, row numbers, typed cells.

Curated tables load all-or-nothing: every row is checked first and the first
problem is reported as ``file:row: column: what is wrong``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kg.errors import InputError
from kg.textfile import decode_utf8, position, read_bytes


class RowError(InputError):
    """A problem in one cell of one row."""


def read_text(path: Path) -> str:
    """The whole table as text: UTF-8 (a BOM is allowed); anything else is an ``InputError`` saying where.

    Curator tables are small, so they are read at once: a decoding problem can then
    be placed at its line and column, and binary data is recognised by its NUL bytes.
    """
    raw = read_bytes(path)
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise InputError(f"{path.name}:{position(raw, nul)}: binary data (a NUL byte), not a CSV text table")
    return decode_utf8(raw, path.name, hint="save the table as UTF-8 (e.g. 'CSV UTF-8' in a spreadsheet)")


def read_rows(path: Path, required: set[str], known: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as a spreadsheet shows it, row) after checking the header."""
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    try:
        header = set(reader.fieldnames or [])
    except csv.Error as exc:
        raise InputError(f"{path.name}:{reader.line_num}: {exc}") from exc
    missing = sorted(required - header)
    if missing:
        raise InputError(f"{path.name}: missing column(s) {', '.join(missing)}")
    unknown = sorted(header - known)
    if unknown:
        raise InputError(f"{path.name}: unknown column(s) {', '.join(unknown)} (see README, curated tables)")
    try:
        for row in reader:
            if None in row:
                raise InputError(f"{path.name}:{reader.line_num}: more cells than columns")
            cells = {key: (value or "").strip() for key, value in row.items()}
            if any(cells.values()):
                yield reader.line_num, cells
    except csv.Error as exc:
        raise InputError(f"{path.name}:{reader.line_num}: {exc}") from exc


def integer_cell(value: str, column: str, minimum: int = 0) -> int | None:
    """An integer cell, or None when empty."""
    if not value:
        return None
    if not re.fullmatch(r"\d+", value) or int(value) < minimum:
        raise RowError(f"{column}: expected a whole number >= {minimum}, got {value!r}")
    return int(value)


def decimal_cell(value: str, column: str, low: Decimal | None = None, high: Decimal | None = None) -> Decimal | None:
    """A decimal cell ("0.02", ".005", "45%"), or None when empty."""
    if not value:
        return None
    try:
        number = Decimal(value.rstrip("%").strip())
    except InvalidOperation:
        raise RowError(f"{column}: expected a number, got {value!r}") from None
    if not number.is_finite() or (low is not None and number < low) or (high is not None and number > high):
        raise RowError(f"{column}: {value!r} is outside {low} to {high}")
    return number


def list_cell(value: str) -> list[str]:
    """A ';'-separated list cell (a CSV convenience; stored as separate values)."""
    return [part.strip() for part in value.split(";") if part.strip()]


def identifier_cell(value: str, column: str, normalize: Callable[[str], str]) -> str | None:
    """A PMID, PMC id or DOI cell normalized by one of ``kg.ids``' normalizers.

    A bad value raises ``RowError`` naming its column; the table reader adds the file and row.
    """
    if not value:
        return None
    try:
        return normalize(value)
    except InputError as exc:
        raise RowError(f"{column}: {exc}") from None

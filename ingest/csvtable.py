"""Shared reading of curator-filled CSV tables: header check, row numbers, typed cells.

Curated tables load all-or-nothing: every row is checked first and the first
problem is reported as ``file:row: column: what is wrong``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path

from kg.errors import InputError


class RowError(InputError):
    """A problem in one cell of one row."""


def read_rows(path: Path, required: set[str], known: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as a spreadsheet shows it, row) after checking the header."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    with handle:
        reader = csv.DictReader(handle)
        header = set(reader.fieldnames or [])
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
        except UnicodeDecodeError as exc:
            raise InputError(f"{path.name}: not UTF-8 text (byte {exc.start})") from exc


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

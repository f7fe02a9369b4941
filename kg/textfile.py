"""Reading the user's own files: one place for "cannot read" and "not UTF-8" errors.

Every file a user names (a page, a table, an abstract, a query, a corpus) is
UTF-8 text; a byte order mark is allowed and dropped. Anything else is a
one-line ``InputError`` that says where: the file, the line and the column
(counted in bytes) of the first bad byte, and its value, so a table saved as
Latin-1 reads ``table.csv:2:16: not UTF-8 text (byte 0xc9)``.
"""

from __future__ import annotations

from pathlib import Path

from kg.errors import InputError

_BOM = b"\xef\xbb\xbf"


def position(raw: bytes, offset: int, first_line: int = 1) -> str:
    """``line:column`` (both from 1, the column counted in bytes) of a byte offset in ``raw``."""
    line_start = raw.rfind(b"\n", 0, offset) + 1
    line = first_line + raw.count(b"\n", 0, offset)
    return f"{line}:{offset - line_start + 1}"


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing or unreadable file is an ``InputError`` naming it."""
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


def decode_utf8(raw: bytes, where: str, *, hint: str = "", first_line: int = 1) -> str:
    """``raw`` as UTF-8 text (a leading BOM dropped), else an ``InputError`` placing the first bad byte.

    ``where`` names the file as the message should; ``first_line`` is the line
    number of ``raw``'s first line when it is one line of a file read line by line.
    """
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (len(_BOM) if raw.startswith(_BOM) else 0)
        advice = f"; {hint}" if hint else ""
        raise InputError(f"{where}:{position(raw, start, first_line)}: not UTF-8 text "
                         f"(byte 0x{raw[start]:02x}){advice}") from None


def read_text_file(path: Path, *, where: str | None = None, hint: str = "") -> str:
    """A whole UTF-8 text file, or a one-line ``InputError`` saying why not."""
    return decode_utf8(read_bytes(path), where or str(path), hint=hint)

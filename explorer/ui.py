"""Small display helpers shared by the pages: literal text in Markdown, empty-store notes, a pager."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from explorer.data import Answer, page_text

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=^\"'])")


def md_escape(text: object) -> str:
    """Text that Markdown shows literally, whatever it contains.

    Every ASCII punctuation mark a renderer could act on is backslash-escaped (CommonMark allows
    that for all of them), so ``<b>`` or ``[x](javascript:...)`` in a PubMed title shows as typed.
    """
    return _MARKDOWN_SPECIALS.sub(r"\\\1", "" if text is None else str(text))


def empty_note(frame: pd.DataFrame, what: str) -> bool:
    """Say so when a query found nothing (an empty or freshly created store); True when empty."""
    if frame.empty:
        st.info(f"No {what} in this store yet. Build it with `kg build --store PATH`, then reload.")
        return True
    return False


def options(frame: pd.DataFrame, *columns: str) -> list[str]:
    """Sorted distinct non-empty values of the given columns (for filter widgets)."""
    values: set[str] = set()
    for column in columns:
        if column in frame:
            values.update(str(v) for v in frame[column].dropna() if str(v).strip())
    return sorted(values, key=str.lower)


def pager(answer: Answer, noun: str, offset_key: str, page_size: int) -> None:
    """"Showing a-b of N" with previous/next buttons that move the page offset kept under ``offset_key``."""
    left, back, forward = st.columns([6, 1, 1])
    left.caption(page_text(answer, noun))
    if answer.offset and back.button("Previous", key=f"{offset_key}_previous"):
        st.session_state[offset_key] = max(0, answer.offset - page_size)
        st.rerun()
    if answer.next_offset is not None and forward.button("Next", key=f"{offset_key}_next"):
        st.session_state[offset_key] = answer.next_offset
        st.rerun()

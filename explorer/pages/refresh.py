"""Refresh page: run the PubMed E-utilities refresh with a progress bar and show what changed.

The refresh code lives in ``ingest.pubmed`` (its own issue); this page only calls it, and says so
when it is not installed yet.
"""

from __future__ import annotations

import dataclasses
import re

import streamlit as st

from explorer import data


def _summary_rows(summary: object) -> dict[str, object]:
    if dataclasses.is_dataclass(summary):
        return {k: (len(v) if isinstance(v, (list, tuple, set, dict)) else v)
                for k, v in dataclasses.asdict(summary).items()}
    return {"summary": str(summary)}


def render() -> None:
    """The refresh form, its progress and its summary."""
    st.title("Refresh from PubMed")
    try:
        from ingest.pubmed.client import EutilsClient
        from ingest.pubmed.refresh import refresh
    except ImportError:
        st.info("The PubMed refresh is not installed in this build (ingest.pubmed.refresh is missing); "
                "the explorer works on the graph as it is.")
        return
    st.caption("Fetches records, citations and cited-by links from NCBI E-utilities and replaces the "
               "changed publications' graphs. Needs network access to eutils.ncbi.nlm.nih.gov.")
    with st.form("refresh"):
        email = st.text_input("Your e-mail (NCBI asks for one)", key="r_email")
        api_key = st.text_input("NCBI API key (optional, not stored)", type="password", key="r_key")
        pmids_text = st.text_input("PMIDs (empty: every publication in the graph)", key="r_pmids")
        depth = st.number_input("Citation depth", min_value=0, max_value=3, value=1, key="r_depth")
        force = st.checkbox("Fetch again even if fresh", value=False, key="r_force")
        go = st.form_submit_button("Run refresh", type="primary")
    if not go:
        return
    pmids = re.findall(r"\d+", pmids_text) or None
    bar = st.progress(0.0, text="starting")

    def progress(done: int, total: int, message: str) -> None:
        bar.progress(min(done / total, 1.0) if total else 0.0, text=f"{done}/{total} {message}")

    client = EutilsClient(email=email or None, api_key=api_key or None)
    try:
        summary = refresh(data.store(), client, pmids=pmids, depth=int(depth), force=force, progress=progress)
    except Exception as exc:  # noqa: BLE001 - any failure is reported to the user, the store stays as it was
        st.error(f"Refresh failed: {exc}")
        return
    data.clear_caches()
    bar.progress(1.0, text="done")
    st.success("Refresh finished")
    st.table(_summary_rows(summary))


render()

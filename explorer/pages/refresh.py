"""Refresh page: plan or run the PubMed E-utilities refresh, watch its phases and retries, cancel it.

The refresh itself is ``ingest.pubmed.refresh`` (the same code as ``kg refresh``); this page only
calls it, shows each phase with its counts (resolved, linked, fetched of planned) and every retry
with its reason as it happens, and offers a cancel button. Cancelling stops the run between two
requests (each request is bounded by the client's whole-request deadline); the batches stored
before stay, and running again continues from them.
"""

from __future__ import annotations

import threading

import streamlit as st

from explorer import data

_VERB = {"resolve": "resolved", "links": "linked", "records": "fetched"}
_CANCEL = "r_cancel_event"
_RUNNING = "r_running"


def _summary_rows(summary: object) -> dict[str, object]:
    """What changed per kind, then the cost, as a two-column table."""
    rows = {
        "publications in scope": summary.in_scope,
        "new publications": summary.new_publications,
        "new citation links": summary.new_citation_links,
        "PubMed records written": summary.records_written,
        "PubMed records unchanged": summary.records_unchanged,
        "link sets written": summary.link_sets_written,
        "link sets unchanged": summary.link_sets_unchanged,
        "link sets used from the store": summary.link_sets_reused,
        "findings added (net)": summary.new_findings,
        "resolved by title/DOI": summary.resolved,
        "skipped as recently refreshed": summary.skipped_fresh,
        "requests": summary.requests,
        "retries": summary.retries,
        "answered 429": summary.throttled,
        "not found in PubMed": len(summary.missing),
    }
    return {"what": list(rows), "count": list(rows.values())}


class _Board:
    """The progress area: one line of counts per phase, a bar for the current phase, the retries."""

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, int]] = {}
        self.retries: list[str] = []
        self.line = st.empty()
        self.bar = st.progress(0.0, text="starting")
        self.retry_box = st.empty()

    def __call__(self, event: object) -> None:
        if event.phase == "retry":
            self.retries.append(event.message)
            self.retry_box.warning("Retries so far:\n\n" + "\n\n".join(f"- {m}" for m in self.retries[-8:]))
            return
        if event.phase in _VERB:
            self.counts[event.phase] = (event.done, event.planned)
        self.line.caption(" · ".join(f"{_VERB[p]} {d} of {t}" for p, (d, t) in self.counts.items()))
        share = min(event.done / event.planned, 1.0) if event.planned else 0.0
        self.bar.progress(share if event.phase != "done" else 1.0, text=f"{event.phase}: {event.message}")


def _cancel() -> None:
    event = st.session_state.get(_CANCEL)
    if event is not None:
        event.set()


def render() -> None:
    """The refresh form, its plan or progress, and its summary."""
    st.title("Refresh from PubMed")
    try:
        from ingest.pubmed.client import EutilsClient
        from ingest.pubmed.refresh import RefreshCancelled, plan_refresh, refresh
    except ImportError:
        st.info("The PubMed refresh is not installed in this build (ingest.pubmed.refresh is missing); "
                "the explorer works on the graph as it is.")
        return
    st.caption("Fetches records and cites / cited-by links from NCBI E-utilities for the curated studies (or the "
               "PMIDs given) and what the citation depth reaches from them; publications known only from a "
               "reference list are stored without their record. A second run right after changes nothing; an "
               "interrupted run continues where it stopped.")
    if st.session_state.pop(_RUNNING, False):
        st.warning("Refresh cancelled: the batches stored before the cancel are kept; run it again to continue.")
    with st.form("refresh"):
        email = st.text_input("Your e-mail (NCBI asks for one)", key="r_email")
        api_key = st.text_input("NCBI API key (optional, not stored)", type="password", key="r_key")
        pmids_text = st.text_input("PMIDs (empty: the curated studies)", key="r_pmids")
        depth = st.number_input("Citation depth", min_value=0, max_value=3, value=1, key="r_depth")
        extracted = st.checkbox("Also expand papers with extracted findings only", value=False, key="r_extracted")
        force = st.checkbox("Fetch again even if fresh", value=False, key="r_force")
        plan_only = st.form_submit_button("Plan (send nothing)")
        go = st.form_submit_button("Run refresh", type="primary")
    if not (go or plan_only):
        return
    pmids = [p for p in pmids_text.replace(",", " ").split() if p] or None
    options = {"pmids": pmids, "depth": int(depth), "force": force, "expand_extracted": extracted}
    try:
        if plan_only:
            st.code(plan_refresh(data.store(), **options).describe(), language=None)
            return
        cancel = threading.Event()
        st.session_state[_CANCEL] = cancel
        st.session_state[_RUNNING] = True
        st.button("Cancel refresh", key="r_cancel", on_click=_cancel)
        board = _Board()
        client = EutilsClient(email=email or None, api_key=api_key or None)
        summary = refresh(data.store(), client, progress=board, cancel=cancel, **options)
    except RefreshCancelled as exc:
        st.session_state.pop(_RUNNING, None)
        st.warning(str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - any failure is reported to the user; stored batches stay
        st.session_state.pop(_RUNNING, None)
        st.error(f"Refresh failed: {exc}")
        return
    finally:
        if not plan_only:
            data.clear_caches()
    st.session_state.pop(_RUNNING, None)
    st.success("Refresh finished")
    st.table(_summary_rows(summary))


render()

"""Publications page: search by title, author, PMID or DOI; one publication's record and links.

The store pages and searches: without a search text the table is one page of ``publications-newest``
(newest first), with one it is one page of ``publications-search`` (the text bound as a parameter);
either gives a count for "Showing 101-200 of N". The picker offers the publications of the page shown.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import data, tables
from explorer.links import doi_url, pmc_url, present, pubmed_url
from explorer.ui import md_escape, pager
from kg.errors import KGError


def _label(row: pd.Series) -> str:
    """The picker's name for a publication: title and PMID, or PMID and journal when there is no title."""
    title = present(row["title"])
    pmid = present(row["pmid"])
    if not title:
        return tables.publication_label(None, pmid, row["journal"], row["year"])
    return f"{title[:90]} · PMID {pmid}" if pmid else title[:100]


def _table(where: object, heading: str, frame: pd.DataFrame, when_empty: str, first: tuple[str, ...] = ()) -> None:
    """A bold heading and a readable table, or a note when there is nothing to list."""
    where.markdown(f"**{heading}**")
    if frame.empty:
        where.caption(when_empty)
    else:
        tables.show(frame, first, where=where)


def _detail(row: pd.Series) -> None:
    iri = str(row["publication"])
    bound = f"<{iri}>"  # bracketed: any absolute IRI in the data (urn:..., not only http://) binds as itself
    st.subheader(md_escape(tables.publication_label(row["title"], row["pmid"], row["journal"])))
    facts = [present(row["journal"]), present(row["year"]) and str(int(row["year"]))]
    st.caption(md_escape(" · ".join(f for f in facts if f) or "no journal or year recorded"))
    authors = data.named("authors", publication=bound)
    if not authors.empty:
        st.text("; ".join(authors["name"]))
    links = st.columns(3)
    for column, (name, url) in zip(links, [("PubMed", pubmed_url(row["pmid"])), ("DOI", doi_url(row["doi"])),
                                           ("PMC", pmc_url(row["pmcid"]))], strict=True):
        if url:
            column.link_button(name, url)
    mesh = data.named("publication-mesh", publication=bound)
    mentions = data.named("concept-mentions", publication=bound)
    left, right = st.columns(2)
    _table(left, "MeSH terms", mesh[["heading", "major"]], "none recorded")
    _table(right, "Concepts mentioned", mentions[["conceptLabel"]], "none recorded")
    links_frame = data.named("citation-links", publication=bound)
    cites = links_frame[links_frame["citing"] == iri][["citedPmid", "citedTitle", "citedYear"]].copy()
    cited_by = links_frame[links_frame["cited"] == iri][["citingPmid", "citingTitle", "citingYear"]].copy()
    cites["citedTitle"] = [tables.publication_label(t, p) for t, p in
                           zip(cites["citedTitle"], cites["citedPmid"], strict=True)]
    cited_by["citingTitle"] = [tables.publication_label(t, p) for t, p in
                               zip(cited_by["citingTitle"], cited_by["citingPmid"], strict=True)]
    left, right = st.columns(2)
    _table(left, f"Cites ({len(cites)})", cites, "no links in the graph", ("citedTitle", "citedYear"))
    _table(right, f"Cited by ({len(cited_by)})", cited_by, "no links in the graph", ("citingTitle", "citingYear"))
    st.caption("Cited-by lists come from PMC full texts and are incomplete by nature.")
    findings = data.named("findings", study=bound)
    st.markdown(f"**Findings reported** ({findings['finding'].nunique() if not findings.empty else 0})")
    if not findings.empty:
        tables.show(findings[["subjectLabel", "relation", "objectLabel", "directionName", "subgroup", "count",
                              "denominator", "percentage", "pComparator", "pValue", "method", "evidence"]],
                    ("subjectLabel", "directionName", "objectLabel", "P", "subgroup", "nOfN", "percentage"))


def _titled_first(hits: pd.DataFrame) -> pd.DataFrame:
    """Publications with a title first (the default choice is a paper a reader can recognise)."""
    has_title = hits["title"].map(lambda t: present(t) is not None)
    return pd.concat([hits[has_title], hits[~has_title]])


PAGE = 100
"""Publications per page (the catalog queries' own page size)."""
OFFSET_KEY = "p_offset"


def render() -> None:
    """A search box, one page of the matching publications, and the detail of the chosen one."""
    st.title("Publications")
    stats = data.named("graph-stats")
    if stats.empty or not int(stats.iloc[0]["publications"] or 0):
        st.info("No publications in this store yet. Build it with `kg build --store PATH`, then reload.")
        return
    text = st.text_input("Search title, author, PMID or DOI", key="p_search").strip()
    if st.session_state.get("p_searched") != text:  # a new search starts on the first page
        st.session_state["p_searched"] = text
        st.session_state[OFFSET_KEY] = 0
    offset = str(int(st.session_state.get(OFFSET_KEY, 0)))
    if text:
        answer = data.answer("publications-search", text=text, offset=offset)
    else:
        answer = data.answer("publications-newest", offset=offset)
    hits = answer.frame
    pager(answer, "publications", OFFSET_KEY, PAGE)
    listed = hits.assign(title=[tables.publication_label(t, p, j) for t, p, j in
                                zip(hits["title"], hits["pmid"], hits["journal"], strict=True)])
    tables.show(listed[["title", "year", "journal", "pmid", "doi", "cites", "citedBy"]],
                ("title", "year", "journal", "pmid", "doi"), key="p_table")
    if hits.empty:
        return
    ordered = _titled_first(hits)
    labels = {row["publication"]: _label(row) for _, row in ordered.iterrows()}
    chosen = st.selectbox("Publication", list(labels), format_func=labels.get, key="p_chosen")
    try:
        _detail(hits[hits["publication"] == chosen].iloc[0])
    except KGError as exc:  # one odd record (an IRI the queries cannot bind) must not put a traceback on screen
        st.error(f"Cannot show this publication: {exc}")


render()

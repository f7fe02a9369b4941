"""Publications page: search by title, author, PMID or DOI; one publication's record and links."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from explorer import data
from explorer.links import doi_url, pmc_url, present, pubmed_url
from explorer.ui import empty_note, md_escape
from kg.errors import KGError


def search(publications: pd.DataFrame, authors: pd.DataFrame, text: str) -> pd.DataFrame:
    """Publications whose title, PMID, DOI, PMC id or an author's name contains the text (any case)."""
    needle = text.strip().lower()
    if not needle:
        return publications
    hit = pd.Series(False, index=publications.index)
    for column in ("title", "pmid", "doi", "pmcid"):
        hit |= publications[column].astype("string").str.lower().str.contains(needle, regex=False).fillna(False)
    if not authors.empty:
        named = set(authors.loc[authors["name"].str.lower().str.contains(needle, regex=False), "publication"])
        hit |= publications["publication"].isin(named)
    return publications[hit]


def _label(row: pd.Series) -> str:
    title = present(row["title"]) or "(untitled)"
    pmid = present(row["pmid"])
    return f"{title[:90]} · PMID {pmid}" if pmid else title[:100]


def _table(where: object, heading: str, frame: pd.DataFrame, when_empty: str) -> None:
    """A bold heading and a table, or a note when there is nothing to list."""
    where.markdown(f"**{heading}**")
    if frame.empty:
        where.caption(when_empty)
    else:
        where.dataframe(frame, hide_index=True)


def _detail(row: pd.Series) -> None:
    iri = str(row["publication"])
    bound = f"<{iri}>"  # bracketed: any absolute IRI in the data (urn:..., not only http://) binds as itself
    st.subheader(md_escape(present(row["title"]) or "(untitled)"))
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
    cites = links_frame[links_frame["citing"] == iri][["citedPmid", "citedTitle", "citedYear"]]
    cited_by = links_frame[links_frame["cited"] == iri][["citingPmid", "citingTitle", "citingYear"]]
    left, right = st.columns(2)
    _table(left, f"Cites ({len(cites)})", cites, "no links in the graph")
    _table(right, f"Cited by ({len(cited_by)})", cited_by, "no links in the graph")
    st.caption("Cited-by lists come from PMC full texts and are incomplete by nature.")
    findings = data.named("findings", study=bound)
    st.markdown(f"**Findings reported** ({len(findings)})")
    if not findings.empty:
        st.dataframe(findings[["subjectLabel", "relation", "objectLabel", "subgroup", "count", "percentage",
                               "pComparator", "pValue", "method", "evidence"]], hide_index=True)


def render() -> None:
    """A search box, the matching publications, and the detail of the chosen one."""
    st.title("Publications")
    publications = data.named("publications")
    if empty_note(publications, "publications"):
        return
    authors = data.named("authors")
    text = st.text_input("Search title, author, PMID or DOI", key="p_search")
    hits = search(publications, authors, text)
    st.caption(f"{len(hits)} of {len(publications)} publications")
    st.dataframe(hits[["pmid", "year", "title", "journal", "doi", "pmcid", "cites", "citedBy"]],
                 hide_index=True, width="stretch")
    if hits.empty:
        return
    labels = {row["publication"]: _label(row) for _, row in hits.iterrows()}
    chosen = st.selectbox("Publication", list(labels), format_func=labels.get, key="p_chosen")
    try:
        _detail(hits[hits["publication"] == chosen].iloc[0])
    except KGError as exc:  # one odd record (an IRI the queries cannot bind) must not put a traceback on screen
        st.error(f"Cannot show this publication: {exc}")


render()

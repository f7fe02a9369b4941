"""Questions page: the lab's four questions, answered from the catalog with the same defaults as ``kg query``.

Each answer names the catalog query behind it (a link opens it on the SPARQL page, bound the same
way) and links to the graph view around the concept it is about, so a researcher can check how the
answer was obtained and look at its neighbourhood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from explorer import data, tables
from explorer.data import Answer
from kg.namespaces import CONCEPT

HERE = Path(__file__).resolve().parent
"""The pages folder: links name pages by absolute path, as the app registers them (checkout or installed)."""


@dataclass(frozen=True)
class Question:
    """One question, the catalog query that answers it and how its answer is shown."""

    key: str
    heading: str
    query: str
    first: tuple[str, ...]
    focus: str
    """The node the graph view opens around (a concept or publication IRI)."""
    params: dict[str, str] = field(default_factory=dict)
    about_study: bool = False
    """Bind ``study`` to the graph's study (catalog query ``studies``) and open the graph around it."""
    drop: tuple[str, ...] = ("riskFactor", "phenotype", "study", "citing", "studyTitle", "pmcid")
    note: str = ""


QUESTIONS = (
    Question(
        "cr", "1 · Which risk factors lower the complete-remission rate under blinatumomab, and how strongly?",
        "risk-factors-for-outcome", ("riskFactorLabel", "directionName", "outcomeLabel", "P", "subgroup", "pmid"),
        str(CONCEPT["complete-remission"]),
        note="Findings whose risk factor lowers complete remission (or a narrower outcome) in blinatumomab cohorts.",
    ),
    Question(
        "phenotypes", "2 · Which resistance phenotypes are seen, in how many patients (n/N, %) by subgroup?",
        "resistance-phenotypes", ("phenotypeLabel", "subgroup", "nOfN", "percentage", "pmid"),
        str(CONCEPT["cd19-escape"]),
        note="n/N is the number of patients and the group it is counted in, where the study gives them.",
    ),
    Question(
        "citing", "3 · Which papers cite the study, and which concepts do they mention?",
        "citing-publications-mentions", ("title", "year", "journal", "mentions", "pmid", "doi"),
        "", about_study=True,
        note="Concepts are recognised in each paper's title (and abstract, where the graph has one). PubMed's "
             "cited-by lists come from PMC full texts and are incomplete by nature.",
    ),
    Question(
        "em", "4 · Which risk factors predict extramedullary disease?",
        "risk-factors-for-phenotype", ("riskFactorLabel", "directionName", "phenotypeLabel", "P", "subgroup", "pmid"),
        str(CONCEPT["extramedullary-relapse"]),
        note="Findings whose risk factor raises or lowers extramedullary relapse (or a narrower phenotype).",
    ),
)


def with_mentions(answer: Answer) -> pd.DataFrame:
    """Citing papers with the concepts each one mentions in alphabetical order, and a name for untitled ones.

    The page of papers and their concept labels come from one query (``citing-publications-mentions``,
    one row per paper and concept), so a page of 100 papers is one query, not 101; the rows of a paper
    are joined here.
    """
    rows = answer.frame
    names: dict[object, set[str]] = {}
    for paper, label in zip(rows["citing"], rows["mentionedLabel"], strict=True):
        names.setdefault(paper, set()).update({str(label)} if not tables.blank(label) else set())
    frame = rows.drop(columns=["mentionedLabel"]).drop_duplicates("citing").copy()
    frame["mentions"] = [", ".join(sorted(names[paper], key=str.lower)) for paper in frame["citing"]]
    frame["title"] = [tables.publication_label(t, p, j) for t, p, j in
                      zip(frame["title"], frame["pmid"], frame["journal"], strict=True)]
    return frame


def paging_note(answer: Answer, key: str) -> None:
    """"Showing 1-100 of N" under a paged answer, with a button for the next page."""
    if answer.total is None:
        return
    shown_to = min(answer.offset + (answer.limit or answer.total), answer.total)
    text = f"showing {answer.offset + 1 if answer.total else 0}-{shown_to} of {answer.total}"
    left, right = st.columns([4, 1])
    left.caption(text)
    if answer.next_offset is not None and right.button("next page", key=f"qa_next_{key}"):
        st.session_state[f"qa_offset_{key}"] = answer.next_offset
        st.rerun()


def render_question(question: Question) -> None:
    """The question, its answer as a readable table, and the two links."""
    st.subheader(question.heading)
    params, focus = dict(question.params), question.focus
    if question.about_study:
        studies = data.answer("studies").frame
        if len(studies) != 1:
            st.info(f"The graph holds {len(studies)} studies; the answer lists the papers citing any of them.")
        else:
            params["study"] = focus = str(studies["study"].iloc[0])
    linked = dict(params)  # the catalog link opens the first page; the table may show a later one
    offset = st.session_state.get(f"qa_offset_{question.key}", 0)
    if offset:
        params["offset"] = str(offset)
    answer = data.answer(question.query, **params)
    frame = with_mentions(answer) if question.query == "citing-publications-mentions" else answer.frame
    if frame.empty:
        st.info("The graph holds no answer to this question yet. Build it with `kg build`, then reload.")
    else:
        tables.show(frame, question.first, question.drop, key=f"qa_table_{question.key}")
        paging_note(answer, question.key)
    if question.note:
        st.caption(question.note)
    left, right = st.columns(2)
    left.page_link(str(HERE / "sparql.py"), label=f"Catalog query: {question.query}",
                   query_params={"query": question.query, **linked})
    right.page_link(str(HERE / "graph.py"), label="Show in the graph", query_params={"focus": focus})


def render() -> None:
    """The four questions, one after the other."""
    st.title("The lab's questions")
    stats = data.named("graph-stats")
    count = int(stats.iloc[0]["findings"] or 0) if not stats.empty else 0
    if not count:
        st.info("This store holds no findings yet. Build it with `kg build --store PATH`, then reload.")
        return
    st.caption(f"Answered from the {count} findings in the graph, each by a named catalog query with the same "
               "defaults as `kg query`.")
    for question in QUESTIONS:
        with st.container(border=True):
            render_question(question)


render()

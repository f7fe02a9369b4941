"""Sentence splitting that survives the punctuation of clinical abstracts."""

from ingest.extract.sentences import split_sentences


def test_decimals_p_values_and_abbreviations_stay_inside_their_sentence():
    text = ("Blasts >50% (P = .02) vs. fewer blasts, e.g. 10%, predicted lower CR (P = 0.05). "
            "Smith et al. reported 3.5 months. Fig. 2 shows it. The end.")
    sentences = split_sentences(text)
    assert [s.text[:12] for s in sentences] == ["Blasts >50% ", "Smith et al.", "Fig. 2 shows", "The end."]
    for sentence in sentences:
        assert text[sentence.start:sentence.end] == sentence.text


def test_line_breaks_and_section_labels():
    text = "BACKGROUND: We asked a question.\nRESULTS: CR was 51%.\n\nCONCLUSIONS: It works."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == ["We asked a question.", "CR was 51%.", "It works."]
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_empty_and_blank_texts_have_no_sentences():
    assert split_sentences("") == []
    assert split_sentences(" \n\t ") == []

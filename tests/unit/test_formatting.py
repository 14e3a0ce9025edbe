"""Words on screen: codes become names, counts take the right word, names in capitals read normally (#25)."""

import pytest

from octopus.core import formatting


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("lt", "Lithuanian"),
        ("ar", "Arabic"),
        ("el", "Greek"),
        ("bn", "Bengali"),
        ("pol", "Polish"),
        ("pt-BR", "Portuguese"),
        ("", "Not recorded"),
        ("English", "English"),
    ],
)
def test_language_codes_are_shown_as_names(code, name):
    assert formatting.language(code) == name


@pytest.mark.parametrize(
    ("count", "word", "expected"),
    [
        (1, "case", "1 case"),
        (0, "case", "0 cases"),
        (3, "case", "3 cases"),
        (2, "delivery", "2 deliveries"),
        (2, "day", "2 days"),
        (1200, "resident", "1,200 residents"),
    ],
)
def test_plural_takes_the_word_that_goes_with_the_count(count, word, expected):
    assert formatting.plural(count, word) == expected


def test_counts_read_as_a_sentence_not_a_dict():
    assert formatting.counts({"cases": 1, "check_ins": 3, "note": "ok"}) == "1 case, 3 check ins, note: ok"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("GRAY'S INN MEDICAL PRACTICE", "Gray's Inn Medical Practice"),
        ("THE NHS WALK-IN CENTRE OF SOHO", "The NHS Walk-in Centre of Soho"),
        ("ST JOHN'S WOOD PCN", "St John's Wood PCN"),
    ],
)
def test_place_names_in_capitals_read_as_a_person_writes_them(raw, shown):
    assert formatting.place_name(raw) == shown


def test_segments_and_tiers_are_shown_by_their_titles():
    assert formatting.segment("frail_elderly_end_of_life") == "Frail elderly and end of life"
    assert formatting.segment(None) == "Not recorded"
    assert formatting.tier("proactive") == "Proactive (rising risk)"

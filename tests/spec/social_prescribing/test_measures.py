"""Spec: ONS4 and SWEMWBS scoring against their published definitions.

ONS4: four items 0-10, reported separately and banded with ONS thresholds (ONS personal
well-being user guidance; GSS harmonised standard). SWEMWBS: seven items 1-5 summed to 7-35 and
converted with Warwick Medical School's published table (Stewart-Brown et al. 2009, Health Qual
Life Outcomes 7:15). The table below is that publication's, typed out independently of the
module, so a typo in either fails here.
"""

import pytest

from octopus.social_prescribing import measures

# raw | metric  (Warwick Medical School, "SWEMWBS conversion table")
PUBLISHED_SWEMWBS = """
 7 7.00 | 8 9.51 | 9 11.25 | 10 12.40 | 11 13.33 | 12 14.08 | 13 14.75 | 14 15.32 | 15 15.84
16 16.36 | 17 16.88 | 18 17.43 | 19 17.98 | 20 18.59 | 21 19.25 | 22 19.98 | 23 20.73
24 21.54 | 25 22.35 | 26 23.21 | 27 24.11 | 28 25.03 | 29 26.02 | 30 27.03 | 31 28.13
32 29.31 | 33 30.70 | 34 32.55 | 35 35.00
"""


def _published() -> dict[int, float]:
    cells = [cell.split() for line in PUBLISHED_SWEMWBS.strip().splitlines() for cell in line.split("|")]
    return {int(raw): float(metric) for raw, metric in cells}


def test_swemwbs_conversion_table_is_the_published_one_for_every_raw_score():
    table = _published()
    assert sorted(table) == list(range(7, 36))
    assert measures.SWEMWBS_METRIC == table


@pytest.mark.parametrize("answers, raw, metric", [
    ([1, 1, 1, 1, 1, 1, 1], 7, 7.00),     # the floor
    ([3, 3, 3, 3, 3, 3, 3], 21, 19.25),   # "some of the time" throughout
    ([4, 3, 4, 3, 4, 3, 4], 25, 22.35),
    ([5, 5, 5, 5, 5, 5, 4], 34, 32.55),
    ([5, 5, 5, 5, 5, 5, 5], 35, 35.00),   # the ceiling
])  # fmt: skip
def test_swemwbs_sums_seven_items_then_converts(answers, raw, metric):
    items = [item.code for item in measures.SWEMWBS.items]
    result = measures.scores("swemwbs", dict(zip(items, answers, strict=True)))
    assert result == {"raw": raw, "metric": metric}


def test_swemwbs_items_are_wemwbs_items_1_2_3_6_7_9_11():
    wemwbs = [item.code for item in measures.WEMWBS.items]
    assert [item.code for item in measures.SWEMWBS.items] == [wemwbs[i - 1] for i in (1, 2, 3, 6, 7, 9, 11)]


@pytest.mark.parametrize("value", [0, 6, "x", 2.5, None])
def test_swemwbs_refuses_an_answer_outside_1_to_5_naming_the_item(value):
    answers = {item.code: 3 for item in measures.SWEMWBS.items}
    answers["relaxed"] = value
    with pytest.raises(measures.MeasureError, match="relaxed"):
        measures.scores("swemwbs", answers)


# item | score | ONS band
ONS4_BANDS = """
life_satisfaction 0 Low
life_satisfaction 4 Low
life_satisfaction 5 Medium
life_satisfaction 6 Medium
life_satisfaction 7 High
worthwhile 8 High
happiness 9 Very high
happiness 10 Very high
anxiety 0 Very low
anxiety 1 Very low
anxiety 2 Low
anxiety 3 Low
anxiety 4 Medium
anxiety 5 Medium
anxiety 6 High
anxiety 10 High
"""


@pytest.mark.parametrize(
    "item, score, band",
    [(line.split()[0], int(line.split()[1]), " ".join(line.split()[2:])) for line in ONS4_BANDS.strip().splitlines()],
)
def test_ons4_bands_follow_ons_thresholds(item, score, band):
    assert measures.ons4_band(item, score) == band


def test_ons4_reports_the_four_items_separately_never_a_total():
    answers = {"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 8}
    assert measures.scores("ons4", answers) == {"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 8}


@pytest.mark.parametrize(
    "answers, problem",
    [
        ({"life_satisfaction": 11, "worthwhile": 7, "happiness": 5, "anxiety": 8}, "from 0 to 10"),
        ({"life_satisfaction": -1, "worthwhile": 7, "happiness": 5, "anxiety": 8}, "from 0 to 10"),
        ({"life_satisfaction": 6, "worthwhile": 7, "happiness": 5}, "anxious"),
        ({"life_satisfaction": 6, "worthwhile": 7, "happiness": 5, "anxiety": 8, "mood": 3}, "no question 'mood'"),
    ],
)
def test_ons4_refuses_bad_answers_with_the_question_named(answers, problem):
    with pytest.raises(measures.MeasureError, match=problem):
        measures.scores("ons4", answers)


def test_wemwbs_is_the_sum_of_fourteen_items_and_needs_the_licence_flag():
    answers = {item.code: 4 for item in measures.WEMWBS.items}
    assert measures.scores("wemwbs", answers) == {"total": 56}
    assert measures.WEMWBS not in measures.available(licensed_wemwbs=False)
    assert measures.WEMWBS in measures.available(licensed_wemwbs=True)

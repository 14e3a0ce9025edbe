"""Shares shown beside published counts come from those (rounded, suppressed) counts.

An independent check found a share to one decimal, computed from the true counts, beside a
count rounded to 5: 13 of 23 is 56.5%, and with "25 residents" shown only 13 of 23 gives 56.5%,
so the reader has the true counts back.
"""

from octopus.insights import figures
from octopus.insights.testing import chart_tables


def _residents(rows):
    """The chart tables the pipeline would publish for these residents."""
    columns = [
        "person_id",
        "risk_band",
        "imd_decile",
        "imd_quintile",
        "emergency_admissions",
        "prior_cost",
        "risk_probability",
        "practice_ods_code",
        "registered",
    ]
    return chart_tables([dict(zip(columns, row, strict=True)) for row in rows])


def _population(decile_sizes: dict[int, tuple[int, int]]):
    """decile -> (residents in the top three bands, residents in the rest)."""
    rows, n = [], 0
    for decile, (top, rest) in decile_sizes.items():
        for k in range(top + rest):
            n += 1
            band = 1 if k < top else 5
            rows.append([f"p{n}", band, decile, (decile + 1) // 2, 1 if k < top else 0, 10.0, 0.1, "A1", True])
    return _residents(rows)


def test_deprivation_share_is_from_the_rounded_counts():
    frame = _population({d: (13, 10) if d == 1 else (20, 30) for d in range(1, 11)})
    row = figures.deprivation(frame.deprivation)[0]
    assert (row["residents"], row["top_bands"]) == (25, 15)
    assert row["top_share"] == 15 / 25  # not 13 / 23


def test_pyramid_admissions_share_is_from_the_rounded_counts():
    rows = [[f"p{k}", 1 if k < 13 else 5, 1, 1, 1, 10.0, 0.1, "A1", True] for k in range(35)]
    bands, totals = figures.pyramid(_residents(rows).bands, {1: "Very high", 5: "Low-moderate"})
    assert (bands[0].admissions, totals["admissions"]) == (15, 35)  # 13 of 35 admissions
    assert bands[0].admissions_share == 15 / 35


def test_practice_proportion_is_from_the_rounded_counts():
    frame = _population({1: (13, 10)})
    [row] = figures.practice_variation(frame.bands, {"A1": "Practice A"})
    assert (row["numerator"], row["denominator"]) == (15, 25)
    assert row["proportion"] == 15 / 25


def test_share_withheld_beside_a_suppressed_count():
    assert figures.published_share(None, 25) is None
    assert figures.published_share(10, None) is None

"""The Inequalities page's presenter: values and intervals from published counts, DSRs only from
10 events, the SII's sign, and rows a chart can draw."""

import pandas as pd
import pytest

from octopus.insights.inequalities import indicator_view
from octopus.stats import dsr, european_standard_population, proportion_ci


def _counts(rows):
    return pd.DataFrame(rows, columns=["indicator", "breakdown", "group", "esp_band", "numerator", "denominator"])


def test_proportion_value_and_interval_come_from_the_published_counts():
    counts = _counts(
        [("bowel_screening", "sex", "female", 12, 23, 47), ("bowel_screening", "sex", "male", 12, 60, 120)]
    )
    female = indicator_view(counts, "bowel_screening", "sex").rows[0]
    assert (female.numerator, female.denominator) == (25, 45)
    assert female.value == pytest.approx(25 / 45 * 100)
    low, high = proportion_ci(25, 45)
    assert (female.lower, female.upper) == (pytest.approx(low * 100), pytest.approx(high * 100))


def test_rate_standardised_from_ten_events_only():
    rows = []
    for band in range(19):
        rows.append(("emergency_admissions", "sex", "female", band, 2, 100))  # 38 events
        rows.append(("emergency_admissions", "sex", "male", band, 1 if band < 9 else 0, 100))  # 9 events
    view = indicator_view(_counts(rows), "emergency_admissions", "sex")
    female, male = view.rows
    standard = [b.population for b in european_standard_population()]
    expected = dsr([2] * 19, [100] * 19, standard, per=1000)
    assert (female.standardised, female.standardised_lower, female.standardised_upper) == pytest.approx(expected)
    assert male.standardised is None and "fewer than 10 events" in male.note
    chart = view.chart_rows()
    assert chart[0]["value"] == female.standardised and chart[0]["measure"] == "directly age-standardised"


def test_age_band_breakdown_is_not_standardised():
    counts = _counts(
        [("ae_attendances", "age_band", "18-44", 5, 40, 400), ("ae_attendances", "age_band", "80+", 17, 90, 300)]
    )
    view = indicator_view(counts, "ae_attendances", "age_band")
    assert not view.standardised and view.rows[0].standardised is None


def test_sii_positive_when_higher_where_more_deprived_and_needs_every_quintile_shown():
    rows = [("flu_65_plus", "imd_quintile", str(q), 14, 300 - 40 * q, 400) for q in range(1, 6)]
    view = indicator_view(_counts(rows), "flu_65_plus", "imd_quintile")
    assert view.sii.sii > 0 and view.sii.rii > 1
    assert [r.label for r in view.rows][0] == "1 (most deprived)"
    rows[2] = ("flu_65_plus", "imd_quintile", "3", 14, 3, 400)
    view = indicator_view(_counts(rows), "flu_65_plus", "imd_quintile")
    assert view.sii is None and "suppressed" in view.sii_note


def test_csv_has_a_row_per_group_and_the_indices():
    rows = [("ae_attendances", "imd_quintile", str(q), b, 30 + q, 200) for q in range(1, 6) for b in (3, 10)]
    text = indicator_view(_counts(rows), "ae_attendances", "imd_quintile").csv()
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 5 + 2  # header, quintiles, SII and RII

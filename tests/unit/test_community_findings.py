"""The findings registry: one shape for every source, dicts accepted, drift refused by name."""

import datetime as dt

import pytest

from octopus.community import findings
from octopus.community.findings import Finding

NOVEMBER = dt.date(2026, 11, 1)


def test_finding_refuses_a_month_that_is_not_a_first_day():
    with pytest.raises(ValueError, match="first day of a month"):
        Finding("Drop-ins", "E01004694", dt.date(2026, 11, 10), "housing")


def test_finding_refuses_more_completed_than_made_and_an_introduction_without_destination():
    with pytest.raises(ValueError, match="between 0 and"):
        Finding("Drop-ins", "E01004694", NOVEMBER, "housing", 1, 2, "Debt advice")
    with pytest.raises(ValueError, match="destination"):
        Finding("Drop-ins", "E01004694", NOVEMBER, "housing", 1, 0, None)


def test_a_source_yielding_dicts_is_wired_in_one_line():
    def social_prescribing(start, end):
        yield {
            "source": "Social prescribing",
            "lsoa_code": "E01004694",
            "month": dt.date(2026, 11, 17),
            "need": "isolation",
            "introductions": 1,
            "introductions_completed": 1,
            "destination": "Walking group (Age UK)",
        }

    others = findings.sources()  # the apps' own sources read the database; this test does not
    for source in others:
        findings.unregister(source)
    findings.register(social_prescribing)
    try:
        found = findings.collect(NOVEMBER, dt.date(2026, 12, 1))
    finally:
        findings.unregister(social_prescribing)
        for source in others:
            findings.register(source)
    assert found == [Finding("Social prescribing", "E01004694", NOVEMBER, "isolation", 1, 1, "Walking group (Age UK)")]
    assert social_prescribing not in findings.sources()


def test_a_drifting_source_is_named_with_its_missing_and_unknown_keys():
    def drifting(start, end):
        yield {"source": "Social prescribing", "lsoa": "E01004694", "month": NOVEMBER, "need": "isolation"}

    with pytest.raises(ValueError, match=r"drifting.*missing lsoa_code; unknown lsoa"):
        findings.as_finding(next(drifting(None, None)), drifting)

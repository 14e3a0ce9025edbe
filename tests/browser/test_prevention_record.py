"""A resident's open prevention gaps on their record, in a browser with axe (issue #13)."""

import pytest

from octopus.care import services as care
from octopus.residents.factories import make_resident
from tests.browser.test_care_journeys import westminster  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def test_record_lists_open_prevention_gaps(browser_page, westminster):  # noqa: F811
    gp = westminster["gp"]
    gaps = [
        {
            "programme": "bowel_screening",
            "title": "Bowel cancer screening",
            "status": "overdue",
            "label": "Overdue",
            "due": "every 2 years (home FIT kit)",
        },
        {
            "programme": "flu_vaccination",
            "title": "Flu vaccination",
            "status": "never",
            "label": "None recorded",
            "due": "once each season (1 September to 31 March)",
        },
    ]
    mary = make_resident(given_name="Mary", family_name="Seacole", prevention_gaps=gaps)
    care.open_case(mary, gp.memberships.first().team, gp, source="search", holder=gp)

    browser_page.sign_in("gp")
    browser_page.goto(f"/residents/{mary.person_id}/")
    listed = browser_page.page.locator("#prevention-gaps").inner_text()
    assert "Bowel cancer screening" in listed and "Overdue" in listed
    assert "Flu vaccination" in listed and "None recorded" in listed

"""The virtual ward in a real browser, with axe on every page: a matron admits a resident, types
in observations that deteriorate, sees the alert on the board and acknowledges it."""

import pytest

from octopus.care import services
from octopus.residents.factories import make_resident
from octopus.virtualward.models import Alert

from .test_care_journeys import click_through, submit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def westminster(demo_directory):
    from octopus import demo
    from octopus.accounts.models import User

    demo.ensure_demo_users(demo_directory["accounts"])
    for user in User.objects.all():
        user.set_password("pw-for-tests-only")
        user.save()
    return {u.username: u for u in User.objects.all()}


def observe(browser_page, name, *, rr, spo2, sbp, pulse, temp, consciousness="Alert"):
    page = browser_page.page
    page.get_by_role("link", name=f"Record observations for {name}").first.click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    page.get_by_label("Respiration rate (breaths per minute)").fill(str(rr))
    page.get_by_label("SpO2 (%)").fill(str(spo2))
    page.get_by_label("Air", exact=True).check()
    page.get_by_label("Systolic blood pressure (mmHg)").fill(str(sbp))
    page.get_by_label("Pulse (beats per minute)").fill(str(pulse))
    page.get_by_label(consciousness, exact=True).check()
    page.get_by_label("Temperature (°C)").fill(str(temp))
    submit(browser_page, "Save and score")


def test_admit_deteriorate_alert_acknowledge(browser_page, westminster):
    matron = westminster["matron"]
    resident = make_resident(given_name="Mary", family_name="Jones")
    services.open_case(resident, matron.memberships.first().team, matron, source="search", holder=matron)
    page = browser_page.page

    browser_page.sign_in("matron")
    browser_page.goto(f"/residents/{resident.person_id}/")
    click_through(browser_page, "Admit to the virtual ward")
    page.get_by_label("Responsible team").select_option(value=str(matron.memberships.first().team_id))
    page.get_by_label("Reason for admission").fill("Community-acquired pneumonia, step-down")
    page.get_by_label("Scale 1 (usual)").check()
    submit(browser_page, "Admit")
    assert page.get_by_role("heading", name="Virtual ward", level=1, exact=True).is_visible()

    observe(browser_page, "Mary Jones", rr=16, spo2=97, sbp=120, pulse=70, temp="37.0")
    assert "NEWS2 0" in page.content()
    observe(browser_page, "Mary Jones", rr=23, spo2=93, sbp=98, pulse=115, temp="38.6")
    board = page.locator("#ward-board")
    assert "NEWS2 9, high risk" in board.inner_text().replace("–", "-")
    assert page.get_by_role("img", name="NEWS2 over the last 2 observations: 0, 9").is_visible()

    page.get_by_label("Note for Mary Jones").fill("Rang Mary; GP visiting within the hour")
    submit(browser_page, "Acknowledge alert for Mary Jones")
    alert = Alert.objects.get()
    assert alert.acknowledged_by.username == "matron"
    assert "acknowledged by" in page.locator(f"#alert-{alert.pk}").inner_text()

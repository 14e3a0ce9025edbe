"""In a browser, axe on every page: the pipeline panel after a run, recording an advance care
plan and seeing it first on the record, and a care home's page with its checklist."""

import datetime as dt

import pytest
from django.utils import timezone

from octopus.care import services as care
from octopus.directory.models import Organisation, Team
from octopus.intake.models import PipelineJob
from octopus.meetings import services as meetings
from octopus.residents.factories import make_resident

pytestmark = pytest.mark.django_db(transaction=True)


def test_pipeline_panel_shows_the_model_card_headline(browser_page, make_user, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    analyst = make_user("analyst", username="priya")
    PipelineJob.objects.create(
        requested_by=analyst,
        as_of=dt.date(2026, 11, 1),
        status="finished",
        active=False,
        run_id="20261101T020000Z-abc123",
        started_at=timezone.now() - dt.timedelta(minutes=4),
        finished_at=timezone.now(),
        log="02:00:01 step connect took 0.40s\n",
        headline={
            "chosen_model": "logistic",
            "auroc": 0.812,
            "auroc_95ci": [0.79, 0.83],
            "held_out_residents": 6000,
            "held_out_events": 420,
            "calibration_slope": 0.98,
            "calibration_in_the_large": -0.02,
            "residents_scored": 20000,
            "rising_risk": 0,
            "residents_published": 20000,
            "later_auroc": 0.80,
            "later_calibration_slope": 0.93,
        },
    )
    browser_page.sign_in("priya")
    page = browser_page.goto("/intake/")
    assert page.get_by_text("Nobody was flagged as rising risk").is_visible()
    assert page.get_by_role("button", name="Run the pipeline and publish").is_visible()


def test_advance_care_plan_recorded_in_the_browser_shows_first_on_the_record(browser_page, make_user):
    team = Team.objects.create(
        organisation=Organisation.objects.create(name="CLCH", heart="health"), name="Frailty", tier="consistent"
    )
    gp = make_user("clinician", team=team, username="drmuir", first_name="Alan", last_name="Muir")
    resident = make_resident(given_name="Edna", family_name="Moss")
    care.open_case(resident, team, gp, source="search", holder=gp)
    home = meetings.register_care_home(None, name="Garside", kind="nursing")
    meetings.place_resident(home, resident, gp, moved_in_on=dt.date(2026, 1, 5))
    meetings.record_support(home, gp, item="medicines_review", done_on=timezone.localdate(), resident=resident)
    browser_page.sign_in("drmuir")
    page = browser_page.goto(f"/caseload/residents/{resident.person_id}/plan/advance-care/")
    page.get_by_label("CPR attempts NOT recommended").check()
    page.get_by_label("Prioritise comfort, even at the expense of sustaining life").check()
    page.get_by_label("Agreed with").fill("Edna, with her son")
    page.get_by_label("Clinician who agreed and signed the recommendations").select_option(str(gp.pk))
    page.get_by_label("Date agreed").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Save the advance care plan").click()
    page.wait_for_load_state()
    browser_page.check_accessibility()
    assert page.get_by_text("Advance care plan saved.").is_visible()
    page = browser_page.goto(f"/residents/{resident.person_id}/")
    assert page.get_by_text("CPR attempts NOT recommended").first.is_visible()
    page = browser_page.goto(f"/meetings/care-homes/{home.pk}/")
    assert page.get_by_role("cell", name=f"{timezone.localdate():%-d %B %Y} by Alan Muir").is_visible()

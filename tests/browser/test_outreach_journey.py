"""Journey 6, on the doorstep, in a real browser at phone size with axe on every page: Amina
opens today's households in walking order, introduces a resident to a named housing officer,
records her visits (acknowledging a do-not-contact), and her supervisor sees the progress."""

import datetime as dt

import pytest
from django.utils import timezone

from octopus.directory.models import Practitioner
from octopus.governance.consent import record_contact_preference
from octopus.outreach import services
from octopus.residents.factories import make_household, make_resident

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests-only"


@pytest.fixture
def round_for_amina(demo_directory):
    from octopus import demo
    from octopus.accounts.models import User

    demo.ensure_demo_users(demo_directory["accounts"])
    for user in User.objects.all():
        user.set_password(PASSWORD)
        user.save()
    users = {u.username: u for u in User.objects.all()}
    today = timezone.localdate()
    households = [
        make_household(address_line=line, lsoa_code="E01004670")
        for line in ("7 Church Street", "3 Church Street", "Flat 2, 9 Church Street")
    ]
    make_resident(
        household=households[1],
        given_name="Joseph",
        family_name="Mensah",
        sex="male",
        date_of_birth=dt.date(1956, 2, 1),
        main_language="Twi",
        interpreter_needed=True,
        prevention_gaps=[
            {
                "programme": "bowel_screening",
                "title": "Bowel cancer screening",
                "status": "never",
                "label": "None recorded",
                "due": "",
            }
        ],
    )
    make_resident(household=households[0], given_name="Rita", family_name="Okoro")
    quiet = make_resident(household=households[0], given_name="Dele", family_name="Okoro")
    make_resident(household=households[2], given_name="Maryam", family_name="Ali")
    record_contact_preference(actor=None, resident=quiet, do_not_contact=True, note="Contact through his GP only")
    round_ = services.create_round(
        users["manager"],
        name="Church Street, this month",
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=25),
    )
    services.allocate(
        round_,
        users["manager"],
        worker=users["chww"],
        households=households,
        first_day=today if today.weekday() < 5 else round_.starts_on,
    )
    Practitioner.objects.filter(given_name="Amina").update(active=True)
    return users


def _go(browser_page, role, name):
    browser_page.page.get_by_role(role, name=name).first.click()
    browser_page.page.wait_for_load_state()
    browser_page.check_accessibility()


def _save_visit(browser_page):
    """The outbox script sends the visit, then goes to the next page (or lets the server show
    its errors): wait for that navigation, not just the click."""
    with browser_page.page.expect_navigation():
        browser_page.page.get_by_role("button", name="Save visit").click()
    browser_page.page.wait_for_load_state()
    browser_page.check_accessibility()


def test_amina_on_the_doorstep(browser_page, round_for_amina):
    page = browser_page.page
    page.set_viewport_size({"width": 375, "height": 740})
    housing = Practitioner.objects.filter(active=True).exclude(given_name="Amina").select_related("team").first()

    browser_page.sign_in("chww")
    browser_page.goto("/outreach/")
    assert "0 of 3" in page.locator("[id^=progress-]").inner_text()
    addresses = page.locator("ol.octopus-households li a").all_inner_texts()
    assert addresses[:3] == ["1. 3 Church Street", "2. 7 Church Street", "3. Flat 2, 9 Church Street"]

    _go(browser_page, "link", "1. 3 Church Street")
    assert page.get_by_role("heading", name="Joseph Mensah", exact=False).is_visible()
    assert page.get_by_text("Bowel screening due", exact=True).is_visible()
    assert page.locator("#open-tasks + ul").get_by_text("Joseph: Bowel screening due").is_visible()
    assert page.get_by_text("Twi, needs an interpreter").is_visible()
    _go(browser_page, "link", "Introduce Joseph to someone")
    page.get_by_label("Introduce to a named person").select_option(
        label=f"{housing.name}, {housing.job_title} – {housing.team.name}"
    )
    page.get_by_label("Why you are referring").fill("Damp in the flat")
    page.get_by_label("Soon (within 3 days)").check()
    page.get_by_label("What the resident agreed to share").fill("Damp in the bathroom; lives alone")
    page.get_by_label("Phone call").check()
    page.get_by_role("checkbox", name="The resident agreed to this referral and to what is shared").check()
    _go(browser_page, "button", "Send")
    assert page.get_by_text(f"Introduction sent to {housing.name}").is_visible()

    page.get_by_label("Engaged: we talked").check()
    page.get_by_label("Who did you speak to?").select_option(label="Joseph Mensah")
    page.get_by_label("Note").fill("Overdue bowel screening; will ask the GP for a kit")
    _save_visit(browser_page)
    assert "1 of 3" in page.locator("[id^=progress-]").inner_text()

    _go(browser_page, "link", "2. 7 Church Street")
    assert page.locator("#do-not-contact").get_by_text("Dele Okoro").is_visible()
    page.get_by_label("No answer").check()
    _save_visit(browser_page)
    assert page.get_by_role("link", name="Confirm you have read this", exact=False).is_visible()
    page.get_by_label("I have read who asked not to be contacted").check()
    _save_visit(browser_page)
    assert "1 of 3" in page.locator("[id^=progress-]").inner_text()  # no answer: still to visit

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_page.sign_in("manager")
    browser_page.goto("/outreach/rounds/")
    _go(browser_page, "link", "Church Street, this month")
    assert "Amina Hassan: 1 of 3 households visited" in page.locator("#progress").inner_text()
    browser_page.goto("/outreach/supervision/")
    table = page.locator("#supervision").inner_text()
    # One engaged of two knocks; the rows are months, and a weekend run plans the round's days last month.
    assert "1 of 3" in table and "50%" in table
    browser_page.goto("/outreach/rounds/")
    _go(browser_page, "link", "Church Street, this month")
    _go(browser_page, "button", "Allocate households")
    assert page.get_by_role("link", name="Church Street: Westminster 009A", exact=False).is_visible()
    page.get_by_label("Area", exact=True).fill("Church Street")
    _go(browser_page, "button", "Find households")
    assert page.get_by_role("heading", name="0 households found").is_visible()  # all three are on the round

"""The record page's sections come from the apps that own them (octopus.residents.sections):
registered in order, shown only after the access point opened the record, and residents imports
none of the apps that depend on it."""

import ast
import pathlib

import pytest
from django.urls import reverse

from octopus.care import services
from octopus.directory.models import Organisation, Team
from octopus.residents import sections
from octopus.residents.factories import make_resident
from octopus.residents.sections import Action, RecordView, Section

pytestmark = pytest.mark.django_db

RESIDENTS = pathlib.Path(sections.__file__).parent


@pytest.fixture
def team():
    organisation = Organisation.objects.create(name="CLCH", heart="health")
    return Team.objects.create(organisation=organisation, name="District Nursing", tier="consistent")


@pytest.fixture
def nurse(make_user, team):
    return make_user("clinician", team=team, username="nurse")


@pytest.fixture
def mine(nurse, team):
    resident = make_resident(given_name="Mary", family_name="Jones")
    services.open_case(resident, team, nurse, source="search")
    return resident


def test_residents_package_imports_no_app_that_depends_on_it():
    dependants = ("octopus.care", "octopus.meetings", "octopus.virtualward", "octopus.outreach", "octopus.casefinding")
    found = []
    for path in RESIDENTS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in getattr(node, "names", [])]
                if isinstance(node, ast.Import)
                else []
            )
            found += [f"{path.name}: {name}" for name in names if name.startswith(dependants)]
    assert found == []


def test_registered_sections_keep_the_record_page_order(client, nurse, mine):
    client.force_login(nurse)

    page = client.get(reverse("residents:record", args=[mine.person_id])).content.decode()

    headings = [
        'id="advance-care"',
        'id="about"',
        "<h3>Household</h3>",
        'id="risk"',
        'id="involved"',
        'id="contacts"',
        'id="plan"',
        'id="referrals"',
        'id="team-messages"',
        'id="consent"',
        "Preferences held by the care team",
        'id="timeline-section"',
    ]
    positions = [page.index(h) for h in headings]
    assert positions == sorted(positions)
    contents = page[page.index('aria-label="Sections of the record"') : page.index('id="about"')]
    labels = [
        "About Mary",
        "Risk and conditions",
        "Prevention gaps",
        "Who is involved",
        "Upcoming contacts",
        "Care plan",
        "Referrals and introductions",
        "Team messages",
        "Consent and preferences",
        "Timeline",
    ]
    assert [contents.index(label) for label in labels] == sorted(contents.index(label) for label in labels)
    assert page.index("Not in a tier") < page.index("<h3>Household</h3>")  # the tier row stays in "About"


def test_action_links_follow_capabilities_and_stop_after_death(client, nurse, mine):
    client.force_login(nurse)
    url = reverse("residents:record", args=[mine.person_id])

    page = client.get(url).content.decode()
    links = [
        "Refer or introduce Mary",
        "Care plan",
        "Add to a caseload",
        "Check-ins",
        "Admit to the virtual ward",
        "Change tier",
        "Record a death",
    ]
    actions = page[page.index('aria-label="Actions"') : page.index('aria-label="Sections of the record"')]
    assert [actions.index(f">{label}</a>") for label in links] == sorted(
        actions.index(f">{label}</a>") for label in links
    )
    assert reverse("virtualward:admit", args=[mine.person_id]) in actions

    mine.date_of_death = "2026-10-01"
    mine.save()
    actions = client.get(url).content.decode()
    actions = actions[actions.index('aria-label="Actions"') : actions.index('aria-label="Sections of the record"')]
    assert ">Care plan</a>" in actions
    assert all(f">{label}</a>" not in actions for label in links if label != "Care plan")


def test_clinical_only_section_and_data_are_left_out_without_clinical_scope(nurse, mine):
    calls = []

    def data(view):
        calls.append(view.scope)
        return {"shown": True}

    sections.register_data("test-data", data)
    sections.register(
        Section(
            "test-clinical", "Test", "residents/_prevention.jinja", order=1, needs=("test-data",), clinical_only=True
        )
    )
    try:
        hidden = sections.for_record(RecordView(mine, nurse, "no_clinical", False), is_deceased=False)
        shown = sections.for_record(RecordView(mine, nurse, "full", True), is_deceased=False)
    finally:
        sections.unregister("test-clinical")
        sections._DATA.pop("test-data")
    assert "test-clinical" not in [s.code for s in hidden.slot("main")] and "test-data" not in hidden.data
    assert [s.code for s in shown.slot("main")][0] == "test-clinical" and calls == ["full"]


def test_section_whose_data_is_none_is_left_out(make_user, mine):
    chww = make_user("chww", username="chww")  # does not attend meetings: no team messages data
    view = RecordView(mine, chww, "full", True)

    shown = sections.for_record(view, is_deceased=False)

    assert shown.data["team_messages"] is None
    assert "team-messages" not in [s.code for s in shown.slot("main")]


def test_section_needing_unregistered_data_names_it(nurse, mine):
    sections.register(
        Section("test-orphan", "", "residents/_prevention.jinja", order=1, needs=("nobody-registered-this",))
    )
    try:
        with pytest.raises(LookupError, match="nobody-registered-this"):
            sections.for_record(RecordView(mine, nurse, "full", True), is_deceased=False)
    finally:
        sections.unregister("test-orphan")


def test_section_with_an_unknown_slot_is_refused():
    with pytest.raises(ValueError, match="slot must be one of"):
        Section("x", "", "x.jinja", order=1, slot="sidebar")


def test_action_needs_every_capability(make_user, mine):
    sections.register_action(
        Action("Test action", "residents:timeline", order=99, capabilities=("refer", "no_such_capability"))
    )
    try:
        shown = sections.for_record(
            RecordView(mine, make_user("clinician", username="c2"), "full", True), is_deceased=False
        )
    finally:
        sections._ACTIONS.pop("residents:timeline")
    assert "Test action" not in [a.label for a in shown.actions]

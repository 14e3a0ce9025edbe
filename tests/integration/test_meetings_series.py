"""Setting up and changing a meeting series, and planning its meetings from the timetable."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from octopus.governance.models import AuditEvent
from octopus.meetings import services
from octopus.meetings.models import Meeting, MeetingSeries
from tests.meetings_factories import make_series

# `clock`: planning is reckoned from now.
pytestmark = [pytest.mark.django_db, pytest.mark.clock]

MONDAY_MORNING = timezone.make_aware(dt.datetime(2026, 11, 23, 8, 0))
HUDDLE = services.Timetable((1, 4), dt.time(9, 0), 30, starts_on=MONDAY_MORNING.date())


@pytest.fixture
def inc(make_user):
    return make_series(make_user)


def huddle(inc, **fields):
    arguments = {
        "name": "Complex care huddle",
        "kind": "huddle",
        "team": inc["team"],
        "worklist": "huddle",
        "timetable": HUDDLE,
        "neighbourhood": inc["neighbourhood"],
        "locations": "Lisson Grove\nVideo call",
        "members": [(inc["gp"], "GP")],
    }
    return services.create_series(inc["gp"], **{**arguments, **fields})


def test_series_schedule_is_written_from_its_timetable(inc):
    series = huddle(inc)
    assert series.schedule == "Tuesdays and Fridays, 09:00–09:30"
    assert (series.weekdays, series.start_time, series.frequency) == ([1, 4], dt.time(9, 0), "weekly")
    assert AuditEvent.objects.filter(
        action="create", summary__startswith="Meeting series Complex care huddle (Huddle, Tuesdays"
    ).exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"kind": "care_home_mdt"}, "neighbourhood", "A care-home MDT looks after the residents of one care home"),
        ({"name": "North Westminster INC"}, "name", "A series called North Westminster INC already exists"),
        ({"timetable": services.Timetable((), dt.time(9, 0))}, "weekdays", "Choose the day or days"),
        (
            {"worklist": "weekly"},
            "worklist",
            "Choose one of the worklists in meetings.yaml: inc, huddle, care_home_mdt",
        ),
    ],
)
def test_series_is_refused_with_an_error_for_the_field_at_fault(inc, fields, field, message):
    with pytest.raises(ValidationError) as error:
        huddle(inc, **fields)
    assert message in error.value.error_dict[field][0].message


def test_planning_follows_the_timetable_and_rotates_the_locations(inc):
    series = huddle(inc)
    planned = services.plan_meetings(series, inc["gp"], weeks=2, now=MONDAY_MORNING)
    assert [(timezone.localtime(m.starts_at).strftime("%a %d %H:%M"), m.location) for m in planned] == [
        ("Tue 24 09:00", "Lisson Grove"),
        ("Fri 27 09:00", "Video call"),
        ("Tue 01 09:00", "Lisson Grove"),
        ("Fri 04 09:00", "Video call"),
    ]
    assert services.plan_meetings(series, inc["gp"], weeks=2, now=MONDAY_MORNING) == []  # safe to repeat
    assert len(services.plan_meetings(series, inc["gp"], weeks=3, now=MONDAY_MORNING)) == 2


def test_planning_needs_a_timetable(inc):
    with pytest.raises(ValidationError, match="Set the days and start time"):
        services.plan_meetings(inc["series"], inc["gp"])


def test_changing_the_timetable_cancels_only_meetings_nobody_has_started(inc):
    series = huddle(inc, timetable=services.Timetable((1, 4), dt.time(9, 0), 30))
    now = timezone.now()
    planned = services.plan_meetings(series, inc["gp"], weeks=2, now=now)
    started = planned[0]
    services.generate_worklist(started)

    services.update_series(
        series,
        inc["matron"],
        name=series.name,
        kind="huddle",
        team=inc["team"],
        worklist="huddle",
        timetable=services.Timetable((2,), dt.time(10, 0), 30),
        neighbourhood=inc["neighbourhood"],
        locations=series.locations,
        members=[(inc["gp"], "GP")],
    )

    assert list(series.meetings.all()) == [started]  # Wednesdays now: the empty Tuesdays and Fridays go
    series.refresh_from_db()
    assert series.schedule == "Wednesdays, 10:00–10:30"
    event = AuditEvent.objects.get(action="change", summary__startswith="Meeting series Complex care huddle changed")
    assert event.summary.endswith(f"schedule; {len(planned) - 1} planned meetings cancelled for the new timetable")


def test_changing_core_members_adds_removes_and_renames_roles(inc, make_user):
    series = huddle(inc, members=[(inc["gp"], "GP"), (inc["matron"], "Matron")])
    social_worker = make_user("social_worker", username="sw-test")

    services.update_series(
        series,
        inc["gp"],
        name=series.name,
        kind="huddle",
        team=inc["team"],
        worklist="huddle",
        timetable=HUDDLE,
        neighbourhood=inc["neighbourhood"],
        locations=series.locations,
        members=[(inc["gp"], "GP lead"), (social_worker, "Social worker")],
    )

    assert sorted(series.members.values_list("user__username", "role")) == [
        ("gp-test", "GP lead"),
        ("sw-test", "Social worker"),
    ]
    summary = AuditEvent.objects.filter(action="change").latest("id").summary
    assert "core members: removed matron-test, gp-test now GP lead, added sw-test (Social worker)" in summary


# Pages -------------------------------------------------------------------------------------------


def form_data(inc, **fields):
    data = {
        "name": "Church Street INC",
        "kind": "inc",
        "population": f"neighbourhood:{inc['neighbourhood'].pk}",
        "team": inc["team"].pk,
        "worklist": "inc",
        "weekdays": ["3"],
        "start_time": "13:00",
        "duration_minutes": "120",
        "frequency": "fortnightly",
        "starts_on": "",
        "locations": "Church Street Practice\nLisson Grove Health Centre",
        "minutes_per_resident": "10",
        "plan_weeks": "4",
        "member_1": inc["gp"].pk,
        "role_1": "GP",
        "member_2": inc["matron"].pk,
        "role_2": "",
    }
    return {**data, **fields}


# Thursday 3 December 2026 is a meeting day of the form's series (Thursdays at 13:00).
@pytest.mark.parametrize("now", ["2026-11-30T09:00", "2026-12-03T12:00", "2026-12-03T13:30", "2026-12-03T23:59"])
def test_set_up_page_creates_the_series_and_plans_its_meetings(client, inc, time_machine, now):
    time_machine.move_to(timezone.make_aware(dt.datetime.fromisoformat(now)), tick=False)
    client.force_login(inc["gp"])
    assert 'href="/meetings/series/new/"' in client.get(reverse("meetings:index")).content.decode()

    response = client.post(reverse("meetings:series_create"), form_data(inc))

    series = MeetingSeries.objects.get(name="Church Street INC")
    assert response["Location"] == reverse("meetings:series", args=[series.pk])
    assert series.schedule == "Every other Thursday, 13:00–15:00"
    assert series.starts_on == timezone.localdate()
    assert sorted(series.members.values_list("user__username", "role")) == [
        ("gp-test", "GP"),
        ("matron-test", "INT clinician (GP, matron, district nurse)"),
    ]
    # Every other Thursday, four weeks ahead: two meetings, before or after today's would-be meeting.
    assert series.meetings.count() == 2
    assert series.meetings.order_by("starts_at").first().location == "Church Street Practice"


def test_set_up_page_shows_errors_beside_the_fields(client, inc):
    client.force_login(inc["gp"])
    page = client.post(
        reverse("meetings:series_create"), form_data(inc, start_time="1pm", role_3="Pharmacist")
    ).content.decode()
    assert "There is a problem" in page
    assert "Enter the start time as hours and minutes, for example 13:00." in page
    assert "Choose core member 3, or clear the role beside them." in page
    assert not MeetingSeries.objects.filter(name="Church Street INC").exists()


def test_set_up_page_puts_the_population_error_on_the_population_field(client, inc):
    client.force_login(inc["gp"])
    page = client.post(reverse("meetings:series_create"), form_data(inc, kind="care_home_mdt")).content.decode()
    assert 'href="#id_population"' in page
    assert "A care-home MDT looks after the residents of one care home: choose the home." in page


def test_set_up_page_needs_run_meetings(client, make_user):
    client.force_login(make_user("social_worker"))
    assert client.get(reverse("meetings:series_create")).status_code == 403
    assert 'href="/meetings/series/new/"' not in client.get(reverse("meetings:index")).content.decode()


def test_change_page_is_prefilled_and_saves(client, inc):
    client.force_login(inc["gp"])
    url = reverse("meetings:series_edit", args=[inc["series"].pk])
    page = client.get(url).content.decode()
    assert (
        'value="North Westminster INC"' in page and "Lisson Grove Health Centre\nPaddington Green Health Centre" in page
    )

    response = client.post(
        url,
        form_data(
            inc,
            name="North Westminster INC",
            weekdays=["3"],
            frequency="weekly",
            plan_weeks="0",
            member_2="",
            role_2="",
        ),
    )

    assert response.status_code == 302
    series = MeetingSeries.objects.get(pk=inc["series"].pk)
    assert series.schedule == "Thursdays, 13:00–15:00"
    assert list(series.members.values_list("user__username", flat=True)) == ["gp-test"]
    assert Meeting.objects.filter(series=series).count() == 1  # a first timetable leaves the hand-scheduled meeting


def test_change_page_refused_to_runners_who_are_not_members(client, make_user, inc):
    client.force_login(make_user("clinician", username="outsider"))
    assert client.get(reverse("meetings:series_edit", args=[inc["series"].pk])).status_code == 403
    assert client.post(reverse("meetings:series_plan", args=[inc["series"].pk]), {"weeks": "4"}).status_code == 403


def test_series_page_adds_meetings_from_the_timetable(client, inc):
    series = huddle(inc)
    client.force_login(inc["gp"])
    assert (
        "Add meetings from the timetable" in client.get(reverse("meetings:series", args=[series.pk])).content.decode()
    )
    client.post(reverse("meetings:series_plan", args=[series.pk]), {"weeks": "4"})
    assert 7 <= series.meetings.count() <= 8  # Tuesdays and Fridays, less today's if it has passed


def test_change_page_shows_the_timetable_as_entered(client, inc):
    series = huddle(inc)
    client.force_login(inc["gp"])
    page = client.get(reverse("meetings:series_edit", args=[series.pk])).content.decode()
    assert 'value="09:00"' in page
    assert 'value="1" checked' in page and 'value="4" checked' in page


# British Summer Time ends at 01:00 UTC on Sunday 31 October 2027 and starts at 01:00 UTC on
# Sunday 28 March 2027 (The Summer Time Order 2002: the last Sundays of October and March).
@pytest.mark.parametrize(("monday", "utc_hours"), [("2027-10-18", [12, 12, 13]), ("2027-03-15", [13, 13, 12])])
def test_meetings_across_a_clock_change_keep_their_london_time(client, inc, monday, utc_hours):
    weekly_thursdays = services.Timetable((3,), dt.time(13, 0), 90, starts_on=dt.date.fromisoformat(monday))
    series = huddle(inc, name="Thursday huddle", timetable=weekly_thursdays)
    now = timezone.make_aware(dt.datetime.fromisoformat(f"{monday}T08:00"))

    planned = services.plan_meetings(series, inc["gp"], weeks=3, now=now)

    assert {timezone.localtime(m.starts_at).time() for m in planned} == {dt.time(13, 0)}
    assert [m.starts_at.astimezone(dt.UTC).hour for m in planned] == utc_hours
    stored = Meeting.objects.filter(series=series).order_by("starts_at").values_list("starts_at", flat=True)
    assert [timezone.is_aware(when) for when in stored] == [True] * 3
    client.force_login(inc["gp"])
    page = client.get(reverse("meetings:series", args=[series.pk])).content.decode()
    after_change = timezone.localtime(planned[-1].starts_at)
    assert f"{after_change:%-d %B %Y} at 13:00" in page

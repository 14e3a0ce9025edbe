"""Forms for meetings, rendered with the NHS.UK components via core/forms.jinja."""

from django import forms
from django.utils import timezone

from octopus.care.forms import DateInput, UserChoiceField, colleagues
from octopus.care.models import CareTier
from octopus.directory.models import PCN, Neighbourhood, Team
from octopus.governance.models import LawfulBasis

from . import config
from .models import CareHome, CareHomeKind, Frequency, MeetingKind, SupportItem
from .timetable import WEEKDAYS


class ScheduleMeetingForm(forms.Form):
    date = forms.DateField(widget=DateInput, label="Date")
    time = forms.TimeField(
        label="Start time",
        help_text="For example, 13:00",
        widget=forms.TimeInput(attrs={"class": "nhsuk-input--width-5"}),
    )
    location = forms.CharField(
        required=False, max_length=200, label="Location", help_text="Leave blank to use the next practice on the rota."
    )


class ExceptionForm(forms.Form):
    basis = forms.ChoiceField(
        widget=forms.RadioSelect,
        label="Why the resident should be discussed without their consent",
        choices=[
            (LawfulBasis.BEST_INTERESTS.value, "Best interests: the resident lacks capacity to decide"),
            (LawfulBasis.VITAL_INTERESTS.value, "Not discussing them may harm others"),
        ],
    )
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Rationale")
    decided_by = forms.CharField(max_length=200, label="Name and role of the person who decided")


class AddResidentForm(forms.Form):
    person_id = forms.CharField(
        max_length=40,
        label="Octopus person ID",
        help_text="From the resident's record. You need a relationship with them.",
    )
    reason = forms.CharField(max_length=250, label="Why they should be discussed")


class DiscussionForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Discussion summary")
    decisions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Decisions")
    lead_professional = UserChoiceField(queryset=None, required=False, label="Lead professional")
    next_review = forms.DateField(widget=DateInput, required=False, label="Next review")
    tier = forms.ChoiceField(
        required=False, label="Step up or down", choices=[("", "No change")] + [(t.value, t.label) for t in CareTier]
    )
    tier_reason = forms.CharField(required=False, max_length=300, label="Reason for the change of tier")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_professional"].queryset = colleagues(user).select_related("practitioner")


class ActionForm(forms.Form):
    description = forms.CharField(max_length=300, label="Action")
    owner = UserChoiceField(queryset=None, label="Owner")
    due = forms.DateField(widget=DateInput, label="Due")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = colleagues(user).select_related("practitioner")


class AttendanceForm(forms.Form):
    user = UserChoiceField(queryset=None, label="Record attendance of")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = colleagues(user).select_related("practitioner")


class MessageForm(forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Message",
        help_text="Mention a colleague with @username to put it in their inbox.",
    )


class CareHomeForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=CareHomeKind.choices, widget=forms.RadioSelect, label="Type")
    provider = forms.CharField(max_length=200, required=False)
    beds = forms.IntegerField(min_value=1, required=False)
    postcode = forms.CharField(max_length=10, required=False)
    weekly_round = forms.CharField(
        max_length=100,
        required=False,
        label="Weekly round",
        help_text="When the lead GP's round is, for example Tuesdays 10:00.",
    )
    frailty_nurse_contact = forms.CharField(
        max_length=200, required=False, label="Frailty nurse contact", help_text="Who to call, and how."
    )


class SupportRecordForm(forms.Form):
    item = forms.ChoiceField(choices=SupportItem.choices, widget=forms.RadioSelect, label="What was done")
    person_id = forms.CharField(
        max_length=40,
        required=False,
        label="Octopus person ID of the resident",
        help_text="For a medicines review or an advance care plan review. Leave empty for the home's items.",
    )
    done_on = forms.DateField(label="Date done", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(max_length=300, required=False, label="Note")


class PlaceResidentForm(forms.Form):
    person_id = forms.CharField(max_length=40, label="Octopus person ID of the resident")
    care_home = forms.ModelChoiceField(queryset=CareHome.objects.all(), label="Care home")


PLAN_CHOICES = [("0", "Not now"), ("4", "The next 4 weeks"), ("8", "The next 8 weeks"), ("13", "The next 3 months")]


class PlanMeetingsForm(forms.Form):
    weeks = forms.TypedChoiceField(
        choices=PLAN_CHOICES[1:], coerce=int, initial="4", label="Add meetings from the timetable for"
    )


def _population_choices() -> list[tuple[str, str]]:
    """One list for the three kinds of population, so exactly one can be chosen without scripts."""
    return (
        [("", "Choose the residents the meeting looks after")]
        + [(f"neighbourhood:{n.pk}", f"Neighbourhood: {n.name}") for n in Neighbourhood.objects.all()]
        + [(f"pcn:{p.pk}", f"PCN: {p.name}") for p in PCN.objects.all()]
        + [(f"care_home:{h.pk}", f"Care home: {h.name}") for h in CareHome.objects.all()]
    )


class SeriesForm(forms.Form):
    """A meeting series: what it is, whose residents, when and where it meets, and its core members.
    Member rows are numbered fields (member_1, role_1, …) so the page works without scripts."""

    name = forms.CharField(
        max_length=200,
        label="Name",
        help_text="For example: North Westminster PCN integrated care conference",
        error_messages={"required": "Enter a name for the series."},
    )
    kind = forms.ChoiceField(
        choices=MeetingKind.choices,
        widget=forms.RadioSelect,
        label="Kind of meeting",
        error_messages={"required": "Choose the kind of meeting."},
    )
    population = forms.ChoiceField(
        label="Residents",
        help_text="A care-home MDT looks after one care home's residents.",
        error_messages={"required": "Choose the residents the meeting looks after."},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.select_related("organisation"),
        label="Owning team",
        empty_label="Choose the team",
        help_text="Referrals to this team are new referrals to the meeting; its members may attend.",
        error_messages={"required": "Choose the team that owns the meeting."},
    )
    worklist = forms.ChoiceField(
        label="Worklist rules",
        help_text="Which sources list residents before each meeting (meetings.yaml).",
        error_messages={"required": "Choose the worklist rules."},
    )
    weekdays = forms.TypedMultipleChoiceField(
        choices=list(enumerate(WEEKDAYS)),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Day or days it meets",
        help_text="A twice-weekly huddle meets on two days.",
        error_messages={"required": "Choose the day or days the meeting is held."},
    )
    start_time = forms.TimeField(
        label="Start time",
        help_text="For example, 13:00",
        widget=forms.TimeInput(attrs={"class": "nhsuk-input--width-5"}),
        error_messages={
            "required": "Enter the start time, for example 13:00.",
            "invalid": "Enter the start time as hours and minutes, for example 13:00.",
        },
    )
    duration_minutes = forms.IntegerField(
        min_value=5,
        max_value=600,
        initial=60,
        label="Length in minutes",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
        error_messages={"required": "Enter the length of the meeting in minutes."},
    )
    frequency = forms.ChoiceField(
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
        label="How often",
        error_messages={"required": "Choose how often the meeting is held."},
    )
    starts_on = forms.DateField(
        widget=DateInput,
        required=False,
        label="First meeting on or after",
        help_text="Every other week counts from this week. Leave blank for today.",
    )
    locations = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        label="Locations",
        help_text="One per line. Meetings rotate through them in order, for example between practices.",
    )
    minutes_per_resident = forms.IntegerField(
        min_value=1,
        max_value=120,
        initial=10,
        label="Minutes per resident on the agenda",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
    )
    plan_weeks = forms.TypedChoiceField(
        choices=PLAN_CHOICES,
        coerce=int,
        initial="4",
        label="Add meetings from the timetable for",
        help_text=(
            "Days that already have a meeting are skipped; new meetings take the next location on the rota. "
            "If you change the timetable, planned meetings nobody has started preparing move to it."
        ),
    )

    def __init__(self, *args, user=None, member_rows: int = 6, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["population"].choices = _population_choices()
        self.fields["worklist"].choices = [(name, name) for name in config.settings().worklists]
        people = colleagues(user).select_related("practitioner")
        if self.is_bound:  # as many rows as were sent, so none is lost when the page is shown again
            member_rows = max(member_rows, sum(1 for key in self.data if key.startswith("member_")))
        self.member_rows = min(member_rows, 40)
        for i in range(1, self.member_rows + 1):
            self.fields[f"member_{i}"] = UserChoiceField(
                queryset=people, required=False, label=f"Core member {i}", empty_label="Nobody"
            )
            self.fields[f"role_{i}"] = forms.CharField(required=False, max_length=100, label=f"Role of core member {i}")

    def member_fields(self):
        return [(self[f"member_{i}"], self[f"role_{i}"]) for i in range(1, self.member_rows + 1)]

    def about_fields(self):
        return [self[name] for name in ("name", "kind", "population", "team", "worklist")]

    def timetable_fields(self):
        return [self[name] for name in ("weekdays", "start_time", "duration_minutes", "frequency", "starts_on")]

    def clean(self):
        data = super().clean()
        for i in range(1, self.member_rows + 1):
            if data.get(f"role_{i}") and not data.get(f"member_{i}"):
                self.add_error(f"member_{i}", f"Choose core member {i}, or clear the role beside them.")
        return data

    def chosen_population(self) -> dict:
        kind, _, key = self.cleaned_data["population"].partition(":")
        model = {"neighbourhood": Neighbourhood, "pcn": PCN, "care_home": CareHome}[kind]
        return {kind: model.objects.get(pk=key)}

    def members(self) -> list[tuple]:
        rows = [
            (self.cleaned_data.get(f"member_{i}"), self.cleaned_data.get(f"role_{i}", "").strip())
            for i in range(1, self.member_rows + 1)
        ]
        return [(user, role) for user, role in rows if user is not None]

    def service_arguments(self) -> dict:
        """What ``services.create_series`` / ``update_series`` take."""
        from .services import Timetable

        data = self.cleaned_data
        return {
            "name": data["name"],
            "kind": data["kind"],
            "team": data["team"],
            "worklist": data["worklist"],
            "timetable": Timetable(
                tuple(data["weekdays"]),
                data["start_time"],
                data["duration_minutes"],
                data["frequency"],
                data["starts_on"] or timezone.localdate(),
            ),
            "locations": data["locations"],
            "minutes_per_resident": data["minutes_per_resident"],
            "members": self.members(),
            **self.chosen_population(),
        }

    @classmethod
    def initial_for(cls, series) -> dict:
        population = (
            f"care_home:{series.care_home_id}"
            if series.care_home_id
            else f"pcn:{series.pcn_id}"
            if series.pcn_id
            else f"neighbourhood:{series.neighbourhood_id}"
        )
        initial = {
            "name": series.name,
            "kind": series.kind,
            "population": population,
            "team": series.team_id,
            "worklist": series.worklist,
            "weekdays": series.weekdays,
            "start_time": f"{series.start_time:%H:%M}" if series.start_time else "",
            "duration_minutes": series.duration_minutes,
            "frequency": series.frequency,
            "starts_on": series.starts_on,
            "locations": series.locations,
            "minutes_per_resident": series.minutes_per_resident,
            "plan_weeks": "0",
        }
        for i, member in enumerate(series.members.order_by("id"), start=1):
            initial[f"member_{i}"], initial[f"role_{i}"] = member.user_id, member.role
        return initial

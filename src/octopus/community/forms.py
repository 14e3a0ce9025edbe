"""Forms for the drop-in pages, rendered with the NHS.UK components via core/forms.jinja."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from octopus.accounts import roles
from octopus.directory.models import Location, Organisation, Practitioner
from octopus.outreach.forms import CONSENT_CHOICES, DateInput, _consent

from . import needs


class TimeInput(forms.TimeInput):
    input_type = "time"


class SessionForm(forms.Form):
    title = forms.CharField(
        max_length=120,
        label="Name of the drop-in",
        help_text="What residents know it as, for example: Money and housing drop-in.",
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.all(), label="Where", help_text="A community location from the directory."
    )
    held_on = forms.DateField(widget=DateInput, label="Day")
    starts_at = forms.TimeField(widget=TimeInput, label="Starts at")
    ends_at = forms.TimeField(widget=TimeInput, label="Ends at")
    run_by = forms.ModelChoiceField(queryset=Organisation.objects.all(), label="Run by")
    partners = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.all(),
        required=False,
        label="Partner organisations present",
        widget=forms.CheckboxSelectMultiple,
    )
    staff = forms.ModelMultipleChoiceField(
        queryset=get_user_model().objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Staff present",
        help_text="Only they can record and see the attendees.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held_on"].initial = timezone.localdate()
        # Only people whose role may record attendees are offered (roles.yaml: view_residents).
        recording_roles = [
            code for code, role in roles.catalogue().roles.items() if "view_residents" in role.capabilities
        ]
        self.fields["staff"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, memberships__role__in=recording_roles)
            .distinct()
            .order_by("first_name", "last_name")
        )
        self.fields["staff"].label_from_instance = lambda user: user.display_name


class AttendeeForm(forms.Form):
    """Recording someone in seconds: every field but the needs is optional."""

    anonymous = forms.BooleanField(
        required=False,
        label="They would rather not give their name",
        help_text="Counted with their needs; never matched with a record.",
    )
    given_name = forms.CharField(required=False, max_length=100, label="Given name")
    family_name = forms.CharField(required=False, max_length=100, label="Family name")
    date_of_birth = forms.DateField(required=False, widget=DateInput, label="Date of birth")
    postcode = forms.CharField(required=False, max_length=10, label="Postcode")
    nhs_number = forms.CharField(required=False, max_length=12, label="NHS number", help_text="Only if they know it.")
    consent_to_match = forms.TypedChoiceField(
        choices=CONSENT_CHOICES,
        coerce=_consent,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        label="Agreed to be matched with their health and care record",
        help_text="So the people looking after them can see they came. Ask only if they gave their name.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for topic in needs.TOPICS:
            self.fields[f"need_{topic.code}"] = forms.MultipleChoiceField(
                choices=topic.options, required=False, widget=forms.CheckboxSelectMultiple, label=topic.question
            )

    def need_fields(self):
        return [self[f"need_{topic.code}"] for topic in needs.TOPICS]

    def identity_fields(self):
        return [self[name] for name in ("given_name", "family_name", "date_of_birth", "postcode", "nhs_number")]

    def chosen_needs(self) -> list[str]:
        return [
            f"{topic.code}:{option}"
            for topic in needs.TOPICS
            for option in self.cleaned_data.get(f"need_{topic.code}") or []
        ]


class IntroductionForm(forms.Form):
    to_practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True).select_related("team__organisation"),
        label="Introduce to a named person",
        help_text="A warm introduction to someone you know, from the directory.",
    )
    need = forms.ChoiceField(required=False, label="For which need")
    shared_information = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What they agreed to share",
        help_text="Only what they agreed to, in your words.",
    )
    attendee_agreed = forms.BooleanField(label="They agreed to the introduction and to what is shared")

    def __init__(self, *args, attendee=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_practitioner"].label_from_instance = lambda p: f"{p.name}, {p.job_title} – {p.team.name}"
        topics = list((attendee.needs or {}) if attendee else {})
        self.fields["need"].choices = [
            ("", "Not one of those recorded"),
            *((code, needs.topic_words(code)) for code in topics),
        ]


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=(), widget=forms.RadioSelect, label="How did it go?")

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices


class MonthForm(forms.Form):
    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        max_length=7,
        required=False,
        label="Month",
        help_text="Year and month, for example 2026-12.",
        error_messages={"invalid": "Enter the month as year and month, for example 2026-12."},
    )

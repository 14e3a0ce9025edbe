"""Forms for the outreach pages, rendered with the NHS.UK components via core/forms.jinja."""

import datetime as dt

from django import forms
from django.utils import timezone

from octopus.care.forms import ReferralForm

from . import config, conversation
from .models import VisitOutcome
from .services import outreach_workers


class DateInput(forms.DateInput):
    input_type = "date"


class RoundForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name of the round", help_text="For example: Church Street, November.")
    area = forms.CharField(
        max_length=200,
        required=False,
        label="Area it covers",
        help_text="The streets, estate or LSOAs, in words the CHWWs use.",
    )
    starts_on = forms.DateField(widget=DateInput, label="First day")
    ends_on = forms.DateField(
        widget=DateInput,
        label="Last day",
        help_text="CHWWs can see their households' outreach details only from the first to the last day.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(
            days=1
        )


class HouseholdFilterForm(forms.Form):
    area = forms.CharField(
        required=False,
        max_length=100,
        label="Area",
        help_text="Ward, LSOA name or code, for example Church Street or E01004670.",
    )
    postcode = forms.CharField(
        required=False, max_length=10, label="Postcode starts with", help_text="For example NW8 8."
    )
    street = forms.CharField(required=False, max_length=100, label="Street")

    @property
    def has_filter(self) -> bool:
        return self.is_valid() and any(v.strip() for v in self.cleaned_data.values())


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class AllocateForm(forms.Form):
    worker = WorkerChoiceField(queryset=outreach_workers().none(), label="Community health and wellbeing worker")
    visits_per_day = forms.IntegerField(
        min_value=1,
        max_value=50,
        label="Visits a day",
        help_text="Households are planned this many a working day, in walking order.",
    )
    first_day = forms.DateField(widget=DateInput, label="First visiting day")

    def __init__(self, *args, round_=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = outreach_workers()
        self.fields["visits_per_day"].initial = config.settings().visits_per_day
        if round_ is not None:
            self.fields["first_day"].initial = max(round_.starts_on, timezone.localdate())


CONSENT_CHOICES = [("", "Not asked"), ("yes", "Yes"), ("no", "No")]


def _consent(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=VisitOutcome.choices, widget=forms.RadioSelect, label="What happened at the door?"
    )
    spoke_with = forms.TypedChoiceField(
        required=False,
        coerce=str,
        empty_value="",
        label="Who did you speak to?",
        help_text="Optional. Naming them puts the visit on their record, so their care team knows.",
    )
    asked_about_home = forms.BooleanField(
        required=False,
        label="I asked about the home",
        help_text="Saves the housing answers on the household, including problems that are gone.",
    )
    consent_to_share = forms.TypedChoiceField(
        choices=CONSENT_CHOICES,
        coerce=_consent,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        label="Agreed that what they told you may be shared with their care team",
    )
    consent_to_introduce = forms.TypedChoiceField(
        choices=CONSENT_CHOICES,
        coerce=_consent,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        label="Agreed to be introduced to someone who can help",
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Note",
        help_text="Short and factual: what they would like help with. At most 500 characters.",
    )
    no_more_visits = forms.BooleanField(required=False, label="They asked not to be visited again")
    acknowledged = forms.BooleanField(required=False, label="I have read who asked not to be contacted")
    # Made by the phone when the visit is first saved, so a retry is recorded once (decision 0030).
    client_key = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spoke_with"].choices = [("", "Not named"), *((r.person_id, r.name) for r in residents)]
        for topic in conversation.TOPICS:
            self.fields[f"topic_{topic.code}"] = forms.MultipleChoiceField(
                choices=topic.options, required=False, widget=forms.CheckboxSelectMultiple, label=topic.question
            )

    def topic_fields(self):
        return [self[f"topic_{topic.code}"] for topic in conversation.TOPICS]

    def answers(self) -> dict[str, list[str]]:
        return {topic.code: self.cleaned_data.get(f"topic_{topic.code}") or [] for topic in conversation.TOPICS}


class IntroductionForm(ReferralForm):
    """The care app's referral form, for a warm introduction from the doorstep."""


class PlanForm(forms.Form):
    month = forms.RegexField(
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        max_length=7,
        label="Month to plan",
        help_text="Year and month, for example 2026-12.",
        error_messages={"invalid": "Enter the month as year and month, for example 2026-12."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].initial = f"{timezone.localdate():%Y-%m}"


class AreaForm(forms.Form):
    """The area page's choices (GET): which LSOAs to list, what to map, and how to pick targets."""

    RULES = [
        ("", "No targets yet"),
        ("deprived", "The most deprived LSOAs covering a share of residents"),
        ("threshold", "LSOAs with an indicator at or above a threshold"),
        ("hand", "The LSOAs I tick in the table"),
    ]
    borough = forms.ChoiceField(label="Borough")
    within = forms.CharField(
        label="Neighbourhood, ward or LSOA name (optional)",
        required=False,
        max_length=80,
        help_text="For example Church Street: only the LSOAs whose name, ward or MSOA contains it.",
    )
    indicator = forms.ChoiceField(label="What to map", required=False)
    rule = forms.ChoiceField(label="Choose target areas", choices=RULES, required=False, widget=forms.RadioSelect)
    share = forms.FloatField(
        label="Share of residents (%)",
        required=False,
        min_value=1,
        max_value=100,
        initial=25,
        help_text="The Westminster model aims at the most deprived 25% of the population.",
    )
    threshold_indicator = forms.ChoiceField(label="Indicator", required=False)
    threshold = forms.FloatField(label="At or above", required=False, min_value=0)
    lsoa = forms.MultipleChoiceField(label="Target LSOAs", required=False)

    def __init__(self, *args, boroughs, indicators, lsoa_codes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["borough"].choices = [(b, b) for b in boroughs]
        self.fields["indicator"].choices = list(indicators.items())
        self.fields["threshold_indicator"].choices = [(k, v) for k, v in indicators.items() if k != "imd"]
        self.fields["lsoa"].choices = [(c, c) for c in lsoa_codes]

    def clean(self):
        data = super().clean()
        if data.get("rule") == "threshold" and data.get("threshold") is None:
            self.add_error("threshold", "Enter the threshold, for example 300.")
        if data.get("rule") == "deprived" and data.get("share") is None:
            self.add_error("share", "Enter the share of residents, for example 25.")
        return data

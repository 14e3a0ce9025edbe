"""Forms for the outreach pages, rendered with the NHS.UK components via core/forms.jinja."""

import datetime as dt

from django import forms
from django.utils import timezone

from octopus.care.forms import ReferralForm

from . import config
from .models import VisitOutcome
from .services import outreach_workers


class DateInput(forms.DateInput):
    input_type = "date"


class RoundForm(forms.Form):
    name = forms.CharField(max_length=120, label="Name of the round", help_text="For example: Church Street, November.")
    area = forms.CharField(max_length=200, required=False, label="Area it covers",
                           help_text="The streets, estate or LSOAs, in words the CHWWs use.")
    starts_on = forms.DateField(widget=DateInput, label="First day")
    ends_on = forms.DateField(widget=DateInput, label="Last day",
                              help_text="CHWWs can see their households' outreach details only from the first to the last day.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["starts_on"].initial = today
        self.fields["ends_on"].initial = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)


class HouseholdFilterForm(forms.Form):
    area = forms.CharField(required=False, max_length=100, label="Area",
                           help_text="Ward, LSOA name or code, for example Church Street or E01004670.")
    postcode = forms.CharField(required=False, max_length=10, label="Postcode starts with", help_text="For example NW8 8.")
    street = forms.CharField(required=False, max_length=100, label="Street")

    @property
    def has_filter(self) -> bool:
        return self.is_valid() and any(v.strip() for v in self.cleaned_data.values())


class WorkerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class AllocateForm(forms.Form):
    worker = WorkerChoiceField(queryset=outreach_workers().none(), label="Community health and wellbeing worker")
    visits_per_day = forms.IntegerField(min_value=1, max_value=50, label="Visits a day",
                                        help_text="Households are planned this many a working day, in walking order.")
    first_day = forms.DateField(widget=DateInput, label="First visiting day")

    def __init__(self, *args, round_=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"].queryset = outreach_workers()
        self.fields["visits_per_day"].initial = config.settings().visits_per_day
        if round_ is not None:
            self.fields["first_day"].initial = max(round_.starts_on, timezone.localdate())


class VisitForm(forms.Form):
    outcome = forms.ChoiceField(choices=VisitOutcome.choices, widget=forms.RadioSelect, label="What happened at the door?")
    spoke_with = forms.TypedChoiceField(required=False, coerce=str, empty_value="", label="Who did you speak to?",
                                        help_text="Optional. Naming them puts the visit on their record, so their care team knows.")
    note = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 3}), label="Note",
                           help_text="Short and factual: what they would like help with. At most 500 characters.")
    no_more_visits = forms.BooleanField(required=False, label="They asked not to be visited again")
    acknowledged = forms.BooleanField(required=False, label="I have read who asked not to be contacted")

    def __init__(self, *args, residents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spoke_with"].choices = [("", "Not named"), *((r.person_id, r.name) for r in residents)]


class IntroductionForm(ReferralForm):
    """The care app's referral form, for a warm introduction from the doorstep."""

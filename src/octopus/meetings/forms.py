"""Forms for meetings, rendered with the NHS.UK components via core/forms.jinja."""

from django import forms

from octopus.care.forms import DateInput, UserChoiceField, colleagues
from octopus.care.models import CareTier
from octopus.governance.models import LawfulBasis

from .models import CareHome, CareHomeKind


class ScheduleMeetingForm(forms.Form):
    date = forms.DateField(widget=DateInput, label="Date")
    time = forms.TimeField(label="Start time", help_text="For example, 13:00", widget=forms.TimeInput(attrs={"class": "nhsuk-input--width-5"}))
    location = forms.CharField(required=False, max_length=200, label="Location",
                               help_text="Leave blank to use the next practice on the rota.")


class ExceptionForm(forms.Form):
    basis = forms.ChoiceField(
        widget=forms.RadioSelect, label="Why the resident should be discussed without their consent",
        choices=[(LawfulBasis.BEST_INTERESTS.value, "Best interests: the resident lacks capacity to decide"),
                 (LawfulBasis.VITAL_INTERESTS.value, "Not discussing them may harm others")],
    )
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Rationale")
    decided_by = forms.CharField(max_length=200, label="Name and role of the person who decided")


class AddResidentForm(forms.Form):
    person_id = forms.CharField(max_length=40, label="Octopus person ID",
                                help_text="From the resident's record. You need a relationship with them.")
    reason = forms.CharField(max_length=250, label="Why they should be discussed")


class DiscussionForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Discussion summary")
    decisions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Decisions")
    lead_professional = UserChoiceField(queryset=None, required=False, label="Lead professional")
    next_review = forms.DateField(widget=DateInput, required=False, label="Next review")
    tier = forms.ChoiceField(required=False, label="Step up or down",
                             choices=[("", "No change")] + [(t.value, t.label) for t in CareTier])
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
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label="Message",
                           help_text="Mention a colleague with @username to put it in their inbox.")


class CareHomeForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=CareHomeKind.choices, widget=forms.RadioSelect, label="Type")
    provider = forms.CharField(max_length=200, required=False)
    beds = forms.IntegerField(min_value=1, required=False)
    postcode = forms.CharField(max_length=10, required=False)


class PlaceResidentForm(forms.Form):
    person_id = forms.CharField(max_length=40, label="Octopus person ID of the resident")
    care_home = forms.ModelChoiceField(queryset=CareHome.objects.all(), label="Care home")

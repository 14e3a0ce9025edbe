from django import forms
from django.utils import timezone

from .models import (
    AuditEvent,
    BreakGlassAccess,
    BreakGlassReason,
    ConsentKind,
    ConsentStatus,
    ContactRoute,
    LawfulBasis,
    ObjectionKind,
)


class BreakGlassForm(forms.Form):
    reason = forms.ChoiceField(
        label="Why do you need this record now?", choices=BreakGlassReason.choices, widget=forms.RadioSelect
    )
    detail = forms.CharField(
        label="Explain in your own words",
        help_text=(
            "The information governance lead reads this. Say what you need to do and why it cannot wait for a referral "
            "or a colleague with access."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=10,
        max_length=1000,
    )


class BreakGlassReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[c for c in BreakGlassAccess.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AccessDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision", choices=[("approve", "Approve"), ("refuse", "Refuse")], widget=forms.RadioSelect
    )
    note = forms.CharField(label="Note", required=False, max_length=1000, help_text="Required when refusing.")


class AuditSearchForm(forms.Form):
    username = forms.CharField(label="User (username contains)", required=False, max_length=150)
    person_id = forms.CharField(label="Resident person id", required=False, max_length=40)
    action = forms.ChoiceField(label="Action", required=False, choices=[("", "Any action"), *AuditEvent.Action.choices])
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


class SubjectAccessForm(forms.Form):
    """A subject access request names the person as they know themselves: their NHS number, or
    their name and date of birth. Never an internal id, which the requester cannot know."""

    nhs_number = forms.CharField(
        label="NHS number", required=False, max_length=20, help_text="For example, 485 777 3456"
    )
    family_name = forms.CharField(label="Family name", required=False, max_length=100)
    given_name = forms.CharField(label="Given name (optional)", required=False, max_length=100)
    date_of_birth = forms.DateField(
        label="Date of birth",
        required=False,
        help_text="For example, 1950-03-27",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_nhs_number(self):
        from octopus.population.feeds.nhs_number import is_valid_nhs_number

        digits = "".join(self.cleaned_data["nhs_number"].split()).replace("-", "")
        if digits and not is_valid_nhs_number(digits):
            raise forms.ValidationError("Enter a valid NHS number: 10 digits, like 485 777 3456.")
        return digits

    def clean(self):
        data = super().clean()
        if self.errors or data.get("nhs_number"):
            return data
        if not data.get("family_name"):
            self.add_error("family_name", "Enter the NHS number, or the family name and date of birth.")
        if not data.get("date_of_birth"):
            self.add_error("date_of_birth", "Enter the date of birth with the family name.")
        return data

    def matches(self):
        from octopus.residents.models import Resident

        data = self.cleaned_data
        if data["nhs_number"]:
            return Resident.objects.filter(nhs_number=data["nhs_number"])
        residents = Resident.objects.filter(
            family_name__iexact=data["family_name"].strip(), date_of_birth=data["date_of_birth"]
        )
        if data["given_name"].strip():
            residents = residents.filter(given_name__iexact=data["given_name"].strip())
        return residents


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(label="What is this decision about?", choices=ConsentKind.choices)
    status = forms.ChoiceField(label="Decision", choices=ConsentStatus.choices, widget=forms.RadioSelect)
    basis = forms.ChoiceField(label="Basis", choices=LawfulBasis.choices, initial=LawfulBasis.CONSENT)
    rationale = forms.CharField(
        label="Rationale",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        help_text="Required unless the resident decided for themselves.",
    )
    decided_by = forms.CharField(
        label="Decided by (name and role)",
        required=False,
        max_length=200,
        help_text="For best-interests and attorney decisions.",
    )
    expires_on = forms.DateField(label="Review by", required=False, help_text="Leave empty if there is no review date.")

    def clean_expires_on(self):
        value = self.cleaned_data.get("expires_on")
        if value and value < timezone.localdate():
            raise forms.ValidationError("The review date must be today or later.")
        return value


class ObjectionForm(forms.Form):
    kind = forms.ChoiceField(label="Objection", choices=ObjectionKind.choices)
    source = forms.CharField(label="Where it came from", required=False, max_length=200)


class ContactPreferenceForm(forms.Form):
    preferred_route = forms.ChoiceField(
        label="Preferred way to contact", required=False, choices=[("", "No preference"), *ContactRoute.choices]
    )
    refused_routes = forms.MultipleChoiceField(
        label="Do not contact by", required=False, choices=ContactRoute.choices, widget=forms.CheckboxSelectMultiple
    )
    language = forms.CharField(label="Preferred language", required=False, max_length=60)
    interpreter_needed = forms.BooleanField(label="Needs an interpreter", required=False)
    do_not_contact = forms.BooleanField(label="Do not contact at all", required=False)
    note = forms.CharField(label="Note", required=False, max_length=300)

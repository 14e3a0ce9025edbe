"""Forms for care coordination, rendered with the NHS.UK components via core/forms.jinja."""

import datetime as dt

from django import forms
from django.utils import timezone

from octopus.accounts.models import User
from octopus.directory.models import Practitioner, Team

from .models import AdvanceCarePlan, CareTier, CaseOutcome, CaseSource, NeedDomain
from .models.plan import ActionStatus
from .models.referral import ContactRoute, Urgency


class DateInput(forms.DateInput):
    input_type = "date"


def colleagues(user):
    """People who can own work: members of the user's teams, then everyone else who holds a caseload."""
    return User.objects.filter(is_active=True, memberships__isnull=False).distinct().order_by("first_name", "last_name")


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        job = f", {obj.practitioner.job_title}" if getattr(obj, "practitioner", None) else ""
        return f"{obj.display_name}{job}"


class ReferralForm(forms.Form):
    to_practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True).select_related("team__organisation"),
        required=False,
        label="Introduce to a named person",
        help_text="A warm introduction: choose the person you know. Their team also sees it.",
    )
    to_team = forms.ModelChoiceField(
        queryset=Team.objects.filter(accepts_referrals=True).select_related("organisation"),
        required=False,
        label="Or refer to a team",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), label="Why you are referring", max_length=2000)
    urgency = forms.ChoiceField(choices=Urgency.choices, widget=forms.RadioSelect, label="How urgent is it?")
    shared_information = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="What the resident agreed to share",
        help_text="Only what they agreed to, in your words. For example: behind on rent since March; lives alone.",
        max_length=2000,
    )
    preferred_contact = forms.ChoiceField(
        choices=ContactRoute.choices, widget=forms.RadioSelect, label="How the resident would like to be contacted"
    )
    contact_details = forms.CharField(required=False, label="Contact details or best times", max_length=200)
    resident_agreed = forms.BooleanField(label="The resident agreed to this referral and to what is shared")
    send_anyway = forms.BooleanField(
        required=False,
        label="Send it anyway",
        help_text=(
            "Only if the resident already has an open request with this person or team and this one is different."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_practitioner"].label_from_instance = lambda p: f"{p.name}, {p.job_title} – {p.team.name}"

    def clean(self):
        data = super().clean()
        if not data.get("to_practitioner") and not data.get("to_team"):
            self.add_error("to_practitioner", "Choose a named person to introduce to, or a team to refer to.")
        return data


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Note", required=False, max_length=2000)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why you are declining",
        max_length=2000,
        help_text="The sender sees this, so they can find the right help.",
    )


class RedirectForm(forms.Form):
    to_practitioner = forms.ModelChoiceField(
        queryset=Practitioner.objects.filter(active=True).select_related("team"),
        required=False,
        label="Redirect to a named person",
    )
    to_team = forms.ModelChoiceField(
        queryset=Team.objects.filter(accepts_referrals=True).select_related("organisation"),
        required=False,
        label="Or to a team",
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), label="Why this is the right place", max_length=2000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_practitioner"].label_from_instance = lambda p: f"{p.name}, {p.job_title} – {p.team.name}"

    def clean(self):
        data = super().clean()
        if not data.get("to_practitioner") and not data.get("to_team"):
            self.add_error("to_practitioner", "Choose a named person or a team.")
        return data


class CloseReferralForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why it is being closed", max_length=2000)


class AddCaseForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Team")
    holder = UserChoiceField(
        queryset=User.objects.none(), required=False, label="Held by", help_text="Leave empty for the team to hold."
    )
    source = forms.ChoiceField(
        choices=CaseSource.choices, label="How the resident came to you", initial=CaseSource.SEARCH
    )
    next_review_due = forms.DateField(widget=DateInput, required=False, label="First review due")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=user.team_ids)
        self.fields["holder"].queryset = User.objects.filter(
            memberships__team_id__in=user.team_ids, is_active=True
        ).distinct()


class CloseCaseForm(forms.Form):
    outcome = forms.ChoiceField(choices=CaseOutcome.choices, widget=forms.RadioSelect, label="Outcome")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note", max_length=2000)


class CarePlanForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    what_matters = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="What matters to me",
        help_text="In the resident's own words.",
    )
    goals = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Goals", help_text="One goal per line."
    )
    lead_professional = UserChoiceField(queryset=User.objects.none(), required=False, label="Lead professional")
    review_date = forms.DateField(widget=DateInput, required=False, label="Review date")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_professional"].queryset = (
            User.objects.filter(is_active=True, memberships__isnull=False).distinct().select_related("practitioner")
        )
        for domain in NeedDomain:
            self.fields[f"need_{domain.value}"] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}), required=False, label=domain.label, max_length=1000
            )

    def need_fields(self):
        return [self[f"need_{domain.value}"] for domain in NeedDomain]

    def needs(self) -> dict:
        return {d.value: self.cleaned_data.get(f"need_{d.value}", "") for d in NeedDomain}

    def goal_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data.get("goals", "").splitlines() if line.strip()]

    @staticmethod
    def initial_for(plan) -> dict:
        initial = {
            "version": plan.version,
            "what_matters": plan.what_matters,
            "goals": "\n".join(g["description"] for g in plan.goals),
            "lead_professional": plan.lead_professional_id,
            "review_date": plan.review_date,
        }
        initial.update({f"need_{d}": text for d, text in plan.needs.items()})
        return initial


class ActionForm(forms.Form):
    description = forms.CharField(label="Action", max_length=300)
    domain = forms.ChoiceField(
        choices=[("", "Not specific")] + NeedDomain.choices, required=False, label="Need it addresses"
    )
    owner = UserChoiceField(queryset=User.objects.none(), label="Owner")
    due = forms.DateField(widget=DateInput, label="Due by")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = (
            User.objects.filter(is_active=True, memberships__isnull=False).distinct().select_related("practitioner")
        )


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionStatus.choices, label="Status")


class TierForm(forms.Form):
    tier = forms.ChoiceField(choices=CareTier.choices, widget=forms.RadioSelect, label="Tier")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason for the move", max_length=2000)


class CheckInScheduleForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=None,
        label="Organisation that will check in",
        help_text="Check-ins are held by one organisation at a time; others still scheduled are handed over.",
    )
    assignee = UserChoiceField(queryset=User.objects.none(), required=False, label="Person who will check in")
    first_due = forms.DateField(widget=DateInput, label="First check-in")
    every_days = forms.IntegerField(
        min_value=1,
        max_value=180,
        required=False,
        label="Every (days)",
        help_text="Leave empty for the tier's usual frequency.",
    )
    count = forms.IntegerField(min_value=1, max_value=24, initial=3, label="How many")

    def __init__(self, *args, **kwargs):
        from octopus.directory.models import Organisation

        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.all()
        self.fields["assignee"].queryset = (
            User.objects.filter(is_active=True, memberships__isnull=False).distinct().select_related("practitioner")
        )
        self.fields["first_due"].initial = timezone.localdate() + dt.timedelta(days=7)


class CheckInOutcomeForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("done", "We spoke"), ("no_answer", "No answer")], widget=forms.RadioSelect, label="What happened"
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note", max_length=2000)


class DeathForm(forms.Form):
    date_of_death = forms.DateField(widget=DateInput, label="Date of death")
    source = forms.CharField(
        label="How you know", max_length=200, help_text="For example: told by daughter; GP record; hospital."
    )
    confirm = forms.BooleanField(label="I understand all scheduled contacts will stop and open cases will close")

    def clean_date_of_death(self):
        value = self.cleaned_data["date_of_death"]
        if value > timezone.localdate():
            raise forms.ValidationError("The date of death cannot be in the future.")
        return value


class ProactiveTierForm(forms.Form):
    lead_professional = UserChoiceField(queryset=User.objects.none(), label="Lead professional")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Caseload team")
    reason = forms.CharField(label="Reason", initial="Rising risk: proactive review", max_length=300)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=user.team_ids)
        self.fields["lead_professional"].queryset = (
            User.objects.filter(is_active=True, memberships__isnull=False).distinct().select_related("practitioner")
        )


class AdvanceCarePlanForm(forms.ModelForm):
    class Meta:
        model = AdvanceCarePlan
        fields = [
            "cpr_recommendation",
            "care_focus",
            "ceilings_of_treatment",
            "preferred_place_of_care",
            "preferred_place_of_death",
            "notes",
            "agreed_with",
            "agreed_by",
            "agreed_on",
            "review_date",
        ]
        labels = {
            "agreed_with": "Agreed with",
            "agreed_by": "Clinician who agreed and signed the recommendations",
            "agreed_on": "Date agreed",
            "preferred_place_of_care": "Preferred place of care",
            "preferred_place_of_death": "Preferred place of death",
        }
        help_texts = {
            "cpr_recommendation": "ReSPECT section 4. Leave unanswered if it has not been decided.",
            "agreed_with": (
                "The resident, or who spoke for them if they lacked capacity (for example: "
                "daughter, lasting power of attorney for health and welfare)."
            ),
        }
        widgets = {
            "agreed_on": DateInput,
            "review_date": DateInput,
            "cpr_recommendation": forms.RadioSelect,
            "care_focus": forms.RadioSelect,
            "ceilings_of_treatment": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        field_classes = {"agreed_by": UserChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreed_by"].queryset = (
            User.objects.filter(is_active=True, memberships__isnull=False).distinct().select_related("practitioner")
        )
        for name in ("cpr_recommendation", "care_focus"):
            # A RadioSelect on a blank-able choice field offers "---------": name it for what it means.
            self.fields[name].choices = [("", "Not decided yet"), *self.fields[name].choices[1:]]

"""Forms for the list pages: filters (GET), and one form per bulk action, prefixed so that
all of them live in the one form that carries the chosen residents."""

import datetime as dt

from django import forms
from django.utils import timezone

from octopus.accounts.models import User
from octopus.care.forms import DateInput, UserChoiceField, colleagues
from octopus.care.models import CareTier
from octopus.directory.models import Team

from . import config
from .lists import SORT_LABELS, STATUSES


class FilterForm(forms.Form):
    band = forms.ChoiceField(required=False, label="Risk band")
    segment = forms.ChoiceField(required=False, label="Segment")
    practice = forms.ChoiceField(required=False, label="GP practice")
    neighbourhood = forms.ChoiceField(required=False, label="Neighbourhood")
    age_from = forms.IntegerField(required=False, min_value=0, max_value=120, label="Aged from")
    age_to = forms.IntegerField(required=False, min_value=0, max_value=120, label="Aged to")
    caseload = forms.ChoiceField(
        required=False,
        label="Already on a caseload",
        choices=[("", "Either"), ("yes", "On a caseload"), ("no", "Not on a caseload")],
    )
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any"), *STATUSES.items()])
    sort = forms.ChoiceField(required=False, label="Sort by", choices=list(SORT_LABELS.items()))

    def __init__(self, *args, bands=(), segments=(), practices=(), neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["band"].choices = [("", "Any"), *((b, b) for b in bands)]
        self.fields["segment"].choices = [("", "Any"), *((s, s) for s in segments)]
        self.fields["practice"].choices = [("", "Any"), *practices]
        self.fields["neighbourhood"].choices = [("", "Any"), *neighbourhoods]

    def clean(self):
        cleaned = super().clean()
        low, high = cleaned.get("age_from"), cleaned.get("age_to")
        if low is not None and high is not None and low > high:
            self.add_error("age_to", "The upper age must be at least the lower age.")
        return cleaned


class CaseForm(forms.Form):
    prefix = "case"
    tier = forms.ChoiceField(
        label="Tier",
        widget=forms.RadioSelect,
        choices=[(CareTier.PROACTIVE, CareTier.PROACTIVE.label), (CareTier.COMPLEX, CareTier.COMPLEX.label)],
        initial=CareTier.PROACTIVE,
    )
    lead_professional = UserChoiceField(queryset=User.objects.none(), label="Lead professional")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Caseload team")
    reason = forms.CharField(label="Reason", max_length=300)

    def __init__(self, *args, user, reason="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=user.team_ids)
        self.fields["lead_professional"].queryset = colleagues(user).select_related("practitioner")
        self.fields["reason"].initial = reason


class MeetingForm(forms.Form):
    prefix = "meeting"
    meeting = forms.ModelChoiceField(queryset=None, label="Meeting")
    reason = forms.CharField(label="Why discuss them", max_length=200)

    def __init__(self, *args, user, **kwargs):
        from octopus.meetings.membership import series_ids_for
        from octopus.meetings.models import Meeting

        super().__init__(*args, **kwargs)
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(
                series_id__in=series_ids_for(user),
                closed_at__isnull=True,
                starts_at__gte=timezone.now() - dt.timedelta(hours=12),
            )
            .select_related("series")
            .order_by("starts_at")
        )


class CheckInForm(forms.Form):
    prefix = "check_ins"
    caller = UserChoiceField(queryset=User.objects.none(), label="Named caller")
    script = forms.ChoiceField(label="Script")
    first_due = forms.DateField(label="First call due", widget=DateInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caller"].queryset = colleagues(user).select_related("practitioner")
        self.fields["script"].choices = [(s.code, s.title) for s in config.settings().scripts.values()]
        self.fields["first_due"].initial = timezone.localdate() + dt.timedelta(days=7)


class OutreachForm(forms.Form):
    prefix = "outreach"
    round = forms.ModelChoiceField(queryset=None, label="Outreach round")
    worker = UserChoiceField(queryset=User.objects.none(), label="Community health and wellbeing worker")

    def __init__(self, *args, **kwargs):
        from octopus.outreach.models import Round
        from octopus.outreach.services import outreach_workers

        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["round"].queryset = Round.objects.filter(withdrawn_at__isnull=True, ends_on__gte=today).order_by(
            "starts_on"
        )
        self.fields["worker"].queryset = outreach_workers().select_related("practitioner")


class NoActionForm(forms.Form):
    prefix = "no_action"
    note = forms.CharField(
        label="Why no action",
        max_length=500,
        help_text=(
            "For example: already under the heart failure nurses. The resident comes back to review when what they are "
            "listed for changes."
        ),
    )


class FollowUpForm(forms.Form):
    prefix = "follow_up"
    owner = UserChoiceField(
        queryset=User.objects.none(),
        label="Who makes the calls",
        help_text="One task per resident goes into this person's inbox, due 72 hours after the discharge.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = colleagues(user).select_related("practitioner")
        self.fields["owner"].initial = user.pk

"""Forms for the virtual ward, rendered with the NHS.UK components via core/forms.jinja."""

import datetime as dt

from django import forms
from django.utils import timezone

from octopus.directory.models import Team

from . import news2
from .models import Consciousness, Spo2Scale


class DateInput(forms.DateInput):
    input_type = "date"


class AdmitForm(forms.Form):
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label="Responsible team")
    reason = forms.CharField(max_length=300, label="Reason for admission")
    expected_discharge_on = forms.DateField(widget=DateInput, label="Expected discharge date")
    observations_per_day = forms.IntegerField(
        min_value=1,
        max_value=24,
        initial=3,
        label="Observations a day",
        help_text="For example 3 for three times a day.",
    )
    spo2_scale = forms.TypedChoiceField(
        choices=Spo2Scale.choices,
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
        label="SpO2 scale",
        help_text="Scale 2 only for confirmed hypercapnic respiratory failure (RCP NEWS2, 2017).",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.filter(pk__in=user.team_ids).select_related("organisation")
        self.fields["expected_discharge_on"].initial = timezone.localdate() + dt.timedelta(days=14)


class ScaleForm(forms.Form):
    spo2_scale = AdmitForm.base_fields["spo2_scale"]


class DischargeForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, label="Reason for discharge")


class ObservationForm(forms.Form):
    """Typed in on a phone: number inputs with units in the labels, so nobody guesses the unit."""

    respiration_rate = forms.IntegerField(label=f"Respiration rate ({news2.UNITS['respiration_rate']})")
    spo2 = forms.IntegerField(label="SpO2 (%)")
    on_oxygen = forms.TypedChoiceField(
        choices=[("air", "Air"), ("oxygen", "Supplemental oxygen")],
        widget=forms.RadioSelect,
        label="Breathing air or oxygen",
    )
    systolic_bp = forms.IntegerField(label=f"Systolic blood pressure ({news2.UNITS['systolic_bp']})")
    pulse = forms.IntegerField(label=f"Pulse ({news2.UNITS['pulse']})")
    consciousness = forms.ChoiceField(
        choices=Consciousness.choices, widget=forms.RadioSelect, label="Level of consciousness (ACVPU)"
    )
    temperature = forms.DecimalField(max_digits=3, decimal_places=1, label="Temperature (°C)")


class AlertNoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False, label="Note")


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Observations file (CSV)",
        help_text=(
            "Columns: person_id, taken_at, respiration_rate, spo2, on_oxygen (air or oxygen), "
            "systolic_bp, pulse, consciousness (A, C, V, P or U), temperature (°C)."
        ),
    )

"""A virtual ward: admissions, the observations that arrive while a resident is on it, and alerts."""

from django.conf import settings
from django.db import models


class Spo2Scale(models.IntegerChoices):
    SCALE_1 = 1, "Scale 1 (usual)"
    SCALE_2 = 2, "Scale 2 (confirmed hypercapnic respiratory failure, target 88–92%)"


class Admission(models.Model):
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="ward_admissions")
    team = models.ForeignKey("directory.Team", on_delete=models.PROTECT, related_name="ward_admissions")
    reason = models.CharField(max_length=300)
    admitted_at = models.DateTimeField()
    admitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    expected_discharge_on = models.DateField()
    observations_per_day = models.PositiveSmallIntegerField()
    # Scale 2 only for confirmed hypercapnic respiratory failure, on a clinician's decision (RCP 2017,
    # section on SpO2 scale 2): who chose it and when is kept beside it.
    spo2_scale = models.PositiveSmallIntegerField(choices=Spo2Scale.choices, default=Spo2Scale.SCALE_1)
    spo2_scale_set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    spo2_scale_set_at = models.DateTimeField()
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    discharge_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-admitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=models.Q(discharged_at__isnull=True), name="one_open_ward_admission"
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.discharged_at is None


class Consciousness(models.TextChoices):
    ALERT = "A", "Alert"
    CONFUSION = "C", "New confusion"
    VOICE = "V", "Responds to voice"
    PAIN = "P", "Responds to pain"
    UNRESPONSIVE = "U", "Unresponsive"


class ObservationSource(models.TextChoices):
    API = "api", "Device or app"
    CSV = "csv", "File upload"
    FORM = "form", "Typed in"
    FHIR = "fhir", "FHIR import"


class Observation(models.Model):
    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="observations")
    taken_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=ObservationSource.choices)
    recorded_by = models.CharField(max_length=150)  # a username or a service account's name
    respiration_rate = models.PositiveSmallIntegerField()  # breaths per minute
    spo2 = models.PositiveSmallIntegerField()  # %
    spo2_scale = models.PositiveSmallIntegerField(choices=Spo2Scale.choices)  # the scale in force when taken
    on_oxygen = models.BooleanField()
    systolic_bp = models.PositiveSmallIntegerField()  # mmHg
    pulse = models.PositiveSmallIntegerField()  # beats per minute
    consciousness = models.CharField(max_length=1, choices=Consciousness.choices)
    temperature = models.DecimalField(max_digits=3, decimal_places=1)  # °C
    scores = models.JSONField()  # each parameter's NEWS2 points
    total = models.PositiveSmallIntegerField()
    risk = models.CharField(max_length=12)

    class Meta:
        ordering = ["-taken_at"]
        indexes = [models.Index(fields=["admission", "taken_at"])]


class AlertKind(models.TextChoices):
    SCORE = "score", "NEWS2 score"
    TREND = "trend", "Rising trend"
    MISSED = "missed", "Missed observation"


class Alert(models.Model):
    admission = models.ForeignKey(Admission, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    risk = models.CharField(max_length=12, blank=True)
    observation = models.ForeignKey(Observation, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts")
    summary = models.CharField(max_length=300)
    raised_at = models.DateTimeField()
    respond_by = models.DateTimeField()
    # 0: the responsible team; each step of the escalation chain (virtualward.yaml) adds one.
    level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actioned_at = models.DateTimeField(null=True, blank=True)
    actioned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["respond_by"]
        indexes = [models.Index(fields=["admission", "actioned_at"])]

    @property
    def is_outstanding(self) -> bool:
        return self.actioned_at is None

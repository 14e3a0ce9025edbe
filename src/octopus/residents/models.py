"""The resident as the operational app knows them: demographics from the linked partner data,
and the latest population snapshot's risk, band, segment and flags.

Never query ``Resident.objects`` from a view: go through ``octopus.governance.access``, which
returns only the residents the user has a legitimate relationship with.
"""

from django.db import models


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    INDETERMINATE = "indeterminate", "Indeterminate"
    UNKNOWN = "unknown", "Not known"


class Household(models.Model):
    household_id = models.CharField(max_length=40)
    address_line = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10)
    lsoa_code = models.CharField("LSOA 2021 code", max_length=9)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        # Plain indexes and constraints, not ``db_index=True``/``unique=True``: on PostgreSQL those
        # add a second, pattern-ops index per text column for case-sensitive LIKE, which no query
        # here makes (decision 0076).
        constraints = [models.UniqueConstraint(fields=["household_id"], name="household_id_unique")]
        indexes = [
            models.Index(fields=["postcode"], name="household_postcode_idx"),
            models.Index(fields=["lsoa_code"], name="household_lsoa_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.address_line}, {self.postcode}"


class Resident(models.Model):
    # The stable Octopus person id from linkage; the key every feed and snapshot uses.
    person_id = models.CharField(max_length=40)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity_group = models.CharField(max_length=60, blank=True)
    # No database constraint, as for the timeline's key (decision 0070): the publish checks it.
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="residents", db_constraint=False
    )
    address_line = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    lsoa_code = models.CharField("LSOA 2021 code", max_length=9, blank=True)
    imd_decile = models.PositiveSmallIntegerField("IMD 2025 decile", null=True, blank=True)
    practice_ods_code = models.CharField("GP practice ODS code", max_length=10, blank=True)
    registered = models.BooleanField("registered with a GP", default=True)
    main_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    date_of_death = models.DateField(null=True, blank=True)

    # From the latest published population snapshot.
    snapshot_run_id = models.CharField(max_length=40, blank=True)
    snapshot_as_of = models.DateField(null=True, blank=True)
    risk_probability = models.FloatField(null=True, blank=True)
    risk_centile = models.FloatField(null=True, blank=True)
    risk_band = models.CharField(max_length=20, blank=True)
    risk_factors = models.JSONField(default=list, blank=True, help_text="Top contributing factors, in plain words.")
    segment = models.CharField(max_length=60, blank=True)
    rising_risk = models.BooleanField(default=False)
    rising_risk_reason = models.CharField(max_length=300, blank=True)
    long_term_conditions = models.JSONField(default=list, blank=True)
    frailty_category = models.CharField(max_length=20, blank=True)
    flags = models.JSONField(default=dict, blank=True, help_text="Care home, housebound, homeless, inpatient, …")
    cohorts = models.JSONField(default=list, blank=True)
    prevention_gaps = models.JSONField(
        default=list,
        blank=True,
        help_text="Open prevention gaps (screening, vaccination, checks): programme, title, status.",
    )

    class Meta:
        # Each index is one the publish keeps up to date for every resident, so only those a query
        # uses (decision 0076): plain ones, not ``db_index=True``/``unique=True``, which on
        # PostgreSQL add a pattern-ops index per text column for case-sensitive LIKE, which no
        # query here makes (searches are case-insensitive); no index on the family name alone,
        # which the name index leads with.
        constraints = [models.UniqueConstraint(fields=["person_id"], name="resident_person_id_unique")]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["nhs_number"], name="resident_nhs_number_idx"),
            models.Index(fields=["date_of_birth"], name="resident_date_of_birth_idx"),
            models.Index(fields=["postcode"], name="resident_postcode_idx"),
            models.Index(fields=["lsoa_code"], name="resident_lsoa_idx"),
            models.Index(fields=["practice_ods_code"], name="resident_practice_idx"),
            models.Index(fields=["risk_band"], name="resident_risk_band_idx"),
            models.Index(fields=["segment"], name="resident_segment_idx"),
            models.Index(fields=["rising_risk"], name="resident_rising_risk_idx"),
        ]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_deceased(self) -> bool:
        return self.date_of_death is not None

    def __str__(self) -> str:
        return self.name


class ActivityKind(models.TextChoices):
    """Where an event in the resident's timeline came from. Labels are what a reader sees."""

    GP = "gp", "GP"
    AE = "ae", "A&E"
    ADMISSION = "admission", "Hospital admission"
    OUTPATIENT = "outpatient", "Outpatients"
    AMBULANCE = "ambulance", "Ambulance"
    COMMUNITY = "community", "Community health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SOCIAL_CARE = "social_care", "Social care"
    VCSE = "vcse", "Voluntary and community"
    OCTOPUS = "octopus", "Octopus contact"


# Kinds that are someone reaching out to the resident (as opposed to the resident using a service):
# these count towards the "contacted by several organisations this week" warning, the problem
# Westminster's shielded residents reported.
CONTACT_KINDS = {
    ActivityKind.COMMUNITY,
    ActivityKind.MENTAL_HEALTH,
    ActivityKind.SOCIAL_CARE,
    ActivityKind.VCSE,
    ActivityKind.OCTOPUS,
}


class ActivityEvent(models.Model):
    """One thing that happened to the resident at a partner: the joined-up timeline.

    Filled by the population publish step from the linked partner feeds (``source_feed`` and
    ``source_key`` make the publish idempotent), and by Octopus itself when a contact is recorded.
    """

    # No database constraint (decision 0070): PostgreSQL checks a foreign key row by row, and for a
    # London publish that was 9.6 million probes and five minutes inside the switch transaction.
    # The publish checks the staged events' residents itself, once, set-based (``bulk.Staging``);
    # Django still cascades a resident's deletion to their events.
    # No index of its own either: the (resident, occurred_on) index below serves lookups by resident.
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="activity", db_constraint=False, db_index=False
    )
    occurred_on = models.DateField()
    occurred_at = models.DateTimeField(null=True, blank=True, help_text="When the time of day is known.")
    kind = models.CharField(max_length=20, choices=ActivityKind.choices)
    source_organisation = models.CharField(max_length=200, help_text="The partner that recorded it.")
    summary = models.CharField(max_length=300)
    detail = models.JSONField(default=dict, blank=True)
    source_feed = models.CharField(max_length=60, blank=True)
    source_key = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["-occurred_on", "-occurred_at", "-id"]
        indexes = [models.Index(fields=["resident", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.occurred_on} {self.get_kind_display()}: {self.summary}"

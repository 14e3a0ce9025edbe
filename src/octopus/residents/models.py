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
    household_id = models.CharField(max_length=40, unique=True)
    address_line = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10, db_index=True)
    lsoa_code = models.CharField("LSOA 2021 code", max_length=9, db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.address_line}, {self.postcode}"


class Resident(models.Model):
    # The stable Octopus person id from linkage; the key every feed and snapshot uses.
    person_id = models.CharField(max_length=40, unique=True)
    nhs_number = models.CharField("NHS number", max_length=10, blank=True, db_index=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True, db_index=True)
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity_group = models.CharField(max_length=60, blank=True)
    household = models.ForeignKey(Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="residents")
    address_line = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    lsoa_code = models.CharField("LSOA 2021 code", max_length=9, blank=True, db_index=True)
    imd_decile = models.PositiveSmallIntegerField("IMD 2025 decile", null=True, blank=True)
    practice_ods_code = models.CharField("GP practice ODS code", max_length=10, blank=True, db_index=True)
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
    risk_band = models.CharField(max_length=20, blank=True, db_index=True)
    risk_factors = models.JSONField(default=list, blank=True, help_text="Top contributing factors, in plain words.")
    segment = models.CharField(max_length=60, blank=True, db_index=True)
    rising_risk = models.BooleanField(default=False, db_index=True)
    rising_risk_reason = models.CharField(max_length=300, blank=True)
    long_term_conditions = models.JSONField(default=list, blank=True)
    frailty_category = models.CharField(max_length=20, blank=True)
    flags = models.JSONField(default=dict, blank=True, help_text="Care home, housebound, homeless, inpatient, …")
    cohorts = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["family_name", "given_name"])]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def is_deceased(self) -> bool:
        return self.date_of_death is not None

    def __str__(self) -> str:
        return self.name

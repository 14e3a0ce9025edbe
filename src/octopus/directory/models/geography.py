"""The real geography a neighbourhood is made of: LSOAs, GP practices and their PCNs.

Codes are the public ones (ONS LSOA 2021 codes, NHS ODS codes) and are the primary keys, so other
apps store and join on the code itself: ``Resident.lsoa_code`` matches ``LSOA.code`` and
``GPPractice.ods_code`` is what a registration record carries. Loaded from ``reference/`` by
``octopus.directory.geography.load_reference_geography``.
"""

from django.db import models
from django.urls import reverse


class LSOA(models.Model):
    """A 2021 lower layer super output area (~1,500 residents), with its best-fit ward and borough."""

    code = models.CharField("LSOA code", max_length=9, primary_key=True)
    name = models.CharField(max_length=100)
    msoa_code = models.CharField(max_length=9)
    msoa_name = models.CharField(max_length=100, help_text="House of Commons Library MSOA name.")
    ward_code = models.CharField(max_length=9)
    ward_name = models.CharField(max_length=100)
    borough_code = models.CharField(max_length=9, db_index=True)
    borough_name = models.CharField(max_length=100, db_index=True)
    latitude = models.FloatField(
        null=True, blank=True, help_text="A point inside the LSOA, not necessarily its centroid."
    )
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = "LSOA"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class PCN(models.Model):
    """A primary care network: GP practices working together, the building block of an INT."""

    code = models.CharField("PCN code", max_length=10, primary_key=True)
    name = models.CharField(max_length=200)
    sub_icb_code = models.CharField("sub-ICB location code", max_length=10)
    icb_code = models.CharField("ICB code", max_length=10)

    class Meta:
        verbose_name = "PCN"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class GPPractice(models.Model):
    ods_code = models.CharField("ODS code", max_length=10, primary_key=True)
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=10)
    pcn = models.ForeignKey(PCN, on_delete=models.PROTECT, related_name="practices", null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True, help_text="Geocoded from the postcode (OpenStreetMap).")
    longitude = models.FloatField(null=True, blank=True)
    lsoa_code = models.CharField(
        max_length=9,
        blank=True,
        db_index=True,
        help_text="The LSOA the geocoded point falls in; blank if not geocoded.",
    )
    borough_name = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = "GP practice"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class Neighbourhood(models.Model):
    """An integrated neighbourhood team's patch, defined by its LSOAs and its GP practices.

    Query by code: ``Neighbourhood.objects.filter(lsoas__code="E01004736")`` or
    ``neighbourhood.lsoa_codes()``; practices likewise by ``practices__ods_code``.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(unique=True)
    borough_name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    lsoas = models.ManyToManyField(LSOA, blank=True, related_name="neighbourhoods")
    practices = models.ManyToManyField(GPPractice, blank=True, related_name="neighbourhoods")
    postcode_districts = models.CharField(
        max_length=300,
        blank=True,
        help_text="Outward codes people use for the area, e.g. 'W2 W9 NW8', so 'near W2' finds it.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("directory:neighbourhood", args=[self.slug])

    def lsoa_codes(self) -> list[str]:
        return list(self.lsoas.values_list("code", flat=True))

    def practice_codes(self) -> list[str]:
        return list(self.practices.values_list("ods_code", flat=True))

    def district_list(self) -> list[str]:
        return self.postcode_districts.upper().split()

"""Loads the shipped London reference geography (``octopus.reference``) into the database and defines neighbourhoods.

Idempotent and fast: one ``bulk_create`` per table that updates rows already present, so a
re-run refreshes names after a new ONS or NHS England release without touching anything that
references the codes.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from octopus.reference import lsoas_path, practices_path

from .models import LSOA, PCN, GPPractice, Neighbourhood

LSOA_FILE = lsoas_path()
PRACTICE_FILE = practices_path()


@dataclass(frozen=True)
class GeographyReport:
    lsoas: int
    pcns: int
    practices: int


def _float(text: str) -> float | None:
    return float(text) if text else None


def _rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _upsert(model, objects: list, key: str) -> None:
    fields = [f.name for f in model._meta.concrete_fields if f.name != key and not f.primary_key]
    model.objects.bulk_create(
        objects, update_conflicts=True, unique_fields=[key], update_fields=fields, batch_size=1000
    )


@transaction.atomic
def load_reference_geography(lsoa_file: Path = LSOA_FILE, practice_file: Path = PRACTICE_FILE) -> GeographyReport:
    """Import London's LSOAs, PCNs and GP practices. Safe to repeat."""
    lsoas = [
        LSOA(
            code=row["lsoa21_code"],
            name=row["lsoa21_name"],
            msoa_code=row["msoa21_code"],
            msoa_name=row["msoa21_name"],
            ward_code=row["ward24_code"],
            ward_name=row["ward24_name"],
            borough_code=row["lad24_code"],
            borough_name=row["lad24_name"],
            latitude=_float(row["latitude"]),
            longitude=_float(row["longitude"]),
        )
        for row in _rows(lsoa_file)
    ]
    _upsert(LSOA, lsoas, "code")
    practice_rows = _rows(practice_file)
    pcns = {
        row["pcn_code"]: PCN(
            code=row["pcn_code"],
            name=row["pcn_name"],
            sub_icb_code=row["sub_icb_location_code"],
            icb_code=row["icb_code"],
        )
        for row in practice_rows
        if row["pcn_code"]
    }
    _upsert(PCN, list(pcns.values()), "code")
    practices = [
        GPPractice(
            ods_code=row["practice_code"],
            name=row["practice_name"],
            postcode=row["practice_postcode"],
            pcn_id=row["pcn_code"] or None,
            latitude=_float(row["latitude"]),
            longitude=_float(row["longitude"]),
            lsoa_code=row["lsoa21_code"],
            borough_name=row["borough_name"],
        )
        for row in practice_rows
    ]
    _upsert(GPPractice, practices, "ods_code")
    return GeographyReport(lsoas=len(lsoas), pcns=len(pcns), practices=len(practices))


@transaction.atomic
def define_neighbourhood(
    *, name: str, slug: str, borough: str, pcn_codes: list[str], postcode_districts: str = "", description: str = ""
) -> Neighbourhood:
    """A neighbourhood is every LSOA in its borough plus every practice in its PCNs.

    PCNs, not practice locations, decide membership: a practice's registered list is what the
    INT works with, and a few Westminster PCN practices are geocoded just over the borough line.
    """
    unknown = sorted(set(pcn_codes) - set(PCN.objects.filter(code__in=pcn_codes).values_list("code", flat=True)))
    if unknown:
        raise ValueError(
            f"Neighbourhood {name!r}: PCN codes {', '.join(unknown)} are not in the reference data; load it first."
        )
    neighbourhood, _ = Neighbourhood.objects.update_or_create(
        slug=slug,
        defaults={
            "name": name,
            "borough_name": borough,
            "postcode_districts": postcode_districts,
            "description": description,
        },
    )
    neighbourhood.lsoas.set(LSOA.objects.filter(borough_name=borough))
    neighbourhood.practices.set(GPPractice.objects.filter(pcn__code__in=pcn_codes))
    return neighbourhood

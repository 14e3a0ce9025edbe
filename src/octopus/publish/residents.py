"""Linked persons into ``residents.Resident`` (demographics) and their households."""

import hashlib
from collections.abc import Callable
from pathlib import Path

from octopus.core import bulk
from octopus.residents.models import Household, Resident

from .inputs import BATCH, DEMOGRAPHIC_FIELDS, batches, clean


def household_key(address_line: str, postcode: str) -> str:
    """People sharing an address line and postcode form a household (no UPRN in the feeds).

    A fixed-length digest of the normalised address, so any address fits the 40-character key
    (PostgreSQL enforces the length; SQLite does not, which hid this until the PostgreSQL pass).
    """
    normalised = f"{' '.join(address_line.upper().split())}|{postcode.replace(' ', '').upper()}"
    return "H" + hashlib.sha256(normalised.encode()).hexdigest()[:32]


def publish_persons(persons_path: Path, progress: Callable[[int], None]) -> tuple[int, int]:
    households: dict[str, int] = dict(Household.objects.values_list("household_id", "pk"))
    total = 0
    for rows in batches(persons_path, ["person_id", *DEMOGRAPHIC_FIELDS]):
        new_households = {}
        for row in rows:
            if row.get("address_line") and row.get("postcode"):
                key = household_key(row["address_line"], row["postcode"])
                if key not in households and key not in new_households:
                    new_households[key] = Household(
                        household_id=key, address_line=row["address_line"], postcode=row["postcode"],
                        lsoa_code=clean(row.get("lsoa_code")),
                    )
        if new_households:
            Household.objects.bulk_create(new_households.values(), batch_size=BATCH)
            households.update(
                Household.objects.filter(household_id__in=new_households).values_list("household_id", "pk")
            )
        residents = []
        for row in rows:
            fields = {name: clean(row.get(name)) for name in DEMOGRAPHIC_FIELDS}
            fields["date_of_birth"] = row.get("date_of_birth")
            fields["registered"] = bool(row.get("registered"))
            fields["interpreter_needed"] = bool(row.get("interpreter_needed"))
            fields["sex"] = fields["sex"] or "unknown"
            key = household_key(fields["address_line"], fields["postcode"]) if fields["address_line"] and fields["postcode"] else None
            residents.append(Resident(person_id=row["person_id"], household_id=households.get(key), **fields))
        every = [f.name for f in Resident._meta.concrete_fields if not f.primary_key]
        bulk.upsert(Resident, every, "person_id", [*DEMOGRAPHIC_FIELDS, "household"],
                    ([getattr(r, Resident._meta.get_field(f).attname) for f in every] for r in residents))
        total += len(residents)
        progress(len(residents))
    return total, len(households)

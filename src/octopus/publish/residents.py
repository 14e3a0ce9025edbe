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


def publish_persons(
    persons_path: Path, existing: dict[str, int], progress: Callable[[int], None]
) -> tuple[int, int, dict[str, int]]:
    """Upsert every linked person's demographics and household; returns the count of residents,
    of households, and person_id -> primary key for every published resident."""
    households: dict[str, int] = dict(Household.objects.values_list("household_id", "pk"))
    given = ["person_id", *DEMOGRAPHIC_FIELDS, "household_id"]
    # What a resident published for the first time starts with (the snapshot fields come next):
    # the same for everyone, so converted for the database once, not once a row.
    template = Resident()
    starting = {
        f.attname: getattr(template, f.attname)
        for f in Resident._meta.concrete_fields
        if not f.primary_key and f.attname not in given
    }
    known = dict(existing)
    total = 0
    allocated = None
    for rows in batches(persons_path, ["person_id", *DEMOGRAPHIC_FIELDS]):
        new_households = {}
        keys = []
        for row in rows:
            key = (
                household_key(row["address_line"], row["postcode"])
                if row.get("address_line") and row.get("postcode")
                else None
            )
            keys.append(key)
            if key and key not in households and key not in new_households:
                new_households[key] = Household(
                    household_id=key,
                    address_line=row["address_line"],
                    postcode=row["postcode"],
                    lsoa_code=clean(row.get("lsoa_code")),
                )
        if new_households:
            Household.objects.bulk_create(new_households.values(), batch_size=BATCH)
            households.update(
                Household.objects.filter(household_id__in=new_households).values_list("household_id", "pk")
            )
        # PostgreSQL stages the whole publish before any of it is written (decision 0057), so new
        # residents take their keys from the sequence now, for the timeline to refer to them.
        arriving = [row["person_id"] for row in rows if row["person_id"] not in known]
        allocated = bulk.allocate_ids(Resident, len(arriving))
        if allocated is not None:
            known.update(zip(arriving, allocated, strict=True))
        values = []
        for row, key in zip(rows, keys, strict=True):
            fields = {name: clean(row.get(name)) for name in DEMOGRAPHIC_FIELDS}
            fields["person_id"] = row["person_id"]
            fields["date_of_birth"] = row.get("date_of_birth")
            fields["registered"] = bool(row.get("registered"))
            fields["interpreter_needed"] = bool(row.get("interpreter_needed"))
            fields["sex"] = fields["sex"] or "unknown"
            fields["household_id"] = households.get(key)
            row_values = [fields[name] for name in given]
            values.append(row_values if allocated is None else [known[row["person_id"]], *row_values])
        columns = given if allocated is None else ["id", *given]
        bulk.upsert(Resident, columns, "person_id", [*DEMOGRAPHIC_FIELDS, "household_id"], values, constants=starting)
        total += len(values)
        progress(len(values))
    if allocated is None:
        known = dict(Resident.objects.values_list("person_id", "pk"))
    return total, len(households), known

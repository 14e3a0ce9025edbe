"""Publishing what the population engine produced into the operational database.

The engine (``octopus.population``) writes Parquet: the linked extract's ``persons.parquet``
(demographics, one row per linked person) and a snapshot's ``residents.parquet`` (risk, band,
segment, flags). This module upserts them into ``residents.Resident`` in ONE transaction, so
caseloads and meeting lists never see half a snapshot; a failure leaves the previous state.
"""

import datetime as dt
import json
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from django.db import transaction

from octopus.governance import audit
from octopus.residents.models import Household, Resident

from .models import PublishedSnapshot

log = logging.getLogger(__name__)

BATCH = 2000

DEMOGRAPHIC_FIELDS = (
    "nhs_number", "given_name", "family_name", "date_of_birth", "sex", "postcode", "lsoa_code",
    "practice_ods_code", "registered", "main_language", "interpreter_needed", "address_line",
    "phone", "email",
)


class PublishError(RuntimeError):
    """The inputs cannot be published; the message names the file and what is wrong."""


@dataclass(frozen=True)
class PublishReport:
    run_id: str
    as_of: dt.date
    residents: int
    households: int


def _open(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (OSError, ValueError) as error:
        raise PublishError(f"{path}: cannot read as Parquet ({error}).") from error


def _batches(path: Path, columns: list[str] | None = None) -> Iterator[list[dict]]:
    parquet = _open(path)
    missing = set(columns or ()) - set(parquet.schema_arrow.names)
    if missing:
        raise PublishError(f"{path}: missing column(s) {', '.join(sorted(missing))}.")
    for batch in parquet.iter_batches(batch_size=BATCH, columns=columns):
        yield batch.to_pylist()


def _clean(value, default=""):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def household_key(address_line: str, postcode: str) -> str:
    """People sharing an address line and postcode form a household (no UPRN in the feeds)."""
    return f"{address_line.strip().upper()}|{postcode.replace(' ', '').upper()}"


def _publish_persons(persons_path: Path, progress: Callable[[int], None]) -> tuple[int, int]:
    households: dict[str, int] = dict(Household.objects.values_list("household_id", "pk"))
    total = 0
    for rows in _batches(persons_path, ["person_id", *DEMOGRAPHIC_FIELDS]):
        new_households = {}
        for row in rows:
            if row.get("address_line") and row.get("postcode"):
                key = household_key(row["address_line"], row["postcode"])
                if key not in households and key not in new_households:
                    new_households[key] = Household(
                        household_id=key, address_line=row["address_line"], postcode=row["postcode"],
                        lsoa_code=_clean(row.get("lsoa_code")),
                    )
        if new_households:
            Household.objects.bulk_create(new_households.values(), batch_size=BATCH)
            households.update(
                Household.objects.filter(household_id__in=new_households).values_list("household_id", "pk")
            )
        residents = []
        for row in rows:
            fields = {name: _clean(row.get(name)) for name in DEMOGRAPHIC_FIELDS}
            fields["date_of_birth"] = row.get("date_of_birth")
            fields["registered"] = bool(row.get("registered"))
            fields["interpreter_needed"] = bool(row.get("interpreter_needed"))
            fields["sex"] = fields["sex"] or "unknown"
            key = household_key(fields["address_line"], fields["postcode"]) if fields["address_line"] and fields["postcode"] else None
            residents.append(Resident(person_id=row["person_id"], household_id=households.get(key), **fields))
        Resident.objects.bulk_create(
            residents,
            batch_size=BATCH,
            update_conflicts=True,
            unique_fields=["person_id"],
            update_fields=[*DEMOGRAPHIC_FIELDS, "household"],
        )
        total += len(residents)
        progress(len(residents))
    return total, len(households)


# Snapshot columns -> Resident fields. Lists are stored as JSON; flags gathered into one dict.
SNAPSHOT_FIELDS = {
    "probability": "risk_probability",
    "centile": "risk_centile",
    "band": "risk_band",
    "segment": "segment",
    "rising_risk": "rising_risk",
    "rising_risk_reason": "rising_risk_reason",
    "imd_decile": "imd_decile",
    "ethnicity_group": "ethnicity_group",
    "frailty_category": "frailty_category",
}
SNAPSHOT_LISTS = {"risk_factors": "risk_factors", "long_term_conditions": "long_term_conditions", "cohorts": "cohorts"}
SNAPSHOT_FLAGS = (
    "care_home", "housebound", "homeless", "current_inpatient", "discharged_last_14_days",
    "frequent_ae_attender", "regular_ambulance_caller", "social_care_package", "cancer",
    "emergency_admissions_12m", "ae_attendances_12m", "ambulance_calls_12m", "cost_12m",
)


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            return [part.strip() for part in value.split("|") if part.strip()]
        return parsed if isinstance(parsed, list) else [parsed]
    return list(value)


def _publish_scores(residents_path: Path, run_id: str, as_of: dt.date, progress) -> int:
    available = set(_open(residents_path).schema_arrow.names)
    if "person_id" not in available:
        raise PublishError(f"{residents_path}: missing column person_id.")
    columns = ["person_id", *(c for c in (*SNAPSHOT_FIELDS, *SNAPSHOT_LISTS, *SNAPSHOT_FLAGS) if c in available)]
    updated = 0
    update_fields = ["snapshot_run_id", "snapshot_as_of", "flags", *SNAPSHOT_FIELDS.values(), *SNAPSHOT_LISTS.values()]
    for rows in _batches(residents_path, columns):
        known = dict(Resident.objects.filter(person_id__in=[r["person_id"] for r in rows]).values_list("person_id", "pk"))
        batch = []
        for row in rows:
            pk = known.get(row["person_id"])
            if pk is None:
                continue  # scored but not in the linked persons: nothing identifiable to attach to
            resident = Resident(pk=pk, snapshot_run_id=run_id, snapshot_as_of=as_of)
            for column, field in SNAPSHOT_FIELDS.items():
                default = False if field == "rising_risk" else (None if field in {"risk_probability", "risk_centile", "imd_decile"} else "")
                setattr(resident, field, _clean(row.get(column), default))
            for column, field in SNAPSHOT_LISTS.items():
                setattr(resident, field, _as_list(row.get(column)))
            resident.flags = {flag: _clean(row.get(flag), None) for flag in SNAPSHOT_FLAGS if flag in row}
            batch.append(resident)
        Resident.objects.bulk_update(batch, update_fields, batch_size=BATCH)
        updated += len(batch)
        progress(len(rows))
    return updated


def publish(
    persons_path: Path,
    snapshot_dir: Path | None = None,
    *,
    actor=None,
    progress: Callable[[int], None] = lambda n: None,
) -> PublishReport:
    """Publish linked persons (and, if given, a snapshot) into the operational database."""
    manifest = {}
    run_id, as_of = "linked-only", dt.date.today()
    if snapshot_dir is not None:
        manifest_path = snapshot_dir / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text())
            run_id, as_of = str(manifest["run_id"]), dt.date.fromisoformat(str(manifest["as_of"]))
        except (OSError, KeyError, ValueError) as error:
            raise PublishError(f"{manifest_path}: not a readable snapshot manifest ({error}).") from error
    with transaction.atomic():
        residents, households = _publish_persons(persons_path, progress)
        if snapshot_dir is not None:
            _publish_scores(snapshot_dir / "residents.parquet", run_id, as_of, progress)
        PublishedSnapshot.objects.update_or_create(
            run_id=run_id,
            defaults={"as_of": as_of, "published_by": actor if getattr(actor, "pk", None) else None,
                      "residents": residents, "households": households, "manifest": manifest},
        )
        audit.record(actor, "load", f"Published snapshot {run_id} ({residents} residents)", obj=None)
    log.info("published snapshot %s: %d residents, %d households", run_id, residents, households)
    return PublishReport(run_id, as_of, residents, households)

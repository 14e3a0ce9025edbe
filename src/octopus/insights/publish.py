"""Publishing what the population engine produced into the operational database.

The engine (``octopus.population``) writes Parquet: the linked extract's ``persons.parquet``
(demographics, one row per linked person) and its feeds, and a snapshot's ``residents.parquet``
(risk, band, segment, flags) and ``cohorts.parquet``. This module upserts them into
``residents.Resident`` (and the timeline, ``ActivityEvent``) and records new deaths.

Writes commit in short transactions, batch by batch (decision 0024, which amends 0010): a
single transaction held SQLite's write lock for the whole publish, and every page view, which
writes an audit entry, waited for it. Each resident's row changes in one statement, so a record
never shows half of its own snapshot; the ``PublishedSnapshot`` row, which the Population pages
and the snapshot date read, is written last, so the previous snapshot stays in service until
everything else is in. A publish that fails part-way leaves some residents on the new run
(``snapshot_run_id`` says which) and the previous snapshot in service; publishing again, which
changes nothing already right, completes it.
"""

import datetime as dt
import hashlib
import json
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from django.db import transaction
from django.utils import timezone

from octopus.clock import london_today
from octopus.governance import audit
from octopus.residents.models import Household, Resident

from . import bulk
from .activity import ActivityCounts, publish_activity
from .models import PublishedSnapshot
from .organisations import organisation_names

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
    activity_added: int = 0
    activity_updated: int = 0
    activity_removed: int = 0
    deaths: int = 0


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
    """People sharing an address line and postcode form a household (no UPRN in the feeds).

    A fixed-length digest of the normalised address, so any address fits the 40-character key
    (PostgreSQL enforces the length; SQLite does not, which hid this until the PostgreSQL pass).
    """
    normalised = f"{' '.join(address_line.upper().split())}|{postcode.replace(' ', '').upper()}"
    return "H" + hashlib.sha256(normalised.encode()).hexdigest()[:32]


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
        every = [f.name for f in Resident._meta.concrete_fields if not f.primary_key]
        bulk.upsert(Resident, every, "person_id", [*DEMOGRAPHIC_FIELDS, "household"],
                    ([getattr(r, Resident._meta.get_field(f).attname) for f in every] for r in residents))
        total += len(residents)
        progress(len(residents))
    return total, len(households)


# The engine's residents.parquet columns -> Resident fields (docs/decisions/0006 and 0010).
SNAPSHOT_FIELDS = {
    "risk_probability": "risk_probability",
    "risk_centile": "risk_centile",
    "segment": "segment",
    "rising_risk": "rising_risk",
    "rising_risk_reason": "rising_risk_reason",
    "imd_decile": "imd_decile",
    "ethnicity_group": "ethnicity_group",
    "efi_category": "frailty_category",
}
# Direct-care facts the worklists and the record read; counts are the 12 months before as-of.
SNAPSHOT_FLAGS = (
    "care_home", "housebound", "homeless", "current_inpatient", "discharged_last_14_days",
    "social_care_package", "cancer_overlay", "palliative_care", "learning_disability",
    "emergency_admissions", "ae_attendances", "ambulance_calls", "prior_cost",
    "days_since_last_emergency_admission", "risk_band", "registered_out_of_area",
)
# Population analytics: not published for residents who objected (see _publish_scores).
ANALYTICS_FIELDS = ("risk_probability", "risk_centile", "risk_band", "risk_factors", "segment",
                    "rising_risk", "rising_risk_reason", "cohorts")
_EMPTY = {"risk_probability": None, "risk_centile": None, "imd_decile": None, "rising_risk": False,
          "risk_factors": [], "cohorts": []}


def _condition_labels() -> dict[str, str]:
    from octopus.population.features.conditions import CONDITIONS, ltc_column

    return {ltc_column(c): c.label[:1].upper() + c.label[1:] for c in CONDITIONS if c.long_term}


def band_names() -> dict[int, str]:
    """Band number -> its name in bands.yaml ("Very high" … "Low"): what the record and caseload
    pages show; the number stays in ``flags["risk_band"]`` for sorting."""
    from octopus.population.risk.bands import load_bands

    return {band.band: band.name[:20] for band in load_bands().bands}


# Open prevention gaps, as the record and the meeting summary show them. Offering screening or a
# vaccination is the resident's own care, not population analytics: they are published for
# residents who opted out of analytics too (decision 0021).
GAP_LABELS = {"overdue": "Overdue", "never": "None recorded"}


def _prevention_programmes() -> dict:
    from octopus.population.features.prevention import programmes

    return {p.name: p for p in programmes()}


def _gaps(row: dict, programmes: dict) -> list[dict]:
    names = [n for n in (_flag(row.get("prevention_gaps")) or "").split(",") if n]
    gaps = []
    for name in names:
        programme = programmes.get(name)
        status = _flag(row.get(f"{name}_status")) or "overdue"
        gaps.append({"programme": name, "title": programme.title if programme else name, "status": status,
                     "label": GAP_LABELS.get(status, status), "due": programme.interval if programme else ""})
    return gaps


def _factors(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [str(v) for v in value]


def _cohort_titles(snapshot_dir: Path) -> dict[str, list[str]]:
    """person_id -> titles of the cohorts they are in (cohorts.parquet, titled by cohorts.json)."""
    path = snapshot_dir / "cohorts.parquet"
    if not path.is_file():
        return {}
    titles = {}
    summary = snapshot_dir / "cohorts.json"
    if summary.is_file():
        titles = {c["name"]: c.get("title") or c["name"] for c in json.loads(summary.read_text())}
    members: dict[str, list[str]] = {}
    for rows in _batches(path, ["cohort", "person_id"]):
        for row in rows:
            members.setdefault(row["person_id"], []).append(titles.get(row["cohort"], row["cohort"]))
    return members


def _flag(value):
    value = _clean(value, None)
    return value.item() if hasattr(value, "item") else value


def _publish_scores(snapshot_dir: Path, run_id: str, as_of: dt.date, known: dict[str, int],
                    excluded: set[str], progress) -> int:
    """Scores, bands, segments, conditions, flags and cohorts onto the residents.

    Residents who objected to their data being used beyond their own care (national data opt-out,
    type 1 objection) keep their direct-care record — conditions, frailty, flags such as
    "currently an inpatient", which the people treating them need — but no risk score, band,
    segment, rising-risk flag or cohort: those come from population analytics they opted out of.
    """
    residents_path = snapshot_dir / "residents.parquet"
    available = set(_open(residents_path).schema_arrow.names)
    if "person_id" not in available:
        raise PublishError(f"{residents_path}: missing column person_id.")
    conditions = {c: label for c, label in _condition_labels().items() if c in available}
    names = band_names()
    programmes = _prevention_programmes()
    gap_columns = ["prevention_gaps", *(f"{name}_status" for name in programmes)]
    columns = ["person_id", *(c for c in (*SNAPSHOT_FIELDS, "top_factors", *SNAPSHOT_FLAGS, *conditions, *gap_columns,
                                          "analytics_excluded") if c in available)]
    cohorts = _cohort_titles(snapshot_dir)
    update_fields = ["snapshot_run_id", "snapshot_as_of", "flags", "risk_factors", "long_term_conditions", "cohorts",
                     "risk_band", "prevention_gaps", *SNAPSHOT_FIELDS.values()]
    updated = 0
    for rows in _batches(residents_path, list(dict.fromkeys(columns))):
        values = []
        for row in rows:
            if row["person_id"] not in known:
                continue  # scored but not in the linked persons: nothing identifiable to attach to
            resident = Resident(person_id=row["person_id"], snapshot_run_id=run_id, snapshot_as_of=as_of)
            for column, field in SNAPSHOT_FIELDS.items():
                default = _EMPTY.get(field, "")
                setattr(resident, field, _flag(row.get(column)) if _flag(row.get(column)) is not None else default)
            band = _flag(row.get("risk_band"))
            resident.risk_band = names.get(band, "" if band is None else str(band)[:20])
            resident.risk_factors = _factors(row.get("top_factors"))
            resident.long_term_conditions = [label for column, label in conditions.items() if row.get(column)]
            resident.cohorts = cohorts.get(row["person_id"], [])
            resident.prevention_gaps = _gaps(row, programmes)
            resident.flags = {flag: _flag(row.get(flag)) for flag in SNAPSHOT_FLAGS if flag in row}
            # Objections recorded here, or delivered to the engine in the objections feed.
            if row["person_id"] in excluded or bool(_flag(row.get("analytics_excluded"))):
                for field in ANALYTICS_FIELDS:
                    setattr(resident, field, _EMPTY.get(field, ""))
                resident.flags.pop("risk_band", None)
                resident.flags["analytics_excluded"] = True
            resident.rising_risk_reason = (resident.rising_risk_reason or "")[:300]
            if resident.risk_centile is not None:
                resident.risk_centile = float(resident.risk_centile)
            values.append([getattr(resident, f) for f in update_fields] + [resident.person_id])
        bulk.update(Resident, update_fields, "person_id", values)
        updated += len(values)
        progress(len(rows))
    return updated


def _record_deaths(linked_dir: Path, known: dict[str, int], new_ids: set[str], actor) -> int:
    """Residents the deaths feed reports dead who were alive in Octopus.

    A resident published for the first time has nothing scheduled to stop, so their date of death
    is simply set; anyone already known goes through ``care.services.record_death``, which stops
    check-ins, closes cases and asks the lead professional to contact the family (journey 7).
    """
    from octopus.care.services import record_death

    path = linked_dir / "deaths.parquet"
    if not path.is_file():
        return 0
    deaths: dict[str, dt.date] = {}
    for rows in _batches(path, ["person_id", "date_of_death"]):
        for row in rows:
            if row["person_id"] in known and row["date_of_death"]:
                deaths[row["person_id"]] = min(row["date_of_death"], deaths.get(row["person_id"], row["date_of_death"]))
    alive = Resident.objects.filter(person_id__in=list(deaths), date_of_death__isnull=True) if deaths else Resident.objects.none()
    recorded = 0
    first_seen = []
    for resident in alive.iterator(chunk_size=BATCH):
        resident.date_of_death = deaths[resident.person_id]
        if resident.person_id in new_ids:
            first_seen.append(resident)
        else:
            record_death(resident, deaths[resident.person_id], source="deaths feed", actor=actor)
        recorded += 1
    Resident.objects.bulk_update(first_seen, ["date_of_death"], batch_size=BATCH)
    return recorded


def _register_care_homes(linked_dir: Path, as_of: dt.date, actor):
    """The care-home register and its residents from the care-home feed (issue: care homes from
    the data, not typed in one by one); after deaths, so nobody who died is placed."""
    from octopus.meetings.services.care_homes import register_from_feed

    return register_from_feed(linked_dir, as_of=as_of, actor=actor)


def _check_inputs(persons_path: Path, snapshot_dir: Path | None) -> None:
    """Refuse unreadable inputs before the first write: batches commit as they go."""
    persons = _open(persons_path)
    missing = {"person_id", *DEMOGRAPHIC_FIELDS} - set(persons.schema_arrow.names)
    if missing:
        raise PublishError(f"{persons_path}: missing column(s) {', '.join(sorted(missing))}.")
    if snapshot_dir is not None:
        residents_path = snapshot_dir / "residents.parquet"
        if "person_id" not in _open(residents_path).schema_arrow.names:
            raise PublishError(f"{residents_path}: missing column person_id.")


def publish(
    persons_path: Path,
    snapshot_dir: Path | None = None,
    *,
    actor=None,
    progress: Callable[[int], None] = lambda n: None,
    activity: bool = True,
) -> PublishReport:
    """Publish linked persons, their timeline and deaths, and (if given) a snapshot, atomically.

    ``persons_path`` is the linked extract's ``persons.parquet``; the feeds beside it give the
    timeline and deaths.
    """
    from octopus.governance.consent import analytics_excluded_person_ids

    persons_path = Path(persons_path)
    linked_dir = persons_path.parent
    manifest = {}
    run_id, as_of = "linked-only", london_today()
    if snapshot_dir is not None:
        snapshot_dir = Path(snapshot_dir)
        manifest_path = snapshot_dir / "manifest.json"
        try:
            manifest = json.loads(manifest_path.read_text())
            run_id, as_of = str(manifest["run_id"]), dt.date.fromisoformat(str(manifest["as_of"]))
        except (OSError, KeyError, ValueError) as error:
            raise PublishError(f"{manifest_path}: not a readable snapshot manifest ({error}).") from error
        manifest["snapshot_dir"] = str(snapshot_dir.resolve())
    _check_inputs(persons_path, snapshot_dir)
    # No enclosing transaction: each batch commits alone (see the module docstring).
    before = set(Resident.objects.values_list("person_id", flat=True))
    residents, households = _publish_persons(persons_path, progress)
    known = dict(Resident.objects.values_list("person_id", "pk"))
    excluded = analytics_excluded_person_ids()
    if snapshot_dir is not None:
        _publish_scores(snapshot_dir, run_id, as_of, known, excluded, progress)
    events = ActivityCounts()
    if activity:
        events = publish_activity(linked_dir, known, organisation_names(), as_of, progress)
    deaths = _record_deaths(linked_dir, known, set(known) - before, actor)
    homes = _register_care_homes(linked_dir, as_of, actor)
    with transaction.atomic():
        manifest["published"] = {"activity_added": events.added, "activity_updated": events.updated,
                                 "activity_removed": events.removed, "deaths_recorded": deaths,
                                 "care_homes": homes.homes, "care_home_moves_in": homes.placements_added,
                                 "care_home_moves_out": homes.placements_ended,
                                 "analytics_excluded": len(excluded & set(known))}
        PublishedSnapshot.objects.update_or_create(
            run_id=run_id,
            # published_at too: publishing a run again (a rerun after a failure, or going back to an
            # earlier snapshot) puts it in service, and "in service" is the latest published_at.
            defaults={"as_of": as_of, "published_at": timezone.now(),
                      "published_by": actor if getattr(actor, "pk", None) else None,
                      "residents": residents, "households": households, "manifest": manifest},
        )
        audit.record(actor, "load", f"Published snapshot {run_id} ({residents} residents, {events.added} new "
                     f"timeline events, {deaths} deaths recorded)", obj=None)
    log.info("published snapshot %s: %d residents, %d households", run_id, residents, households)
    return PublishReport(run_id, as_of, residents, households, events.added, events.updated, events.removed, deaths)

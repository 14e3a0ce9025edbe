"""A snapshot's scores, bands, segments, conditions, flags, prevention gaps and cohorts onto the
residents (decisions 0006, 0010, 0021)."""

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

from octopus.core import bulk
from octopus.residents.models import Resident

from .inputs import PublishError, batches, open_parquet, scalar

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
    "care_home",
    "housebound",
    "homeless",
    "current_inpatient",
    "discharged_last_14_days",
    "social_care_package",
    "cancer_overlay",
    "palliative_care",
    "learning_disability",
    "emergency_admissions",
    "ae_attendances",
    "ambulance_calls",
    "prior_cost",
    "days_since_last_emergency_admission",
    "risk_band",
    "registered_out_of_area",
)
# Population analytics: not published for residents who objected (see publish_scores).
ANALYTICS_FIELDS = (
    "risk_probability",
    "risk_centile",
    "risk_band",
    "risk_factors",
    "segment",
    "rising_risk",
    "rising_risk_reason",
    "cohorts",
)
_EMPTY = {
    "risk_probability": None,
    "risk_centile": None,
    "imd_decile": None,
    "rising_risk": False,
    "risk_factors": [],
    "cohorts": [],
}


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
    names = [n for n in (scalar(row.get("prevention_gaps")) or "").split(",") if n]
    gaps = []
    for name in names:
        programme = programmes.get(name)
        status = scalar(row.get(f"{name}_status")) or "overdue"
        gaps.append(
            {
                "programme": name,
                "title": programme.title if programme else name,
                "status": status,
                "label": GAP_LABELS.get(status, status),
                "due": programme.interval if programme else "",
            }
        )
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
    for rows in batches(path, ["cohort", "person_id"]):
        for row in rows:
            members.setdefault(row["person_id"], []).append(titles.get(row["cohort"], row["cohort"]))
    return members


def publish_scores(
    snapshot_dir: Path, run_id: str, as_of: dt.date, known: dict[str, int], excluded: set[str], progress
) -> int:
    """Scores, bands, segments, conditions, flags and cohorts onto the residents.

    Residents who objected to their data being used beyond their own care (national data opt-out,
    type 1 objection) keep their direct-care record — conditions, frailty, flags such as
    "currently an inpatient", which the people treating them need — but no risk score, band,
    segment, rising-risk flag or cohort: those come from population analytics they opted out of.
    """
    residents_path = snapshot_dir / "residents.parquet"
    available = set(open_parquet(residents_path).schema_arrow.names)
    if "person_id" not in available:
        raise PublishError(f"{residents_path}: missing column person_id.")
    conditions = {c: label for c, label in _condition_labels().items() if c in available}
    names = band_names()
    programmes = _prevention_programmes()
    gap_columns = ["prevention_gaps", *(f"{name}_status" for name in programmes)]
    columns = [
        "person_id",
        *(
            c
            for c in (*SNAPSHOT_FIELDS, "top_factors", *SNAPSHOT_FLAGS, *conditions, *gap_columns, "analytics_excluded")
            if c in available
        ),
    ]
    cohorts = _cohort_titles(snapshot_dir)
    update_fields = [
        "snapshot_run_id",
        "snapshot_as_of",
        "flags",
        "risk_factors",
        "long_term_conditions",
        "cohorts",
        "risk_band",
        "prevention_gaps",
        *SNAPSHOT_FIELDS.values(),
    ]
    updated = 0
    for rows in batches(residents_path, list(dict.fromkeys(columns))):
        values = []
        for row in rows:
            if row["person_id"] not in known:
                continue  # scored but not in the linked persons: nothing identifiable to attach to
            # Plain attributes, not a model instance: building a Resident per row cost more than writing it.
            resident = SimpleNamespace(person_id=row["person_id"], snapshot_run_id=run_id, snapshot_as_of=as_of)
            for column, field in SNAPSHOT_FIELDS.items():
                default = _EMPTY.get(field, "")
                setattr(resident, field, scalar(row.get(column)) if scalar(row.get(column)) is not None else default)
            band = scalar(row.get("risk_band"))
            resident.risk_band = names.get(band, "" if band is None else str(band)[:20])
            resident.risk_factors = _factors(row.get("top_factors"))
            resident.long_term_conditions = [label for column, label in conditions.items() if row.get(column)]
            resident.cohorts = cohorts.get(row["person_id"], [])
            resident.prevention_gaps = _gaps(row, programmes)
            resident.flags = {name: scalar(row.get(name)) for name in SNAPSHOT_FLAGS if name in row}
            # Objections recorded here, or delivered to the engine in the objections feed.
            if row["person_id"] in excluded or bool(scalar(row.get("analytics_excluded"))):
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

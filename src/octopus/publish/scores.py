"""A snapshot's scores, bands, segments, conditions, flags, prevention gaps and cohorts onto the
residents (decisions 0006, 0010, 0021)."""

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa

from octopus.core import bulk
from octopus.residents.models import Resident

from .combinations import each_combination, matching, quoted, sql_text
from .inputs import Counted, PublishError, open_parquet, scalar

# Residents per batch sent to the database.
BATCH = 50_000

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


def _cohorts_sql(con, snapshot_dir: Path) -> str:
    """A relation of person_id -> ``titles``, the titles of the cohorts they are in (cohorts.parquet,
    in its order, titled by cohorts.json)."""
    path = snapshot_dir / "cohorts.parquet"
    if not path.is_file():
        return "(SELECT CAST(NULL AS VARCHAR) AS person_id, CAST([] AS VARCHAR[]) AS titles WHERE FALSE)"
    titles = {}
    summary = snapshot_dir / "cohorts.json"
    if summary.is_file():
        titles = {c["name"]: c.get("title") or c["name"] for c in json.loads(summary.read_text())}
    con.register("cohort_titles", pa.table({"name": list(titles), "title": list(titles.values())}, schema=_TITLES))
    return (
        "(SELECT c.person_id, list(coalesce(t.title, c.cohort) ORDER BY c.file_row_number) AS titles "
        f"FROM read_parquet({sql_text(str(path))}, file_row_number = true) AS c "
        "LEFT JOIN cohort_titles AS t ON t.name = c.cohort GROUP BY c.person_id)"
    )


_TITLES = pa.schema([("name", pa.string()), ("title", pa.string())])


def _value(column: str, kind: pa.DataType) -> str:
    """A snapshot value as ``scalar`` reads it: NaN is missing."""
    return (
        f"CASE WHEN isnan(r.{quoted(column)}) THEN NULL ELSE r.{quoted(column)} END"
        if pa.types.is_floating(kind)
        else f"r.{quoted(column)}"
    )


def publish_scores(
    snapshot_dir: Path, run_id: str, as_of: dt.date, known: dict[str, int], excluded: set[str], progress
) -> int:
    """Scores, bands, segments, conditions, flags and cohorts onto the residents.

    Residents who objected to their data being used beyond their own care (national data opt-out,
    type 1 objection) keep their direct-care record — conditions, frailty, flags such as
    "currently an inpatient", which the people treating them need — but no risk score, band,
    segment, rising-risk flag or cohort: those come from population analytics they opted out of.

    Made set-based in DuckDB (decision 0075): the flags as JSON there, the conditions, factors and
    prevention gaps by their Python rules once per distinct combination; staged on PostgreSQL as
    Arrow CSV batches.
    """
    residents_path = snapshot_dir / "residents.parquet"
    types = {field.name: field.type for field in open_parquet(residents_path).schema_arrow}
    if "person_id" not in types:
        raise PublishError(f"{residents_path}: missing column person_id.")
    conditions = {c: label for c, label in _condition_labels().items() if c in types}
    programmes = _prevention_programmes()
    gap_columns = [c for c in ("prevention_gaps", *(f"{name}_status" for name in programmes)) if c in types]
    flags = [name for name in SNAPSHOT_FLAGS if name in types]
    con = duckdb.connect()
    try:
        con.register("known", pa.table({"person_id": pa.array(list(known), pa.string())}))
        con.register("objected", pa.table({"person_id": pa.array(sorted(excluded), pa.string())}))
        names = band_names()
        con.register("bands", pa.table({"band": pa.array(list(names), pa.int64()), "name": list(names.values())}))
        # Residents scored but not among the linked persons: nothing identifiable to attach scores to.
        con.execute(
            f"CREATE TEMP VIEW snapshot AS SELECT r.* FROM read_parquet({sql_text(str(residents_path))}) AS r "
            "SEMI JOIN known AS k ON k.person_id = r.person_id"
        )
        made = {
            "long_term_conditions": (
                list(conditions),
                lambda row: json.dumps([label for column, label in conditions.items() if row.get(column)]),
            ),
            "risk_factors": (
                ["top_factors"] if "top_factors" in types else [],
                lambda row: json.dumps(_factors(row.get("top_factors"))),
            ),
            "prevention_gaps": (gap_columns, lambda row: json.dumps(_gaps(row, programmes))),
        }
        joins = []
        for field, (columns, rule) in made.items():
            # "made", not the field's name: prevention_gaps is a column of the snapshot as well.
            con.register(f"made_{field}", each_combination(con, "snapshot", columns, rule, "made"))
            joins.append(f"LEFT JOIN made_{field} ON {matching('r', f'made_{field}', columns)}")
        objector = "(o.person_id IS NOT NULL" + (
            " OR coalesce(r.analytics_excluded, FALSE))" if "analytics_excluded" in types else ")"
        )

        def snapshot_value(column: str, field: str) -> str:
            default = {None: "NULL", False: "FALSE", "": "''"}[_EMPTY.get(field, "")]
            value = f"coalesce({_value(column, types[column])}, {default})" if column in types else default
            if field == "risk_centile":
                value = f"CAST({value} AS DOUBLE)"
            elif field == "rising_risk_reason":
                value = f"left({value}, 300)"
            return f"CASE WHEN {objector} THEN {default} ELSE {value} END" if field in ANALYTICS_FIELDS else value

        flag_pairs = [f"{sql_text(name)}, {_value(name, types[name])}" for name in flags]
        objector_flags = [pair for name, pair in zip(flags, flag_pairs, strict=True) if name != "risk_band"]
        objector_flags.append("'analytics_excluded', TRUE")
        band = _value("risk_band", types["risk_band"]) if "risk_band" in types else "NULL"
        values = {
            "snapshot_run_id": sql_text(run_id),
            "snapshot_as_of": f"DATE {sql_text(as_of.isoformat())}",
            "flags": (
                f"CASE WHEN {objector} THEN CAST(json_object({', '.join(objector_flags)}) AS VARCHAR) "
                f"ELSE CAST(json_object({', '.join(flag_pairs)}) AS VARCHAR) END"
            ),
            "risk_factors": f"CASE WHEN {objector} THEN '[]' ELSE made_risk_factors.made END",
            "long_term_conditions": "made_long_term_conditions.made",
            "cohorts": f"CASE WHEN {objector} THEN '[]' ELSE to_json(coalesce(c.titles, CAST([] AS VARCHAR[]))) END",
            "risk_band": (
                f"CASE WHEN {objector} THEN '' ELSE coalesce(b.name, left(CAST({band} AS VARCHAR), 20), '') END"
            ),
            "prevention_gaps": "made_prevention_gaps.made",
            **{field: snapshot_value(column, field) for column, field in SNAPSHOT_FIELDS.items()},
        }
        update_fields = list(values)
        reader = con.sql(
            f"""SELECT {", ".join(f"{sql} AS {quoted(field)}" for field, sql in values.items())}, r.person_id
            FROM snapshot AS r
            LEFT JOIN objected AS o ON o.person_id = r.person_id
            LEFT JOIN bands AS b ON b.band = {band}
            LEFT JOIN {_cohorts_sql(con, snapshot_dir)} AS c ON c.person_id = r.person_id
            {" ".join(joins)}"""
        ).to_arrow_reader(BATCH)
        updated = Counted(reader)
        bulk.update_batches(Resident, update_fields, "person_id", updated, progress)
    finally:
        con.close()
    return updated.rows

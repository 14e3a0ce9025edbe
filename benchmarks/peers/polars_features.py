"""The risk model's features as of a date, written in polars: the peer our engine must beat.

The same output as ``build_features(linked, as_of, with_prevention=False)`` (the columns and
values the risk model is trained and scored on), written the way a competent polars user
would: one lazy plan over ``scan_parquet`` (only the columns used are read, filters pushed into
the scan), aggregates per person joined onto the residents, one ``collect``. Code lists are the
same tables our engine matches against (``conditions.condition_bits`` and friends, exported
once by ``peer_reference.py``), so the comparison is of engines, not of code lists; the peer
imports neither Octopus nor Ibis. ``tests/unit/population/test_peer_features.py``
checks that both peers give our engine's values on a small extract; ``benchmarks/peers/run.py``
checks it again at size.

    python benchmarks/peers/polars_features.py REFERENCE_DIR LINKED_DIR AS_OF OUT.parquet
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import polars as pl
from peer_reference import feed_path, load

_DAY_ZERO = date(1, 1, 1)


class _Source:
    """Where the peer reads from: the linked extract and the exported code lists and constants."""

    def __init__(self, reference_dir: Path | str, linked_dir: Path | str):
        self.reference, self.linked = Path(reference_dir), Path(linked_dir)
        self.k = load(self.reference)
        self.year = timedelta(days=self.k["year_days"])

    def scan(self, name: str, columns: list[str]) -> pl.LazyFrame:
        return pl.scan_parquet(feed_path(self.linked, self.reference, name)).select(columns)

    def table(self, name: str) -> pl.LazyFrame:
        return pl.scan_parquet(self.reference / f"{name}.parquet")


def _money(column: str) -> pl.Expr:
    # Costs arrive as decimal128: summed as floats like our engine's cast, never as Decimals.
    return pl.col(column).cast(pl.Float64).fill_null(0.0)


def _any(condition: pl.Expr) -> pl.Expr:
    return condition.fill_null(False).any()


def _count(condition: pl.Expr) -> pl.Expr:
    return condition.fill_null(False).sum().cast(pl.Int64)


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days()


def _residents(s: _Source, as_of: date) -> pl.LazyFrame:
    persons = s.scan(
        "persons",
        [
            "person_id",
            "nhs_number",
            "date_of_birth",
            "sex",
            "lsoa_code",
            "practice_ods_code",
            "registered",
            "ethnicity_snomed_code",
            "postcode",
        ],
    )
    deaths = s.scan("deaths", ["person_id", "date_of_death"])
    died = deaths.filter(pl.col("date_of_death") <= as_of).select("person_id").unique()
    alive = persons.filter(pl.col("date_of_birth") <= as_of).join(died, on="person_id", how="anti")
    table = alive.join(s.table("ethnicity"), left_on="ethnicity_snomed_code", right_on="eth_code", how="left")
    table = table.join(s.table("imd"), left_on="lsoa_code", right_on="lsoa21_code", how="left")
    dob = pl.col("date_of_birth")
    before_birthday = (as_of.month * 100 + as_of.day) < (dob.dt.month().cast(pl.Int64) * 100 + dob.dt.day())
    age = as_of.year - dob.dt.year().cast(pl.Int64) - before_birthday.cast(pl.Int64)
    bands = s.k["age_bands"]
    band = pl.lit(bands[0][1])
    for low, label in bands[1:]:
        band = pl.when(pl.col("age") >= low).then(pl.lit(label)).otherwise(band)
    postcode = pl.col("postcode").str.to_uppercase().str.replace_all(" ", "", literal=True)
    return table.with_columns(age=age).select(
        "person_id",
        "nhs_number",
        "age",
        age_band=band,
        sex=pl.col("sex").fill_null("unknown"),
        ethnicity_group=pl.col("ethnicity_group").fill_null(s.k["ethnicity_not_recorded"]),
        lsoa_code="lsoa_code",
        imd_decile="imd_decile",
        imd_quintile=(pl.col("imd_decile") + 1) // 2,
        practice_ods_code="practice_ods_code",
        registered=pl.col("registered").fill_null(False),
        no_fixed_abode=(postcode == s.k["no_fixed_abode_postcode"]).fill_null(False),
    )


def _hospital_codes(spells: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    """(person_id, event_date, code) per diagnosis of the spells admitted by the as-of date, read
    as ``coded_lists`` says: split on |, trimmed, no dots, upper case, at least 3 characters."""
    joined = pl.col("primary_diagnosis").fill_null("") + "|" + pl.col("secondary_diagnoses").fill_null("")
    rows = (
        spells.filter(pl.col("admission_date") <= as_of)
        .select("person_id", event_date="admission_date", code=joined.str.split("|"))
        .explode("code")
    )
    rows = rows.with_columns(
        code=pl.col("code").str.strip_chars().str.replace_all(".", "", literal=True).str.to_uppercase()
    )
    return rows.filter(pl.col("code").str.len_chars() >= 3)


def _conditions(s: _Source, events: pl.LazyFrame, codes: pl.LazyFrame) -> pl.LazyFrame:
    gp = events.join(s.table("condition_bits"), left_on="snomed_code", right_on="cond_code")
    icd = s.table("hospital_condition_bits")
    conditions = s.k["conditions"]
    resolvable = [c for c in conditions if c["resolvable"]]
    hospital = [
        codes.with_columns(prefix=pl.col("code").str.slice(0, width))
        .join(icd.filter(pl.col("icd_code").str.len_chars() == width), left_on="prefix", right_on="icd_code")
        .select("person_id", "event_date", cond_bit="icd_bit", cond_res=pl.lit(0, dtype=pl.Int64))
        for width in (3, 4)
    ]
    coded = pl.concat([gp.select("person_id", "event_date", "cond_bit", "cond_res"), *hospital])
    key = _days(pl.col("event_date"), pl.lit(_DAY_ZERO)) * 2 + pl.col("cond_res")
    latest = [key.filter(pl.col("cond_bit") == c["bit"]).max().alias(f"_key_{c['name']}") for c in resolvable]
    per_person = coded.group_by("person_id").agg(
        (pl.col("cond_bit") & s.k["unresolvable_mask"]).bitwise_or().alias("mask"), *latest
    )
    mask = pl.col("mask")
    for c in resolvable:
        latest_key = pl.col(f"_key_{c['name']}")
        mask = mask | pl.when(latest_key.is_not_null() & (latest_key % 2 == 0)).then(c["bit"]).otherwise(0)
    per_person = per_person.select("person_id", mask=mask)
    flags = {c["column"]: (pl.col("mask") & c["bit"]) != 0 for c in conditions}
    return per_person.select(
        "person_id", **flags, ltc_count=(pl.col("mask") & s.k["long_term_mask"]).bitwise_count_ones().cast(pl.Int64)
    )


def _efi(s: _Source, events: pl.LazyFrame) -> pl.LazyFrame:
    deficits = events.join(s.table("efi_bits"), left_on="snomed_code", right_on="efi_code")
    return deficits.group_by("person_id").agg(
        efi_deficits=pl.col("efi_bit").bitwise_or().bitwise_count_ones().cast(pl.Int64)
    )


def _hfrs(s: _Source, codes: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    rows = codes.filter(pl.col("event_date") > as_of - timedelta(days=s.k["hfrs_lookback_days"]))
    rows = rows.with_columns(hfrs_code=pl.col("code").str.slice(0, 3))
    matched = rows.join(s.table("hfrs_tenths"), on="hfrs_code")
    distinct = matched.select("person_id", "hfrs_code", "hfrs_tenths").unique()
    return distinct.group_by("person_id").agg(hfrs=pl.col("hfrs_tenths").sum().cast(pl.Float64) / 10.0)


def _hospital(s: _Source, spells: pl.LazyFrame, as_of: date) -> pl.LazyFrame:
    year_start = as_of - s.year
    admitted, discharged, method = pl.col("admission_date"), pl.col("discharge_date"), pl.col("admission_method")
    in_year = (admitted > year_start) & (admitted <= as_of)
    emergency = method == "emergency"
    night_start = pl.max_horizontal(admitted, pl.lit(year_start))
    night_end = pl.min_horizontal(discharged.fill_null(as_of), pl.lit(as_of))
    nights = pl.max_horizontal(_days(night_end, night_start), pl.lit(0))
    overlaps = (admitted <= as_of) & (discharged.is_null() | (discharged > year_start))
    still_in = (admitted <= as_of) & (discharged.is_null() | (discharged > as_of))
    recent = (discharged > as_of - timedelta(days=s.k["recent_discharge_days"])) & (discharged <= as_of)
    return spells.group_by("person_id").agg(
        emergency_admissions=_count(in_year & emergency),
        elective_admissions=_count(in_year & (method == "elective")),
        maternity_admissions=_count(in_year & (method == "maternity")),
        bed_days=pl.when(overlaps.fill_null(False)).then(nights).otherwise(0).sum().cast(pl.Int64),
        last_emergency_admission=admitted.filter((emergency & (admitted <= as_of)).fill_null(False)).max(),
        current_inpatient=_any(still_in),
        discharged_last_14_days=_any(recent),
        apc_cost=pl.when(in_year.fill_null(False)).then(_money("tariff_cost_gbp")).otherwise(0.0).sum(),
    )


def _in_year(s: _Source, column: pl.Expr, as_of: date) -> pl.Expr:
    return (column > as_of - s.year) & (column <= as_of)


def _activity(s: _Source, as_of: date) -> list[pl.LazyFrame]:
    def feed(name, columns, when, extra=None):
        rows = s.scan(name, ["person_id", *columns])
        keep = _in_year(s, when, as_of)
        return rows.filter(keep if extra is None else keep & extra)

    ae = feed("ae_attendances", ["arrival_datetime", "cost_gbp"], pl.col("arrival_datetime").dt.date())
    op = feed("op_attendances", ["appointment_date", "attendance", "cost_gbp"], pl.col("appointment_date"))
    gp = feed(
        "gp_appointments", ["appointment_date", "status"], pl.col("appointment_date"), pl.col("status") == "attended"
    )
    las = feed("las_incidents", ["incident_datetime", "cost_gbp"], pl.col("incident_datetime").dt.date())
    mh = feed("mh_contacts", ["contact_date", "crisis", "cost_gbp"], pl.col("contact_date"))
    cc = feed("community_contacts", ["contact_date", "cost_gbp"], pl.col("contact_date"))
    vc = feed("vcse_contacts", ["contact_date"], pl.col("contact_date"))
    mhs = s.scan("mh_spells", ["person_id", "admission_date", "discharge_date", "cost_gbp"])
    mhs_year = _in_year(s, pl.col("admission_date"), as_of)
    mhs_now = (pl.col("admission_date") <= as_of) & (
        pl.col("discharge_date").is_null() | (pl.col("discharge_date") > as_of)
    )
    mhs = mhs.filter((mhs_year | mhs_now).fill_null(False))
    n = pl.len().cast(pl.Int64)
    return [
        ae.group_by("person_id").agg(ae_attendances=n, ae_cost=_money("cost_gbp").sum()),
        op.group_by("person_id").agg(
            outpatient_attendances=_count(pl.col("attendance") == "attended"), op_cost=_money("cost_gbp").sum()
        ),
        gp.group_by("person_id").agg(gp_contacts=n),
        las.group_by("person_id").agg(ambulance_calls=n, las_cost=_money("cost_gbp").sum()),
        mh.group_by("person_id").agg(
            mental_health_contacts=n,
            mental_health_crisis_contacts=_count(pl.col("crisis")),
            mh_cost=_money("cost_gbp").sum(),
        ),
        mhs.group_by("person_id").agg(
            mental_health_admissions=_count(mhs_year),
            current_mental_health_inpatient=_any(mhs_now),
            mhs_cost=pl.when(mhs_year.fill_null(False)).then(_money("cost_gbp")).otherwise(0.0).sum(),
        ),
        cc.group_by("person_id").agg(community_contacts=n, cc_cost=_money("cost_gbp").sum()),
        vc.group_by("person_id").agg(vcse_contacts=n),
    ]


def _social_care(s: _Source, as_of: date) -> list[pl.LazyFrame]:
    packages = s.scan("asc_packages", ["person_id", "package_type", "start_date", "end_date", "weekly_cost_gbp"])
    start, end = pl.col("start_date"), pl.col("end_date")
    open_now = (start <= as_of) & (end.is_null() | (end >= as_of))
    first = pl.max_horizontal(start, pl.lit(as_of - s.year + timedelta(days=1)))
    last = pl.min_horizontal(end.fill_null(as_of), pl.lit(as_of))
    days = pl.max_horizontal(_days(last, first) + 1, pl.lit(0))
    care_home_type = pl.col("package_type").is_in(["residential", "nursing"])
    stays = s.scan("care_home_residents", ["person_id", "move_in_date", "move_out_date"])
    stay_now = (pl.col("move_in_date") <= as_of) & (
        pl.col("move_out_date").is_null() | (pl.col("move_out_date") > as_of)
    )
    return [
        packages.group_by("person_id").agg(
            social_care_package=_any(open_now),
            care_home_package=_any(open_now & care_home_type),
            asc_cost=(days * _money("weekly_cost_gbp") / 7.0).sum(),
        ),
        stays.group_by("person_id").agg(care_home_stay=_any(stay_now)),
    ]


COUNTS = (
    "emergency_admissions",
    "elective_admissions",
    "maternity_admissions",
    "bed_days",
    "ae_attendances",
    "outpatient_attendances",
    "gp_contacts",
    "ambulance_calls",
    "mental_health_contacts",
    "mental_health_crisis_contacts",
    "mental_health_admissions",
    "community_contacts",
    "vcse_contacts",
    "efi_deficits",
    "ltc_count",
)
FLAGS = (
    "current_inpatient",
    "current_mental_health_inpatient",
    "discharged_last_14_days",
    "social_care_package",
    "care_home_package",
    "care_home_stay",
)
COSTS = ("apc_cost", "ae_cost", "op_cost", "las_cost", "mh_cost", "mhs_cost", "cc_cost", "asc_cost")


def _round2(value: pl.Expr) -> pl.Expr:
    return value.round(2, mode="half_away_from_zero")  # as DuckDB and Spark round


def features(reference_dir: Path | str, linked_dir: Path | str, as_of: date) -> pl.LazyFrame:
    s = _Source(reference_dir, linked_dir)
    events = s.scan("gp_events", ["person_id", "event_date", "snomed_code"]).filter(pl.col("event_date") <= as_of)
    spells = s.scan(
        "apc_spells",
        [
            "person_id",
            "admission_date",
            "discharge_date",
            "admission_method",
            "primary_diagnosis",
            "secondary_diagnoses",
            "tariff_cost_gbp",
        ],
    )
    codes = _hospital_codes(spells, as_of)
    parts = [
        _conditions(s, events, codes),
        _efi(s, events),
        _hfrs(s, codes, as_of),
        _hospital(s, spells, as_of),
        *_activity(s, as_of),
        *_social_care(s, as_of),
    ]
    table = _residents(s, as_of)
    for part in parts:
        table = table.join(part, on="person_id", how="left")
    table = table.with_columns(
        *(pl.col(c).fill_null(0).cast(pl.Int64) for c in COUNTS),
        *(pl.col(c).fill_null(False) for c in (*(c["column"] for c in s.k["conditions"]), *FLAGS)),
        pl.col("hfrs").fill_null(0.0),
    )
    prior, hospital = pl.lit(0.0), pl.lit(0.0)
    for c in COSTS:
        prior = prior + pl.col(c).fill_null(0.0)
    for c in COSTS[:3]:
        hospital = hospital + pl.col(c).fill_null(0.0)
    efi = pl.col("efi_deficits") / s.k["efi_deficits"]
    efi_category = pl.lit("fit")
    for cut, name in reversed(s.k["efi_thresholds"]):
        efi_category = pl.when(efi > cut).then(pl.lit(name)).otherwise(efi_category)
    hfrs = pl.col("hfrs")
    table = table.with_columns(
        prior_cost=_round2(prior),
        hospital_cost=_round2(hospital),
        days_since_last_emergency_admission=_days(pl.lit(as_of), pl.col("last_emergency_admission")),
        current_inpatient=pl.col("current_inpatient") | pl.col("current_mental_health_inpatient"),
        care_home=pl.col("care_home_stay") | pl.col("care_home_package") | pl.col("care_home_coded"),
        housebound=pl.col("housebound_coded"),
        homeless=pl.col("no_fixed_abode"),
        efi=efi.round(4, mode="half_away_from_zero"),
        efi_category=efi_category,
        hfrs_category=pl.when(hfrs > 15.0)
        .then(pl.lit("high"))
        .when(hfrs >= 5.0)
        .then(pl.lit("intermediate"))
        .otherwise(pl.lit("low")),
    )
    return table.drop(
        *COSTS,
        "last_emergency_admission",
        "care_home_stay",
        "care_home_package",
        "care_home_coded",
        "housebound_coded",
        "no_fixed_abode",
        "current_mental_health_inpatient",
    )


def main() -> None:
    reference_dir, linked_dir, as_of, out = sys.argv[1], sys.argv[2], date.fromisoformat(sys.argv[3]), sys.argv[4]
    features(reference_dir, linked_dir, as_of).sink_parquet(out)


if __name__ == "__main__":
    main()

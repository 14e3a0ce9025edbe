"""The risk model's features as of a date, written in competent pandas: the second peer.

The same output as ``build_features(linked, as_of, with_prevention=False)``, written as a
careful analyst would: only the columns used are read, costs are cast to float64 in Arrow (never
summed as ``Decimal`` objects), dates stay ``datetime64`` from the Parquet file (parsed once),
rows are filtered before grouping, and everything is vectorised (no ``apply``). Code lists and
constants come from ``peer_reference.py``, as for the polars peer.

    python benchmarks/peers/pandas_features.py REFERENCE_DIR LINKED_DIR AS_OF OUT.parquet
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from peer_reference import feed_path, load


class _Source:
    def __init__(self, reference_dir: Path | str, linked_dir: Path | str):
        self.reference, self.linked = Path(reference_dir), Path(linked_dir)
        self.k = load(self.reference)
        self.year = timedelta(days=self.k["year_days"])

    def read(self, name: str, columns: list[str]) -> pd.DataFrame:
        table = pq.read_table(feed_path(self.linked, self.reference, name), columns=columns)
        casts = {f.name: pa.float64() for f in table.schema if pa.types.is_decimal(f.type)}
        casts |= {f.name: pa.timestamp("ms") for f in table.schema if pa.types.is_date(f.type)}
        if casts:
            table = table.cast(pa.schema([pa.field(f.name, casts.get(f.name, f.type)) for f in table.schema]))
        return table.to_pandas()

    def table(self, name: str) -> pd.DataFrame:
        return pd.read_parquet(self.reference / f"{name}.parquet")


def _ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _days(later: pd.Series, earlier) -> pd.Series:
    return (later - earlier).dt.days


def _round(values: pd.Series, places: int) -> pd.Series:
    # Half away from zero, as DuckDB and Spark round (numpy rounds half to even).
    scale = 10.0**places
    return np.trunc(values * scale + np.copysign(0.5, values)) / scale


def _residents(s: _Source, as_of: date) -> pd.DataFrame:
    persons = s.read(
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
    deaths = s.read("deaths", ["person_id", "date_of_death"])
    died = deaths.loc[deaths["date_of_death"] <= _ts(as_of), "person_id"].unique()
    alive = persons[(persons["date_of_birth"] <= _ts(as_of)) & ~persons["person_id"].isin(died)]
    table = alive.merge(s.table("ethnicity"), left_on="ethnicity_snomed_code", right_on="eth_code", how="left")
    table = table.merge(s.table("imd"), left_on="lsoa_code", right_on="lsoa21_code", how="left")
    dob = table["date_of_birth"]
    before_birthday = (as_of.month * 100 + as_of.day) < (dob.dt.month * 100 + dob.dt.day)
    age = (as_of.year - dob.dt.year - before_birthday.astype("int64")).astype("int64")
    bands = s.k["age_bands"]
    band = np.select(
        [age >= low for low, _ in reversed(bands)], [label for _, label in reversed(bands)], default=bands[0][1]
    )
    postcode = table["postcode"].str.upper().str.replace(" ", "", regex=False)
    decile = table["imd_decile"].astype("Int64")
    return pd.DataFrame(
        {
            "person_id": table["person_id"],
            "nhs_number": table["nhs_number"],
            "age": age,
            "age_band": band,
            "sex": table["sex"].fillna("unknown"),
            "ethnicity_group": table["ethnicity_group"].fillna(s.k["ethnicity_not_recorded"]),
            "lsoa_code": table["lsoa_code"],
            "imd_decile": decile,
            "imd_quintile": (decile + 1) // 2,
            "practice_ods_code": table["practice_ods_code"],
            "registered": table["registered"].fillna(False).astype(bool),
            "no_fixed_abode": (postcode == s.k["no_fixed_abode_postcode"]).fillna(False).astype(bool),
        }
    )


def _hospital_codes(spells: pd.DataFrame, as_of: date) -> pd.DataFrame:
    admitted = spells[spells["admission_date"] <= _ts(as_of)]
    joined = admitted["primary_diagnosis"].fillna("") + "|" + admitted["secondary_diagnoses"].fillna("")
    rows = pd.DataFrame(
        {
            "person_id": admitted["person_id"],
            "event_date": admitted["admission_date"],
            "code": joined.str.split("|", regex=False),
        }
    ).explode("code")
    rows["code"] = rows["code"].str.strip().str.replace(".", "", regex=False).str.upper()
    return rows[rows["code"].str.len() >= 3]


def _conditions(s: _Source, events: pd.DataFrame, codes: pd.DataFrame) -> pd.DataFrame:
    conditions = s.k["conditions"]
    gp = events.merge(s.table("condition_bits"), left_on="snomed_code", right_on="cond_code")
    icd = s.table("hospital_condition_bits")
    parts = [gp[["person_id", "event_date", "cond_bit", "cond_res"]]]
    for width in (3, 4):
        listed = icd[icd["icd_code"].str.len() == width]
        matched = codes.assign(prefix=codes["code"].str[:width]).merge(listed, left_on="prefix", right_on="icd_code")
        parts.append(
            pd.DataFrame(
                {
                    "person_id": matched["person_id"],
                    "event_date": matched["event_date"],
                    "cond_bit": matched["icd_bit"],
                    "cond_res": 0,
                }
            )
        )
    coded = pd.concat(parts, ignore_index=True)
    # Only the order of dates and the parity matter, so days since 1970 serve as the key.
    days = coded["event_date"].to_numpy().astype("datetime64[D]").astype("int64")
    coded["key"] = days * 2 + coded["cond_res"].to_numpy()
    resolvable_bits = [c["bit"] for c in conditions if c["resolvable"]]
    unresolvable = coded[(coded["cond_bit"] & s.k["unresolvable_mask"]) != 0]
    # A bitwise OR per person is the sum of its distinct bits.
    present = [unresolvable[["person_id", "cond_bit"]].drop_duplicates()]
    latest = coded[coded["cond_bit"].isin(resolvable_bits)].groupby(["person_id", "cond_bit"])["key"].max()
    present.append(latest[latest % 2 == 0].reset_index()[["person_id", "cond_bit"]])
    mask = pd.concat(present).groupby("person_id")["cond_bit"].sum()
    out = pd.DataFrame({"person_id": mask.index})
    values = mask.to_numpy()
    for c in conditions:
        out[c["column"]] = (values & c["bit"]) != 0
    long_term = values & s.k["long_term_mask"]
    out["ltc_count"] = np.bitwise_count(long_term.astype(np.uint64)).astype("int64")
    return out


def _efi(s: _Source, events: pd.DataFrame) -> pd.DataFrame:
    deficits = events.merge(s.table("efi_bits"), left_on="snomed_code", right_on="efi_code")
    distinct = deficits[["person_id", "efi_bit"]].drop_duplicates()
    return distinct.groupby("person_id").size().rename("efi_deficits").reset_index()


def _hfrs(s: _Source, codes: pd.DataFrame, as_of: date) -> pd.DataFrame:
    rows = codes[codes["event_date"] > _ts(as_of - timedelta(days=s.k["hfrs_lookback_days"]))]
    rows = rows.assign(hfrs_code=rows["code"].str[:3]).merge(s.table("hfrs_tenths"), on="hfrs_code")
    distinct = rows[["person_id", "hfrs_code", "hfrs_tenths"]].drop_duplicates()
    return (distinct.groupby("person_id")["hfrs_tenths"].sum() / 10.0).rename("hfrs").reset_index()


def _hospital(s: _Source, spells: pd.DataFrame, as_of: date) -> pd.DataFrame:
    end, start = _ts(as_of), _ts(as_of - s.year)
    admitted, discharged, method = spells["admission_date"], spells["discharge_date"], spells["admission_method"]
    in_year = (admitted > start) & (admitted <= end)
    emergency = method == "emergency"
    nights = _days(discharged.fillna(end).clip(upper=end), admitted.clip(lower=start)).clip(lower=0)
    overlaps = (admitted <= end) & (discharged.isna() | (discharged > start))
    still_in = (admitted <= end) & (discharged.isna() | (discharged > end))
    recent = (discharged > end - timedelta(days=s.k["recent_discharge_days"])) & (discharged <= end)
    frame = pd.DataFrame(
        {
            "person_id": spells["person_id"],
            "emergency_admissions": in_year & emergency,
            "elective_admissions": in_year & (method == "elective"),
            "maternity_admissions": in_year & (method == "maternity"),
            "bed_days": nights.where(overlaps, 0),
            "last_emergency_admission": admitted.where(emergency & (admitted <= end)),
            "current_inpatient": still_in,
            "discharged_last_14_days": recent,
            "apc_cost": spells["tariff_cost_gbp"].fillna(0.0).where(in_year, 0.0),
        }
    )
    return (
        frame.groupby("person_id")
        .agg(
            {
                "emergency_admissions": "sum",
                "elective_admissions": "sum",
                "maternity_admissions": "sum",
                "bed_days": "sum",
                "last_emergency_admission": "max",
                "current_inpatient": "any",
                "discharged_last_14_days": "any",
                "apc_cost": "sum",
            }
        )
        .reset_index()
    )


def _activity(s: _Source, as_of: date) -> list[pd.DataFrame]:
    end, start = _ts(as_of), _ts(as_of - s.year)

    def in_year(rows: pd.DataFrame, column: str) -> pd.DataFrame:
        when = rows[column]
        when = when.dt.normalize() if column.endswith("datetime") else when
        return rows[(when > start) & (when <= end)]

    def per_person(rows: pd.DataFrame, **columns) -> pd.DataFrame:
        frame = pd.DataFrame({"person_id": rows["person_id"], **columns})
        return frame.groupby("person_id").sum().reset_index()

    ae = in_year(s.read("ae_attendances", ["person_id", "arrival_datetime", "cost_gbp"]), "arrival_datetime")
    op = in_year(
        s.read("op_attendances", ["person_id", "appointment_date", "attendance", "cost_gbp"]), "appointment_date"
    )
    gp = in_year(s.read("gp_appointments", ["person_id", "appointment_date", "status"]), "appointment_date")
    gp = gp[gp["status"] == "attended"]
    las = in_year(s.read("las_incidents", ["person_id", "incident_datetime", "cost_gbp"]), "incident_datetime")
    mh = in_year(s.read("mh_contacts", ["person_id", "contact_date", "crisis", "cost_gbp"]), "contact_date")
    cc = in_year(s.read("community_contacts", ["person_id", "contact_date", "cost_gbp"]), "contact_date")
    vc = in_year(s.read("vcse_contacts", ["person_id", "contact_date"]), "contact_date")
    mhs = s.read("mh_spells", ["person_id", "admission_date", "discharge_date", "cost_gbp"])
    mhs_year = (mhs["admission_date"] > start) & (mhs["admission_date"] <= end)
    mhs_now = (mhs["admission_date"] <= end) & (mhs["discharge_date"].isna() | (mhs["discharge_date"] > end))
    keep = mhs_year | mhs_now
    mhs, mhs_year, mhs_now = mhs[keep], mhs_year[keep], mhs_now[keep]
    one = 1
    return [
        per_person(ae, ae_attendances=one, ae_cost=ae["cost_gbp"].fillna(0.0)),
        per_person(
            op,
            outpatient_attendances=(op["attendance"] == "attended").astype("int64"),
            op_cost=op["cost_gbp"].fillna(0.0),
        ),
        per_person(gp, gp_contacts=one),
        per_person(las, ambulance_calls=one, las_cost=las["cost_gbp"].fillna(0.0)),
        per_person(
            mh,
            mental_health_contacts=one,
            mental_health_crisis_contacts=mh["crisis"].fillna(False).astype("int64"),
            mh_cost=mh["cost_gbp"].fillna(0.0),
        ),
        per_person(
            mhs,
            mental_health_admissions=mhs_year.astype("int64"),
            current_mental_health_inpatient=mhs_now.astype("int64"),
            mhs_cost=mhs["cost_gbp"].fillna(0.0).where(mhs_year, 0.0),
        ).assign(current_mental_health_inpatient=lambda f: f["current_mental_health_inpatient"] > 0),
        per_person(cc, community_contacts=one, cc_cost=cc["cost_gbp"].fillna(0.0)),
        per_person(vc, vcse_contacts=one),
    ]


def _social_care(s: _Source, as_of: date) -> list[pd.DataFrame]:
    end = _ts(as_of)
    packages = s.read("asc_packages", ["person_id", "package_type", "start_date", "end_date", "weekly_cost_gbp"])
    started, ended = packages["start_date"], packages["end_date"]
    open_now = (started <= end) & (ended.isna() | (ended >= end))
    first = started.clip(lower=_ts(as_of - s.year + timedelta(days=1)))
    days = (_days(ended.fillna(end).clip(upper=end), first) + 1).clip(lower=0)
    care_home_type = packages["package_type"].isin(["residential", "nursing"])
    stays = s.read("care_home_residents", ["person_id", "move_in_date", "move_out_date"])
    stay_now = (stays["move_in_date"] <= end) & (stays["move_out_date"].isna() | (stays["move_out_date"] > end))
    social = (
        pd.DataFrame(
            {
                "person_id": packages["person_id"],
                "social_care_package": open_now,
                "care_home_package": open_now & care_home_type,
                "asc_cost": days * packages["weekly_cost_gbp"].fillna(0.0) / 7.0,
            }
        )
        .groupby("person_id")
        .agg({"social_care_package": "any", "care_home_package": "any", "asc_cost": "sum"})
    )
    homes = pd.DataFrame({"person_id": stays["person_id"], "care_home_stay": stay_now})
    return [social.reset_index(), homes.groupby("person_id").agg({"care_home_stay": "any"}).reset_index()]


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


def features(reference_dir: Path | str, linked_dir: Path | str, as_of: date) -> pd.DataFrame:
    s = _Source(reference_dir, linked_dir)
    events = s.read("gp_events", ["person_id", "event_date", "snomed_code"])
    events = events[events["event_date"] <= _ts(as_of)]
    spells = s.read(
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
    table = _residents(s, as_of).set_index("person_id")
    table = table.join([part.set_index("person_id") for part in parts], how="left")
    for c in COUNTS:
        table[c] = table[c].fillna(0).astype("int64")
    for c in (*(c["column"] for c in s.k["conditions"]), *FLAGS):
        table[c] = table[c].fillna(False).astype(bool)
    table["hfrs"] = table["hfrs"].fillna(0.0).astype("float64")
    prior = 0.0
    for c in COSTS:
        prior = prior + table[c].fillna(0.0)
    hospital = 0.0
    for c in COSTS[:3]:
        hospital = hospital + table[c].fillna(0.0)
    efi = table["efi_deficits"] / s.k["efi_deficits"]
    efi_category = pd.Series("fit", index=table.index)
    for cut, name in reversed(s.k["efi_thresholds"]):
        efi_category = efi_category.mask(efi > cut, name)
    hfrs = table["hfrs"]
    last = table["last_emergency_admission"]
    table = table.assign(
        prior_cost=_round(prior.astype("float64"), 2),
        hospital_cost=_round(hospital.astype("float64"), 2),
        days_since_last_emergency_admission=_days(pd.Series(_ts(as_of), index=table.index), last).astype("Int64"),
        current_inpatient=table["current_inpatient"] | table["current_mental_health_inpatient"],
        care_home=table["care_home_stay"] | table["care_home_package"] | table["care_home_coded"],
        housebound=table["housebound_coded"],
        homeless=table["no_fixed_abode"],
        efi=_round(efi, 4),
        efi_category=efi_category,
        hfrs_category=np.select([hfrs > 15.0, hfrs >= 5.0], ["high", "intermediate"], default="low"),
    )
    table = table.drop(
        columns=[
            *COSTS,
            "last_emergency_admission",
            "care_home_stay",
            "care_home_package",
            "care_home_coded",
            "housebound_coded",
            "no_fixed_abode",
            "current_mental_health_inpatient",
        ]
    )
    return table.reset_index()


def main() -> None:
    reference_dir, linked_dir, as_of, out = sys.argv[1], sys.argv[2], date.fromisoformat(sys.argv[3]), sys.argv[4]
    features(reference_dir, linked_dir, as_of).to_parquet(out, index=False)


if __name__ == "__main__":
    main()

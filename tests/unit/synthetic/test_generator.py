"""Synthetic London: contract validity, determinism, plausible rates, imperfections."""

import hashlib
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from octopus.population.feeds.codes import (
    is_valid_icd10_code,
    is_valid_postcode,
    is_valid_snomed_code,
)
from octopus.population.feeds.contract import ColumnType, load_contracts
from octopus.population.feeds.nhs_number import is_valid_nhs_number
from octopus.synthetic.generator import generate
from octopus.synthetic.nhs_numbers import test_range_numbers as nhs_pool

AS_OF = "2026-11-01"


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    manifest = generate(
        out, residents=8000, areas=["Westminster"], as_of=AS_OF, seed=7, fmt="parquet", progress=False, chunk_size=3000
    )
    return out, manifest


def read_feed(out, name):
    return pd.concat(
        [pq.read_table(p).to_pandas() for p in sorted((out / "feeds").glob(f"{name}__*.parquet"))], ignore_index=True
    )


def test_every_feed_file_is_named_and_typed_per_contract(clean):
    out, manifest = clean
    contracts = load_contracts()
    assert set(manifest.counts) == set(contracts)
    for path in (out / "feeds").iterdir():
        assert re.fullmatch(r"[a-z_]+__[A-Z0-9-]+__\d{8}\.parquet", path.name)
        feed = contracts[path.name.split("__")[0]]
        assert pq.read_schema(path).remove_metadata().equals(feed.arrow_schema().remove_metadata())


@pytest.mark.parametrize("name", sorted(load_contracts()))
def test_feed_values_meet_contract(clean, name):
    out, _ = clean
    feed = load_contracts()[name]
    frame = read_feed(out, name)
    for column in feed.columns:
        values = frame[column.name]
        if column.required:
            assert values.notna().all(), column.name
        present = values.dropna()
        if column.type is ColumnType.CODE:
            assert set(present) <= column.allowed_values, column.name
        if column.pattern:
            assert present.str.fullmatch(column.pattern).all(), column.name
        checks = {
            ColumnType.NHS_NUMBER: is_valid_nhs_number,
            ColumnType.SNOMED_CODE: is_valid_snomed_code,
            ColumnType.POSTCODE: is_valid_postcode,
        }
        if column.type in checks:
            assert present.map(checks[column.type]).all(), column.name
        if column.type is ColumnType.ICD10_CODE:
            codes = present.str.split("|").explode() if column.multiple else present
            assert codes.map(is_valid_icd10_code).all(), column.name
        if column.minimum is not None:
            assert (present.astype(float) >= column.minimum).all()


def test_nhs_numbers_are_valid_distinct_test_range():
    numbers = nhs_pool(20000, 3)
    assert len(set(numbers)) == 20000
    assert all(n.startswith("999") and is_valid_nhs_number(n) for n in numbers)


def test_every_resident_has_a_distinct_valid_nhs_number(clean):
    out, manifest = clean
    numbers = pq.read_table(out / "truth" / "persons.parquet", columns=["nhs_number"]).column(0).to_pylist()
    assert len(numbers) == manifest.residents == len(set(numbers))
    assert all(is_valid_nhs_number(number) for number in numbers)


@pytest.mark.parametrize(("fmt", "gp_format"), [("csv", None), ("parquet", "fhir")])
def test_same_seed_gives_identical_files(tmp_path, fmt, gp_format):
    digests = []
    for run in ("a", "b"):
        generate(
            tmp_path / run,
            residents=1500,
            areas=["Newham"],
            as_of=AS_OF,
            seed=11,
            fmt=fmt,
            gp_format=gp_format,
            malformed_rate=0.01,
            progress=False,
            chunk_size=700,
        )
        files = sorted(p for p in (tmp_path / run).rglob("*") if p.is_file())
        digests.append({str(p.relative_to(tmp_path / run)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files})
    assert digests[0] == digests[1]
    assert any(name.startswith("truth/") for name in digests[0])
    assert any(name.startswith("fhir/") for name in digests[0]) == (gp_format == "fhir")


def test_a_different_seed_gives_different_files(tmp_path):
    for run, seed in (("a", 1), ("b", 2)):
        generate(tmp_path / run, residents=300, areas=["Newham"], as_of=AS_OF, seed=seed, progress=False)
    a, b = ((tmp_path / run / "truth" / "persons.parquet").read_bytes() for run in ("a", "b"))
    assert a != b


def test_emergency_admission_rate_is_plausible(clean):
    out, manifest = clean
    spells = read_feed(out, "apc_spells").drop_duplicates(["sender_code", "source_record_id"])
    per_1000_year = (spells["admission_method"] == "emergency").sum() / manifest.residents / manifest.years * 1000
    assert 70 < per_1000_year < 160


def test_some_residents_are_in_hospital_on_the_as_of_date(clean):
    out, _ = clean
    spells = read_feed(out, "apc_spells")
    assert spells["discharge_date"].isna().sum() >= 3


def test_long_term_conditions_rise_with_age_and_with_deprivation_at_each_age(clean):
    out, _ = clean
    persons = pq.read_table(out / "truth" / "persons.parquet").to_pandas()
    age_band = pd.cut(persons["age"], [0, 18, 40, 65, 80, 120], right=False)
    assert persons.groupby(age_band, observed=True)["ltc_count"].mean().is_monotonic_increasing
    for low, high in ((40, 65), (65, 120)):
        band = persons[(persons["age"] >= low) & (persons["age"] < high)]
        assert band[band["imd_decile"] <= 3]["ltc_count"].mean() > band[band["imd_decile"] >= 8]["ltc_count"].mean(), (
            low,
            high,
        )


def test_conditions_rise_with_age_and_deprivation(clean):
    out, _ = clean
    persons = pq.read_table(out / "truth" / "persons.parquet").to_pandas()
    by_age = persons.groupby(pd.cut(persons["age"], [0, 40, 65, 120], right=False))["hypertension"].mean()
    assert by_age.is_monotonic_increasing
    adults = persons[(persons["age"] >= 40) & (persons["age"] < 75)]
    deprived = adults[adults["imd_decile"] <= 4]["diabetes"].mean()
    affluent = adults[adults["imd_decile"] >= 7]["diabetes"].mean()
    assert deprived > affluent


def test_costs_concentrate_in_few_residents(clean):
    out, _ = clean
    spells = read_feed(out, "apc_spells")
    truth = pq.read_table(out / "truth" / "record_truth.parquet").to_pandas()
    cost = spells.drop_duplicates(["sender_code", "source_record_id"]).merge(
        truth[truth.feed == "apc_spells"], on=["sender_code", "source_record_id"]
    )
    per_person = cost.groupby("true_person_id")["tariff_cost_gbp"].sum().astype(float).sort_values(ascending=False)
    top = per_person.head(int(0.05 * 8000)).sum() / per_person.sum()
    assert top > 0.5


def test_imperfections_and_truth(tmp_path):
    generate(
        tmp_path,
        residents=4000,
        areas=["Tower Hamlets"],
        as_of=AS_OF,
        seed=5,
        fmt="parquet",
        malformed_rate=0.02,
        progress=False,
    )
    truth = pq.read_table(tmp_path / "truth" / "record_truth.parquet").to_pandas()
    assert {"feed", "sender_code", "source_record_id", "true_person_id"} <= set(truth.columns)
    assert not truth.duplicated(["feed", "sender_code", "source_record_id"]).any()
    assert truth["malformed"].mean() == pytest.approx(0.02, abs=0.005)
    assert truth["late"].mean() == pytest.approx(0.02, abs=0.005)
    vcse = truth[truth.feed == "vcse_contacts"]
    assert vcse["nhs_number_missing"].mean() > 0.7
    assert list((tmp_path / "feeds").glob("*__20261101.parquet")), "late rows arrive in the as-of delivery"


def test_prevention_codes_are_in_the_pipelines_code_lists():
    from octopus.population.features import prevention
    from octopus.synthetic.gp_record import OBSERVATIONS

    listed = {name: set() for name in ("done", "declined")}
    for programme in prevention.programmes():
        for kind, files in (*programme.codelists.items(), *programme.processes.items()):
            for file_name in files:
                listed.setdefault(kind, set()).update(prevention.read_codelist(file_name)["code"])
    written = {
        key: OBSERVATIONS[key]
        for key in (
            "breast_screening",
            "cervical_screening",
            "bowel_screening",
            "nhs_health_check",
            "flu_vaccination",
            "pneumococcal_vaccination",
            "mmr_vaccination",
        )
    }
    assert all(code in listed["done"] for code in written.values()), written
    assert {OBSERVATIONS["cervical_declined"], OBSERVATIONS["flu_declined"]} <= listed["declined"]
    processes = {
        "hba1c": "hba1c",
        "cholesterol": "cholesterol",
        "creatinine": "serum_creatinine",
        "urine_acr": "urine_albumin",
        "foot_examination": "foot_examination",
        "bmi": "bmi",
        "systolic": "blood_pressure",
        "smoker": "smoking",
    }
    for observation, process in processes.items():
        assert OBSERVATIONS[observation] in listed[process], observation


def test_prevention_uptake_falls_with_deprivation():
    import numpy as np

    from octopus.synthetic.gp_record import uptake

    deciles = np.arange(1, 11)
    chance = uptake(0.6, deciles)
    assert np.all(np.diff(chance) > 0)
    assert chance[0] / chance[-1] == pytest.approx(0.75)
    assert chance.mean() == pytest.approx(0.6)


def test_bowel_screening_is_recorded_less_in_deprived_areas(clean):
    out, _ = clean
    persons = pq.read_table(out / "truth" / "persons.parquet").to_pandas()
    events = read_feed(out, "gp_events")
    assert "1101361000000103" in set(events["snomed_code"])
    assert "315640000" in set(events["snomed_code"])
    truth = pq.read_table(out / "truth" / "record_truth.parquet").to_pandas()
    truth = truth[truth.feed == "gp_events"]
    screened = events[events["snomed_code"] == "1101361000000103"].merge(truth, on=["sender_code", "source_record_id"])
    eligible = persons[(persons["age"] >= 50) & (persons["age"] <= 74)].copy()
    eligible["screened"] = eligible["true_person_id"].isin(set(screened["true_person_id"]))
    deprived = eligible[eligible["imd_decile"] <= 3]["screened"].mean()
    affluent = eligible[eligible["imd_decile"] >= 8]["screened"].mean()
    assert deprived < affluent

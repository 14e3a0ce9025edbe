"""Synthetic London: properties of the building blocks (Hypothesis), Census age structure per
LSOA, malformed rows of every kind, and the predictability of emergency admissions."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from octopus.population.feeds.nhs_number import is_valid_nhs_number, nhs_number_check_digit
from octopus.synthetic.generator import generate
from octopus.synthetic.geography import AGE_BANDS, load_area
from octopus.synthetic.imperfections import MALFORMED_KINDS
from octopus.synthetic.names import GIVEN_NAMES, NICKNAMES, Variants
from octopus.synthetic.nhs_numbers import check_digits
from octopus.synthetic.realism import predictability
from octopus.synthetic.rows import digits_text

AS_OF = "2026-11-01"
GIVEN_VARIANTS = Variants(GIVEN_NAMES)


@given(
    st.lists(st.integers(min_value=0, max_value=10**12 - 1), min_size=1, max_size=50), st.sampled_from(["", "P", "CH"])
)
def test_digits_text_is_prefix_and_zero_padded_number(numbers, prefix):
    text = digits_text(np.array(numbers, dtype=np.int64), 12, prefix).to_pylist()
    assert text == [f"{prefix}{n:012d}" for n in numbers]


@given(st.lists(st.integers(min_value=100_000_000, max_value=999_999_999), min_size=1, max_size=50))
def test_check_digits_match_the_nhs_modulus_11_rule(bodies):
    checks = check_digits(np.array(bodies, dtype=np.int64))
    for body, check in zip(bodies, checks, strict=True):
        expected = nhs_number_check_digit(str(body))
        assert check == (-1 if expected is None else expected)
        if check >= 0 and len(set(f"{body}{check}")) > 1:
            assert is_valid_nhs_number(f"{body}{check}")


@settings(max_examples=50)
@given(st.lists(st.sampled_from(GIVEN_NAMES), min_size=1, max_size=30), st.integers(0, 2**32 - 1))
def test_a_name_typo_is_a_nickname_or_one_adjacent_swap(names, seed):
    codes = np.array([GIVEN_NAMES.index(name) for name in names])
    altered = GIVEN_VARIANTS.typo(codes, np.random.default_rng(seed))
    for name, code in zip(names, altered, strict=True):
        new = GIVEN_VARIANTS.names[code]
        if new == NICKNAMES.get(name) or len(name) < 3:
            continue
        assert sorted(new) == sorted(name) and len(new) == len(name)
        differ = [i for i, (a, b) in enumerate(zip(name, new, strict=True)) if a != b]
        assert differ == [] or (len(differ) == 2 and differ[1] == differ[0] + 1)


@pytest.fixture(scope="module")
def islington(tmp_path_factory):
    out = tmp_path_factory.mktemp("islington")
    generate(
        out, residents=12000, areas=["Islington"], as_of=AS_OF, seed=3, fmt="parquet", progress=False, chunk_size=4000
    )
    return out


def test_age_bands_per_lsoa_follow_census(islington):
    """Each LSOA's age-band shares are within sampling error of its Census 2021 shares."""
    persons = pq.read_table(islington / "truth" / "persons.parquet", columns=["lsoa_code", "age"]).to_pandas()
    lsoas = load_area(("Islington",)).lsoas.set_index("lsoa21_code")
    bands = [name for name, _, _ in AGE_BANDS]
    census = lsoas[bands].div(lsoas[bands].sum(axis=1), axis=0)
    edges = [low for _, low, _ in AGE_BANDS] + [200]
    persons["band"] = pd.cut(persons["age"], edges, right=False, labels=bands)
    observed = pd.crosstab(persons["lsoa_code"], persons["band"], normalize="index").reindex(
        columns=bands, fill_value=0
    )
    size = persons.groupby("lsoa_code").size()
    expected = census.loc[observed.index]
    # Binomial standard error per LSOA and band; 4 SE leaves ~1 in 15,000 cells outside by chance.
    tolerance = 4 * np.sqrt(expected * (1 - expected)).div(np.sqrt(size), axis=0) + 0.01
    assert ((observed - expected).abs() <= tolerance).to_numpy().all()
    # And across the borough, shares match closely.
    overall = persons["band"].value_counts(normalize=True).reindex(bands)
    target = lsoas[bands].sum() / lsoas[bands].sum().sum()
    assert np.abs(overall.to_numpy() - target.to_numpy()).max() < 0.015


def test_predictability_of_emergency_admission_is_realistic(islington):
    """A prior-year logistic model reaches an AUROC like published ones (0.75-0.80), not 0.95."""
    auroc, people = predictability(islington)
    assert 0.68 <= auroc <= 0.88
    assert 0.03 < people["admitted_next_year"].mean() < 0.15


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_malformed_rows_come_in_every_kind_the_format_allows(tmp_path, fmt):
    generate(
        tmp_path, residents=3000, areas=["Hackney"], as_of=AS_OF, seed=9, fmt=fmt, malformed_rate=0.05, progress=False
    )
    truth = pq.read_table(tmp_path / "truth" / "record_truth.parquet").to_pandas()
    assert truth["malformed"].mean() == pytest.approx(0.05, abs=0.01)
    kinds = set(truth.loc[truth["malformed"], "malformed_kind"])
    assert truth.loc[~truth["malformed"], "malformed_kind"].isna().all()
    expected = set(MALFORMED_KINDS) if fmt == "csv" else set(MALFORMED_KINDS) - {"unparseable_date"}
    assert kinds == expected
    if fmt == "csv":
        spells = pd.concat([pd.read_csv(p, dtype=str) for p in (tmp_path / "feeds").glob("apc_spells__*.csv")])
        bad = spells[
            spells["source_record_id"].isin(
                truth.loc[
                    (truth.feed == "apc_spells") & (truth.malformed_kind == "unparseable_date"), "source_record_id"
                ]
            )
        ]
        assert len(bad) and pd.to_datetime(bad["admission_date"], errors="coerce", format="%Y-%m-%d").isna().all()
    else:
        registrations = pd.concat(
            [pq.read_table(p).to_pandas() for p in (tmp_path / "feeds").glob("gp_registrations__*.parquet")]
        )
        nhs = truth[(truth.feed == "gp_registrations") & (truth.malformed_kind == "invalid_nhs_number")]
        rows = registrations[registrations["source_record_id"].isin(nhs["source_record_id"])]
        assert len(rows) and not rows["nhs_number"].map(is_valid_nhs_number).any()


def test_presets_generate_the_registered_population():
    from octopus.synthetic.presets import REGISTERED_POPULATION

    assert REGISTERED_POPULATION["westminster"] == 275_000
    area = load_area(("Westminster",))
    assert area.lsoas["total"].sum() < REGISTERED_POPULATION["westminster"]

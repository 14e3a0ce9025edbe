"""`generate`: the Synthetic London generator, chunk by chunk.

Residents are generated in chunks of whole LSOAs (about `chunk_size` people), each from its own
random generator seeded by (seed, chunk), so output is deterministic and memory stays bounded.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from octopus.population.feeds.contract import load_contracts
from octopus.synthetic import activity, conditions, feeds, gp_record, households, imperfections, people, presets, registers
from octopus.synthetic.geography import load_area, lsoa_counts, nearest_practices
from octopus.synthetic.nhs_numbers import test_range_numbers
from octopus.synthetic.output import TRUTH_FLAGS, FeedWriter, TruthWriter

GENERATOR_VERSION = "0.1.0"
DEFAULT_SEED = 20261101
PERSON_COLUMNS = ("true_person_id", "nhs_number", "propensity", "date_of_birth", "sex", "lsoa_code", "borough", "imd_decile", "age", "ethnicity_group", "household_id", "household_size", "living_alone", "living_situation", "postcode", "lat", "long", "practice_code", "out_of_area", "date_of_death", "latent_health", "efi", "ltc_count", *conditions.CONDITION_NAMES)


@dataclass
class Manifest:
    seed: int
    preset: str | None
    areas: list[str]
    as_of: str
    years: int
    format: str
    residents: int
    malformed_rate: float
    generator_version: str = GENERATOR_VERSION
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _chunks(counts: np.ndarray, chunk_size: int) -> list[tuple[int, int]]:
    bounds, start, total = [], 0, 0
    for index, count in enumerate(counts):
        total += int(count)
        if total >= chunk_size:
            bounds.append((start, index + 1))
            start, total = index + 1, 0
    if start < len(counts):
        bounds.append((start, len(counts)))
    return bounds


def register(residents: pd.DataFrame, near: np.ndarray, weights: np.ndarray, n_practices: int, rng) -> pd.DataFrame:
    """Practice per resident: mostly near home, some out of area, some not registered at all."""
    n = len(residents)
    lsoa = residents["lsoa_index"].to_numpy()
    cdf = np.cumsum(weights[lsoa], axis=1)
    choice = (rng.random(n)[:, None] > cdf).sum(axis=1).clip(0, near.shape[1] - 1)
    practice = near[lsoa, choice]
    out_of_area = rng.random(n) < 0.03
    practice[out_of_area] = rng.integers(0, n_practices, int(out_of_area.sum()))
    age = residents["age"].to_numpy()
    p_unregistered = np.where((age >= 18) & (age < 35), 0.06, 0.025)
    p_unregistered = np.where(residents["living_situation"].to_numpy() == "homeless", 0.4, p_unregistered)
    practice[rng.random(n) < p_unregistered] = -1
    return residents.assign(practice_index=practice, out_of_area=out_of_area & (practice >= 0))


def generate(out_dir, *, preset=None, residents=None, areas=None, as_of=None, years=3, seed=DEFAULT_SEED, fmt="csv", malformed_rate=0.0, progress=True, chunk_size=50_000) -> Manifest:
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"Unknown format {fmt!r}: use csv or parquet.")
    out = Path(out_dir)
    as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else (as_of or dt.date.today())
    boroughs = presets.resolve(preset, tuple(areas) if areas else None)
    area = load_area(boroughs)
    contracts = load_contracts()
    window = activity.Window(np.datetime64(as_of_date, "D"), years)
    counts = lsoa_counts(area, residents, np.random.default_rng([seed, 0]))
    total = int(counts.sum())
    nhs = test_range_numbers(total, seed)
    near, weights = nearest_practices(area)
    outward = households.outward_codes(area)
    care_homes = conditions.make_care_homes(area, outward, seed)
    ethnicity_table = pd.read_csv(gp_record.CODELIST_DIR / "ethnicity_snomed_opensafely.csv", dtype={"code": str})
    ethnicity_table["Grouping_16"] = ethnicity_table["Grouping_16"].astype(int)
    main_delivery = (as_of_date - dt.timedelta(days=1)).strftime("%Y%m%d")
    late_delivery = as_of_date.strftime("%Y%m%d")
    writer = FeedWriter(out / "feeds", fmt)
    truth = TruthWriter(out / "truth")
    bounds = _chunks(counts, chunk_size)
    first_person = np.concatenate([[0], np.cumsum(counts)])
    bar = _progress(progress, total)
    try:
        for chunk, (lo, hi) in enumerate(bounds):
            rng = np.random.default_rng([seed, 1, chunk])
            lsoa = np.repeat(np.arange(lo, hi), counts[lo:hi])
            pids = np.arange(first_person[lo], first_person[hi], dtype=np.int64)
            frames, persons = build_chunk(area, lsoa, pids, nhs[pids], window, ethnicity_table, near, weights, care_homes, outward, chunk, rng)
            for name, frame in frames.items():
                degraded = imperfections.apply(name, frame, rng, malformed_rate)
                late = degraded["_late"].to_numpy()
                writer.write(contracts[name], degraded[~late], main_delivery)
                writer.write(contracts[name], degraded[late], late_delivery)
                record = degraded.drop_duplicates(["sender_code", "source_record_id"])
                truth.write("record_truth", pd.DataFrame({"feed": name, "sender_code": record["sender_code"].to_numpy(), "source_record_id": record["source_record_id"].to_numpy(), "true_person_id": record["true_person_id"].to_numpy(), **{flag: record[f"_{flag}"].to_numpy() for flag in TRUTH_FLAGS}}))
            truth.write("persons", persons)
            if bar:
                bar[0].update(bar[1], advance=len(pids))
    finally:
        writer.close()
        truth.close()
        if bar:
            bar[0].stop()
    manifest = Manifest(seed=seed, preset=preset, areas=list(area.boroughs), as_of=as_of_date.isoformat(), years=years, format=fmt, residents=total, malformed_rate=malformed_rate, counts=dict(sorted(writer.rows.items())), files=sorted(p.name for p in (out / "feeds").iterdir()))
    (out / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def build_chunk(area, lsoa, pids, nhs, window, ethnicity_table, near, weights, care_homes, outward, chunk, rng):
    residents = people.make_residents(area, lsoa, pids, nhs, window.as_of, ethnicity_table, rng)
    residents = households.assign_households(residents, area, outward, chunk, rng)
    residents = conditions.assign_conditions(residents, window.as_of, rng)
    residents = conditions.assign_care_homes(residents, care_homes, rng)
    residents = register(residents, near, weights, len(area.practices), rng)
    residents["date_of_death"] = activity.death_dates(residents, window, rng)
    events = activity.generate_activity(residents, window, rng)
    coded = gp_record.coded_events(residents, window, rng)
    spells = events["apc_spells"]
    died_in_hospital = np.zeros(len(residents), bool)
    died_in_hospital[spells.loc[spells["died"], "person"].to_numpy()] = True
    practices = area.practices
    clients, packages, care_home_rows = registers.social_care(residents, care_homes, window, chunk, rng)
    frames = {
        "gp_registrations": registers.gp_registrations(residents, practices, window, chunk, rng),
        "gp_appointments": registers.gp_appointments(residents, practices, events, window, chunk, rng),
        "gp_events": registers.gp_events(residents, practices, coded, window, chunk, rng),
        "apc_spells": feeds.apc_spells(residents, events, window, chunk, rng),
        "ae_attendances": feeds.ae_attendances(residents, events, window, chunk, rng),
        "op_attendances": feeds.op_attendances(residents, events, window, chunk, rng),
        "las_incidents": feeds.las_incidents(residents, events, window, chunk, rng),
        "community_contacts": feeds.community_contacts(residents, events, window, chunk, rng),
        "mh_contacts": feeds.mh_contacts(residents, events, window, chunk, rng),
        "mh_spells": feeds.mh_spells(residents, events, window, chunk, rng),
        "asc_clients": clients,
        "asc_packages": packages,
        "care_home_residents": care_home_rows,
        "vcse_contacts": registers.vcse_contacts(residents, events, window, chunk, rng),
        "deaths": registers.deaths(residents, window, chunk, rng, died_in_hospital),
    }
    residents["practice_code"] = np.where(residents["practice_index"] >= 0, area.practices["practice_code"].to_numpy(dtype=object)[np.maximum(residents["practice_index"].to_numpy(), 0)], None)
    persons = residents[list(PERSON_COLUMNS)].copy()
    persons["date_of_birth"] = persons["date_of_birth"].astype("datetime64[s]")
    persons["date_of_death"] = persons["date_of_death"].astype("datetime64[s]")
    return frames, persons


def _progress(enabled: bool, total: int):
    if not enabled:
        return None
    from rich.progress import Progress

    bar = Progress()
    task = bar.add_task("Generating residents", total=total)
    bar.start()
    return bar, task

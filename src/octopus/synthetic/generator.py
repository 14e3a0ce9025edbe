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
import pyarrow as pa

from octopus.clock import london_today
from octopus.population.feeds.contract import load_contracts
from octopus.synthetic import (
    activity,
    conditions,
    feeds,
    gp_record,
    households,
    imperfections,
    people,
    presets,
    registers,
)
from octopus.synthetic.feeds import Senders
from octopus.synthetic.geography import load_area, lsoa_counts, nearest_practices
from octopus.synthetic.gp_fhir import GP_FEEDS, FhirWriter
from octopus.synthetic.nhs_numbers import test_range_integers
from octopus.synthetic.output import FeedWriter, TruthWriter
from octopus.synthetic.rows import Coded, vocabulary

GENERATOR_VERSION = "0.3.0"  # 0.3: clean deliveries, resent duplicates, --gp-format fhir
DEFAULT_SEED = 20261101


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
    gp_format: str | None = None
    generator_version: str = GENERATOR_VERSION
    counts: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    fhir_folders: list[str] = field(default_factory=list)
    fhir_bundles: int = 0


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


def register(residents: dict, near: np.ndarray, weights: np.ndarray, far: np.ndarray, rng) -> dict:
    """Practice per resident: mostly near home, some out of area, some not registered at all."""
    lsoa = residents["lsoa_index"]
    n = len(lsoa)
    cdf = np.cumsum(weights[lsoa], axis=1)
    choice = (rng.random(n)[:, None] > cdf).sum(axis=1).clip(0, near.shape[1] - 1)
    practice = near[lsoa, choice]
    # Out of area: registered near work, study or a former home, a few kilometres away: one of
    # the next-nearest practices rather than anywhere in London.
    out_of_area = rng.random(n) < 0.03
    practice[out_of_area] = far[lsoa[out_of_area], rng.integers(0, far.shape[1], int(out_of_area.sum()))]
    age = residents["age"]
    p_unregistered = np.where((age >= 18) & (age < 35), 0.06, 0.025)
    p_unregistered = np.where(residents["situation"] == households.HOMELESS, 0.4, p_unregistered)
    practice[rng.random(n) < p_unregistered] = -1
    residents["practice_index"] = practice
    residents["out_of_area"] = out_of_area & (practice >= 0)
    return residents


def generate(
    out_dir,
    *,
    preset=None,
    residents=None,
    areas=None,
    as_of=None,
    years=3,
    seed=DEFAULT_SEED,
    fmt="csv",
    gp_format=None,
    malformed_rate=0.0,
    progress=True,
    chunk_size=50_000,
) -> Manifest:
    """Write a synthetic population's partner feeds, truth and manifest under `out_dir`.

    `residents` defaults to the preset's registered population (see `presets`), or the Census
    population of `areas`. `gp_format="fhir"` writes the GP feeds as FHIR R4 bundles under
    `fhir/` instead (see `gp_fhir`). The same seed and arguments give byte-identical files.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"Unknown format {fmt!r}: use csv or parquet.")
    if gp_format not in (None, fmt, "fhir"):
        raise ValueError(f"Unknown GP format {gp_format!r}: use fhir, or leave it out to write GP feeds as {fmt}.")
    gp_fhir = gp_format == "fhir"
    out = Path(out_dir)
    as_of_date = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else (as_of or london_today())
    boroughs = presets.resolve(preset, tuple(areas) if areas else None)
    if residents is None and preset is not None:
        residents = presets.REGISTERED_POPULATION.get(preset.lower())
    area = load_area(boroughs)
    contracts = load_contracts()
    window = activity.Window(np.datetime64(as_of_date, "D"), years)
    counts = lsoa_counts(area, residents, np.random.default_rng([seed, 0]))
    total = int(counts.sum())
    nhs = test_range_integers(total, seed)
    practices = nearest_practices(area)
    outward = vocabulary(households.outward_codes(area))
    care_homes = conditions.make_care_homes(area, households.outward_codes(area), seed)
    ethnicity_table = pd.read_csv(gp_record.CODELIST_DIR / "ethnicity_snomed_opensafely.csv", dtype={"code": str})
    ethnicity_table["Grouping_16"] = ethnicity_table["Grouping_16"].astype(int)
    ethnicity = people.ethnicity_vocabulary(ethnicity_table)
    senders = Senders(area)
    main_delivery = (as_of_date - dt.timedelta(days=1)).strftime("%Y%m%d")
    late_delivery = as_of_date.strftime("%Y%m%d")
    writer = FeedWriter(out / "feeds", fmt)
    fhir = FhirWriter(out / "fhir", contracts, (main_delivery, late_delivery)) if gp_fhir else None
    truth = TruthWriter(out / "truth")
    bounds = _chunks(counts, chunk_size)
    first_person = np.concatenate([[0], np.cumsum(counts)])
    report = _progress(progress, total)
    try:
        for chunk, (lo, hi) in enumerate(bounds):
            rng = np.random.default_rng([seed, 1, chunk])
            lsoa = np.repeat(np.arange(lo, hi), counts[lo:hi])
            pids = np.arange(first_person[lo], first_person[hi], dtype=np.int64)
            built, persons = build_chunk(
                area, senders, lsoa, pids, nhs[pids], window, ethnicity, practices, care_homes, outward, chunk, rng
            )
            as_fhir = {}
            for name, feed_rows in built.items():
                contract = contracts[name]
                feed_fmt = "fhir" if gp_fhir and name in GP_FEEDS else fmt
                degraded = imperfections.apply(contract, feed_rows, rng, malformed_rate, feed_fmt, window.as_of)
                if feed_fmt == "fhir":
                    as_fhir[name] = degraded
                else:
                    late = degraded.late
                    writer.write(
                        contract, degraded.rows.take(np.flatnonzero(~late)), main_delivery, degraded.unparseable[~late]
                    )
                    writer.write(
                        contract, degraded.rows.take(np.flatnonzero(late)), late_delivery, degraded.unparseable[late]
                    )
                truth.write("record_truth", record_truth(name, feed_rows, persons["true_person_id"], degraded))
            if fhir:
                fhir.write(chunk, built, as_fhir)
            truth.write("persons", person_truth(persons, area, senders))
            if report:
                report(len(pids))
    finally:
        writer.close()
        truth.close()
    counts = {**writer.rows, **(fhir.rows if fhir else {})}
    manifest = Manifest(
        seed=seed,
        preset=preset,
        areas=list(area.boroughs),
        as_of=as_of_date.isoformat(),
        years=years,
        format=fmt,
        residents=total,
        malformed_rate=malformed_rate,
        gp_format=gp_format if gp_fhir else None,
        counts=dict(sorted(counts.items())),
        files=sorted(p.name for p in (out / "feeds").iterdir()),
        fhir_folders=sorted(fhir.folders) if fhir else [],
        fhir_bundles=fhir.bundles if fhir else 0,
    )
    (out / "manifest.json").write_text(json.dumps(asdict(manifest), indent=2) + "\n")
    return manifest


def record_truth(name: str, feed_rows, true_person_id: np.ndarray, degraded) -> pa.Table:
    """One row per distinct record: who it is really about and what was done to it."""
    columns = {
        "feed": Coded(vocabulary([name]), np.zeros(len(feed_rows), dtype=np.int64)).to_arrow(),
        "sender_code": feed_rows.sender_codes.to_arrow(),
        "source_record_id": feed_rows.columns["source_record_id"].to_arrow(),
        "true_person_id": pa.array(true_person_id[feed_rows.person]),
        **{flag: pa.array(values) for flag, values in degraded.flags.items()},
        "malformed_kind": Coded(vocabulary(imperfections.MALFORMED_KINDS), degraded.malformed_kind).to_arrow(),
    }
    return pa.table(columns)


def build_chunk(area, senders, lsoa, pids, nhs, window, ethnicity, practices, care_homes, outward, chunk, rng):
    near, weights, far = practices
    residents = people.make_residents(area, lsoa, pids, nhs, window.as_of, ethnicity, rng)
    residents = households.assign_households(residents, area, outward, chunk, rng)
    residents = conditions.assign_conditions(residents, window.as_of, rng)
    residents = conditions.assign_care_homes(residents, care_homes, rng)
    residents = register(residents, near, weights, far, rng)
    residents["date_of_death"] = activity.death_dates(residents, window, rng)
    events = activity.generate_activity(residents, window, rng)
    coded = gp_record.coded_events(residents, window, rng)
    spells = events["apc_spells"]
    died_in_hospital = np.zeros(len(lsoa), bool)
    died_in_hospital[spells["person"][spells["died"]]] = True
    clients, packages, care_home_rows = registers.social_care(residents, care_homes, senders, window, chunk, rng)
    built = {
        "gp_registrations": registers.gp_registrations(residents, senders, ethnicity[0], window, chunk, rng),
        "gp_appointments": registers.gp_appointments(residents, events, senders, window, chunk, rng),
        "gp_events": registers.gp_events(residents, coded, senders, window, chunk, rng),
        "apc_spells": feeds.apc_spells(residents, events, senders, window, chunk, rng),
        "ae_attendances": feeds.ae_attendances(residents, events, senders, window, chunk, rng),
        "op_attendances": feeds.op_attendances(residents, events, senders, window, chunk, rng),
        "las_incidents": feeds.las_incidents(residents, events, senders, window, chunk, rng),
        "community_contacts": feeds.community_contacts(residents, events, senders, window, chunk, rng),
        "mh_contacts": feeds.mh_contacts(residents, events, senders, window, chunk, rng),
        "mh_spells": feeds.mh_spells(residents, events, senders, window, chunk, rng),
        "asc_clients": clients,
        "asc_packages": packages,
        "care_home_residents": care_home_rows,
        "vcse_contacts": registers.vcse_contacts(residents, events, senders, window, chunk, rng),
        "deaths": registers.deaths(residents, senders, window, chunk, rng, died_in_hospital),
        # Its own stream (spawning draws nothing from ``rng``), so adding the feed left every
        # other feed's rows as they were for the same seed.
        "objections": registers.objections(residents, senders, window, chunk, rng.spawn(1)[0]),
    }
    return built, residents


def person_truth(residents: dict, area, senders: Senders) -> pa.Table:
    """The hidden truth about each resident (never in a feed): for evaluation only."""
    r = residents
    columns = {
        "true_person_id": r["true_person_id"],
        "nhs_number": r["nhs_number"],
        "propensity": r["propensity"],
        "date_of_birth": r["date_of_birth"].astype("datetime64[s]"),
        "sex": feeds.SEX.take(pa.array(r["female"].astype(np.int64))),
        "lsoa_code": senders.lsoa_codes.take(pa.array(r["lsoa_index"])),
        "borough": vocabulary(area.boroughs).take(pa.array(r["borough_index"])),
        "imd_decile": r["imd_decile"],
        "age": r["age"],
        "ethnicity_group": r["ethnicity_group"],
        "household_id": r["household_id"],
        "household_size": r["household_size"],
        "living_alone": r["living_alone"],
        "living_situation": vocabulary(households.SITUATIONS).take(pa.array(r["situation"].astype(np.int64))),
        "postcode": r["postcode"],
        "lat": r["lat"],
        "long": r["long"],
        "practice_code": Coded(senders.practice_codes, r["practice_index"]).to_arrow(),
        "out_of_area": r["out_of_area"],
        "date_of_death": r["date_of_death"].astype("datetime64[s]"),
        "latent_health": r["latent_health"],
        "efi": r["efi"],
        "ltc_count": r["ltc_count"],
        **{name: r[name] for name in conditions.CONDITION_NAMES},
    }
    return pa.table({k: v if isinstance(v, pa.Array) else pa.array(v) for k, v in columns.items()})


def _progress(enabled: bool, total: int):
    """A progress line every ~5% to stderr (plain text, so it reads well in a log under nohup)."""
    if not enabled:
        return None
    import sys
    import time

    state = {"done": 0, "next": 0, "start": time.perf_counter()}

    def report(count: int) -> None:
        state["done"] += count
        if state["done"] >= state["next"] or state["done"] == total:
            elapsed = time.perf_counter() - state["start"]
            rate = state["done"] / elapsed if elapsed else 0
            print(
                f"generated {state['done']:,}/{total:,} residents ({100 * state['done'] / total:.0f}%), {rate:,.0f}/s",
                file=sys.stderr,
                flush=True,
            )
            state["next"] = state["done"] + max(total // 20, 1)

    return report

"""A small hand-made population snapshot for tests of the Population pages (no pipeline run)."""

import base64
import datetime as dt
import json
from pathlib import Path

import pandas as pd
from django.utils import timezone

from .models import PublishedSnapshot

# A 1×1 transparent PNG.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


def resident_rows(n: int = 400, *, very_high: int = 3) -> list[dict]:
    """``n`` pseudonymous residents; exactly ``very_high`` of them in band 1."""
    rows = []
    for i in range(n):
        band = 1 if i < very_high else 2 + i % 5
        rows.append(
            {
                "person_id": f"T{i:05d}",
                "risk_band": band,
                "segment": ("frailty", "long_term_conditions", "generally_well")[i % 3],
                "rising_risk": i % 11 == 0,
                "imd_decile": 1 + i % 10,
                "imd_quintile": 1 + (i % 10) // 2,
                "practice_ods_code": ("E87001", "E87002", "E87003")[i % 3],
                "registered": True,
                "emergency_admissions": 2 if band <= 3 else int(i % 4 == 0 and (i % 10) < 4),
                "prior_cost": 9000.0 if band <= 3 else 400.0,
                "hospital_cost": 6000.0 if band <= 3 else 100.0 * (i % 3),
                "risk_probability": 0.5 if band <= 3 else 0.05,
                # What the Inequalities page aggregates (population.inequalities).
                "age": 5 + (i * 7) % 90,
                "age_band": _age_band(5 + (i * 7) % 90),
                "sex": ("female", "male")[i % 2],
                "ethnicity_group": ("White", "Asian or Asian British", "Black or Black British", "Mixed")[i % 4],
                "analytics_excluded": False,
                "ae_attendances": i % 3,
                "readmission_index_discharges": 1 if band <= 3 else 0,
                "emergency_readmissions_30_days": int(band == 1),
                **{
                    f"{p}_status": ("up_to_date", "overdue", "never", "not_eligible")[(i + k) % 4]
                    for k, p in enumerate(PROGRAMMES)
                },
            }
        )
    return rows


PROGRAMMES = (
    "bowel_screening",
    "breast_screening",
    "cervical_screening",
    "nhs_health_check",
    "flu_vaccination",
    "mmr_vaccination",
    "diabetes_care_processes",
)


def _age_band(age: int) -> str:
    from octopus.population.features.demographics import AGE_BANDS

    return [label for low, label in AGE_BANDS if age >= low][-1]


def write_inequalities(folder: Path, rows: list[dict]) -> None:
    """The snapshot's inequality counts, made by the pipeline's own aggregation from ``rows``."""
    key = json.dumps(rows, default=str)
    if key not in _INEQUALITIES:
        _INEQUALITIES[key] = _inequalities_parquet(rows)
    (folder / "inequalities.parquet").write_bytes(_INEQUALITIES[key])


# The aggregation takes about a second on DuckDB (most of a Population test's set-up) and depends
# only on the rows, so each test process computes it once per distinct set of rows.
_INEQUALITIES: dict[str, bytes] = {}


def _inequalities_parquet(rows: list[dict]) -> bytes:
    import io

    import ibis

    from octopus.population import engines
    from octopus.population.inequalities import inequality_counts, long_counts

    frame = pd.DataFrame(rows)
    counts = long_counts(engines.execute(engines.connect(), inequality_counts(ibis.memtable(frame))))
    buffer = io.BytesIO()
    counts.to_parquet(buffer, index=False)
    return buffer.getvalue()


def write_snapshot(
    folder: Path,
    rows: list[dict] | None = None,
    *,
    run_id: str = "20261101T000000Z-test",
    as_of: dt.date | None = None,
    chart_tables: bool = True,
) -> PublishedSnapshot:
    """``chart_tables=False``: a snapshot made before the pipeline wrote ``charts/`` (decision 0055)."""
    as_of = as_of or timezone.localdate()
    folder.mkdir(parents=True, exist_ok=True)
    rows = rows if rows is not None else resident_rows()
    pd.DataFrame(rows).to_parquet(folder / "residents.parquet", index=False)
    if chart_tables and rows:
        from octopus.population import engines
        from octopus.population.chart_tables import write_chart_tables

        con = engines.connect()
        write_chart_tables(con, con.read_parquet(str(folder / "residents.parquet")), folder / "charts")
    if rows and "age" in rows[0]:
        write_inequalities(folder, rows)
        write_life_expectancy(folder, as_of)
    members = [{"cohort": "welc_target", "person_id": r["person_id"]} for r in rows if r["risk_band"] <= 3]
    pd.DataFrame(members, columns=["cohort", "person_id"]).to_parquet(folder / "cohorts.parquet", index=False)
    (folder / "cohorts.json").write_text(
        json.dumps(
            [
                {
                    "name": "welc_target",
                    "title": "WELC target population",
                    "size": len(members),
                    "as_of": as_of.isoformat(),
                    "description": (
                        "Residents in the top three risk bands who are aged 65 or over or have a long-term condition."
                    ),
                }
            ]
        )
    )
    (folder / "model_card.md").write_text(
        "# Model card: test\n\n**Chosen model:** logistic.\n\n| | AUROC |\n|---|---|\n| logistic | 0.80 |\n\n"
        "![Calibration](calibration.png)\n\n<script>alert(1)</script>\n"
    )
    (folder / "calibration.png").write_bytes(PNG)
    manifest = {"run_id": run_id, "as_of": as_of.isoformat(), "snapshot_dir": str(folder.resolve())}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    snapshot, _ = PublishedSnapshot.objects.update_or_create(
        run_id=run_id, defaults={"as_of": as_of, "residents": len(rows), "manifest": manifest}
    )
    return snapshot


def life_expectancy_rows(as_of: dt.date, periods: int = 4) -> list[dict]:
    """Deaths and populations shaped as the pipeline writes them (``life_expectancy.parquet``):
    a Gompertz death rate (about 1% a year at 70) twice as high in decile 1 as in decile 9,
    falling evenly between; decile 10 too small to estimate. Causes split 40/30/30 between
    circulatory, cancer and other deaths."""
    import math

    from octopus.population.life_expectancy import CAUSES, PERIOD_DAYS
    from octopus.stats import START_AGES

    lsoas = reference_lsoa_by_decile()
    rows = []
    for k in range(periods):
        end = (as_of - dt.timedelta(days=PERIOD_DAYS * k)).isoformat()
        for decile in range(1, 11):
            ratio = 2 ** ((9 - min(decile, 9)) / 8)
            for sex, sex_ratio in (("female", 1.0), ("male", 1.4)):
                for start in START_AGES:
                    middle = start + (0.5 if start == 0 else 2 if start == 1 else 2.5)
                    population = 30 if decile == 10 else 400
                    rate = min(math.exp(-10.4 + 0.092 * middle) * ratio * sex_ratio, 0.5)
                    deaths = max(round(population * rate), 1 if start == 90 else 0)
                    split = {"circulatory": round(deaths * 0.4), "cancer": round(deaths * 0.3)}
                    split["other"] = deaths - split["circulatory"] - split["cancer"]
                    rows.append(
                        {
                            "period_end": end,
                            "sex": sex,
                            "lsoa_code": lsoas[decile],
                            "imd_decile": decile,
                            "practice_ods_code": None,
                            "start_age": start,
                            "population": population,
                            "deaths": deaths,
                            **{f"deaths_{c}": split.get(c, 0) for c in CAUSES},
                        }
                    )
    return rows


def reference_lsoa_by_decile() -> dict[int, str]:
    from octopus.population.reference import imd_frame

    frame = imd_frame().sort_values("lsoa21_code")
    return {int(d): str(part["lsoa21_code"].iloc[0]) for d, part in frame.groupby("imd_decile")}


def write_life_expectancy(folder: Path, as_of: dt.date) -> None:
    pd.DataFrame(life_expectancy_rows(as_of)).astype({"practice_ods_code": "string"}).to_parquet(
        folder / "life_expectancy.parquet", index=False
    )


def chart_tables(rows: list[dict]):
    """The chart tables (``insights.chart_data.ChartTables``) the pipeline would publish for ``rows``."""
    import ibis

    from octopus.population import engines
    from octopus.population.chart_tables import execute_tables

    from .chart_data import _indexed

    frame = pd.DataFrame(rows)
    return _indexed(execute_tables(engines.connect(), ibis.memtable(frame)), frozenset(frame.columns), True)

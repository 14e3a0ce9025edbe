"""The chart pages show the same figures from the pre-aggregated chart tables as they did when
they aggregated residents.parquet on every request (decision 0055).

``population_pages_golden.json`` holds every chart's CSV, every data table's cells and every
"costliest x%" sentence of the Population chart pages, for each kind of area, on the snapshot
below, as served by the code before the chart tables (commit 36b6570, which read residents per
request). Regenerate it only when a figure is meant to change:
``OCTOPUS_WRITE_GOLDEN=1 pytest tests/integration/test_insights_chart_tables_golden.py``.
"""

import datetime as dt
import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse

from octopus.core.maps import shipped_boundaries
from octopus.governance.consent import record_objection
from octopus.insights.testing import resident_rows, write_snapshot
from octopus.residents.factories import make_resident

pytestmark = pytest.mark.django_db
GOLDEN = Path(__file__).with_name("population_pages_golden.json")
AS_OF = dt.date(2026, 11, 1)
PRACTICES = ("E87001", "E87002", "E87003", "E87004", "E87005")
OBJECTOR = "T00017"  # objected in the app after the snapshot: left out of every figure


def golden_rows(n: int, seed: int) -> list[dict]:
    """Residents with varied costs (many ties at zero and at a few tariffs, the rest distinct),
    every kind of missing value the pages meet, and places spread over LSOAs and practices."""
    rng = np.random.default_rng(seed)
    lsoas = sorted(shipped_boundaries())[:12]
    rows = resident_rows(n)
    for i, row in enumerate(rows):
        kind = rng.integers(0, 4)
        prior = (
            0.0
            if kind == 0
            else float(rng.choice([150.0, 420.5]))
            if kind == 1
            else round(float(rng.gamma(1.2, 2500)), 2)
        )
        row.update(
            age=None if i % 97 == 5 else int(rng.integers(0, 101)),
            sex=("female", "male", "unknown", None)[0 if i % 2 else 1] if i % 53 else ("unknown", None)[i % 2],
            lsoa_code=None if i % 41 == 3 else lsoas[int(rng.integers(0, len(lsoas)))],
            practice_ods_code=None if i % 37 == 2 else PRACTICES[int(rng.integers(0, len(PRACTICES)))],
            registered=bool(i % 13),
            segment=None if i % 29 == 4 else row["segment"],
            prior_cost=prior if i % 71 else None,
            hospital_cost=round(prior * float(rng.uniform(0.2, 0.9)), 2) if i % 67 else None,
            prevention_gap_count=int(rng.integers(0, 3)) if i % 31 else None,
            emergency_admissions=int(rng.poisson(0.3 if row["risk_band"] > 3 else 2)),
            rising_risk=bool(rng.random() < 0.1) if i % 43 else None,
            risk_probability=float(rng.uniform(0, 0.6)),
            imd_decile=None if i % 59 == 7 else int(rng.integers(1, 11)),
        )
    return rows


@pytest.fixture
def world(client, make_user, tmp_path):
    from octopus.directory.models import LSOA, PCN, GPPractice, Neighbourhood

    client.force_login(make_user("analyst"))
    north = PCN.objects.create(code="U00001", name="NORTH PCN", sub_icb_code="X", icb_code="Y")
    south = PCN.objects.create(code="U00002", name="SOUTH PCN", sub_icb_code="X", icb_code="Y")
    for code, pcn in zip(PRACTICES, (north, north, south, south, None), strict=True):
        GPPractice.objects.create(ods_code=code, name=f"PRACTICE {code}", postcode="W1 1AA", pcn=pcn)
    lsoas = sorted(shipped_boundaries())[:12]
    for code in lsoas:
        LSOA.objects.create(
            code=code,
            name=code,
            msoa_code="M",
            msoa_name="M",
            ward_code="W",
            ward_name="W",
            borough_code="B",
            borough_name="Westminster",
        )
    east = Neighbourhood.objects.create(name="East", slug="east", borough_name="Westminster")
    east.lsoas.set(LSOA.objects.filter(code__in=lsoas[:5]))
    east.practices.set(GPPractice.objects.filter(ods_code__in=PRACTICES[:2]))
    west = Neighbourhood.objects.create(name="West", slug="west", borough_name="Westminster")
    west.lsoas.set(LSOA.objects.filter(code__in=lsoas[5:]))
    west.practices.set(GPPractice.objects.filter(ods_code__in=PRACTICES[1:4]))
    snapshots = tmp_path / "snapshots"
    # The older snapshot has no chart tables (made before them): its figures are aggregated on the fly.
    write_snapshot(
        snapshots / "old",
        golden_rows(700, 1),
        run_id="20261001T000000Z-old",
        as_of=dt.date(2026, 10, 1),
        chart_tables=False,
    )
    write_snapshot(snapshots / "new", golden_rows(1500, 2), run_id="20261101T000000Z-new", as_of=AS_OF)
    record_objection(actor=None, resident=make_resident(person_id=OBJECTOR), kind="national_data_opt_out")
    return client


AREAS = ("", "neighbourhood:east", "neighbourhood:west", "pcn:U00001", "practice:E87003")
PAGES = {
    "insights:index": (["age-sex", "risk-pyramid", "risk-shares", "segments", "trend-bands", "trend-activity"], [{}]),
    "insights:cost": (["lorenz-total", "lorenz-hospital", "cost-band", "cost-segment"], [{}]),
    "insights:population_map": (
        ["map-{indicator}"],
        [{"indicator": i} for i in ("imd", "high-risk", "prevention-gaps", "emergency-admissions")],
    ),
}
UNAREA_PAGES = {
    "insights:capitation": (
        ["capitation", "cost-band", "cost-segment"],
        [{}, {"by": "neighbourhood"}, {"budget": "900000", "w1": "0", "w2": "2", "w3": "2.5"}],
    ),
    "insights:practices": (
        ["funnel-{indicator}"],
        [
            {"peers": p, "indicator": i}
            for p in ("all", "east", "west")
            for i in ("top-bands", "emergency-admission", "rising-risk")
        ],
    ),
    "insights:deprivation": ([], [{}]),
}


def _tables(html: str) -> list[list[str]]:
    """Every data table's cells as text, and every sentence about the costliest residents."""
    found = []
    for table in re.findall(r"<table.*?</table>", html, flags=re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", table, flags=re.S)]
        found.append([re.sub(r"\s+", " ", c) for c in cells])
    found.append(sorted(set(re.findall(r"[Tt]he costliest [^.<]*\.", html))))
    return found


def _pages(client) -> dict:
    seen = {}
    requests = [
        (page, keys, dict(q, area=a) if a else q)
        for page, (keys, queries) in PAGES.items()
        for q in queries
        for a in AREAS
    ]
    requests += [(page, keys, q) for page, (keys, queries) in UNAREA_PAGES.items() for q in queries]
    for page, keys, query in requests:
        url = reverse(page)
        label = f"{page}?{'&'.join(f'{k}={v}' for k, v in sorted(query.items()))}"
        response = client.get(url, query)
        assert response.status_code == 200, label
        seen[label] = {"tables": _tables(response.content.decode())}
        for key in keys:
            key = key.format(**query)
            csv = client.get(url, {**query, "csv": key})
            assert csv.status_code == 200, (label, key)
            seen[label][key] = csv.content.decode()
    return seen


def test_chart_pages_show_the_same_figures_as_when_they_read_residents(world):
    seen = _pages(world)
    if os.environ.get("OCTOPUS_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(seen, indent=1, sort_keys=True))
    expected = json.loads(GOLDEN.read_text())
    assert sorted(seen) == sorted(expected)
    differing = [
        (label, key)
        for label in sorted(expected)
        for key in expected[label]
        if seen[label].get(key) != expected[label][key]
    ]
    assert differing == []

"""The demo's virtual ward, through the real paths: the synthetic partner system's stays are
admitted by the demo community matron with ``services.admit``, and its device readings (FHIR R4
NDJSON) are imported with ``fhir_import``, the FHIR API's own path, so the board, the scores and
the alerts are what Octopus computed from them."""

import csv
import datetime as dt
import json
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from octopus.residents.models import Resident

from . import fhir_import, services
from .models import Admission

WARD_TEAM = "Community Matrons – North Westminster"
ADMITTED_BY = "matron"
DEVICES = "Westminster virtual ward devices (synthetic)"


def seed(synthetic: Path, users: dict, *, population: int, seed: int) -> dict:
    """Write the synthetic ward's files ending now, admit its stays and import its readings."""
    from octopus.directory.models import Team
    from octopus.synthetic import virtual_ward

    matron = users.get(ADMITTED_BY)
    team = Team.objects.filter(name=WARD_TEAM).first()
    if matron is None or team is None:
        return {"skipped": f"no {ADMITTED_BY!r} account or {WARD_TEAM!r} team in the directory"}
    if Admission.objects.exists():
        return {"skipped": f"{Admission.objects.count()} virtual ward admissions already recorded"}
    written = virtual_ward.write(synthetic, until=timezone.now(), population=population, seed=seed)
    folder = Path(written["folder"])
    admitted, unpublished, on_ward = 0, 0, set()
    with transaction.atomic():
        with (folder / "stays.csv").open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                resident = Resident.objects.filter(nhs_number=row["nhs_number"], date_of_death__isnull=True).first()
                if resident is None:
                    unpublished += 1  # not linked and published (e.g. its NHS number arrived malformed)
                    continue
                services.admit(
                    resident,
                    team,
                    matron,
                    reason=row["reason"],
                    expected_discharge_on=dt.date.fromisoformat(row["expected_discharge_on"]),
                    observations_per_day=int(row["observations_per_day"]),
                    spo2_scale=int(row["spo2_scale"]),
                    admitted_at=dt.datetime.fromisoformat(row["admitted_at"]),
                    path="octopus demo",
                )
                admitted += 1
                on_ward.add(row["nhs_number"])
        # Readings of a resident who was not published have no stay to go to: left out, and counted above.
        lines = [
            line
            for line in (folder / "observations.ndjson").read_text(encoding="utf-8").splitlines()
            if json.loads(line)["subject"]["identifier"]["value"] in on_ward
        ]
        imported = (
            fhir_import.import_text(
                "\n".join(lines), "observations.ndjson", matron, recorded_by=DEVICES, path="octopus demo"
            )
            if lines
            else None
        )
    sets = len(imported.recorded) if imported else 0
    alerts = sum(len(r.alerts) for r in imported.recorded) if imported else 0
    said = {"ward admissions": admitted, "observation sets imported from FHIR NDJSON": sets, "alerts": alerts}
    if unpublished:
        said["stays left out (resident not published)"] = unpublished
    return said

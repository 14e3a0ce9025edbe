"""The demo's virtual ward comes from the synthetic generator through the real paths (decision
0053): stays admitted by the ward's services, device readings imported as FHIR NDJSON, so the
board shows scores and alerts Octopus computed, some of them from deteriorating residents."""

import datetime as dt
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from octopus.directory.models import Organisation, Team
from octopus.residents.factories import make_resident
from octopus.synthetic import virtual_ward
from octopus.virtualward import demo, fhir_import
from octopus.virtualward.models import Admission, Alert, Observation

pytestmark = pytest.mark.django_db


def _truth(folder, people: int = 60):
    """A generated population's truth, cut down to the columns the ward draws from."""
    rows = {
        "nhs_number": [f"999{n:07d}" for n in range(people)],
        "age": [70 + n % 20 for n in range(people)],
        "heart_failure": [n % 2 == 0 for n in range(people)],
        "copd": [n % 3 == 0 for n in range(people)],
        "date_of_death": pa.array([None] * people, pa.timestamp("ms")),
        "out_of_area": [False] * people,
        "efi": [0.2] * people,
    }
    (folder / "truth").mkdir(parents=True)
    pq.write_table(pa.table(rows), folder / "truth" / "persons.parquet")
    return rows["nhs_number"]


def test_the_generator_writes_stays_and_fhir_readings_the_import_accepts(tmp_path):
    _truth(tmp_path)
    until = timezone.now().replace(microsecond=0)
    first = virtual_ward.write(tmp_path, until=until, population=20_000, seed=7)
    stays = (tmp_path / "virtual_ward" / "stays.csv").read_text()
    again = virtual_ward.write(tmp_path, until=until, population=20_000, seed=7)
    assert first == again and stays == (tmp_path / "virtual_ward" / "stays.csv").read_text()  # same seed, same files
    assert first["stays"] == virtual_ward.ward_size(20_000) == 13
    sent, kind = fhir_import.resources_in(
        (tmp_path / "virtual_ward" / "observations.ndjson").read_text(), "observations.ndjson"
    )
    assert kind == "ndjson" and len(sent) == first["sets"] * 7
    sets = fhir_import.observation_sets(sent)
    assert len(sets) == first["sets"] and all(len(s.values) == 7 for s in sets)
    assert max(s.taken_at for s in sets) <= until


def test_the_demo_ward_is_admitted_and_imported_through_the_services(tmp_path, make_user, client):
    numbers = _truth(tmp_path)
    health = Organisation.objects.create(name="Central London Community Healthcare", heart="health")
    team = Team.objects.create(organisation=health, name=demo.WARD_TEAM, tier="consistent")
    matron = make_user("clinician", team=team, username="matron")
    for number in numbers[:-5]:  # a few were never published: their stays are left out, and said so
        make_resident(nhs_number=number)
    said = demo.seed(tmp_path, {"matron": matron}, population=20_000, seed=20261101)
    admitted = Admission.objects.count()
    stays = (tmp_path / "virtual_ward" / "stays.csv").read_text().count("\n") - 1
    assert (
        said["ward admissions"] == admitted
        and admitted + said.get("stays left out (resident not published)", 0) == stays
    )
    assert (
        Observation.objects.filter(source="fhir", recorded_by=demo.DEVICES).count()
        == said["observation sets imported from FHIR NDJSON"]
    )
    # Deteriorating residents reach medium or high risk and raise alerts the board shows.
    assert Alert.objects.filter(risk__in=["medium", "high"]).exists() and said["alerts"] == Alert.objects.count()
    client.force_login(matron)
    board = client.get(reverse("virtualward:board")).content.decode()
    assert all(escape(a.resident.name) in board for a in Admission.objects.select_related("resident"))
    assert demo.seed(tmp_path, {"matron": matron}, population=20_000, seed=20261101) == {
        "skipped": f"{admitted} virtual ward admissions already recorded"
    }
    first_reading = json.loads((tmp_path / "virtual_ward" / "observations.ndjson").read_text().splitlines()[0])
    assert first_reading["subject"]["identifier"]["system"] == "https://fhir.nhs.uk/Id/nhs-number"
    assert all(a.admitted_at < timezone.now() - dt.timedelta(hours=1) for a in Admission.objects.all())

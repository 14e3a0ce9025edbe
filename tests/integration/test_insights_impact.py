"""INT impact page: residents taken on are matched to comparators, use of services is counted
from the linked extract around each index date, and the difference-in-differences is shown with
its balance table, from published counts only."""

import csv
import datetime as dt
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from octopus.insights.testing import resident_rows, write_snapshot
from octopus.population.testing import write_linked

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2026, 11, 1)
TAKEN_ON = dt.date(2025, 6, 2)
TREATED = [f"T{i:05d}" for i in range(0, 120, 3)]  # 40 residents, one practice's worth


def _linked(folder):
    """Every resident had two emergency admissions in the year before 2 June 2025; afterwards the
    residents taken on had none and everyone else one."""
    spells = ["person_id | admission_date | discharge_date | admission_method"]
    ae = ["person_id | arrival_datetime"]
    for i in range(600):
        pid = f"T{i:05d}"
        spells += [f"{pid} | 2025-01-10 | 2025-01-14 | emergency", f"{pid} | 2025-04-01 | 2025-04-03 | emergency"]
        if pid not in TREATED:
            spells.append(f"{pid} | 2025-09-01 | 2025-09-05 | emergency")
        ae.append(f"{pid} | 2025-03-01T10:00:00")
    persons = ["person_id | date_of_birth"] + [f"T{i:05d} | 1950-01-01" for i in range(600)]
    return write_linked(
        folder, {"persons": "\n".join(persons), "apc_spells": "\n".join(spells), "ae_attendances": "\n".join(ae)}
    )


@pytest.fixture
def world(tmp_path, client, make_user):
    from octopus.care.models import Case
    from octopus.directory.models import Organisation, Team
    from octopus.residents.models import Resident

    client.force_login(make_user("analyst"))
    snapshot = tmp_path / "snapshot"
    write_snapshot(snapshot, resident_rows(600), as_of=AS_OF)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    manifest["linked_extract"] = {"directory": str(_linked(tmp_path / "linked"))}
    (snapshot / "manifest.json").write_text(json.dumps(manifest))
    team = Team.objects.create(
        organisation=Organisation.objects.create(name="INT", heart="health"), name="INT team", tier="consistent"
    )
    opened = timezone.make_aware(dt.datetime.combine(TAKEN_ON, dt.time(10)))
    for pid in TREATED:
        resident = Resident.objects.create(person_id=pid, given_name="A", family_name="B")
        Case.objects.create(resident=resident, team=team, source="referral", opened_at=opened)
    return snapshot


def test_difference_in_differences_from_the_linked_extract(client, world):
    response = client.get(reverse("insights:impact") + "?csv=impact-12m")
    rows = {r["Measure"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    admissions = rows["Emergency admissions"]
    # Both groups had 2 before; after, 0 for those taken on and 1 for comparators: -1 exactly.
    assert (
        float(admissions["Cared for: before (per person)"]) == 2
        and float(admissions["Cared for: after (per person)"]) == 0
    )
    assert float(admissions["Comparators: after (per person)"]) == 1
    assert float(admissions["Difference in differences"]) == -1
    assert float(rows["Emergency bed days"]["Difference in differences"]) == -4
    assert float(rows["A&E attendances"]["Difference in differences"]) == 0


def test_page_shows_published_counts_balance_and_regression_to_the_mean(client, world):
    html = client.get(reverse("insights:impact")).content.decode()
    assert 'id="chart-impact-12m"' in html and 'id="chart-impact-balance-12m"' in html
    assert "Regression to the mean" in html and ">40<" in html  # 40 residents taken on, a multiple of 5
    assert not re.search(r"\bT\d{5}\b", html)  # no person id
    balance = client.get(reverse("insights:impact") + "?csv=impact-balance-12m").content.decode()
    assert "Emergency admissions in the 12 months before" in balance


def test_too_few_with_follow_up_shows_no_estimate(client, world):
    from octopus.care.models import Case

    Case.objects.update(opened_at=timezone.make_aware(dt.datetime(2026, 10, 1, 10)))
    html = client.get(reverse("insights:impact")).content.decode()
    assert "At least 10 matched residents" in html and 'id="chart-impact-12m"' not in html
    assert client.get(reverse("insights:impact") + "?months=7").status_code == 404

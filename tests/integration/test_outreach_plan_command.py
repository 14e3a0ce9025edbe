"""`octopus outreach plan --month YYYY-MM --format json`: the plan from the households published
to the database, in exactly the documented shape; bad workforce files name the entry at fault."""

import json

import pytest
from typer.testing import CliRunner

from octopus.outreach import queries
from octopus.outreach.cli import app
from octopus.residents.factories import make_household, make_resident

pytestmark = pytest.mark.django_db

WORKFORCE = """
households_per_chww: 2
target_areas: [E01004670]
chwws:
  - {name: Amina Hassan, start: [51.5239, -0.1703], languages: [Twi]}
  - {name: Tomasz Nowak, start: [51.5205, -0.1943], working_days: [mon, tue]}
"""


def test_plan_prints_the_documented_json(tmp_path):
    for i in range(4):
        household = make_household(address_line=f"{i + 1} Plan Street", lsoa_code="E01004670")
        make_resident(household=household, main_language="Twi" if i == 0 else "English")
    make_household(address_line="Elsewhere", lsoa_code="E01004732")
    (tmp_path / "team.yaml").write_text(WORKFORCE)
    result = CliRunner().invoke(
        app, ["plan", "--month", "2026-12", "--workforce", str(tmp_path / "team.yaml"), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout.strip().splitlines()[-1])
    assert [c["name"] for c in document["chwws"]] == ["Amina Hassan", "Tomasz Nowak"]
    ids = [h["id"] for c in document["chwws"] for d in c["days"] for h in d["households"]]
    assert len(ids) == len(set(ids)) == 4
    day = document["chwws"][0]["days"][0]
    assert set(day) == {"date", "metres", "households"} and day["date"].startswith("2026-12-")


def test_plan_names_the_bad_entry(tmp_path):
    (tmp_path / "team.yaml").write_text("target_areas: [E01004670]\nchwws:\n  - {name: Amina, start: [0, 0]}\n")
    result = CliRunner().invoke(app, ["plan", "--month", "2026-12", "--workforce", str(tmp_path / "team.yaml")])
    assert result.exit_code == 2 and "chwws entry 1 (Amina): start must be [latitude, longitude]" in result.output


def test_households_with_high_risk_or_gaps_are_ranked_higher():
    plain = make_household(address_line="1 A Street", lsoa_code="E01004670")
    make_resident(household=plain)
    risky = make_household(address_line="2 A Street", lsoa_code="E01004670")
    make_resident(household=risky, risk_band="1", prevention_gaps=[{"programme": "bowel_screening"}])
    found = {h.id: h for h in queries.planning_households(["E01004670"])}
    assert found[risky.household_id].priority == 3 and found[plain.household_id].priority == 0


def test_plan_page_shows_each_chwws_days_as_routes(client, make_user):
    for i in range(6):
        household = make_household(address_line=f"{i + 1} Plan Street", lsoa_code="E01004670")
        make_resident(household=household, given_name="Hidden")
    client.force_login(make_user("int_manager", username="planner"))
    page = client.post("/outreach/plan/", {"month": "2026-12"}, follow=True).content.decode()
    assert "Amina Hassan" in page and "Tomasz Nowak" in page and "Shirin Rahman" in page
    assert "1 Plan Street" in page and "Hidden" not in page
    assert "Amina Hassan&#39;s route on" in page and "octopus-route-map" in page
    assert "Enter the month as year and month" in client.post("/outreach/plan/", {"month": "December"}).content.decode()


def test_plan_page_runs_the_plan_as_a_job_with_progress(client, make_user):
    from octopus.outreach.models import PlanJob

    for i in range(6):
        make_resident(household=make_household(address_line=f"{i + 1} Plan Street", lsoa_code="E01004670"))
    client.force_login(make_user("int_manager", username="planner"))
    response = client.post("/outreach/plan/", {"month": "2026-12"})
    job = PlanJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/outreach/plan/jobs/{job.pk}/"
    # The test settings run tasks at once: the job has routed every CHWW of the shipped file.
    assert job.status == PlanJob.Status.FINISHED and job.done == job.total == 3
    assert sorted(h["id"] for c in job.result["chwws"] for d in c["days"] for h in d["households"]) == sorted(
        h.household_id for h in queries.living_households()
    )
    status = client.get(f"/outreach/plan/jobs/{job.pk}/status/")
    assert status["HX-Refresh"] == "true" and "Finished" in status.content.decode()
    # While it runs the panel polls itself and shows how many CHWWs are routed.
    PlanJob.objects.filter(pk=job.pk).update(status=PlanJob.Status.RUNNING, done=1)
    running = client.get(f"/outreach/plan/jobs/{job.pk}/status/")
    assert "HX-Refresh" not in running and "Routed 1 of 3 CHWWs" in running.content.decode()
    assert 'hx-trigger="every 2s"' in running.content.decode()


def test_a_plan_past_the_bank_holiday_list_fails_with_the_reason(client, make_user):
    from octopus.outreach.models import PlanJob

    client.force_login(make_user("int_manager", username="planner"))
    page = client.post("/outreach/plan/", {"month": "2031-01"}, follow=True).content.decode()
    assert PlanJob.objects.get().status == PlanJob.Status.FAILED
    assert "ends with 2027" in page

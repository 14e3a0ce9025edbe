"""Audit completeness for case-finding: every page writes one entry, every bulk action one
entry per resident acted on (beside the owning app's own entries), and every export one."""

import csv
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from octopus.casefinding import lists
from octopus.governance.models import AuditEvent
from tests.casefinding_factories import SHIELDED, pcn_world, registered

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return pcn_world()


def new_entries(before: int):
    return list(AuditEvent.objects.filter(id__gt=before).order_by("id"))


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("casefinding:index", []),
        ("casefinding:list", ["clinically_vulnerable"]),
        ("casefinding:list", ["rising-risk"]),
        ("casefinding:coverage", []),
    ],
)
def test_case_finding_page_writes_one_audit_entry(client, world, name, args):
    """One entry for the page, and on a list page one more per resident it names (so a subject
    access report shows who saw the resident listed)."""
    resident = registered(world["lisson"], cohorts=[SHIELDED], rising_risk=True, rising_risk_reason="Admitted twice")
    client.force_login(world["gp"])
    before = last_id()
    assert client.get(reverse(name, args=args)).status_code == 200
    entries = new_entries(before)
    page_entries = [e for e in entries if not e.summary.startswith("Listed on the")]
    assert len(page_entries) == 1 and page_entries[0].action == "view" and page_entries[0].username == "gp-lisson"
    assert page_entries[0].path
    listed = [e.resident_id for e in entries if e.summary.startswith("Listed on the")]
    assert listed == ([resident.person_id] if name == "casefinding:list" else [])


def bulk_post(world):
    from octopus.meetings import services as meetings

    series = meetings.create_series(
        None,
        name="North INC",
        kind="inc",
        team=world["pcn_team"],
        schedule="Thursdays",
        worklist="inc",
        pcn=world["pcn"],
        members=[(world["coordinator"], "Coordinator")],
    )
    meeting = meetings.schedule_meeting(series, None, timezone.now() + dt.timedelta(days=2))
    return {
        "case": {
            "case-tier": "proactive",
            "case-lead_professional": world["coordinator"].pk,
            "case-team": world["pcn_team"].pk,
            "case-reason": "Proactive review",
        },
        "check_ins": {
            "check_ins-caller": world["coordinator"].pk,
            "check_ins-script": "shielded_monthly",
            "check_ins-first_due": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        },
        "meeting": {"meeting-meeting": meeting.pk, "meeting-reason": "Top of the list"},
        "no_action": {"no_action-note": "Known to the practice nurse"},
        "follow_up": {"follow_up-owner": world["coordinator"].pk},
    }


def discharged(world):
    """On the recent-discharges list, with the hospital spell the publish step writes."""
    from octopus.residents.models import ActivityEvent, ActivityKind

    resident = registered(world["church"], cohorts=["Discharged in the last 14 days"], phone="020 7946 0100")
    left = timezone.localdate() - dt.timedelta(days=2)
    ActivityEvent.objects.create(
        resident=resident,
        occurred_on=left - dt.timedelta(days=3),
        kind=ActivityKind.ADMISSION,
        source_organisation="St Mary's Hospital",
        summary="Emergency admission (3 nights)",
        detail={"discharge_date": left.isoformat()},
        source_feed="apc_spells",
        source_key=f"RYJ:{resident.pk}",
    )
    return resident


@pytest.mark.parametrize("action", ["case", "check_ins", "meeting", "no_action", "follow_up"])
def test_bulk_action_audits_one_decision_per_resident(client, world, action):
    if action == "follow_up":
        chosen = [discharged(world) for _ in range(3)]
        url = reverse("casefinding:discharge_follow_up", args=["discharged_last_14_days"])
    else:
        chosen = [registered(world["church"], cohorts=[SHIELDED], phone="020 7946 0100") for _ in range(3)]
        url = reverse("casefinding:list", args=["clinically_vulnerable"])
    client.force_login(world["coordinator"])
    data = {"person_id": [r.person_id for r in chosen], "action": action, **bulk_post(world)[action]}
    before = last_id()
    response = client.post(url, data)
    assert response.status_code == 200 and "Not done" not in response.content.decode(), response.content.decode()[
        -3000:
    ]
    decisions = [e for e in new_entries(before) if e.object_type == "ListDecision"]
    assert sorted(e.resident_id for e in decisions) == sorted(r.person_id for r in chosen)
    assert all(e.basis and e.path and e.username == "pcn-coordinator" for e in decisions)


def test_refused_resident_gets_no_decision_entry(client, world):
    elsewhere = registered(world["pimlico"], cohorts=[SHIELDED])
    client.force_login(world["coordinator"])
    before = last_id()
    client.post(
        reverse("casefinding:list", args=["clinically_vulnerable"]),
        {"person_id": [elsewhere.person_id], "action": "no_action", "no_action-note": "x"},
    )
    assert not [e for e in new_entries(before) if e.resident_id == elsewhere.person_id]


def test_export_writes_the_page_rows_and_one_audit_entry(world, tmp_path):
    from octopus.cli import app

    mine = registered(world["lisson"], cohorts=[SHIELDED], risk_band="very high")
    registered(world["pimlico"], cohorts=[SHIELDED])
    target = tmp_path / "list.csv"
    before = last_id()
    result = CliRunner().invoke(
        app, ["export", "list", "clinically_vulnerable", "--format", "csv", "--user", "gp-lisson", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert [r["person_id"] for r in rows] == [mine.person_id]
    assert rows[0]["practice"] == "E99001" and rows[0]["band"] == "very high" and rows[0]["status"] == "To review"
    assert rows[0]["reason"] == lists.get_list("clinically_vulnerable").definition
    [entry] = new_entries(before)
    assert entry.action == "export" and entry.username == "gp-lisson" and "(1 residents)" in entry.summary


def test_export_with_source_ids_adds_each_partners_identifier(world, tmp_path, settings):
    import pandas as pd

    from octopus.cli import app

    mine = registered(world["lisson"], cohorts=[SHIELDED], risk_band="very high")
    linked = tmp_path / "data" / "linked"
    linked.mkdir(parents=True)
    pd.DataFrame(
        {
            "sender_code": ["RYJ", "E99001"],
            "source_record_id": ["a", "b"],
            "source_person_id": ["H123", "P9"],
            "person_id": [mine.person_id, mine.person_id],
        }
    ).to_parquet(linked / "apc_spells.parquet")
    settings.DATA_DIR = tmp_path / "data"
    target = tmp_path / "list.csv"
    result = CliRunner().invoke(
        app, ["export", "list", "clinically_vulnerable", "--user", "gp-lisson", "--with-source-ids", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(target.open()))
    assert row["person_id"] == mine.person_id and row["source_ids"] == "E99001:P9;RYJ:H123"


def test_export_needs_exactly_one_scope_and_a_known_list(world):
    from octopus.cli import app

    runner = CliRunner()
    assert "give exactly one scope" in runner.invoke(app, ["export", "list", "rising-risk"]).output
    result = runner.invoke(app, ["export", "list", "nope", "--practice", "E99001"])
    assert result.exit_code != 0 and "There is no list called 'nope'" in result.output


def test_export_for_a_practice_is_a_service_scope(world, tmp_path):
    from octopus.cli import app

    lisson = registered(world["lisson"], rising_risk=True, rising_risk_reason="New COPD diagnosis")
    registered(world["church"], rising_risk=True, rising_risk_reason="Admitted")
    target = tmp_path / "list.csv"
    result = CliRunner().invoke(app, ["export", "list", "rising-risk", "--practice", "E99001", "-o", str(target)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert [(r["person_id"], r["reason"]) for r in rows] == [(lisson.person_id, "New COPD diagnosis")]
    entry = AuditEvent.objects.order_by("-id").first()
    assert entry.username == "system" and "service export for Lisson Grove Practice" in entry.summary

"""The IG lead's pages: search, subject access report (HTML and CSV), verification; the CLI."""

import csv
import io

import pytest
from django.urls import reverse
from typer.testing import CliRunner

from octopus.governance import access, append_only, audit
from octopus.governance.cli import app
from octopus.governance.models import AuditEvent
from tests.security.factories import make_resident

pytestmark = pytest.mark.django_db


@pytest.fixture
def looked_at(make_user):
    nurse, resident = make_user("clinician", first_name="Nia", last_name="Nurse"), make_resident()
    audit.record(
        nurse, "view", "Opened the resident's record", resident_id=resident.person_id, basis="On your team's caseload"
    )
    access.request_break_glass(
        make_user("social_worker"), resident, "safeguarding", "Police called about a welfare check"
    )
    audit.record(nurse, "view", "Opened somebody else", resident_id="P-OTHER")
    return resident


def test_subject_access_report_lists_who_looked_and_why(client, make_user, looked_at):
    client.force_login(make_user("ig_lead"))
    response = client.get(reverse("governance:subject-access-report", args=[looked_at.person_id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Nia Nurse" in body and "On your team&#39;s caseload" in body
    assert "Break glass: Safeguarding concern" in body
    assert "P-OTHER" not in body
    assert (
        AuditEvent.objects.filter(
            action="view", resident_id=looked_at.person_id, path__startswith="/governance/subject-access"
        ).count()
        == 1
    )


def test_subject_access_csv(client, make_user, looked_at):
    client.force_login(make_user("ig_lead"))
    response = client.get(reverse("governance:subject-access-csv", args=[looked_at.person_id]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "When" and len(rows) == 3
    assert AuditEvent.objects.filter(action="export", resident_id=looked_at.person_id).exists()


def test_subject_access_csv_neutralises_formulas(client, make_user):
    resident = make_resident()
    audit.record(None, "view", '=HYPERLINK("http://evil")', resident_id=resident.person_id)
    client.force_login(make_user("ig_lead"))
    body = client.get(reverse("governance:subject-access-csv", args=[resident.person_id])).content.decode()
    assert "'=HYPERLINK" in body


def test_audit_search_filters_and_paginates(client, make_user, looked_at):
    client.force_login(make_user("ig_lead"))
    for n in range(60):
        audit.record(None, "load", f"bulk {n}")
    response = client.get(reverse("governance:audit"), {"person_id": looked_at.person_id})
    body = response.content.decode()
    assert "Police called" in body and "bulk" not in body
    page = client.get(reverse("governance:audit"), {"action": "load"}).content.decode()
    assert "Page 2 of 2" in page
    bad = client.get(reverse("governance:audit"), {"date_from": "2026-12-01", "date_to": "2026-01-01"}).content.decode()
    assert "The end date must be on or after the start date" in bad


def test_audit_search_refused_to_clinician(client, make_user):
    client.force_login(make_user("clinician"))
    assert client.get(reverse("governance:audit")).status_code == 403


def test_audit_verify_page_reports_intact_then_altered(client, make_user, looked_at):
    client.force_login(make_user("ig_lead"))
    before = AuditEvent.objects.count()
    page = client.get(reverse("governance:audit-verify")).content.decode()
    assert "Verify the audit log now" in page and "No checkpoint has been written yet" in page
    assert AuditEvent.objects.count() == before  # opening the page verifies nothing and writes nothing
    assert "The audit log is intact" in client.post(reverse("governance:audit-verify")).content.decode()
    assert "Last checkpoint: number 1" in client.get(reverse("governance:audit-verify")).content.decode()
    victim = AuditEvent.objects.order_by("id")[1]
    with append_only.suspended():
        AuditEvent.objects.filter(pk=victim.pk).update(summary="nothing to see")
    body = client.post(reverse("governance:audit-verify")).content.decode()
    assert "The audit log has been altered" in body and f"Entry {victim.pk}" in body


def test_cli_verify_exits_non_zero_naming_the_first_broken_entry(looked_at):
    runner = CliRunner()
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output
    victim = AuditEvent.objects.order_by("id")[2]
    with append_only.suspended():
        AuditEvent.objects.filter(pk=victim.pk).delete()
    result = runner.invoke(app, ["verify"])
    assert result.exit_code == 1
    assert f"Entry {victim.pk + 1}" in result.output


def test_cli_export_writes_entries_with_hashes(looked_at, tmp_path):
    target = tmp_path / "audit.csv"
    result = CliRunner().invoke(app, ["export", "--output", str(target), "--person-id", looked_at.person_id])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(target.open()))
    assert rows and all(row["resident_id"] == looked_at.person_id for row in rows)
    assert all(len(row["entry_hash"]) == 64 for row in rows)
    jsonl = CliRunner().invoke(app, ["export", "--format", "jsonl"])
    assert jsonl.exit_code == 0 and '"entry_hash"' in jsonl.output


def test_subject_access_finds_resident_by_nhs_number(client, make_user):
    resident = make_resident(nhs_number="9434765919", given_name="Ada", family_name="Lovelace")
    ig_lead = make_user("ig_lead")
    client.force_login(ig_lead)
    response = client.get(reverse("governance:subject-access"), {"nhs_number": "943 476 5919"})
    assert response.status_code == 302
    assert response["Location"] == reverse("governance:subject-access-report", args=[resident.person_id])
    report = client.get(response["Location"]).content.decode()
    assert "Ada Lovelace" in report and "943 476 5919" in report


def test_subject_access_by_name_and_birth_date_lists_matches_and_records_them(client, make_user):
    import datetime as dt

    born = dt.date(1950, 3, 27)
    twins = [make_resident(given_name=name, family_name="Okafor", date_of_birth=born) for name in ("Ade", "Bisi")]
    make_resident(given_name="Ade", family_name="Okafor", date_of_birth=dt.date(1951, 1, 1))
    client.force_login(make_user("ig_lead"))
    body = client.get(
        reverse("governance:subject-access"), {"family_name": "okafor", "date_of_birth": "1950-03-27"}
    ).content.decode()
    assert "2 residents match" in body
    for twin in twins:
        assert reverse("governance:subject-access-report", args=[twin.person_id]) in body
    listed = AuditEvent.objects.filter(summary="Listed as a possible match for a subject access request")
    assert sorted(listed.values_list("resident_id", flat=True)) == sorted(t.person_id for t in twins)
    narrowed = client.get(
        reverse("governance:subject-access"),
        {"family_name": "Okafor", "given_name": "bisi", "date_of_birth": "1950-03-27"},
    )
    assert narrowed["Location"].endswith(f"/{twins[1].person_id}/")


@pytest.mark.parametrize(
    "query, message",
    [
        ({"nhs_number": "12/34"}, "Enter a valid NHS number"),
        ({"nhs_number": "9434765918"}, "Enter a valid NHS number"),
        ({"family_name": "Okafor"}, "Enter the date of birth with the family name"),
        ({"given_name": "x"}, "Enter the NHS number, or the family name and date of birth"),
    ],
)
def test_subject_access_bad_input_names_the_field(client, make_user, query, message):
    client.force_login(make_user("ig_lead"))
    response = client.get(reverse("governance:subject-access"), query)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_break_glass_queue_names_residents_and_records_their_appearance(client, make_user):
    resident = make_resident(given_name="Grace", family_name="Hopper")
    access.request_break_glass(
        make_user("social_worker"), resident, "safeguarding", "Police called about a welfare check"
    )
    client.force_login(make_user("ig_lead"))
    body = client.get(reverse("governance:break-glass-queue")).content.decode()
    assert "Grace Hopper" in body
    assert (
        AuditEvent.objects.filter(
            resident_id=resident.person_id, summary="Listed on the break-glass review queue"
        ).count()
        == 1
    )

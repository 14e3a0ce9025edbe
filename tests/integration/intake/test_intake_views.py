"""The intake pages through the test client: loading, quarantine, review and linking."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from octopus.governance.models import AuditEvent
from octopus.population.feeds.store import FeedStore
from octopus.population.linkage.review import review_queue

FAULTY = Path(__file__).parents[2] / "fixtures" / "feeds"
pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, make_user):
    user = make_user("int_manager")
    client.force_login(user)
    return user


def _upload(client, *names):
    files = [SimpleUploadedFile(name, (FAULTY / name).read_bytes(), content_type="text/csv") for name in names]
    return client.post(reverse("intake:upload"), {"files": files})


def test_index_lists_deliveries_feeds_and_refused_files(client, manager, intake_dir):
    page = client.get(reverse("intake:index")).content.decode()
    assert "apc_spells__RYJ__bad_dates.csv" in page
    assert "asc_clients__E09000019__20261101.csv" in page
    assert "apc_spells__RYJ__missing_column.csv" in page  # refused, with its reason
    assert "Files refused whole (1)" in page


def test_deliveries_are_paged_and_filtered_by_feed(client, manager, intake_dir, monkeypatch):
    monkeypatch.setattr("octopus.intake.views.DELIVERIES_PER_PAGE", 1)
    first = client.get(reverse("intake:index")).content.decode()
    with FeedStore.open(intake_dir) as store:
        total = store.connection.execute("SELECT count(*) FROM deliveries").fetchone()[0]
    assert total >= 2 and f"{total} deliveries, latest first (page 1 of {total})" in first
    assert "Page 2 of" in first
    one_feed = client.get(reverse("intake:index"), {"feed": "asc_clients"}).content.decode()
    assert "asc_clients__E09000019__20261101.csv" in one_feed and "apc_spells__RYJ__bad_dates.csv" not in one_feed
    assert " of Adult social care clients, latest first" in one_feed
    unknown = client.get(reverse("intake:index"), {"feed": "no-such-feed"}).content.decode()
    assert f"{total} deliveries" in unknown  # an unknown feed shows everything rather than nothing


def test_upload_reports_each_file_loaded_refused_or_quarantined(client, manager, intake_dir):
    response = _upload(
        client,
        "apc_spells__RYJ__good.csv",
        "apc_spells__RYJ__semicolons.csv",
        "ae_attendances__RYJ__bad_nhs_numbers.csv",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="loaded"' in page
    assert 'data-outcome="rejected"' in page and "apc_spells__RYJ__semicolons.csv:" in page
    assert 'data-outcome="quarantined"' in page
    assert (intake_dir / "feeds" / "inbox" / "apc_spells__RYJ__good.csv").exists()
    assert AuditEvent.objects.filter(action="load").count() == 3
    with FeedStore.open(intake_dir) as store:
        assert store.connection.execute("SELECT count(*) FROM rejections").fetchone()[0] == 2


def test_upload_without_files_shows_the_error_summary(client, manager, intake_dir):
    response = client.post(reverse("intake:upload"), {})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "Choose one or more feed files to load" in response.content.decode()


def test_upload_refuses_other_file_types(client, manager, intake_dir):
    response = client.post(reverse("intake:upload"), {"files": [SimpleUploadedFile("notes.txt", b"hello")]})
    assert "Only CSV and Parquet files can be loaded, not notes.txt" in response.content.decode()


def test_quarantine_shows_row_field_reason_and_is_audited(client, manager, intake_dir):
    response = client.get(reverse("intake:quarantine"), {"file": "apc_spells__RYJ__bad_dates.csv"})
    page = response.content.decode()
    assert "is not a date in YYYY-MM-DD form" in page or "is in the future" in page or "is before" in page
    event = AuditEvent.objects.get(action="view")
    assert "apc_spells__RYJ__bad_dates.csv" in event.summary and event.basis


def test_quarantine_is_paginated(client, manager, intake_dir, monkeypatch):
    monkeypatch.setattr("octopus.intake.views.QUARANTINE_PAGE_SIZE", 1)
    page = client.get(reverse("intake:quarantine"), {"page": 2}).content.decode()
    assert "Page 1 of" in page and "Page 3 of" in page


def test_quarantine_download_is_csv_and_audited(client, manager, intake_dir):
    response = client.get(reverse("intake:quarantine-csv"), {"feed": "apc_spells"})
    lines = response.content.decode().splitlines()
    assert response["Content-Type"].startswith("text/csv")
    assert lines[0] == "delivery_id,feed,file_name,row_number,field,value,reason"
    assert len(lines) > 1
    assert AuditEvent.objects.filter(action="export").count() == 1


def test_review_pair_shows_fields_side_by_side_with_differences(client, manager, intake_dir):
    with FeedStore.open(intake_dir) as store:
        pair = review_queue(store)[0]
    page = client.get(reverse("intake:pair", args=[pair.pair_id])).content.decode()
    assert "Are these the same person?" in page
    assert "Date of birth" in page and f"{pair.match_probability:.3f}" in page
    assert "takes effect at the next link run" in page
    assert AuditEvent.objects.filter(action="view", summary__contains=pair.pair_id).exists()


def test_decisions_leave_the_queue_are_audited_and_apply_at_link_now(client, manager, intake_dir):
    with FeedStore.open(intake_dir) as store:
        first, second = review_queue(store)[:2]
    response = client.post(reverse("intake:decide", args=[first.pair_id]), {"decision": "match"})
    assert response.status_code == 302
    client.post(reverse("intake:decide", args=[second.pair_id]), {"decision": "non_match"})
    assert AuditEvent.objects.filter(action="review").count() == 2
    with FeedStore.open(intake_dir) as store:
        assert {p.pair_id for p in review_queue(store)}.isdisjoint({first.pair_id, second.pair_id})
    response = client.post(reverse("intake:link-now"), follow=True)
    assert "Link run 2" in response.content.decode()
    with FeedStore.open(intake_dir) as store:
        people = dict(store.connection.execute("SELECT unit_key, person_id FROM source_persons").fetchall())
    assert people[first.left_key] == people[first.right_key]
    assert people[second.left_key] != people[second.right_key]
    assert (intake_dir / "linked" / "manifest.json").exists()


def test_decided_pair_page_is_not_found(client, manager, intake_dir):
    with FeedStore.open(intake_dir) as store:
        pair_id = review_queue(store)[0].pair_id
    client.post(reverse("intake:decide", args=[pair_id]), {"decision": "match"})
    assert client.get(reverse("intake:pair", args=[pair_id])).status_code == 404


def test_linkage_overview_counts_methods(client, manager, intake_dir):
    page = client.get(reverse("intake:linkage")).content.decode()
    assert "Same NHS number" in page and "Pairs awaiting review" in page and "Run 1" in page


def test_linkage_overview_before_any_run(client, manager, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    assert "Linkage has not run yet" in client.get(reverse("intake:linkage")).content.decode()
    assert "No pairs are waiting" in client.get(reverse("intake:review")).content.decode()

"""Carry the care app's rising-risk notes over to the rising-risk list as "reviewed, no action"
decisions (decision 0022). A note written on the snapshot the resident is still listed from
keeps them off the to-review list; an older one is kept as the earlier decision, and the
resident is back to review, since what they are listed for may have changed since."""

from django.db import migrations


def copy_notes(apps, schema_editor):
    RisingRiskNote = apps.get_model("care", "RisingRiskNote")
    ListDecision = apps.get_model("casefinding", "ListDecision")
    decisions = []
    for note in RisingRiskNote.objects.select_related("resident").order_by("written_at", "id").iterator():
        resident = note.resident
        current = bool(note.snapshot_run_id) and note.snapshot_run_id == resident.snapshot_run_id
        decisions.append(
            ListDecision(
                list_name="rising-risk",
                resident=resident,
                outcome="no_action",
                detail="",
                note=note.note[:500],
                listed_reason=resident.rising_risk_reason if current else "",
                listed_band=resident.risk_band if current else "",
                listed_segment=resident.segment if current else "",
                snapshot_run_id=note.snapshot_run_id,
                decided_by_id=note.written_by_id,
                decided_at=note.written_at,
            )
        )
    ListDecision.objects.bulk_create(decisions, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("casefinding", "0001_initial"),
        ("care", "0001_initial"),
        ("residents", "0001_initial"),
    ]

    operations = [migrations.RunPython(copy_notes, migrations.RunPython.noop)]

"""The care-home register and who lives where: filled from the care-home feed at each publish
(``register_from_feed``), with homes and placements typed in by hand where the feed has none."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.directory.models import GPPractice
from octopus.governance import audit
from octopus.residents.models import Resident

from ..models import (
    PER_RESIDENT_ITEMS,
    CareHome,
    CareHomeKind,
    CareHomeResident,
    SupportItem,
    SupportRecord,
)


@transaction.atomic
def register_care_home(
    actor,
    *,
    name: str,
    kind: str,
    provider: str = "",
    beds=None,
    lead_gp=None,
    practice=None,
    postcode: str = "",
    weekly_round: str = "",
    frailty_nurse_contact: str = "",
    path: str = "",
) -> CareHome:
    home, created = CareHome.objects.update_or_create(
        name=name.strip(),
        defaults={
            "kind": kind,
            "provider": provider,
            "beds": beds,
            "lead_gp": lead_gp,
            "practice": practice,
            "postcode": postcode,
            "weekly_round": weekly_round.strip(),
            "frailty_nurse_contact": frailty_nurse_contact.strip(),
        },
    )
    audit.record(actor, "create" if created else "change", f"Care home {home.name} registered", obj=home, path=path)
    return home


@transaction.atomic
def place_resident(
    care_home: CareHome, resident, actor, moved_in_on: dt.date | None = None, path: str = ""
) -> CareHomeResident:
    if resident.is_deceased:
        raise ValidationError(f"{resident.name} has died.")
    today = moved_in_on or timezone.localdate()
    current = CareHomeResident.objects.select_for_update().filter(resident=resident, left_on__isnull=True).first()
    if current and current.care_home_id == care_home.pk:
        return current
    if current:
        current.left_on = today
        current.save(update_fields=["left_on"])
    placement = CareHomeResident.objects.create(care_home=care_home, resident=resident, moved_in_on=today)
    audit.record(
        actor, "change", f"Lives at {care_home.name}", resident_id=resident.person_id, obj=placement, path=path
    )
    return placement


@dataclass(frozen=True)
class RegisterUpdate:
    homes_added: int = 0
    homes: int = 0
    placements_added: int = 0
    placements_ended: int = 0

    def describe(self) -> str:
        return (
            f"Care-home register updated from the care-home feed: {self.homes} homes ({self.homes_added} new), "
            f"{self.placements_added} residents moved in, {self.placements_ended} moved out"
        )


def _feed_rows(path: Path) -> list[dict]:
    columns = [
        "person_id",
        "care_home_cqc_location_id",
        "care_home_name",
        "care_home_type",
        "move_in_date",
        "move_out_date",
    ]
    table = pq.read_table(path, columns=columns)
    return table.to_pylist()


def _most_common(values) -> str:
    counted = Counter(v for v in values if v)
    return counted.most_common(1)[0][0] if counted else ""


@transaction.atomic
def register_from_feed(linked_dir: Path, *, as_of: dt.date, actor=None) -> RegisterUpdate:
    """Fill the care-home register and its residents from the linked care-home feed.

    Homes are keyed by CQC location id; a home typed in by hand under the same name takes the id.
    A home's practice is the one most of its residents are registered with (GP registrations),
    and its postcode the one most of its residents have. A current placement in the feed (no
    move-out date) places the resident; a placement the feed made that it no longer lists as
    current ends on its move-out date, or on ``as_of``. Placements typed in by hand are left
    alone. One audit entry for the whole update: it is a data load, like the publish it runs in.
    """
    path = Path(linked_dir) / "care_home_residents.parquet"
    if not path.is_file():
        return RegisterUpdate()
    rows = _feed_rows(path)
    residents = {
        r.person_id: r
        for r in Resident.objects.filter(person_id__in={row["person_id"] for row in rows if row["person_id"]})
    }
    by_home: dict[str, list[dict]] = {}
    for row in rows:
        if row["care_home_cqc_location_id"]:
            by_home.setdefault(row["care_home_cqc_location_id"], []).append(row)
    practices = {
        p.ods_code: p
        for p in GPPractice.objects.filter(
            ods_code__in={r.practice_ods_code for r in residents.values() if r.practice_ods_code}
        )
    }
    homes_added, homes = 0, {}
    for location, home_rows in by_home.items():
        current = [
            residents[r["person_id"]] for r in home_rows if r["person_id"] in residents and r["move_out_date"] is None
        ]
        name = _most_common(r["care_home_name"] for r in home_rows)[:200]
        home = (
            CareHome.objects.filter(cqc_location_id=location).first()
            or CareHome.objects.filter(name=name, cqc_location_id="").first()
        )
        if home is None:
            # Care-home names are not unique across London ("The Lodge"); the register's are, so a
            # second location under a name already taken is told apart by its CQC location id.
            if CareHome.objects.filter(name=name).exists():
                name = f"{name[:180]} (CQC {location})"
            home, homes_added = CareHome(name=name, cqc_location_id=location), homes_added + 1
        home.cqc_location_id = location
        home.kind = _most_common(r["care_home_type"] for r in home_rows) or home.kind or CareHomeKind.RESIDENTIAL
        home.practice = (
            practices.get(_most_common(r.practice_ods_code for r in current if r.registered)) or home.practice
        )
        home.postcode = _most_common(r.postcode for r in current)[:10] or home.postcode
        home.save()
        homes[location] = home
    wanted: dict[int, tuple[CareHome, dt.date]] = {}
    for location, home_rows in by_home.items():
        for row in home_rows:
            resident = residents.get(row["person_id"])
            if resident is not None and row["move_out_date"] is None and not resident.is_deceased:
                wanted[resident.pk] = (homes[location], row["move_in_date"] or as_of)
    moved_out = {
        residents[r["person_id"]].pk: r["move_out_date"]
        for r in rows
        if r["person_id"] in residents and r["move_out_date"] is not None
    }
    added = ended = 0
    current = {p.resident_id: p for p in CareHomeResident.objects.select_for_update().filter(left_on__isnull=True)}
    for placement in current.values():
        stays = wanted.get(placement.resident_id)
        if placement.source == "feed" and (stays is None or stays[0].pk != placement.care_home_id):
            placement.left_on = max(moved_out.get(placement.resident_id) or as_of, placement.moved_in_on)
            placement.save(update_fields=["left_on"])
            ended += 1
    for resident_pk, (home, moved_in) in wanted.items():
        placement = current.get(resident_pk)
        if placement is not None and placement.left_on is None and placement.care_home_id == home.pk:
            continue
        if placement is not None and placement.left_on is None:
            placement.left_on = max(moved_in, placement.moved_in_on)  # moved from a home typed in by hand
            placement.save(update_fields=["left_on"])
        CareHomeResident.objects.create(care_home=home, resident_id=resident_pk, moved_in_on=moved_in, source="feed")
        added += 1
    update = RegisterUpdate(homes_added, len(homes), added, ended)
    audit.record(actor, "load", update.describe(), obj=None)
    return update


@transaction.atomic
def record_support(
    care_home: CareHome, actor, *, item: str, done_on: dt.date, resident=None, note: str = "", path: str = ""
) -> SupportRecord:
    """One item of the enhanced-support checklist done, by the actor; audited (per resident
    where the item is per resident)."""
    per_resident = item in PER_RESIDENT_ITEMS
    if per_resident and resident is None:
        raise ValidationError({"person_id": f"{SupportItem(item).label} is done for one resident: say which."})
    if not per_resident and resident is not None:
        raise ValidationError(
            {"person_id": f"{SupportItem(item).label} is for the home as a whole: leave the resident empty."}
        )
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "The date cannot be in the future."})
    if resident is not None and not care_home.placements.filter(resident=resident, left_on__isnull=True).exists():
        raise ValidationError({"person_id": f"{resident.name} does not live at {care_home.name}."})
    record = SupportRecord.objects.create(
        care_home=care_home,
        resident=resident,
        item=item,
        done_on=done_on,
        done_by=actor,
        note=note.strip()[:300],
        recorded_at=timezone.now(),
    )
    audit.record(
        actor,
        "create",
        f"{SupportItem(item).label} at {care_home.name} on {done_on.isoformat()}"[:300],
        resident_id=resident.person_id if resident else "",
        obj=record,
        path=path,
    )
    return record

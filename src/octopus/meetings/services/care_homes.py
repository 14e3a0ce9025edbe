"""The care-home register and who lives where."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from octopus.governance import audit

from ..models import CareHome, CareHomeResident


@transaction.atomic
def register_care_home(actor, *, name: str, kind: str, provider: str = "", beds=None, lead_gp=None, practice=None,
                       postcode: str = "", path: str = "") -> CareHome:
    home, created = CareHome.objects.update_or_create(
        name=name.strip(),
        defaults={"kind": kind, "provider": provider, "beds": beds, "lead_gp": lead_gp, "practice": practice, "postcode": postcode},
    )
    audit.record(actor, "create" if created else "change", f"Care home {home.name} registered", obj=home, path=path)
    return home


@transaction.atomic
def place_resident(care_home: CareHome, resident, actor, moved_in_on: dt.date | None = None, path: str = "") -> CareHomeResident:
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
    audit.record(actor, "change", f"Lives at {care_home.name}", resident_id=resident.person_id, obj=placement, path=path)
    return placement

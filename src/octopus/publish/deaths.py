"""Deaths from the deaths feed, and the care-home register from the care-home feed."""

import datetime as dt
from pathlib import Path

from octopus.core import bulk
from octopus.residents.models import Resident

from .inputs import BATCH, batches


def record_deaths(linked_dir: Path, known: dict[str, int], new_ids: set[str], actor) -> int:
    """Residents the deaths feed reports dead who were alive in Octopus.

    A resident published for the first time has nothing scheduled to stop, so their date of death
    is simply set; anyone already known goes through ``care.services.record_death``, which stops
    check-ins, closes cases and asks the lead professional to contact the family (journey 7).
    """
    from octopus.care.services import record_death

    path = linked_dir / "deaths.parquet"
    if not path.is_file():
        return 0
    deaths: dict[str, dt.date] = {}
    for rows in batches(path, ["person_id", "date_of_death"]):
        for row in rows:
            if row["person_id"] in known and row["date_of_death"]:
                deaths[row["person_id"]] = min(row["date_of_death"], deaths.get(row["person_id"], row["date_of_death"]))
    alive = (
        Resident.objects.filter(person_id__in=list(deaths), date_of_death__isnull=True)
        if deaths
        else Resident.objects.none()
    )
    recorded = 0
    first_seen = []
    for resident in alive.iterator(chunk_size=BATCH):
        resident.date_of_death = deaths[resident.person_id]
        if resident.person_id in new_ids:
            first_seen.append(resident)
        else:
            record_death(resident, deaths[resident.person_id], source="deaths feed", actor=actor)
        recorded += 1
    # One plain parameterised UPDATE per resident, sent in batches: Django's bulk_update builds a
    # CASE expression with a branch per row (with this, the 1M publish's deaths and care homes took
    # 6 s instead of 8 s).
    bulk.update(Resident, ["date_of_death"], "id", [(r.date_of_death, r.pk) for r in first_seen])
    return recorded


def register_care_homes(linked_dir: Path, as_of: dt.date, actor):
    """The care-home register and its residents from the care-home feed (issue: care homes from
    the data, not typed in one by one); after deaths, so nobody who died is placed."""
    from octopus.meetings.services.care_homes import register_from_feed

    return register_from_feed(linked_dir, as_of=as_of, actor=actor)

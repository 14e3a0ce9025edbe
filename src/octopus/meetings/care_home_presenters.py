"""View-models for a care home's page: its residents' risk, admissions and falls, and the
enhanced-support checklist with who did what and when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from octopus.governance import access
from octopus.residents.models import ActivityEvent, ActivityKind

from .models import PER_RESIDENT_ITEMS, CareHome, SupportItem, SupportRecord

# Falls: ICD-10 block W00-W19 ("Falls", chapter XX external causes; WHO ICD-10 2019), as the
# primary diagnosis of a hospital admission. A&E chief complaints would add more, but the feeds
# carry them too rarely to count on.
FALLS_ICD10_PREFIXES = tuple(f"W{n:02d}" for n in range(20))
# Counts cover the 12 months before the resident's snapshot date, the window the engine's own
# admission counts use (publish.scores SNAPSHOT_FLAGS).
WINDOW = dt.timedelta(days=365)


@dataclass(frozen=True)
class ResidentRow:
    resident: object
    clinical: bool
    risk: str  # band and centile, or why not shown
    emergency_admissions: int | None
    falls: int
    medicines_review: SupportRecord | None
    acp_reviewed: SupportRecord | None


def _is_fall(event: ActivityEvent) -> bool:
    return str((event.detail or {}).get("primary_diagnosis") or "").upper().startswith(FALLS_ICD10_PREFIXES)


def _risk(resident, clinical: bool) -> str:
    if not clinical:
        return "Not shown (clinical detail)"
    if resident.flags.get("analytics_excluded"):
        return "Not scored (opted out of analytics)"
    if resident.risk_centile is None:
        return "Not scored yet"
    return f"{resident.risk_band or 'Band not set'}, centile {resident.risk_centile:.0f}"


def _latest(records, item: str, resident_id: int | None):
    return next((r for r in records if r.item == item and r.resident_id == resident_id), None)


def resident_rows(home: CareHome, user, residents: list) -> list[ResidentRow]:
    """One row per resident the user may see; risk only for scopes with clinical detail."""
    ids = [r.pk for r in residents]
    earliest = min((r.snapshot_as_of for r in residents if r.snapshot_as_of), default=None)
    admissions = list(
        ActivityEvent.objects.filter(
            resident_id__in=ids,
            kind=ActivityKind.ADMISSION,
            **({"occurred_on__gt": earliest - WINDOW} if earliest else {}),
        )
    )
    records = list(
        SupportRecord.objects.filter(care_home=home, resident_id__in=ids, item__in=PER_RESIDENT_ITEMS).select_related(
            "done_by"
        )
    )
    rows = []
    for resident in residents:
        clinical = access.may_see_clinical_detail(user, resident)
        since = (resident.snapshot_as_of - WINDOW) if resident.snapshot_as_of else None
        falls = sum(
            1
            for e in admissions
            if e.resident_id == resident.pk and _is_fall(e) and (since is None or e.occurred_on > since)
        )
        rows.append(
            ResidentRow(
                resident,
                clinical,
                _risk(resident, clinical),
                resident.flags.get("emergency_admissions"),
                falls if clinical else 0,
                _latest(records, SupportItem.MEDICINES_REVIEW, resident.pk),
                _latest(records, SupportItem.ACP_REVIEWED, resident.pk),
            )
        )
    return rows


@dataclass(frozen=True)
class HomeItem:
    label: str
    arrangement: str  # what is in place, from the register
    latest: SupportRecord | None


def home_checklist(home: CareHome) -> list[HomeItem]:
    records = list(SupportRecord.objects.filter(care_home=home, resident__isnull=True).select_related("done_by"))
    return [
        HomeItem(
            SupportItem.LEAD_GP.label,
            home.lead_gp.display_name if home.lead_gp else "No lead GP named",
            _latest(records, SupportItem.LEAD_GP, None),
        ),
        HomeItem(
            SupportItem.WEEKLY_ROUND.label,
            home.weekly_round or "No round arranged",
            _latest(records, SupportItem.WEEKLY_ROUND, None),
        ),
        HomeItem(
            SupportItem.FRAILTY_NURSE.label,
            home.frailty_nurse_contact or "No frailty nurse contact recorded",
            _latest(records, SupportItem.FRAILTY_NURSE, None),
        ),
    ]

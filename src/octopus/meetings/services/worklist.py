"""Generating a meeting's worklist from the latest population snapshot and Octopus's own records.

Runs as a service over the whole population of the series' area: finding who should be discussed
is the meeting's legitimate purpose. Pages show the entries only to the series' attendees.

Speed (50,000 residents in well under a second, see docs/benchmarks.md): every snapshot source is
folded into **one** query that returns only the residents matching at least one source, with the
few columns needed to write the reasons; caseload and referral sources are indexed lookups; new
entries are written with one ``bulk_create``.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from octopus.care.models import Case, Referral
from octopus.governance import audit
from octopus.residents.models import Resident

from .. import config
from ..models import EntryStatus, Meeting, MeetingSeries, WorklistEntry

CARRIED = "carried_over"
ADDED = "added"


@dataclass(frozen=True)
class WorklistReport:
    listed: int
    new: int
    removed: int
    by_source: dict[str, int]


def scope_q(series: MeetingSeries) -> Q:
    """The residents this series looks after: a care home's residents, a PCN's registered
    patients, or a neighbourhood's (registered with its practices or living in its LSOAs)."""
    if series.care_home_id:
        return Q(care_home_placements__care_home_id=series.care_home_id, care_home_placements__left_on__isnull=True)
    if series.pcn_id:
        return Q(practice_ods_code__in=list(series.pcn.practices.values_list("ods_code", flat=True)))
    if series.neighbourhood_id:
        practices = list(series.neighbourhood.practices.values_list("ods_code", flat=True))
        lsoas = list(series.neighbourhood.lsoas.values_list("code", flat=True))
        return Q(practice_ods_code__in=practices) | Q(lsoa_code__in=lsoas)
    return Q(pk__in=[])


def _known_to_team(series: MeetingSeries) -> Q:
    cases = Case.objects.filter(team_id=series.team_id, closed_at__isnull=True).values("resident_id")
    referrals = Referral.objects.filter(to_team_id=series.team_id).values("resident_id")
    return Q(pk__in=cases) | Q(pk__in=referrals)


def _snapshot_condition(source: config.Source) -> Q:
    if source.kind == "flag":
        return Q(**{f"flags__{source.flag}": True})
    if source.kind == "count":
        return Q(**{f"flags__{source.flag}__gte": source.at_least})
    if source.kind == "rising_risk":
        return Q(rising_risk=True)
    return Q(pk__in=[])


def _snapshot_reason(source: config.Source, flags: dict, rising: bool, rising_reason: str, registered: bool) -> str | None:
    if source.kind == "flag":
        return source.describe() if flags.get(source.flag) is True else None
    if source.kind == "count":
        value = flags.get(source.flag)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= source.at_least:
            return source.describe(n=int(value))
        return None
    if source.kind == "rising_risk":
        return source.describe(reason=rising_reason or "no reason given") if rising else None
    if source.kind == "unregistered":
        return source.describe() if not registered else None
    return None


def find_candidates(series: MeetingSeries, today: dt.date | None = None) -> dict[int, dict]:
    """{resident pk: {"sources": [{"source", "reason"}], "referred_at": datetime | None}}."""
    today = today or timezone.localdate()
    sources = config.settings().worklist(series.worklist)
    found: dict[int, dict] = {}

    def add(pk: int, code: str, reason: str, referred_at=None):
        entry = found.setdefault(pk, {"sources": [], "referred_at": None})
        entry["sources"].append({"source": code, "reason": reason})
        if referred_at and (entry["referred_at"] is None or referred_at < entry["referred_at"]):
            entry["referred_at"] = referred_at

    living = Resident.objects.filter(date_of_death__isnull=True)
    snapshot_sources = [s for s in sources if s.kind in {"flag", "count", "rising_risk", "unregistered"}]
    if snapshot_sources:
        wanted = Q(pk__in=[])
        for source in snapshot_sources:
            if source.kind != "unregistered":
                wanted |= _snapshot_condition(source)
        condition = scope_q(series) & wanted
        if any(s.kind == "unregistered" for s in snapshot_sources):
            condition |= Q(registered=False) & (scope_q(series) | _known_to_team(series))
        rows = living.filter(condition).values_list("pk", "flags", "rising_risk", "rising_risk_reason", "registered")
        if series.care_home_id:
            rows = rows.distinct()  # the placement join could repeat a resident
        for pk, flags, rising, rising_reason, registered in rows:
            flags = flags or {}
            for source in snapshot_sources:
                reason = _snapshot_reason(source, flags, rising, rising_reason, registered)
                if reason:
                    add(pk, source.code, reason)

    for source in sources:
        if source.kind == "review_due":
            horizon = today + dt.timedelta(days=source.within_days)
            cases = Case.objects.filter(
                team_id=series.team_id, closed_at__isnull=True, next_review_due__lte=horizon,
                resident__date_of_death__isnull=True,
            ).values_list("resident_id", "next_review_due")
            for pk, due in cases:
                when = "overdue since" if due < today else "due"
                add(pk, source.code, f"{source.label}: {when} {due:%-d %b %Y}")
        elif source.kind == "referrals_to_team":
            since = timezone.now() - dt.timedelta(days=source.since_days)
            referrals = Referral.objects.filter(
                to_team_id=series.team_id, sent_at__gte=since, resident__date_of_death__isnull=True
            ).select_related("sender").order_by("sent_at")
            for referral in referrals:
                add(referral.resident_id, source.code,
                    f"{source.label}: from {referral.sender.display_name} on {referral.sent_at:%-d %b %Y}",
                    referred_at=referral.sent_at)
    return found


def _carried_into(meeting: Meeting) -> dict[int, dict]:
    """Residents carried over from earlier meetings of the series and not yet listed again."""
    earlier = WorklistEntry.objects.filter(
        meeting__series_id=meeting.series_id, meeting__starts_at__lt=meeting.starts_at,
        status=EntryStatus.CARRIED_OVER, carried_to__isnull=True, resident__date_of_death__isnull=True,
    ).select_related("meeting")
    return {
        e.resident_id: {"entry": e, "reason": f"Carried over from the meeting on {e.meeting.starts_at:%-d %b %Y}"
                        + (f": {e.triage_note}" if e.triage_note else "")}
        for e in earlier
    }


@transaction.atomic
def generate_worklist(meeting: Meeting, actor=None, *, today: dt.date | None = None, path: str = "") -> WorklistReport:
    """(Re)build the worklist. Safe to repeat: triage decisions and entries added by hand or
    carried over are kept; untriaged entries that no longer match any source are removed."""
    if meeting.is_closed:
        raise ValueError("This meeting is closed; its worklist can no longer change.")
    candidates = find_candidates(meeting.series, today)
    carried = _carried_into(meeting)
    existing = {e.resident_id: e for e in meeting.entries.all()}
    new_entries, changed, removed = [], [], []
    for pk in set(candidates) | set(carried):
        generated = candidates.get(pk, {"sources": [], "referred_at": None})
        sources = list(generated["sources"])
        if pk in carried:
            sources.insert(0, {"source": CARRIED, "reason": carried[pk]["reason"]})
        if pk in existing:
            entry = existing[pk]
            kept = [s for s in entry.sources if s["source"] in {CARRIED, ADDED}]
            merged = kept + [s for s in sources if s not in kept]
            referred_at = entry.referred_at or generated["referred_at"]
            if merged != entry.sources or referred_at != entry.referred_at:
                entry.sources, entry.referred_at = merged, referred_at
                changed.append(entry)
        else:
            new_entries.append(WorklistEntry(
                meeting=meeting, resident_id=pk, sources=sources, referred_at=generated["referred_at"],
                carried_from=carried[pk]["entry"] if pk in carried else None,
            ))
    for pk, entry in existing.items():
        if pk not in candidates and pk not in carried and entry.status == EntryStatus.LISTED:
            if not any(s["source"] in {CARRIED, ADDED} for s in entry.sources):
                removed.append(entry.pk)
    WorklistEntry.objects.bulk_create(new_entries, batch_size=2000)
    WorklistEntry.objects.bulk_update(changed, ["sources", "referred_at"], batch_size=1000)
    WorklistEntry.objects.filter(pk__in=removed).delete()
    # An entry already listed this week that is also carried over remembers where it came from.
    for entry in existing.values():
        if entry.resident_id in carried and entry.carried_from_id is None:
            entry.carried_from = carried[entry.resident_id]["entry"]
            entry.save(update_fields=["carried_from"])
    meeting.worklist_generated_at = timezone.now()
    meeting.snapshot_as_of = (
        Resident.objects.filter(snapshot_as_of__isnull=False).order_by("-snapshot_as_of").values_list("snapshot_as_of", flat=True).first()
    )
    meeting.save(update_fields=["worklist_generated_at", "snapshot_as_of"])
    by_source: dict[str, int] = {}
    for info in candidates.values():
        for s in info["sources"]:
            by_source[s["source"]] = by_source.get(s["source"], 0) + 1
    if carried:
        by_source[CARRIED] = len(carried)
    listed = meeting.entries.count()
    audit.record(actor, "run", f"Generated the worklist for {meeting}: {listed} residents ({len(new_entries)} new)"[:300],
                 obj=meeting, path=path)
    return WorklistReport(listed=listed, new=len(new_entries), removed=len(removed), by_source=by_source)

"""Generating a meeting's worklist from the latest population snapshot and Octopus's own records.

Runs as a service over the whole population of the series' area: finding who should be discussed
is the meeting's legitimate purpose. Pages show the entries only to the series' attendees.

Each source lists at most its ``limit`` of residents (meetings.yaml), the top ones by its figure;
a resident listed by any source carries the reasons of every source they match.

Speed (50,000 residents in well under a second, see docs/benchmarks.md): every snapshot source is
folded into **one** query that returns only the residents matching at least one source, with the
few columns needed to rank them and write the reasons; ranking and limits are done on those rows
in Python (one scan beats one ``ORDER BY … LIMIT`` query per source, each of which would scan the
neighbourhood again); caseload and referral sources are indexed lookups; new entries are written
with one narrow ``executemany`` (``core.bulk``), not model instances.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from octopus.care.models import Case, Referral
from octopus.core import bulk
from octopus.governance import audit
from octopus.insights.models import PublishedSnapshot
from octopus.residents.models import Resident

from .. import config
from ..models import EntryStatus, Meeting, MeetingSeries, WorklistEntry

CARRIED = "carried_over"
ADDED = "added"
SNAPSHOT_KINDS = {"flag", "count", "rising_risk", "unregistered", "cohort"}
# The columns a new entry needs; the others are empty until triage and are left to the database.
INSERTED = (
    "meeting",
    "resident",
    "sources",
    "referred_at",
    "carried_from",
    "status",
    "triage_note",
    "discussion_basis",
    "summary",
    "decisions",
    "tier_change",
)


@dataclass(frozen=True)
class WorklistReport:
    listed: int
    new: int
    removed: int
    by_source: dict[str, int]
    # Per source: residents it matched who are not on the worklist because of its limit.
    not_listed: dict[str, int] = field(default_factory=dict)


@dataclass
class Candidate:
    sources: list[dict]  # [{"source", "reason"}], every source the resident matches, in the worklist's order
    referred_at: dt.datetime | None = None


@dataclass(frozen=True)
class Candidates:
    matched: dict[int, Candidate]  # everyone matching at least one source
    listed: set[int]  # those within at least one source's limit
    by_source: dict[str, set[int]]  # who each source matched

    def not_listed(self, on_worklist: set[int]) -> dict[str, int]:
        return {code: len(pks - on_worklist) for code, pks in self.by_source.items() if pks - on_worklist}


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
    if source.kind == "cohort":
        # As case-finding's lists: jsonb containment on PostgreSQL; SQLite has no such lookup, so
        # the text is searched for the quoted title, which cannot match a longer title.
        if connection.vendor == "postgresql":
            return Q(cohorts__contains=[source.cohort_title])
        return Q(cohorts__icontains=json.dumps(source.cohort_title))
    return Q(pk__in=[])


def _figure(source: config.Source, flags: dict) -> int | None:
    value = flags.get(source.flag)
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= source.at_least:
        return int(value)
    return None


def _snapshot_match(
    source: config.Source,
    flags: dict,
    rising: bool,
    rising_reason: str,
    registered: bool,
    risk: float | None,
    cohorts: list | None = None,
    cohort_title: str = "",
) -> tuple[tuple, str] | None:
    """(rank, reason) when the resident matches; lower ranks are listed first."""
    # Without a figure of its own a source puts the residents most likely to be admitted first.
    by_risk = (-(risk if risk is not None else -1.0),)
    if source.kind == "flag":
        return (by_risk, source.describe()) if flags.get(source.flag) is True else None
    if source.kind == "count":
        n = _figure(source, flags)
        return ((-n, *by_risk), source.describe(n=n)) if n is not None else None
    if source.kind == "rising_risk":
        return (by_risk, source.describe(reason=rising_reason or "no reason given")) if rising else None
    if source.kind == "unregistered":
        return (by_risk, source.describe()) if not registered else None
    if source.kind == "cohort":
        return (by_risk, source.describe()) if cohort_title in (cohorts or []) else None
    return None


SNAPSHOT_COLUMNS = ("pk", "flags", "rising_risk", "rising_risk_reason", "registered", "risk_probability", "cohorts")


def snapshot_query(series: MeetingSeries, sources: list[config.Source]):
    """Living residents in the series' scope who match a snapshot source, with the columns needed
    to rank them and write the reasons. The scope leads the query, so its indexes (practice, LSOA,
    care home) narrow the scan when the series covers part of the population."""
    wanted = Q(pk__in=[])
    for source in sources:
        wanted |= Q(registered=False) if source.kind == "unregistered" else _snapshot_condition(source)
    rows = Resident.objects.filter(scope_q(series) & wanted, date_of_death__isnull=True).values_list(*SNAPSHOT_COLUMNS)
    return rows.distinct() if series.care_home_id else rows  # the placement join could repeat a resident


def _snapshot_rows(series: MeetingSeries, sources: list[config.Source]):
    yield from snapshot_query(series, sources)
    # Unregistered residents known to the team but living elsewhere: a second, small query through
    # the team's records, rather than an OR that would stop the scope's indexes being used.
    if any(s.kind == "unregistered" for s in sources):
        known = Resident.objects.filter(_known_to_team(series), registered=False, date_of_death__isnull=True)
        yield from known.values_list(*SNAPSHOT_COLUMNS)


def _scan_snapshot(series: MeetingSeries, sources: list[config.Source]):
    """(pk, source, rank, reason, referred_at) for every snapshot source a resident matches."""
    snapshot_sources = [s for s in sources if s.kind in SNAPSHOT_KINDS]
    if not snapshot_sources:
        return
    seen: set[int] = set()
    # Looked up once, not per resident: a title comes from cohorts.yaml through the loader.
    titles = {s.code: s.cohort_title for s in snapshot_sources if s.kind == "cohort"}
    for pk, flags, rising, rising_reason, registered, risk, cohorts in _snapshot_rows(series, snapshot_sources):
        if pk in seen:  # in scope and also known to the team
            continue
        seen.add(pk)
        flags = flags or {}
        for source in snapshot_sources:
            match = _snapshot_match(
                source, flags, rising, rising_reason, registered, risk, cohorts, titles.get(source.code, "")
            )
            if match:
                yield pk, source, match[0], match[1], None


def _scan_team(series: MeetingSeries, sources: list[config.Source], today: dt.date):
    """The team's own records: reviews due on its caseload and referrals sent to it."""
    for source in sources:
        if source.kind == "review_due":
            horizon = today + dt.timedelta(days=source.within_days)
            cases = Case.objects.filter(
                team_id=series.team_id,
                closed_at__isnull=True,
                next_review_due__lte=horizon,
                resident__date_of_death__isnull=True,
            ).values_list("resident_id", "next_review_due")
            for pk, due in cases:
                when = "overdue since" if due < today else "due"
                yield pk, source, (due,), f"{source.label}: {when} {due:%-d %b %Y}", None
        elif source.kind == "referrals_to_team":
            since = timezone.now() - dt.timedelta(days=source.since_days)
            referrals = (
                Referral.objects.filter(
                    to_team_id=series.team_id, sent_at__gte=since, resident__date_of_death__isnull=True
                )
                .select_related("sender")
                .order_by("sent_at")
            )
            for referral in referrals:
                yield (
                    referral.resident_id,
                    source,
                    (referral.sent_at,),
                    f"{source.label}: from {referral.sender.display_name} on {referral.sent_at:%-d %b %Y}",
                    referral.sent_at,
                )


def find_candidates(series: MeetingSeries, today: dt.date | None = None) -> Candidates:
    """Everyone the series' worklist sources match, and who is listed within each source's limit."""
    today = today or timezone.localdate()
    sources = config.settings().worklist(series.worklist)
    order = {source.code: i for i, source in enumerate(sources)}
    reasons: dict[int, list[tuple[int, str]]] = {}
    referred: dict[int, dt.datetime] = {}
    ranked: dict[str, dict[int, tuple]] = {source.code: {} for source in sources}
    for pk, source, rank, reason, referred_at in (
        *_scan_snapshot(series, sources),
        *_scan_team(series, sources, today),
    ):
        reasons.setdefault(pk, []).append((order[source.code], reason))
        # A resident with several matches in one source (two referrals) is ranked by the first.
        ranked[source.code][pk] = min(rank, ranked[source.code].get(pk, rank))
        if referred_at and (pk not in referred or referred_at < referred[pk]):
            referred[pk] = referred_at
    listed: set[int] = set()
    for source in sources:
        top = sorted(ranked[source.code], key=lambda pk, by=ranked[source.code]: (by[pk], pk))
        listed.update(top[: source.limit] if source.limit else top)
    matched = {
        pk: Candidate(
            sources=[{"source": sources[i].code, "reason": r} for i, r in sorted(found, key=lambda x: x[0])],
            referred_at=referred.get(pk),
        )
        for pk, found in reasons.items()
    }
    return Candidates(matched=matched, listed=listed, by_source={code: set(pks) for code, pks in ranked.items()})


def _carried_into(meeting: Meeting) -> dict[int, dict]:
    """Residents carried over from earlier meetings of the series and not yet listed again."""
    earlier = WorklistEntry.objects.filter(
        meeting__series_id=meeting.series_id,
        meeting__starts_at__lt=meeting.starts_at,
        status=EntryStatus.CARRIED_OVER,
        carried_to__isnull=True,
        resident__date_of_death__isnull=True,
    ).select_related("meeting")
    return {
        e.resident_id: {
            "entry": e,
            "reason": f"Carried over from the meeting on {e.meeting.starts_at:%-d %b %Y}"
            + (f": {e.triage_note}" if e.triage_note else ""),
        }
        for e in earlier
    }


def _latest_snapshot_date() -> dt.date | None:
    return PublishedSnapshot.objects.order_by("-published_at").values_list("as_of", flat=True).first()


@transaction.atomic
def generate_worklist(meeting: Meeting, actor=None, *, today: dt.date | None = None, path: str = "") -> WorklistReport:
    """(Re)build the worklist. Safe to repeat: triage decisions and entries added by hand or
    carried over are kept; untriaged entries no longer listed by any source are removed."""
    if meeting.is_closed:
        raise ValueError("This meeting is closed; its worklist can no longer change.")
    candidates = find_candidates(meeting.series, today)
    carried = _carried_into(meeting)
    existing = {e.resident_id: e for e in meeting.entries.all()}
    new_rows, changed, removed = [], [], []
    for pk in candidates.listed | set(carried):
        generated = candidates.matched.get(pk) or Candidate(sources=[])
        sources = list(generated.sources)
        if pk in carried:
            sources.insert(0, {"source": CARRIED, "reason": carried[pk]["reason"]})
        if pk in existing:
            entry = existing[pk]
            kept = [s for s in entry.sources if s["source"] in {CARRIED, ADDED}]
            merged = kept + [s for s in sources if s not in kept]
            referred_at = entry.referred_at or generated.referred_at
            if merged != entry.sources or referred_at != entry.referred_at:
                entry.sources, entry.referred_at = merged, referred_at
                changed.append(entry)
        else:
            new_rows.append(
                (
                    meeting.pk,
                    pk,
                    sources,
                    generated.referred_at,
                    carried[pk]["entry"].pk if pk in carried else None,
                    EntryStatus.LISTED,
                    "",
                    "",
                    "",
                    "",
                    "",
                )
            )
    for pk, entry in existing.items():
        if pk not in candidates.listed and pk not in carried and entry.status == EntryStatus.LISTED:
            if not any(s["source"] in {CARRIED, ADDED} for s in entry.sources):
                removed.append(entry.pk)
    bulk.insert(WorklistEntry, INSERTED, new_rows)
    WorklistEntry.objects.bulk_update(changed, ["sources", "referred_at"], batch_size=1000)
    WorklistEntry.objects.filter(pk__in=removed).delete()
    # An entry already listed this week that is also carried over remembers where it came from.
    for entry in existing.values():
        if entry.resident_id in carried and entry.carried_from_id is None:
            entry.carried_from = carried[entry.resident_id]["entry"]
            entry.save(update_fields=["carried_from"])
    on_worklist = set(meeting.entries.values_list("resident_id", flat=True))
    not_listed = candidates.not_listed(on_worklist)
    meeting.worklist_generated_at = timezone.now()
    meeting.snapshot_as_of = _latest_snapshot_date()
    meeting.worklist_not_listed = not_listed
    meeting.save(update_fields=["worklist_generated_at", "snapshot_as_of", "worklist_not_listed"])
    by_source = {code: len(pks & on_worklist) for code, pks in candidates.by_source.items() if pks & on_worklist}
    if carried:
        by_source[CARRIED] = len(carried)
    beyond = f"; {sum(not_listed.values())} more matched but were beyond the limits" if not_listed else ""
    audit.record(
        actor,
        "run",
        f"Generated the worklist for {meeting}: {len(on_worklist)} residents ({len(new_rows)} new{beyond})"[:300],
        obj=meeting,
        path=path,
    )
    return WorklistReport(
        listed=len(on_worklist), new=len(new_rows), removed=len(removed), by_source=by_source, not_listed=not_listed
    )

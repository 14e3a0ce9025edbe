"""The case-finding lists and the one query that builds each: the page, the export and the
benchmark all call ``rows`` (decision 0022), so what is exported is what the page shows.

A list is rising risk (``Resident.rising_risk``, with the engine's reason) or a cohort from
``population/config/cohorts.yaml`` (``Resident.cohorts`` holds the titles of the cohorts the
last snapshot put the resident in). Only living residents are listed.
"""

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Case, CharField, Count, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat

from octopus.care.models import Case as CareCase
from octopus.governance import access
from octopus.population.cohorts.load import load_cohorts
from octopus.residents.models import Resident

from .models import ListDecision, Outcome
from .models.decision import ACTED_ON

RISING_RISK = "rising-risk"
RISING_RISK_DEFINITION = (
    "Risk centile rose by at least 10 since the previous snapshot, or newly in the top 20% "
    "(population/config/bands.yaml); each resident's reason is what changed."
)

# Statuses on a list, derived from the decision that still applies (models/decision.py).
ACTED = "acted"
NO_ACTION = "no_action"
TO_REVIEW = "to_review"
STATUSES = {TO_REVIEW: "To review", ACTED: "Acted on", NO_ACTION: "Reviewed, no action"}


class UnknownList(LookupError):
    """No cohort or list of that name; the message lists the names there are."""


@dataclass(frozen=True)
class CaseList:
    name: str
    title: str
    definition: str
    cohort_title: str = ""  # the title Resident.cohorts carries; blank for rising risk

    @property
    def is_rising_risk(self) -> bool:
        return self.name == RISING_RISK


def all_lists() -> tuple[CaseList, ...]:
    cohorts = tuple(CaseList(c.name, c.title, " ".join(c.description.split()), c.title) for c in load_cohorts())
    return (CaseList(RISING_RISK, "Rising risk", RISING_RISK_DEFINITION), *cohorts)


def get_list(name: str) -> CaseList:
    for case_list in all_lists():
        if case_list.name == name:
            return case_list
    names = ", ".join(c.name for c in all_lists())
    raise UnknownList(f"There is no list called {name!r}. The lists are: {names}.")


# Up to this many residents, a user's lists read them by primary key; beyond it, by reading every
# resident once (decision 0079). Reading by key costs a random page per resident, the scan every
# page in order. At 1M residents on PostgreSQL (the index page's counts, median of 5): the scan
# ~0.4 s whoever asks; by key, 2,500 residents 33 ms, 10,000 187 ms, 20,000 430 ms.
FEW = 10_000


def visible_to(user) -> QuerySet[Resident]:
    """The residents this user may open, for the lists to count and page through.

    A team's staff have their caseloads' residents, a practice's its registered list: up to
    ``FEW`` of them, their ids are read first, by each relationship's index, and the lists then
    read just those rows (decision 0079). A user with more (a PCN's clinician, a large practice)
    gets ``access.residents_for_scan``: a list then reads every resident anyway (cohort
    membership is JSON no index serves), so the access terms are tested as it scans, each
    relationship's residents hashed once (decision 0026); the union ``access.residents_for``
    builds was estimated at 200 rows and joined back by one index lookup per resident (1.5 s of a
    2 s page for a PCN covering 50,000)."""
    few = access.resident_ids_upto(user, _few())
    if few is None:
        return access.residents_for_scan(user)
    return Resident.objects.filter(pk__in=few)


def _few() -> int:
    """``FEW``, or half the parameters Django lets one statement take if that is less (999 on
    SQLite, whatever the build allows): the list's other filters need some too. The demo's
    SQLite lists therefore scan for a user with more than 499 residents, as they did before."""
    most = connection.features.max_query_params
    return FEW if most is None else min(FEW, most // 2)


def members_q(case_list: CaseList) -> Q:
    if case_list.is_rising_risk:
        return Q(rising_risk=True, date_of_death__isnull=True)
    # JSON containment is PostgreSQL's (jsonb @>); SQLite has no such lookup, so there the list's
    # text is searched for the quoted title, which cannot match a longer title containing it.
    if connection.vendor == "postgresql":
        return Q(cohorts__contains=[case_list.cohort_title], date_of_death__isnull=True)
    return Q(cohorts__icontains=json.dumps(case_list.cohort_title), date_of_death__isnull=True)


# Separates the parts of a decision's key; not a character a band, segment or reason contains.
_SEP = "\x1f"


def _key(*parts) -> Concat:
    """One text value from a row's id and what it was listed for: PostgreSQL tests
    ``key IN (SELECT key …)`` against a hashed set of the decisions, without reading the
    residents a second time (a join of decisions to residents cost 80 ms per status at 50,000)."""
    joined = [Cast(parts[0], CharField())]
    for part in parts[1:]:
        joined += [Value(_SEP), part]
    return Concat(*joined, output_field=CharField())


def _listed_for(case_list: CaseList) -> tuple[str, str]:
    """The resident's fields a decision's listing is compared with, and the decision's own."""
    return ("rising_risk_reason", "listed_reason") if case_list.is_rising_risk else ("segment", "listed_segment")


def _applying_keys(case_list: CaseList, outcomes) -> QuerySet:
    """Keys of the decisions on this list with these outcomes, as made: a decision still applies
    while the resident is listed as they were (band, and reason or segment)."""
    _, listed = _listed_for(case_list)
    return (
        ListDecision.objects.filter(list_name=case_list.name, outcome__in=outcomes)
        .annotate(listing=_key("resident_id", "listed_band", listed))
        .values("listing")
    )


def with_status(residents: QuerySet[Resident], case_list: CaseList) -> QuerySet[Resident]:
    """Each resident's status on the list. An action that still applies counts over a later
    "reviewed, no action" (the action is what the team is doing). Both tests are uncorrelated,
    so PostgreSQL reads the decisions once and hashes them, rather than looking them up
    resident by resident (12 s for a 50,000-resident list when it did)."""
    current, _ = _listed_for(case_list)
    listing = _key("pk", "risk_band", current)
    acted = _applying_keys(case_list, ACTED_ON)
    reviewed = _applying_keys(case_list, [Outcome.NO_ACTION])
    return residents.annotate(listing=listing).annotate(
        list_status=Case(
            When(listing__in=acted, then=Value(ACTED)),
            When(listing__in=reviewed, then=Value(NO_ACTION)),
            default=Value(TO_REVIEW),
            output_field=CharField(),
        )
    )


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February in a year that has none
        return today.replace(year=today.year - years, day=28)


@dataclass(frozen=True)
class Filters:
    band: str = ""
    segment: str = ""
    practice: str = ""
    neighbourhood: str = ""  # a neighbourhood's slug: residents registered with its practices
    age_from: int | None = None
    age_to: int | None = None
    caseload: str = ""  # "yes": already on a caseload; "no": not
    status: str = ""  # one of STATUSES
    sort: str = "risk"
    extra: dict = field(default_factory=dict, compare=False)


SORTS = {
    "risk": ("-risk_probability", "family_name", "pk"),
    "name": ("family_name", "given_name", "pk"),
    "age": ("date_of_birth", "pk"),
    "practice": ("practice_ods_code", "-risk_probability", "pk"),
    "status": ("list_status", "-risk_probability", "pk"),
}
SORT_LABELS = {
    "risk": "Risk, highest first",
    "name": "Name",
    "age": "Age, oldest first",
    "practice": "GP practice",
    "status": "Status",
}


def filtered(
    residents: QuerySet[Resident], case_list: CaseList, filters: Filters, today: dt.date
) -> QuerySet[Resident]:
    """The list's members among ``residents``, with their status, filtered."""
    residents = with_status(residents.filter(members_q(case_list)), case_list)
    if filters.band:
        residents = residents.filter(risk_band=filters.band)
    if filters.segment:
        residents = residents.filter(segment=filters.segment)
    if filters.practice:
        residents = residents.filter(practice_ods_code=filters.practice)
    if filters.neighbourhood:
        from octopus.directory.models import GPPractice

        residents = residents.filter(
            practice_ods_code__in=GPPractice.objects.filter(neighbourhoods__slug=filters.neighbourhood).values(
                "ods_code"
            )
        )
    if filters.age_from is not None:
        residents = residents.filter(date_of_birth__lte=_years_ago(today, filters.age_from))
    if filters.age_to is not None:
        # Aged at most age_to: born after the day they would have turned age_to + 1.
        residents = residents.filter(date_of_birth__gt=_years_ago(today, filters.age_to + 1))
    if filters.caseload == "yes":
        residents = residents.filter(pk__in=CareCase.objects.filter(closed_at__isnull=True).values("resident_id"))
    elif filters.caseload == "no":
        residents = residents.exclude(pk__in=CareCase.objects.filter(closed_at__isnull=True).values("resident_id"))
    if filters.status in STATUSES:
        residents = residents.filter(list_status=filters.status)
    return residents


def rows(residents: QuerySet[Resident], case_list: CaseList, filters: Filters, today: dt.date) -> QuerySet[Resident]:
    """The list as shown, in order, with each resident's status. What is shown beside each
    resident on a page (``details``) is read for that page only: as annotations, PostgreSQL
    worked them out for every row before the page (16 s for page 500 of 50,000)."""
    ordered = filtered(residents, case_list, filters, today).order_by(*SORTS.get(filters.sort, SORTS["risk"]))
    # Only what a row shows: PostgreSQL sorts the whole list before it pages, and the JSON
    # columns made each sorted row ~260 bytes (a page deep in the list spilled the sort to disk).
    return ordered.only(*ROW_FIELDS)


class ByIds:
    """A list's rows as the paginator and the export read them: a slice sorts ids only (PostgreSQL
    sorts the whole list to page it; a narrow sort stays in memory, and the status is worked out
    only when the sort or a filter needs it), then fetches that slice's rows by id, in order."""

    def __init__(self, queryset: QuerySet[Resident]):
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def ids(self, index: slice) -> list[int]:
        return list(self.queryset.values_list("pk", flat=True)[index])

    def fetch(self, ids: list[int]) -> list[Resident]:
        found = {r.pk: r for r in self.queryset.order_by().filter(pk__in=ids)}
        return [found[pk] for pk in ids if pk in found]

    def __getitem__(self, index: slice) -> list[Resident]:
        if not isinstance(index, slice):
            raise TypeError("Take a slice of a list's rows.")
        return self.fetch(self.ids(index))


ROW_FIELDS = (
    "person_id",
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "practice_ods_code",
    "risk_probability",
    "risk_band",
    "segment",
    "rising_risk_reason",
    "snapshot_as_of",
    "snapshot_run_id",
    "date_of_death",
)


@dataclass
class Details:
    case_team: str = ""
    case_holder: str = ""
    open_cases: int = 0
    decision: ListDecision | None = None  # the latest decision that still applies
    earlier: ListDecision | None = None  # the latest one, when none applies


def details(case_list: CaseList, residents: list[Resident]) -> dict[int, Details]:
    """Who holds each resident's open cases and the decisions about them on this list: two
    queries for a page (or an export batch) of residents."""
    found = {r.pk: Details() for r in residents}
    by_pk = {r.pk: r for r in residents}
    cases = (
        CareCase.objects.filter(resident_id__in=list(found), closed_at__isnull=True)
        .order_by("opened_at", "pk")
        .values_list("resident_id", "team__name", "holder__first_name", "holder__last_name")
    )
    for resident_id, team, first, last in cases:
        entry = found[resident_id]
        if not entry.open_cases:
            entry.case_team, entry.case_holder = team, f"{first or ''} {last or ''}".strip()
        entry.open_cases += 1
    for decision in ListDecision.objects.filter(list_name=case_list.name, resident_id__in=list(found)).order_by(
        "-decided_at", "-id"
    ):
        entry, resident = found[decision.resident_id], by_pk[decision.resident_id]
        applies = decision.listed_band == resident.risk_band and (
            decision.listed_reason == resident.rising_risk_reason
            if case_list.is_rising_risk
            else decision.listed_segment == resident.segment
        )
        if applies and entry.decision is None:
            entry.decision = decision
        if entry.earlier is None:
            entry.earlier = decision
    for entry in found.values():
        if entry.decision is not None:
            entry.earlier = None
    return found


def summary(residents: QuerySet[Resident], case_list: CaseList) -> list[dict]:
    """The list's members counted by practice, band and segment, each split into acted on,
    reviewed with no action, and left: one pass that gives the progress table, the filter
    choices and, unfiltered, the list's length (each would otherwise read the list again)."""
    members = with_status(residents.filter(members_q(case_list)), case_list)
    # Grouped by the status too, and pivoted here: three COUNT(…) FILTER (WHERE status = …)
    # made PostgreSQL work out the status, and read the decisions, three times (0.9 s at 50,000).
    column = {ACTED: "acted", NO_ACTION: "no_action", TO_REVIEW: "left"}
    counted: dict[tuple, dict] = {}
    grouped = (
        members.order_by()
        .values_list("practice_ods_code", "risk_band", "segment", "list_status")
        .annotate(n=Count("pk"))
    )
    for practice, band, segment, status, n in grouped:
        row = counted.setdefault(
            (practice, band, segment),
            {
                "practice_ods_code": practice,
                "risk_band": band,
                "segment": segment,
                "acted": 0,
                "no_action": 0,
                "left": 0,
            },
        )
        row[column[status]] += n
    return list(counted.values())


def progress_by_practice(counted: list[dict]) -> list[dict]:
    """``summary`` rows added up per practice, in practice code order."""
    practices: dict[str, dict] = {}
    for row in counted:
        total = practices.setdefault(
            row["practice_ods_code"],
            {"practice_ods_code": row["practice_ods_code"], "acted": 0, "no_action": 0, "left": 0},
        )
        for key in ("acted", "no_action", "left"):
            total[key] += row[key]
    return [practices[code] for code in sorted(practices)]


def count_from_summary(counted: list[dict], filters: Filters) -> int | None:
    """The filtered list's length from ``summary``, when the filters are ones it can answer."""
    if filters.neighbourhood or filters.age_from is not None or filters.age_to is not None or filters.caseload:
        return None
    keys = {"practice_ods_code": filters.practice, "risk_band": filters.band, "segment": filters.segment}
    statuses = [filters.status] if filters.status in STATUSES else list(STATUSES)
    column = {ACTED: "acted", NO_ACTION: "no_action", TO_REVIEW: "left"}
    return sum(
        row[column[s]]
        for row in counted
        if all(not want or row[k] == want for k, want in keys.items())
        for s in statuses
    )


def index_counts(residents: QuerySet[Resident]) -> dict[str, dict[str, int]]:
    """Per list: members, acted on and reviewed with no action, among ``residents``, in two
    queries (members counted in one pass; decisions that still apply read once)."""
    every = all_lists()
    members = residents.aggregate(**{f"n{i}": Count("pk", filter=members_q(c)) for i, c in enumerate(every)})
    counts = {c.name: {"members": members[f"n{i}"], ACTED: 0, NO_ACTION: 0} for i, c in enumerate(every)}
    rows = (
        ListDecision.objects.filter(resident__in=residents.values("pk"), resident__date_of_death__isnull=True)
        .order_by("list_name", "resident_id", "-decided_at", "-id")
        .values_list(
            "list_name",
            "resident_id",
            "outcome",
            "listed_band",
            "listed_segment",
            "listed_reason",
            "resident__risk_band",
            "resident__segment",
            "resident__rising_risk_reason",
            "resident__rising_risk",
            "resident__cohorts",
        )
    )
    titles = {c.name: c for c in every}
    seen = set()
    for name, resident_id, outcome, band, segment, reason, now_band, now_segment, now_reason, rising, cohorts in rows:
        if (name, resident_id) in seen or name not in titles:
            continue
        case_list = titles[name]
        if not (rising if case_list.is_rising_risk else case_list.cohort_title in (cohorts or [])):
            continue  # no longer on the list
        if band != now_band or (reason != now_reason if case_list.is_rising_risk else segment != now_segment):
            continue  # decided before the listing changed; a later decision may still apply
        seen.add((name, resident_id))
        counts[name][NO_ACTION if outcome == Outcome.NO_ACTION else ACTED] += 1
    for entry in counts.values():
        entry[TO_REVIEW] = entry["members"] - entry[ACTED] - entry[NO_ACTION]
    return counts


def everyone() -> QuerySet[Resident]:
    """Every resident, for aggregate counts only (the coverage page, which names nobody)."""
    return Resident.objects.all()

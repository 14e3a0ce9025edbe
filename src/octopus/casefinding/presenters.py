"""View models for the list pages and the export: what a row says, in words, so templates and
the CSV writer stay dumb and agree."""

import datetime as dt
from dataclasses import dataclass

from octopus.directory.models import GPPractice

from . import config, discharges, lists
from .lists import ACTED, NO_ACTION, STATUSES, CaseList


def age_on(date_of_birth: dt.date | None, today: dt.date) -> int | None:
    if date_of_birth is None:
        return None
    return today.year - date_of_birth.year - ((today.month, today.day) < (date_of_birth.month, date_of_birth.day))


def practice_names(codes) -> dict[str, str]:
    return dict(GPPractice.objects.filter(ods_code__in=set(codes)).values_list("ods_code", "name"))


def reason(case_list: CaseList, resident) -> str:
    """Why the resident is on the list, in words."""
    if case_list.is_rising_risk:
        return resident.rising_risk_reason or "Flagged as rising risk at the last run (the engine gave no reason)."
    return case_list.definition


def caseload_words(details: lists.Details) -> str:
    """Who already holds the resident, so the list shows them rather than hiding them."""
    if not details.open_cases:
        return ""
    words = details.case_team + (f" ({details.case_holder})" if details.case_holder else "")
    more = details.open_cases - 1
    return words + (f" and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class Row:
    person_id: str
    name: str
    nhs_number: str
    practice_code: str
    practice: str
    age: int | None
    band: str
    segment: str
    reason: str
    caseload: str
    status: str
    status_label: str
    decision: str
    earlier: str
    follow_up: str = ""  # on a list of recent discharges: the follow-up call's state
    follow_up_tag: str = ""

    @property
    def status_tag(self) -> str:
        return {ACTED: "nhsuk-tag--green", NO_ACTION: "nhsuk-tag--grey"}.get(self.status, "nhsuk-tag--blue")


def _decision_words(details: lists.Details) -> tuple[str, str]:
    if details.decision is not None:
        decision = details.decision
        note = f" Note: {decision.note}" if decision.note else ""
        detail = f"{decision.detail}." if decision.detail else ""
        return f"{detail}{note} ({decision.decided_at:%-d %b %Y})".strip(), ""
    if details.earlier is not None:
        earlier = details.earlier
        return (
            "",
            f"Decided {earlier.decided_at:%-d %b %Y}: {earlier.detail or earlier.get_outcome_display().lower()}; "
            "listed differently since.",
        )
    return "", ""


def rows(case_list: CaseList, residents, today: dt.date) -> list[Row]:
    residents = list(residents)
    names = practice_names(r.practice_ods_code for r in residents)
    extra = lists.details(case_list, residents)
    calls = discharges.follow_ups(residents) if case_list.name in config.settings().discharge_follow_up.lists else {}
    out = []
    for r in residents:
        decision, earlier = _decision_words(extra[r.pk])
        follow_up, follow_up_tag = discharges.follow_up_words(calls.get(r.pk), today)
        out.append(
            Row(
                person_id=r.person_id,
                name=r.name,
                nhs_number=r.nhs_number,
                practice_code=r.practice_ods_code,
                practice=names.get(r.practice_ods_code, r.practice_ods_code or "Not registered"),
                age=age_on(r.date_of_birth, today),
                band=r.risk_band,
                segment=r.segment,
                reason=reason(case_list, r),
                caseload=caseload_words(extra[r.pk]),
                status=r.list_status,
                status_label=STATUSES[r.list_status],
                decision=decision,
                earlier=earlier,
                follow_up=follow_up,
                follow_up_tag=follow_up_tag,
            )
        )
    return out


@dataclass(frozen=True)
class PracticeProgress:
    code: str
    name: str
    acted: int | None
    no_action: int | None
    left: int | None
    total: int | None


def progress(counted: list[dict]) -> list[PracticeProgress]:
    names = practice_names(c["practice_ods_code"] for c in counted)
    return [
        PracticeProgress(
            c["practice_ods_code"],
            names.get(c["practice_ods_code"], c["practice_ods_code"] or "Not registered"),
            c["acted"],
            c["no_action"],
            c["left"],
            c["acted"] + c["no_action"] + c["left"],
        )
        for c in counted
    ]


def protected_progress(counted: list[dict]) -> tuple[list[PracticeProgress], PracticeProgress | None]:
    """The same table for people without record access: counts 1–7 suppressed and the rest
    rounded to 5, with secondary suppression so no hidden count can be worked out from totals
    (core.disclosure, OpenSAFELY's rules)."""
    from octopus.core.disclosure import protect_table

    if not counted:
        return [], None
    table = protect_table([[c["acted"], c["no_action"], c["left"]] for c in counted])
    names = practice_names(c["practice_ods_code"] for c in counted)
    rows_ = [
        PracticeProgress(
            c["practice_ods_code"],
            names.get(c["practice_ods_code"], c["practice_ods_code"] or "Not registered"),
            *table.cells[i],
            table.row_totals[i],
        )
        for i, c in enumerate(counted)
    ]
    total = PracticeProgress("", "All practices", *table.column_totals, table.grand_total)
    return rows_, total

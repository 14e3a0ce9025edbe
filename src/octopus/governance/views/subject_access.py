"""Subject access: finding a resident, and the report (and its CSV) of who looked at their record."""

import csv

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from octopus.accounts.permissions import require
from octopus.residents.models import Resident

from .. import audit
from ..forms import SubjectAccessForm
from ..presenters import subject_access_rows


@require("review_audit")
@require_GET
def subject_access(request):
    form = SubjectAccessForm(request.GET or None)
    candidates = None
    if form.is_bound and form.is_valid():
        candidates = list(form.matches().order_by("family_name", "given_name", "person_id")[:20])
        how = "NHS number" if form.cleaned_data["nhs_number"] else "name and date of birth"
        if len(candidates) == 1:
            audit.record_request(
                request,
                "search",
                f"Subject access request: found the resident by {how}",
                resident_id=candidates[0].person_id,
            )
            return redirect("governance:subject-access-report", person_id=candidates[0].person_id)
        audit.record_request(request, "search", f"Subject access request: searched by {how}, {len(candidates)} matches")
        if candidates:
            audit.record_appearances(
                request.user,
                "Listed as a possible match for a subject access request",
                [resident.person_id for resident in candidates],
                path=request.path,
            )
    return render(request, "governance/subject_access.jinja", {"form": form, "candidates": candidates})


@require("review_audit")
@require_GET
def subject_access_report(request, person_id: str):
    rows = subject_access_rows(person_id)
    audit.record_request(request, "view", "Subject access report: who looked at this record", resident_id=person_id)
    resident = Resident.objects.filter(person_id=person_id).first()
    return render(
        request,
        "governance/subject_access_report.jinja",
        {"person_id": person_id, "rows": rows, "exists": resident is not None, "resident": resident},
    )


@require("review_audit")
@require_GET
def subject_access_csv(request, person_id: str):
    rows = subject_access_rows(person_id)
    audit.record_request(request, "export", "Subject access report downloaded (CSV)", resident_id=person_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="who-looked-at-{person_id}.csv"'
    writer = csv.writer(response)
    writer.writerow(["When", "Who", "Role and organisation", "What they did", "Why they had access"])
    for row in rows:
        writer.writerow([row.when.isoformat(), row.who, row.role, _csv_safe(row.what), _csv_safe(row.why)])
    return response


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheet software (CSV injection).
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value

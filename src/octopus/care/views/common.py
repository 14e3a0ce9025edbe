"""What several care page families share: the view audit entry and the way back to the record."""

from django.shortcuts import redirect

from octopus.governance import audit


def audit_view(request, resident, basis, summary):
    audit.record(request.user, "view", summary, resident_id=resident.person_id, basis=basis, path=request.path)


def to_record(resident):
    return redirect("residents:record", resident.person_id)

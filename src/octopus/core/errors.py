"""Error pages that say what happened and what to do, and never echo resident data."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse


def permission_denied(request, exception=None):
    person_id = getattr(exception, "person_id", "")
    if person_id and getattr(exception, "exists", False) and request.user.is_authenticated and request.user.has_capability("view_residents"):
        # No relationship with this resident: say so, and offer recorded emergency access.
        # Nothing about the resident is shown beyond the id the user already had.
        # A limited relationship (outreach) shows part of the record elsewhere: say where.
        limited_basis, limited_view = getattr(exception, "basis", ""), getattr(exception, "limited_view", "")
        return render(
            request,
            "error_no_relationship.jinja",
            {"person_id": person_id, "next": request.get_full_path(),
             "heading": "This page is not part of your work with this resident" if limited_basis
             else "You have no care relationship with this resident",
             "limited_basis": limited_basis,
             "limited_href": _url(limited_view, person_id)},
            status=403,
        )
    return render(
        request,
        "error.jinja",
        {
            "heading": "You cannot open this page",
            "message": "Your role does not include this part of Octopus. If you need it for your work, ask your INT manager or system administrator.",
        },
        status=403,
    )


def _url(name: str, person_id: str) -> str:
    try:
        return reverse(name, args=[person_id]) if name else ""
    except NoReverseMatch:
        return ""


def not_found(request, exception=None):
    return render(
        request,
        "error.jinja",
        {"heading": "Page not found", "message": "Check the address, or go back and try again."},
        status=404,
    )


def server_error(request):
    return render(
        request,
        "error.jinja",
        {"heading": "Sorry, there is a problem with Octopus", "message": "Try again later. The problem has been logged."},
        status=500,
    )

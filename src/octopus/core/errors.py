"""Error pages that say what happened and what to do, and never echo resident data."""

import logging
import sys

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import engines
from django.urls import NoReverseMatch, reverse

from .context import asset_path

logger = logging.getLogger("octopus.errors")
# Seconds a browser or probe is told to wait before trying again.
RETRY_AFTER_SECONDS = 30


def permission_denied(request, exception=None):
    person_id = getattr(exception, "person_id", "")
    if (
        person_id
        and getattr(exception, "exists", False)
        and request.user.is_authenticated
        and request.user.has_capability("view_residents")
    ):
        # No relationship with this resident: say so, and offer recorded emergency access.
        # Nothing about the resident is shown beyond the id the user already had.
        # A limited relationship (outreach) shows part of the record elsewhere: say where.
        limited_basis, limited_view = getattr(exception, "basis", ""), getattr(exception, "limited_view", "")
        return render(
            request,
            "error_no_relationship.jinja",
            {
                "person_id": person_id,
                "next": request.get_full_path(),
                "heading": "This page is not part of your work with this resident"
                if limited_basis
                else "You have no care relationship with this resident",
                "limited_basis": limited_basis,
                "limited_href": _url(limited_view, person_id),
            },
            status=403,
        )
    return render(
        request,
        "error.jinja",
        {
            "heading": "You cannot open this page",
            "message": (
                "Your role does not include this part of Octopus. If you need it for your work, ask your INT manager "
                "or system administrator."
            ),
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
    if _database_unavailable():
        return database_unavailable(request)
    return render(
        request,
        "error.jinja",
        {
            "heading": "Sorry, there is a problem with Octopus",
            "message": "Try again later. The problem has been logged.",
        },
        status=500,
    )


def _database_unavailable() -> bool:
    """Whether the error being handled is the database being unreachable (not a bug)."""
    exc = sys.exc_info()[1]
    while exc is not None:
        if isinstance(exc, OperationalError | InterfaceError) and not _is_a_bug(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _is_a_bug(exc: Exception) -> bool:
    # SQLite reports a malformed query as OperationalError too ("no such table", "syntax error"):
    # those are bugs or missing migrations, and keep the 500 page.
    text = str(exc).lower()
    return any(part in text for part in ("no such table", "no such column", "syntax error"))


def database_unavailable(request) -> HttpResponse:
    """503, NHS.UK styled, rendered without touching the database (no user, no navigation).

    Django closes a broken connection at the end of the request, so the next request after the
    database returns connects afresh: the app recovers by itself.
    """
    logger.error("The database is unavailable: %s", request.path)
    template = engines["jinja2"].get_template("unavailable.jinja")
    html = template.render(
        {
            "neighbourhood_name": settings.NEIGHBOURHOOD_NAME,
            "cspNonce": str(getattr(request, "csp_nonce", "")),
            "assetPath": asset_path(),
            "path": request.get_full_path() if request.method == "GET" else "/",
        }
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response

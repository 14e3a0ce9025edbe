"""Error pages that say what happened and what to do, and never echo resident data."""

from django.shortcuts import render


def permission_denied(request, exception=None):
    return render(
        request,
        "error.jinja",
        {
            "heading": "You cannot open this page",
            "message": "Your role does not include this part of Octopus. If you need it for your work, ask your INT manager or system administrator.",
        },
        status=403,
    )


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

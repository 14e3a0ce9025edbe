"""What several governance page families share: where to go next, and the way back to the record."""

from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def record_url(person_id: str) -> str | None:
    try:
        return reverse("residents:record", args=[person_id])
    except NoReverseMatch:
        return None

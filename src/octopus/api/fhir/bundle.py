"""Searchset Bundles with paging: ``_count`` entries a page, ``_offset`` to page on, and
``self``/``next``/``previous`` links that repeat the search (https://hl7.org/fhir/R4/http.html#paging)."""

from urllib.parse import urlencode

from django.http import QueryDict

DEFAULT_COUNT = 20
MAX_COUNT = 100


class BadSearch(ValueError):
    """A search parameter Octopus cannot honour; the message names it (400 OperationOutcome)."""


def _int(query: QueryDict, name: str, default: int, low: int, high: int) -> int:
    raw = query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadSearch(f"{name} must be a whole number, not {raw!r}.") from None
    if not low <= value <= high:
        raise BadSearch(f"{name} must be between {low} and {high}, not {value}.")
    return value


def page_of(query: QueryDict) -> tuple[int, int]:
    """(offset, count) from ``_offset`` and ``_count``."""
    return _int(query, "_offset", 0, 0, 10_000_000), _int(query, "_count", DEFAULT_COUNT, 1, MAX_COUNT)


def _link(request, relation: str, offset: int, count: int) -> dict:
    query = request.GET.copy()
    query["_offset"], query["_count"] = str(offset), str(count)
    return {
        "relation": relation,
        "url": request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.items()))}"),
    }


def searchset(
    request, resources: list[dict], total: int, offset: int, count: int, *, outcome: dict | None = None
) -> dict:
    """One page of matches (``resources``, already sliced) out of ``total``."""
    links = [_link(request, "self", offset, count)]
    if offset + count < total:
        links.append(_link(request, "next", offset + count, count))
    if offset > 0:
        links.append(_link(request, "previous", max(0, offset - count), count))
    base = request.build_absolute_uri(request.path.rsplit("/", 1)[0] + "/")
    entries = [
        {"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
        for r in resources
    ]
    if outcome is not None:
        entries.append({"resource": outcome, "search": {"mode": "outcome"}})
    return {"resourceType": "Bundle", "type": "searchset", "total": total, "link": links, "entry": entries}


def operation_outcome(code: str, diagnostics: str, severity: str = "error") -> dict:
    """https://hl7.org/fhir/R4/operationoutcome.html; ``code`` from the issue-type value set."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": diagnostics}],
    }

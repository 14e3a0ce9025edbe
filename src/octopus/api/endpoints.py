"""The typed JSON API (OpenAPI at /api/openapi.json). Every endpoint states its capability;
resident endpoints go through the governance access point and are audited like the pages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest
from ninja import NinjaAPI, Query, Router
from ninja.pagination import paginate

from octopus.directory.models import Organisation, Practitioner, Team
from octopus.governance import access, audit
from octopus.residents import fields

from .care import care, validation_problem
from .meetings import meetings
from .outreach import outreach
from .pagination import BoundedLimitOffsetPagination
from .schemas import (
    Me,
    OrganisationOut,
    PractitionerOut,
    Problem,
    ResidentDetail,
    ResidentSummary,
    TeamOut,
)
from .security import CapabilitySession
from .virtualward import ward

api = NinjaAPI(
    title="Octopus API",
    version="1",
    description=(
        "Directory and resident data for integrated neighbourhood teams. Session authentication; "
        "resident data only where the user has a legitimate relationship, and every access is audited."
    ),
    urls_namespace="api",
    # The interactive docs page loads its scripts from a CDN, which the CSP forbids.
    docs_url=None,
)


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(exc) or "Forbidden"}, status=403)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    return validation_problem(api, request, exc)


@api.get("/me", response=Me, auth=CapabilitySession("view_directory"), tags=["accounts"])
def me(request: HttpRequest):
    user = request.auth
    return {
        "username": user.username,
        "name": user.display_name,
        "roles": sorted(user.role_codes),
        "capabilities": sorted(user.capabilities),
    }


directory = Router(auth=CapabilitySession("view_directory"), tags=["directory"])


@directory.get("/organisations", response=list[OrganisationOut])
@paginate(BoundedLimitOffsetPagination)
def organisations(request: HttpRequest):
    return Organisation.objects.order_by("name")


@directory.get("/teams", response=list[TeamOut])
@paginate(BoundedLimitOffsetPagination)
def teams(request: HttpRequest, q: str = ""):
    queryset = Team.objects.select_related("organisation").order_by("name")
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(organisation__name__icontains=q))
    return [
        {
            **{f: getattr(t, f) for f in ("id", "name", "tier", "hours", "contact_route", "phone", "email")},
            "organisation": t.organisation.name,
        }
        for t in queryset
    ]


@directory.get("/practitioners", response=list[PractitionerOut])
@paginate(BoundedLimitOffsetPagination)
def practitioners(request: HttpRequest, q: str = ""):
    queryset = Practitioner.objects.filter(active=True).select_related("team__organisation")
    if q:
        queryset = queryset.filter(Q(given_name__icontains=q) | Q(family_name__icontains=q) | Q(job_title__icontains=q))
    return [
        {
            "id": p.id,
            "name": p.name,
            "job_title": p.job_title,
            "team_id": p.team_id,
            "team": p.team.name,
            "organisation": p.team.organisation.name,
            "phone": p.phone,
            "email": p.email,
            "availability": p.availability,
        }
        for p in queryset
    ]


residents = Router(auth=CapabilitySession("view_residents"), tags=["residents"])


class _PresentedPage:
    """The search results as the pagination slices them, each resident presented in their own
    scope (``access.scopes_for``) only once sliced: one page of residents is read and presented,
    never the whole list."""

    def __init__(self, user, queryset):
        self.user, self.queryset = user, queryset

    def __len__(self) -> int:
        return self.queryset.count()

    def __getitem__(self, page: slice) -> list[dict]:
        rows = list(self.queryset[page])
        scopes = access.scopes_for(self.user, rows)
        return [_summary(fields.present(r, scopes[r.pk])) for r in rows]


@residents.get("/", response=list[ResidentSummary], exclude_unset=True)
@paginate(BoundedLimitOffsetPagination)
def resident_search(request: HttpRequest, q: str = Query("", description="Name, NHS number or postcode")):
    queryset = access.residents_for(request.auth).order_by("family_name", "given_name", "pk")
    term = q.strip()
    if term:
        digits = term.replace(" ", "")
        queryset = queryset.filter(
            Q(family_name__icontains=term)
            | Q(given_name__icontains=term)
            | Q(nhs_number=digits)
            | Q(postcode__iexact=term)
        )
    audit.record_request(request, "search", f"API resident search ({len(term)} characters)")
    return _PresentedPage(request.auth, queryset)


@residents.get("/{person_id}", response={200: ResidentDetail, 403: Problem}, exclude_unset=True)
def resident_detail(request: HttpRequest, person_id: str):
    # Access that opens the record counts, as on the record page; a CHWW's outreach allocation
    # opens only the household page, not the API (decision 0017).
    opened = access.open_record(request, person_id, "Viewed resident record via API")
    shown = fields.present(opened.resident, opened.scope)
    return {**_detail(shown), "access_basis": opened.basis}


# The fields each schema carries; which of them a response holds is the scope's decision
# (octopus.residents.fields), and a withheld field is left out, not sent as null.
SUMMARY_FIELDS = ("person_id", "name", "nhs_number", "date_of_birth", "postcode", "risk_band", "segment")
DETAIL_FIELDS = SUMMARY_FIELDS + (
    "given_name",
    "family_name",
    "age",
    "sex",
    "practice_ods_code",
    "lsoa_code",
    "imd_decile",
    "main_language",
    "interpreter_needed",
    "risk_probability",
    "risk_centile",
    "risk_factors",
    "long_term_conditions",
    "frailty_category",
    "rising_risk",
    "rising_risk_reason",
    "cohorts",
    "date_of_death",
)


def _pick(shown: fields.ResidentView, names: tuple[str, ...]) -> dict:
    return {
        **{name: getattr(shown, name) for name in names if shown.shows(name)},
        "scope": shown.scope,
        "withheld": sorted(name for name in names if not shown.shows(name)),
    }


def _summary(shown: fields.ResidentView) -> dict:
    return _pick(shown, SUMMARY_FIELDS)


def _detail(shown: fields.ResidentView) -> dict:
    return _pick(shown, DETAIL_FIELDS)


api.add_router("/directory", directory)
api.add_router("/residents", residents)
api.add_router("/care", care)
api.add_router("/meetings", meetings)
api.add_router("/outreach", outreach)
api.add_router("/virtual-ward", ward)

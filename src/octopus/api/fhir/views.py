"""The FHIR R4 endpoints, JSON, under /api/fhir/ (decision 0033): reads, and one write, virtual
ward devices creating vital-signs Observations (decision 0053).

Same rules as the pages: the ``view_residents`` capability, a legitimate relationship through
``access.open_record`` (one audit entry per resident opened) or ``access.residents_for`` for the
Patient search (one entry for the search and one per resident named), the scope's fields only
(``octopus.residents.fields``), and records about the resident through ``access.scoped``. A
service account reads as its user, narrowed by its SMART scopes (``request.smart_scopes``, set by
``octopus.api.middleware``); a signed-in person reads as ``user/*.read``.

Resources about one resident are searched by ``patient`` (``Condition?patient=P…``), never
across the population: there is no list of everyone's conditions to page through.
"""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt

from octopus.care.fhir import care_plan_resource
from octopus.care.models import CarePlan
from octopus.governance import access, audit
from octopus.residents import fields
from octopus.residents.models import ActivityEvent

from . import resources
from .bundle import BadSearch, operation_outcome, page_of, searchset
from .capability import capability_statement
from .scopes import OBSERVATION_CREATE, USER_SCOPES, allows

FHIR_JSON = "application/fhir+json"
CLINICAL_TYPES = {"Condition", "Observation", "RiskAssessment", "Flag"}


def _via(request) -> str:
    """How the read came: the audit names the service account, so the IG lead can tell a partner
    system's reads from the person whose user it acts as."""
    account = getattr(request, "service_account", None)
    return f"via FHIR API (service account {account.name!r})" if account else "via FHIR API"


def _respond(body: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, content_type=FHIR_JSON)


def _refuse(status: int, code: str, diagnostics: str) -> JsonResponse:
    return _respond(operation_outcome(code, diagnostics), status)


def fhir_read(resource_type: str, params: frozenset[str] = frozenset()):
    """A GET-only FHIR interaction on ``resource_type``: capability, SMART scope and search
    parameters checked before the view runs; refusals are OperationOutcomes."""

    allowed_params = params | {"_count", "_offset", "_format"}

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method != "GET":
                return _refuse(405, "not-supported", "The FHIR API is read-only: use GET.")
            user = request.user
            if not user.is_authenticated:
                return _refuse(401, "login", "Sign in, or send a service account's bearer token.")
            if not user.has_capability("view_residents"):
                return _refuse(403, "forbidden", "This endpoint needs the 'view_residents' capability.")
            if not allows(getattr(request, "smart_scopes", USER_SCOPES), resource_type):
                return _refuse(
                    403,
                    "forbidden",
                    f"Your scopes do not include reading {resource_type} (e.g. system/{resource_type}.read).",
                )
            unknown = sorted(set(request.GET) - allowed_params)
            if unknown:
                return _refuse(
                    400, "not-supported", f"Unsupported search parameter(s) on {resource_type}: {', '.join(unknown)}."
                )
            try:
                page_of(request.GET)  # a bad page is refused before any record is opened or audited
                return _respond(view(request, *args, **kwargs))
            except BadSearch as problem:
                return _refuse(400, "invalid", str(problem))
            except PermissionDenied as refused:
                return _refuse(403, "forbidden", str(refused) or "Forbidden")

        return wrapper

    return decorator


def metadata(request):
    """The CapabilityStatement: public, as SMART clients read it before they hold a token."""
    if request.method != "GET":
        return _refuse(405, "not-supported", "The FHIR API is read-only: use GET.")
    return _respond(capability_statement(request))


# --- Patient ---------------------------------------------------------------------------------


@fhir_read("Patient")
def patient_read(request, person_id: str):
    opened = access.open_record(request, person_id, f"Viewed resident as FHIR Patient {_via(request)}")
    return resources.patient(fields.present(opened.resident, opened.scope))


def _token(value: str) -> str:
    """The value of a FHIR token parameter (``system|value`` or ``value``)."""
    system, _, code = value.rpartition("|")
    if system and system != resources.NHS_NUMBER:
        raise BadSearch(f"identifier: Octopus searches NHS numbers ({resources.NHS_NUMBER}), not {system}.")
    return code.replace(" ", "")


@fhir_read("Patient", frozenset({"_id", "identifier", "family", "given", "name", "birthdate"}))
def patient_search(request):
    user, query = request.user, request.GET
    offset, count = page_of(query)
    residents = access.residents_for(user)
    if query.get("_id"):
        residents = residents.filter(person_id=query["_id"])
    if query.get("identifier"):
        residents = residents.filter(nhs_number=_token(query["identifier"]))
    if query.get("family"):
        residents = residents.filter(family_name__istartswith=query["family"])
    if query.get("given"):
        residents = residents.filter(given_name__istartswith=query["given"])
    if query.get("name"):
        residents = residents.filter(Q(family_name__icontains=query["name"]) | Q(given_name__icontains=query["name"]))
    if query.get("birthdate"):
        residents = residents.filter(date_of_birth=_date(query["birthdate"]))
    residents = residents.order_by("family_name", "given_name", "pk")
    total = residents.count()
    rows = list(residents[offset : offset + count])
    scopes = access.scopes_for(user, rows)
    audit.record_request(
        request, "search", f"FHIR Patient search {_via(request)} ({', '.join(sorted(query)) or 'no parameters'})"[:300]
    )
    audit.record_appearances(
        user, f"Named in a FHIR Patient search {_via(request)}"[:300], [r.person_id for r in rows], path=request.path
    )
    return searchset(request, [resources.patient(fields.present(r, scopes[r.pk])) for r in rows], total, offset, count)


def _date(value: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(value.removeprefix("eq"))
    except ValueError:
        raise BadSearch(f"birthdate must be a date such as 1950-12-10, not {value!r}.") from None


# --- resources about one resident --------------------------------------------------------------


def _opened(request, resource_type: str):
    """The resident named by ``patient`` (or ``subject``), opened through the access point."""
    reference = request.GET.get("patient") or request.GET.get("subject") or ""
    person_id = reference.removeprefix("Patient/")
    if not person_id:
        raise BadSearch(f"Search {resource_type} by patient, e.g. {resource_type}?patient=P00000001.")
    return access.open_record(request, person_id, f"Viewed resident's {resource_type} resources {_via(request)}"[:300])


def _withheld(resource_type: str, scope: str) -> dict:
    return operation_outcome(
        "suppressed",
        f"{resource_type} is clinical detail, which your access ({scope.replace('_', ' ')}) does not include.",
        severity="information",
    )


def _page(request, build) -> dict:
    offset, count = page_of(request.GET)
    everything = build()
    return searchset(request, everything[offset : offset + count], len(everything), offset, count)


def _compartment_search(resource_type: str, build):
    @fhir_read(resource_type, frozenset({"patient", "subject"}))
    def search(request):
        opened = _opened(request, resource_type)
        shown = fields.present(opened.resident, opened.scope)
        if resource_type in CLINICAL_TYPES and not shown.clinical:
            offset, count = page_of(request.GET)
            return searchset(request, [], 0, offset, count, outcome=_withheld(resource_type, opened.scope))
        return _page(request, lambda: build(shown))

    search.__name__ = f"{resource_type.lower()}_search"
    return search


condition_search = _compartment_search("Condition", resources.conditions)
_observation_read = _compartment_search("Observation", resources.observations)
risk_assessment_search = _compartment_search("RiskAssessment", resources.risk_assessments)
flag_search = _compartment_search("Flag", resources.flags)


@fhir_read("Encounter", frozenset({"patient", "subject"}))
def encounter_search(request):
    opened = _opened(request, "Encounter")
    shown = fields.present(opened.resident, opened.scope)
    offset, count = page_of(request.GET)
    # The virtual ward writes its admissions, observations and alerts on the timeline as community
    # health events; they are served as Observations (vital signs), not as home-health Encounters
    # once per reading (decision 0053).
    events = access.scoped(
        request.user,
        ActivityEvent.objects.filter(resident=opened.resident, kind__in=resources.ENCOUNTER_KINDS).exclude(
            detail__has_key="virtual_ward"
        ),
    )
    total = events.count()
    page = events.order_by("-occurred_on", "-occurred_at", "-id")[offset : offset + count]
    return searchset(request, [resources.encounter(shown, event) for event in page], total, offset, count)


@fhir_read("CarePlan", frozenset({"patient", "subject"}))
def care_plan_search(request):
    opened = _opened(request, "CarePlan")

    def build():
        plans = access.scoped(
            request.user,
            CarePlan.objects.filter(resident=opened.resident).select_related("resident", "lead_professional"),
        )
        found = []
        for plan in plans:
            resource = care_plan_resource(plan, clinical=opened.clinical).model_dump(mode="json", exclude_none=True)
            resource["subject"]["reference"] = f"Patient/{opened.resident.person_id}"
            found.append(resource)
        return found

    return _page(request, build)


# --- writing: virtual ward devices create Observations (decision 0053) ----------------------------


def _import(request, expected: str):
    """Observations from a device's service account, checked whole, then scored and alerted by the
    ward's services. Only the ``system/Observation.c`` scope writes, so a signed-in person's session
    (``user/*.read``) never does, and no CSRF token is involved: the bearer token is the credential."""
    from octopus.virtualward import fhir_import

    if request.method != "POST":
        return _refuse(405, "not-supported", "Use POST to send Observations.")
    if not request.user.is_authenticated:
        return _refuse(401, "login", "Send a service account's bearer token.")
    if OBSERVATION_CREATE not in getattr(request, "smart_scopes", USER_SCOPES):
        return _refuse(403, "forbidden", f"Creating Observations needs a service account holding {OBSERVATION_CREATE}.")
    try:
        text = request.body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _refuse(400, "invalid", "The request body is not UTF-8.")
    name, sent = "request body", []
    try:
        sent, kind = fhir_import.resources_in(text, name)
        if expected == "Bundle" and kind != "bundle":
            return _refuse(
                400, "invalid", "POST a transaction or batch Bundle here, or Observations to /api/fhir/Observation."
            )
        if expected == "Observation" and kind == "bundle":
            return _refuse(400, "invalid", "POST a Bundle to /api/fhir/, not to /api/fhir/Observation.")
        account = getattr(request, "service_account", None)
        imported = fhir_import.import_sent(
            sent, request.user, recorded_by=account.name if account else request.user.username, path=request.path
        )
    except fhir_import.FhirImportError as error:
        outcome = operation_outcome("processing", str(error))
        outcome["issue"][0]["expression"] = [_expression(sent, error)]
        return _respond(outcome, 422)
    return _respond(_import_response(imported, sent, kind), 200 if not imported.recorded else 201)


def _expression(sent, error) -> str:
    """The FHIRPath of the refused element, for systems that highlight it."""
    base = next((item.expression for item in sent if item.where == error.where), "Observation")
    return f"{base}.{error.field}" if error.field else base


def _import_response(imported, sent, kind: str) -> dict:
    """What was stored: for a Bundle a transaction-response with one entry per entry sent, each
    pointing at the stored set's exported Observation; otherwise an OperationOutcome. Says the
    score and the alerts raised, and nothing about the resident the sender did not send."""
    by_group = {}
    for group, recorded in zip(imported.sets, imported.recorded, strict=False):
        alerts = "; ".join(a.summary for a in recorded.alerts)
        by_group[id(group)] = (
            recorded.observation.pk,
            "201 Created",
            f"NEWS2 {recorded.score.total} ({recorded.score.risk} risk)"
            + (f". Alert raised: {alerts}" if alerts else ""),
        )
    for group, observation in zip(imported.sets[len(imported.recorded) :], imported.repeated, strict=True):
        by_group[id(group)] = (
            observation.pk,
            "200 OK",
            f"Already recorded: NEWS2 {observation.total} ({observation.risk} risk)",
        )
    where_group = {where: group for group in imported.sets for where in group.wheres.values()}
    if kind != "bundle":
        issues = [
            {
                "severity": "information",
                "code": "informational",
                "diagnostics": f"{group.label}: {by_group[id(group)][2]}",
            }
            for group in imported.sets
        ]
        return {"resourceType": "OperationOutcome", "issue": issues}
    entries = []
    for item in sent:
        group = where_group.get(item.where)
        pk, status, said = (
            by_group[id(group)] if group is not None else (None, "200 OK", "Nothing to score in this entry.")
        )
        response = {
            "status": status,
            "outcome": {
                "resourceType": "OperationOutcome",
                "issue": [{"severity": "information", "code": "informational", "diagnostics": said}],
            },
        }
        if pk is not None:
            response["location"] = f"Observation/vw-{pk}-news2"
        entries.append({"response": response})
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": entries}


@csrf_exempt
def observation(request):
    """GET: search a resident's Observations; POST: a device sends Observations (one, or NDJSON)."""
    if request.method == "POST":
        return _import(request, "Observation")
    return _observation_read(request)


observation_search = observation


@csrf_exempt
def transaction(request):
    """POST a transaction or batch Bundle of vital-signs Observations."""
    return _import(request, "Bundle")

"""Outreach pages. A CHWW's pages show their own active allocations only (anything else is a
404, so a CHWW cannot learn whose round a household is on) and reach residents through
``governance.access`` with the outreach scope, so they get the outreach fields and nothing
more. The planner's pages show households (addresses), never residents. Every page showing
identifiable data is audited once per resident shown; changes are audited by the services."""

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from octopus.accounts.permissions import require
from octopus.core import charts, maps
from octopus.core.forms import apply_service_errors
from octopus.governance import access, audit
from octopus.residents.models import Household

from . import (
    areas,
    forms,
    presenters,
    queries,
    relationships,
    route_map,
    services,
    supervision,
    targeting,
    tasks,
)
from .models import Allocation, PlanJob, Round

OUTREACH_ONLY = frozenset({access.OUTREACH})
SERVICE_WORKER = Path(__file__).with_name("static") / "outreach" / "service-worker.js"


def _mine_or_404(request, allocation_id: int) -> Allocation:
    allocation = queries.my_active_allocation(request.user, allocation_id)
    if allocation is None:
        raise Http404("This household is not on a round of yours that is running now.")
    return allocation


def _residents(request, household: Household):
    """The household's residents this CHWW may see for outreach, through the access point."""
    reachable = access.residents_for(request.user, scopes=OUTREACH_ONLY)
    return list(reachable.filter(household=household).order_by("date_of_birth", "pk"))


# --- the CHWW's day -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdRow:
    allocation: Allocation
    residents: int
    not_to_visit: int
    latest: object
    visited: bool


@dataclass(frozen=True)
class RoundPlan:
    round: Round
    progress: queries.Progress
    day: queries.Day
    rows: dict
    still_to_visit: list
    done: list
    route: route_map.Drawing | None = None


def _rows(request, allocations) -> dict[int, HouseholdRow]:
    households = [a.household for a in allocations]
    counts = queries.residents_per_household(households)
    reachable = access.residents_for(request.user, scopes=OUTREACH_ONLY).filter(household__in=households)
    refused = defaultdict(int)
    for resident in services.not_to_visit(reachable):
        refused[resident.household_id] += 1
    latest = queries.latest_visits(allocations)
    visited = queries.visited_ids(allocations)
    return {
        a.pk: HouseholdRow(a, counts.get(a.household_id, 0), refused[a.household_id], latest.get(a.pk), a.pk in visited)
        for a in allocations
    }


@require_GET
@require("do_outreach")
def index(request):
    allocations = list(queries.active_allocations(request.user))
    rows = _rows(request, allocations)
    by_round = defaultdict(list)
    for allocation in allocations:
        by_round[allocation.round].append(allocation)
    plans = []
    for round_, mine in by_round.items():
        visited = {a.pk for a in mine if rows[a.pk].visited}
        day = queries.day_plan(mine, visited)
        in_day = {a.pk for a in day.allocations}
        plans.append(RoundPlan(
            round=round_, progress=queries.Progress(request.user, len(mine), len(visited)), day=day, rows=rows,
            route=_route_drawing([a.household for a in day.allocations]),
            still_to_visit=[a for a in mine if a.pk not in visited and a.pk not in in_day],
            done=[a for a in mine if a.pk in visited],
        ))
    audit.record_request(request, "view", f"Viewed my outreach households: {len(allocations)} on {len(plans)} rounds")
    today = timezone.localdate()
    save_day = [reverse("outreach:household", args=[a.pk]) for plan in plans if plan.day.on == today for a in plan.day.allocations]
    return render(request, "outreach/index.jinja", {
        "plans": plans, "today": today, "definition_text": queries.PROGRESS_DEFINITION, "save_day": save_day,
    })


@require_GET
@require("do_outreach")
def resident(request, person_id: str):
    """Where a CHWW sees a resident: the household page of the allocation that includes them."""
    allocation = queries.active_allocations(request.user).filter(
        household__residents__person_id=person_id, household__residents__date_of_death__isnull=True
    ).first()
    if allocation is None:
        raise Http404("This resident's household is not on a round of yours that is running now.")
    return redirect("outreach:household", allocation.pk)


def _route_drawing(households) -> route_map.Drawing | None:
    """The day's doors in visiting order over their LSOAs' shipped outlines; a household with no
    coordinates of its own stands at its LSOA's shipped interior point. Takes residents' Household
    rows or the planner's ``planning.Household``."""
    doors, codes = [], []
    for number, household in enumerate(households, start=1):
        lat, lon = getattr(household, "latitude", getattr(household, "lat", None)), getattr(household, "longitude", getattr(household, "lon", None))
        household_lsoa = getattr(household, "lsoa_code", getattr(household, "lsoa", ""))
        if lat is None or lon is None:
            found = areas.area(household_lsoa)
            if found is None or found.latitude is None:
                continue
            lat, lon = found.latitude, found.longitude
        doors.append(route_map.Door(number, lat, lon))
        codes.append(household_lsoa)
    boundaries = maps.shipped_boundaries()
    outlines = [ring for code in dict.fromkeys(codes) if code in boundaries for ring in route_map.rings_of(boundaries[code]["geometry"])]
    return route_map.draw(doors, outlines)


def _household_page(request, allocation: Allocation, form=None):
    residents = _residents(request, allocation.household)
    # The phone saves the day's households for use without signal (decision 0030): that is a
    # disclosure to the device, audited as such.
    saved = request.headers.get("X-Octopus-Offline") == "save-day"
    what = "Saved the household on the phone for today's outreach visits" if saved else "Opened the household for an outreach visit"
    for r in residents:
        audit.record_request(request, "view", f"{what} ({allocation.round.name})",
                             resident_id=r.person_id, basis=relationships.BASIS)
    if not residents:
        audit.record_request(request, "view", f"Opened {allocation.household} for an outreach visit: nobody living there",
                             obj=allocation, basis=relationships.BASIS)
    shown = presenters.outreach_residents(residents)
    mine = list(queries.active_allocations(request.user).filter(round=allocation.round))
    index = next(i for i, a in enumerate(mine) if a.pk == allocation.pk)
    return render(request, "outreach/household.jinja", {
        "allocation": allocation,
        "household": allocation.household,
        "residents": shown,
        "not_to_visit": [r for r in shown if not r.may_visit],
        "visits": allocation.visits.select_related("spoke_with", "recorded_by"),
        "form": form or forms.VisitForm(residents=residents),
        "position": index + 1,
        "of": len(mine),
        "previous": mine[index - 1] if index > 0 else None,
        "next": mine[index + 1] if index + 1 < len(mine) else None,
        "may_introduce": request.user.has_capability("refer"),
        "tasks": queries.open_tasks(request.user, allocation, shown),
        "conditions": queries.condition_history(allocation.household),
    })


@require_GET
@require("do_outreach")
def household(request, allocation_id: int):
    return _household_page(request, _mine_or_404(request, allocation_id))


def _from_outbox(request) -> bool:
    """Sent by the phone's outbox (doorstep.js), which wants JSON, not a page."""
    return request.headers.get("X-Octopus-Outbox") == "1"


@require_POST
@require("do_outreach")
def visit(request, allocation_id: int):
    allocation = _mine_or_404(request, allocation_id)
    residents = _residents(request, allocation.household)
    form = forms.VisitForm(request.POST, residents=residents)
    if form.is_valid():
        data = form.cleaned_data
        spoke_with = next((r for r in residents if r.person_id == data["spoke_with"]), None)
        earlier = services.already_recorded(allocation, request.user, data["client_key"])
        try:
            recorded = earlier or services.record_visit(
                allocation, request.user, outcome=data["outcome"], note=data["note"], spoke_with=spoke_with,
                acknowledged=data["acknowledged"], no_more_visits=data["no_more_visits"], answers=form.answers(),
                consent_to_share=data["consent_to_share"], consent_to_introduce=data["consent_to_introduce"],
                asked_about_home=data["asked_about_home"], client_key=data["client_key"], path=request.path,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            text = f"Visit recorded: {recorded.get_outcome_display().lower()} at {allocation.household.address_line}."
            if _from_outbox(request):
                return JsonResponse({"status": "already recorded" if earlier else "recorded", "visit": recorded.pk,
                                     "message": text, "next": reverse("outreach:index")}, status=200 if earlier else 201)
            messages.info(request, text)
            return redirect("outreach:index")
    if _from_outbox(request):
        return JsonResponse({"status": "invalid", "errors": {f: [str(e) for e in errs] for f, errs in form.errors.items()}}, status=400)
    return _household_page(request, allocation, form)


@require_GET
@require("do_outreach")
def service_worker(request):
    """The phone's service worker, served from /outreach/ so its scope is the CHWW's pages only
    (decision 0030). Never cached by the browser's HTTP cache: a new version must take over."""
    response = HttpResponse(SERVICE_WORKER.read_text(), content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@require_http_methods(["GET", "POST"])
@require("do_outreach")
def introduce(request, allocation_id: int, person_id: str):
    """A warm introduction from the doorstep, with the care app's form and referral service."""
    if not request.user.has_capability("refer"):
        raise PermissionDenied("This page needs the 'refer' capability.")
    allocation = _mine_or_404(request, allocation_id)
    resident = next((r for r in _residents(request, allocation.household) if r.person_id == person_id), None)
    if resident is None:
        raise Http404("This resident does not live in the household you are visiting.")
    form = forms.IntroductionForm(request.POST or None, initial={"to_practitioner": request.GET.get("practitioner")})
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.introduce(allocation, request.user, resident, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(request, f"{'Introduction' if referral.is_introduction else 'Referral'} sent to {referral.recipient_label}.")
            return redirect("outreach:household", allocation.pk)
    audit.record_request(request, "view", "Opened the introduction form on an outreach visit", resident_id=resident.person_id,
                         basis=relationships.BASIS)
    return render(request, "outreach/introduce.jinja", {
        "allocation": allocation, "resident": presenters.outreach_residents([resident])[0], "form": form,
    })


# --- the planner's pages ---------------------------------------------------------------------------


def _round(round_id: int) -> Round:
    return get_object_or_404(Round, pk=round_id)


@require_GET
@require("plan_outreach")
def rounds(request):
    listed = [(r, queries.progress(r)) for r in Round.objects.select_related("planned_by")[:50]]
    audit.record_request(request, "view", f"Viewed outreach rounds ({len(listed)})")
    return render(request, "outreach/rounds.jinja", {"rounds": listed, "definition_text": queries.PROGRESS_DEFINITION})


MAP_CHOICES = {"imd": "IMD 2025 decile", **{k: i.label for k, i in targeting.INDICATORS.items()},
               "allocated": "Outreach: households allocated", "visited": "Outreach: households visited",
               "not_reached": "Outreach: households not yet reached"}


@require_GET
@require("plan_outreach")
def areas_page(request):
    """A borough's LSOAs with deprivation and need, a map of one indicator, and target areas
    chosen by rule or by hand (octopus.outreach.targeting). Counts only, published with
    disclosure control; no resident or household is named."""
    boroughs = targeting.boroughs()
    if not boroughs:
        return render(request, "outreach/areas.jinja", {"form": None})
    params = request.GET.copy()
    params.setdefault("borough", boroughs[0])
    params.setdefault("indicator", "imd")
    params.setdefault("share", "25")  # the Westminster model's most deprived 25%
    codes = [a.lsoa_code for a in areas.all_areas() if a.borough_name in boroughs]
    form = forms.AreaForm(params, boroughs=boroughs, indicators=MAP_CHOICES, lsoa_codes=codes)
    if not form.is_valid():
        return render(request, "outreach/areas.jinja", {"form": form, "rows": [], "figures": [], "chosen": set(),
                                                        "domains": targeting.DOMAINS, "indicators": targeting.INDICATORS,
                                                        "coverage_definition": targeting.COVERAGE_DEFINITION})
    data = form.cleaned_data
    rows = targeting.area_rows(data["borough"], within=data["within"])
    rule = data["rule"]
    if rule == "deprived":
        chosen = targeting.most_deprived(rows, data["share"])
    elif rule == "threshold":
        chosen = targeting.at_or_above(rows, data["threshold_indicator"], data["threshold"])
    elif rule == "hand":
        listed = {r.code for r in rows}
        chosen = [c for c in data["lsoa"] if c in listed]
    else:
        chosen = []
    as_of = targeting.snapshot_date()
    indicator = data["indicator"] or "imd"
    figures = [_area_map(rows, indicator, as_of)]
    if rule:
        figures.append(maps.lsoa_map(
            "map-targets", "Target areas", {r.code: "Target" if r.code in chosen else "Not chosen" for r in rows},
            value_label="Target area", kind="text", ordinal=True, scheme="tableau10",
            definition=charts.Definition("LSOAs chosen: " + dict(forms.AreaForm.RULES)[rule].lower(), "The LSOAs listed",
                                         "IMD 2025 (MHCLG, OGL) and Octopus's latest snapshot; boundaries ONS LSOA 2021 BGC", as_of)))
    response = charts.csv_or(request, figures)
    if response:
        return response
    audit.record_request(request, "view", f"Viewed outreach areas for {data['borough']}: {len(rows)} LSOAs, {len(chosen)} chosen")
    plan_link = f"{reverse('outreach:plan')}?areas={','.join(chosen)}" if chosen else ""
    return render(request, "outreach/areas.jinja", {
        "form": form, "rows": rows, "figures": figures, "chosen": set(chosen), "chosen_codes": chosen,
        "covered": targeting.covered(rows, chosen) if rule else None, "domains": targeting.DOMAINS,
        "indicators": targeting.INDICATORS, "coverage_definition": targeting.COVERAGE_DEFINITION, "as_of": as_of,
        "plan_link": plan_link,
    })


def _area_map(rows, indicator: str, as_of):
    if indicator == "imd":
        return maps.lsoa_map("map-imd", "Deprivation: IMD 2025 decile by LSOA", {r.code: r.area.imd_decile for r in rows},
                             value_label="IMD 2025 decile", kind="text", ordinal=True, scheme="purples", reverse=True,
                             definition=charts.Definition(
                                 "Index of Multiple Deprivation 2025 rank of the LSOA, in tenths of England's LSOAs",
                                 "All 33,755 LSOAs in England", "English Indices of Deprivation 2025 (MHCLG), Open Government "
                                 "Licence v3.0; boundaries ONS LSOA 2021 BGC", as_of, "Decile 1 is the most deprived tenth, drawn darkest."))
    if indicator in targeting.INDICATORS:
        chosen = targeting.INDICATORS[indicator]
        return maps.lsoa_map(f"map-{indicator.replace('_', '-')}", f"{chosen.label} by LSOA", {r.code: r.values[indicator] for r in rows},
                             value_label=chosen.label, kind="rate" if chosen.per_1000 else "count",
                             definition=charts.Definition(chosen.definition, "Living residents of the LSOA" if chosen.per_1000 else "",
                                                          "Octopus's latest snapshot; boundaries ONS LSOA 2021 BGC", as_of,
                                                          "Counts of 1-7 are suppressed and the rest rounded to 5 before any rate "
                                                          "is worked out; grey areas have a suppressed figure."))
    label = MAP_CHOICES[indicator]
    return maps.lsoa_map(f"map-{indicator.replace('_', '-')}", f"{label} by LSOA", {r.code: getattr(r, indicator) for r in rows},
                         value_label=label.split(": ")[1].capitalize(), kind="count",
                         definition=charts.Definition(targeting.COVERAGE_DEFINITION, "", "Octopus outreach rounds", as_of,
                                                      "Counts of 1-7 are suppressed and the rest rounded to 5."))


def _target_areas(request) -> tuple[list[str], str]:
    """``?areas=`` from the area page (replacing the workforce file's target areas), and an error
    naming any code that is not a London LSOA."""
    target = [c.strip() for c in (request.POST.get("areas") or request.GET.get("areas", "")).split(",") if c.strip()]
    unknown = [c for c in target if areas.area(c) is None]
    if unknown:
        return [], (f"Target areas: {', '.join(unknown[:5])} {'is not a' if len(unknown) == 1 else 'are not'} "
                    f"London LSOA 2021 code{'s' if len(unknown) > 1 else ''}.")
    return target, ""


@require_http_methods(["GET", "POST"])
@require("plan_outreach")
def plan_page(request):
    """Ask for the monthly workforce plan for the shipped workforce file, as `octopus outreach plan`
    makes it. The plan runs in the task worker (at 100 CHWWs it takes about a minute); the job's
    page shows its progress, then each CHWW's days as walking routes."""
    target, error = _target_areas(request)
    posted = request.method == "POST"
    form = forms.PlanForm(request.POST if posted else None, initial={"month": request.GET["month"]} if request.GET.get("month") else None)
    if posted and not error and form.is_valid():
        job = services.request_plan(request.user, form.cleaned_data["month"], target, path=request.path)
        return redirect("outreach:plan_job", job.pk)
    return render(request, "outreach/plan.jinja", {"form": form, "plan": None, "error": error, "target": target,
                                                   "job": None, "recent": PlanJob.objects.select_related("requested_by")[:5]})


def _plan_job(job_id: int) -> PlanJob:
    return get_object_or_404(PlanJob.objects.select_related("requested_by"), pk=job_id)


@require_GET
@require("plan_outreach")
def plan_job(request, job_id: int):
    """A plan asked for: its progress while it runs (the panel polls ``plan_job_status``), then the
    plan itself (addresses, no residents)."""
    job = _plan_job(job_id)
    result, addresses, routes = None, {}, {}
    if job.status == PlanJob.Status.FINISHED:
        result = tasks.restored(job.result)
        ids = [h.id for w in result.workers for d in w.days for h in d.households]
        addresses = queries.addresses(ids)
        routes = {(w, d): _route_drawing(day.households) for w, wp in enumerate(result.workers) for d, day in enumerate(wp.days)}
        audit.record_request(request, "view", f"Viewed the outreach plan for {job.month} (plan job {job.pk}): {len(ids)} households")
    form = forms.PlanForm(initial={"month": job.month})
    return render(request, "outreach/plan.jinja", {"form": form, "plan": result, "addresses": addresses, "error": job.error,
                                                   "target": job.target_areas, "routes": routes, "job": job, "recent": []})


@require_GET
@require("plan_outreach")
def plan_job_status(request, job_id: int):
    job = _plan_job(job_id)
    response = render(request, "outreach/_plan_status.jinja", {"job": job})
    if not job.active:
        response["HX-Refresh"] = "true"  # the finished plan is the whole page, not this panel
    return response


@require_GET
@require("plan_outreach")
def supervision_page(request):
    """Counts per CHWW or area, month by month; no resident is named (octopus.outreach.supervision)."""
    by = "area" if request.GET.get("by") == "area" else "chww"
    rows = supervision.figures(by)
    audit.record_request(request, "view", f"Viewed outreach supervision by {by}")
    return render(request, "outreach/supervision.jinja", {"rows": rows, "by": by, "definitions": supervision.__doc__.split("Definitions (shown on the page):")[1]})


@require_http_methods(["GET", "POST"])
@require("plan_outreach")
def round_create(request):
    form = forms.RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.create_round(request.user, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(request, f"{round_.name} planned. Now allocate households to CHWWs.")
            return redirect("outreach:allocate", round_.pk)
    return render(request, "outreach/round_form.jinja", {"form": form})


@require_GET
@require("plan_outreach")
def round_detail(request, round_id: int):
    round_ = _round(round_id)
    by_worker = queries.allocations_by_worker(round_)
    allocations = [a for mine in by_worker.values() for a in mine]
    audit.record_request(request, "view", f"Viewed outreach round {round_.name}: {len(allocations)} households", obj=round_)
    return render(request, "outreach/round.jinja", {
        "round": round_, "progress": queries.progress(round_), "by_worker": by_worker,
        "latest": queries.latest_visits(allocations), "definition_text": queries.PROGRESS_DEFINITION,
    })


@require_http_methods(["GET", "POST"])
@require("plan_outreach")
def allocate(request, round_id: int):
    round_ = _round(round_id)
    filters = forms.HouseholdFilterForm(request.GET or None)
    form = forms.AllocateForm(request.POST or None, round_=round_)
    if request.method == "POST" and form.is_valid():
        chosen = queries.households(request.POST.getlist("households"))
        try:
            made = services.allocate(round_, request.user, households=chosen, path=request.path, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.info(request, f"{len(made)} households allocated to {form.cleaned_data['worker'].display_name}.")
            return redirect("outreach:round", round_.pk)
    candidates, total = ([], 0)
    if filters.has_filter:
        candidates, total = queries.candidate_households(round_, **filters.cleaned_data)
        audit.record_request(request, "search", f"Listed {total} households for outreach round {round_.name}", obj=round_)
    return render(request, "outreach/allocate.jinja", {
        "round": round_, "filters": filters, "form": form, "candidates": candidates, "total": total,
        "limit": queries.CANDIDATE_LIMIT, "areas": [] if filters.has_filter else queries.areas_by_deprivation(round_),
        "residents": queries.residents_per_household(candidates), "query": request.GET.urlencode(),
        "chosen": set(request.POST.getlist("households")) if request.method == "POST" else None,
    })


@require_POST
@require("plan_outreach")
def round_withdraw(request, round_id: int):
    round_ = _round(round_id)
    try:
        services.withdraw_round(round_, request.user, request.POST.get("reason", ""), path=request.path)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        messages.info(request, f"{round_.name} withdrawn: its CHWWs can no longer see its households.")
    return redirect("outreach:round", round_.pk)


@require_POST
@require("plan_outreach")
def allocation_withdraw(request, allocation_id: int):
    allocation = get_object_or_404(Allocation.objects.select_related("round", "household", "worker"), pk=allocation_id)
    services.withdraw_allocation(allocation, request.user, path=request.path)
    messages.info(request, f"{allocation.household} taken off {allocation.worker.display_name}'s round.")
    return redirect("outreach:round", allocation.round_id)

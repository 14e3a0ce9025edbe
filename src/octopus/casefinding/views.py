"""Case-finding pages. Residents come only from ``governance.access.residents_for``; each page
showing identifiable data writes one audit entry, and each bulk action one per resident (in
``services``, with the owning apps' own entries beside it)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from octopus.accounts.permissions import require
from octopus.directory.models import Neighbourhood
from octopus.governance import access, audit

from . import config, forms, lists, presenters, services
from .models import CheckInProgramme, Outcome
from .relationships import practices_for


def _list_or_404(name: str) -> lists.CaseList:
    try:
        return lists.get_list(name)
    except lists.UnknownList as error:
        raise Http404(str(error)) from None


def _no_vcse(request) -> None:
    # Being on a list is clinical detail (a cohort is a set of conditions, rising risk a score):
    # VCSE partners see clinical detail only with each resident's consent, one at a time.
    if access.is_vcse_user(request.user):
        raise PermissionDenied(
            "Case-finding lists show clinical detail, which voluntary sector roles see only in a resident's record "
            "with their consent."
        )


@require_http_methods(["GET"])
@require("view_clinical_detail")
def index(request):
    _no_vcse(request)
    counts = lists.index_counts(lists.visible_to(request.user))
    summaries = [
        {
            "list": case_list,
            "to_review": counts[case_list.name][lists.TO_REVIEW],
            "acted": counts[case_list.name][lists.ACTED],
            "no_action": counts[case_list.name][lists.NO_ACTION],
        }
        for case_list in lists.all_lists()
    ]
    audit.record_request(request, "view", "Viewed the case-finding lists (counts of residents you may open)")
    return render(
        request,
        "casefinding/index.jinja",
        {
            "summaries": summaries,
            "practices": list(practices_for(request.user).order_by("name")),
        },
    )


def _filters(request, counted, case_list) -> tuple[forms.FilterForm, lists.Filters]:
    codes = sorted({row["practice_ods_code"] for row in counted if row["practice_ods_code"]})
    names = presenters.practice_names(codes)
    choices = {
        "bands": sorted({row["risk_band"] for row in counted if row["risk_band"]}),
        "segments": sorted({row["segment"] for row in counted if row["segment"]}),
        "practices": [(code, f"{names.get(code, code)} ({code})") for code in codes],
        "neighbourhoods": list(
            Neighbourhood.objects.filter(practices__ods_code__in=codes).distinct().values_list("slug", "name")
        ),
    }
    form = forms.FilterForm(request.GET or None, **choices)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        return form, lists.Filters(**data)
    return form, lists.Filters()


def _action_forms(request, case_list, only: str = ""):
    user = request.user
    data = request.POST if request.method == "POST" else None
    wanted = (only or request.POST.get("action", "")) if data else ""
    reason = "Rising risk: proactive review" if case_list.is_rising_risk else f"{case_list.title}: proactive review"
    offered = {}
    if user.has_capability("hold_caseload"):
        offered[Outcome.CASE] = forms.CaseForm(data if wanted == Outcome.CASE else None, user=user, reason=reason)
        offered[Outcome.CHECK_INS] = forms.CheckInForm(data if wanted == Outcome.CHECK_INS else None, user=user)
    if user.has_capability("attend_meetings"):
        offered[Outcome.MEETING] = forms.MeetingForm(data if wanted == Outcome.MEETING else None, user=user)
    if user.has_capability("plan_outreach"):
        offered[Outcome.OUTREACH] = forms.OutreachForm(data if wanted == Outcome.OUTREACH else None)
    if user.has_capability("hold_caseload") and case_list.name in config.settings().discharge_follow_up.lists:
        offered[Outcome.FOLLOW_UP] = forms.FollowUpForm(data if wanted == Outcome.FOLLOW_UP else None, user=user)
    offered[Outcome.NO_ACTION] = forms.NoActionForm(data if wanted == Outcome.NO_ACTION else None)
    return wanted, offered


def _act(request, case_list, wanted, form):
    """Run the chosen bulk action on the chosen residents; returns the result or None (errors on the form)."""
    chosen_ids = list(dict.fromkeys(request.POST.getlist("person_id")))
    if not chosen_ids:
        form.add_error(None, "Choose at least one resident from the list.")
        return None
    if not form.is_valid():
        return None
    on_list = lists.visible_to(request.user).filter(lists.members_q(case_list), person_id__in=chosen_ids)
    found = {r.person_id: r for r in on_list}
    residents = [found[p] for p in chosen_ids if p in found]
    data, user, path = form.cleaned_data, request.user, request.path
    try:
        if wanted == Outcome.CASE:
            result = services.open_cases(
                case_list,
                residents,
                user,
                tier=data["tier"],
                team=data["team"],
                lead_professional=data["lead_professional"],
                reason=data["reason"],
                path=path,
            )
        elif wanted == Outcome.MEETING:
            result = services.add_to_meeting(
                case_list, residents, user, meeting=data["meeting"], reason=data["reason"], path=path
            )
        elif wanted == Outcome.CHECK_INS:
            result = services.start_check_ins(
                case_list,
                residents,
                user,
                caller=data["caller"],
                script=data["script"],
                first_due=data["first_due"],
                path=path,
            )
        elif wanted == Outcome.FOLLOW_UP:
            result = services.start_discharge_follow_ups(case_list, residents, user, owner=data["owner"], path=path)
        elif wanted == Outcome.OUTREACH:
            result = services.allocate_to_outreach(
                case_list, residents, user, round_=data["round"], worker=data["worker"], path=path
            )
        else:
            result = services.reviewed_no_action(case_list, residents, user, note=data["note"], path=path)
    except ValidationError as error:
        for field, problems in getattr(error, "error_dict", {None: error.error_list}).items():
            form.add_error(field if field in form.fields else None, problems)
        return None
    # Chosen but not (or no longer) on the list among the residents this user may open: named by
    # person id only, since the user may have no relationship with them.
    missing = [p for p in chosen_ids if p not in found]
    return result, missing


@require_http_methods(["GET", "POST"])
@require("view_clinical_detail")
def case_list(request, name: str):
    return _list_page(request, name)


@require_http_methods(["GET", "POST"])
@require("view_clinical_detail")
def discharge_follow_up(request, name: str):
    """The bulk start of discharge follow-up calls (a button on the list's form posts here), on
    the lists casefinding.yaml names. Its own address so the authorization matrix covers it."""
    if name not in config.settings().discharge_follow_up.lists:
        raise Http404("Discharge follow-ups start from the list of recent discharges.")
    if request.method == "GET":
        query = request.GET.urlencode()
        return redirect(reverse("casefinding:list", args=[name]) + (f"?{query}" if query else ""))
    return _list_page(request, name, only=Outcome.FOLLOW_UP)


def _list_page(request, name: str, only: str = ""):
    _no_vcse(request)
    case_list = _list_or_404(name)
    today = timezone.localdate()
    visible = lists.visible_to(request.user)
    wanted, offered = _action_forms(request, case_list, only)
    if request.method == "POST":
        if wanted not in offered:
            raise PermissionDenied("Your role does not include that action on a list.")
        outcome = _act(request, case_list, wanted, offered[wanted])
        if outcome is not None:
            result, missing = outcome
            return render(
                request,
                "casefinding/result.jinja",
                {
                    "list": case_list,
                    "result": result,
                    "missing": missing,
                    "outcome": Outcome(result.outcome).label,
                },
            )
    counted = lists.summary(visible, case_list)
    filter_form, filters = _filters(request, counted, case_list)
    queryset = lists.rows(visible, case_list, filters, today)
    paginator = Paginator(lists.ByIds(queryset), config.settings().page_size)
    known = lists.count_from_summary(counted, filters)
    if known is not None:
        paginator.count = known  # counted just above; the paginator would read the list again
    page = paginator.get_page(request.GET.get("page"))
    shown = presenters.rows(case_list, page.object_list, today)
    progress = presenters.progress(lists.progress_by_practice(counted))
    audit.record_request(
        request,
        "view",
        f"Viewed the {case_list.title} list ({page.paginator.count} residents, page {page.number})"[:300],
    )
    audit.record_appearances(
        request.user,
        f"Listed on the {case_list.title} case-finding list"[:300],
        [resident.person_id for resident in page.object_list],
        path=request.path,
    )
    return render(
        request,
        "casefinding/list.jinja",
        {
            "list": case_list,
            "page": page,
            "rows": shown,
            "filter_form": filter_form,
            "filters": filters,
            "actions": offered,
            "wanted": wanted,
            "progress": progress,
            "export_name": case_list.name,
            "follow_up_source": config.settings().discharge_follow_up.source,
        },
    )


@require_http_methods(["GET"])
@require("view_population")
def coverage(request):
    """Aggregate progress on every list across the neighbourhood, for the INT manager: counts
    only, disclosure-controlled, no resident named."""
    tables = []
    for case_list in lists.all_lists():
        rows, total = presenters.protected_progress(
            lists.progress_by_practice(lists.summary(lists.everyone(), case_list))
        )
        tables.append({"list": case_list, "rows": rows, "total": total})
    audit.record_request(request, "view", "Viewed case-finding coverage (aggregate counts)")
    return render(request, "casefinding/coverage.jinja", {"tables": tables})


@require_http_methods(["GET"])
@require("view_residents")
def programme(request, programme_id: int):
    item = get_object_or_404(
        CheckInProgramme.objects.select_related("resident", "caller", "organisation"), pk=programme_id
    )
    resident, _basis = access.open_record(
        request, item.resident.person_id, "Viewed the resident's check-in programme and script"
    )
    script = config.settings().scripts.get(item.script)
    check_ins = resident.check_ins.filter(organisation=item.organisation, due_on__gte=item.started_at.date()).order_by(
        "due_on"
    )
    return render(
        request,
        "casefinding/programme.jinja",
        {
            "programme": item,
            "resident": resident,
            "script": script,
            "check_ins": check_ins,
        },
    )

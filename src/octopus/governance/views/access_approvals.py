"""Access approvals (separation of duties, decision 0020): the membership grants waiting for a
decision, and approving or refusing one."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from octopus.accounts.permissions import require

from ..forms import AccessDecisionForm


@require("approve_access")
@require_GET
def access_approvals(request):
    from octopus.accounts.models import MembershipGrant

    show = request.GET.get("show", "pending")
    grants = MembershipGrant.objects.select_related("user", "team__organisation", "requested_by", "decided_by")
    if not request.user.has_capability("review_audit"):
        grants = grants.filter(team_id__in=request.user.team_ids)  # a team manager sees their own teams
    if show != "all":
        grants = grants.filter(status=MembershipGrant.Status.PENDING)
    page = Paginator(grants, 25).get_page(request.GET.get("page"))
    return render(
        request, "governance/access_approvals.jinja", {"page": page, "show": show, "form": AccessDecisionForm()}
    )


@require("approve_access")
@require_POST
def access_approval_decide(request, grant_id: int):
    from octopus.accounts import services as account_services
    from octopus.accounts.models import MembershipGrant

    grant = get_object_or_404(MembershipGrant.objects.select_related("user", "team"), pk=grant_id)
    form = AccessDecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                account_services.approve_grant(
                    actor=request.user, grant=grant, note=form.cleaned_data["note"], path=request.path
                )
                messages.success(
                    request, f"Approved: {grant.user.username} is now {grant.get_role_display()} in {grant.team.name}."
                )
            else:
                account_services.refuse_grant(
                    actor=request.user, grant=grant, note=form.cleaned_data["note"], path=request.path
                )
                messages.success(request, f"Refused access for {grant.user.username}.")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    else:
        messages.error(request, "Choose approve or refuse.")
    return redirect("governance:access-approvals")

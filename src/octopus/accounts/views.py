from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from octopus.directory.models import Team

from . import services
from .forms import MembershipForm, NewUserForm
from .models import Membership, User
from .permissions import require
from .roles import catalogue


def profile(request):
    return render(
        request,
        "accounts/profile.jinja",
        {
            "memberships": request.user.memberships.select_related("team__organisation"),
            "capabilities": [
                (code, description)
                for code, description in catalogue().capabilities.items()
                if request.user.has_capability(code)
            ],
        },
    )


_WAITING = (
    " A role that opens resident data takes effect when the information governance lead or a manager "
    "of the team approves it."
)


@require("administer")
def user_list(request):
    query = request.GET.get("q", "").strip()
    users = User.objects.prefetch_related("memberships__team__organisation").order_by("username")
    if query:
        users = users.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.jinja", {"page": page, "query": query})


@require("administer")
@require_http_methods(["GET", "POST"])
def user_create(request):
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.create_user(
            actor=request.user,
            username=data["username"],
            password=data["password"],
            team=data["team"],
            role=data["role"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
        )
        pending = user.membership_grants.filter(status="pending").exists()
        messages.success(request, f"Created {user.username}." + (_WAITING if pending else ""))
        return redirect("administration:user", user_id=user.pk)
    return render(request, "accounts/user_form.jinja", {"form": form})


@require("administer")
@require_http_methods(["GET", "POST"])
def user_detail(request, user_id: int):
    account = get_object_or_404(User, pk=user_id)
    form = MembershipForm(request.POST or None)
    form.fields["team"].queryset = Team.objects.select_related("organisation")
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.request_membership(
                actor=request.user, user=account, team=form.cleaned_data["team"], role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                "Asked for the team membership." + _WAITING
                if grant.status == "pending"
                else "Added the team membership.",
            )
            return redirect("administration:user", user_id=account.pk)
    return render(
        request,
        "accounts/user_detail.jinja",
        {
            "account": account,
            "form": form,
            "memberships": account.memberships.select_related("team__organisation"),
            "grants": account.membership_grants.select_related("team", "requested_by", "decided_by")[:20],
        },
    )


@require("administer")
@require_POST
def user_set_active(request, user_id: int):
    account = get_object_or_404(User, pk=user_id)
    if account == request.user:
        messages.error(request, "You cannot deactivate your own account.")
    else:
        services.set_active(actor=request.user, user=account, active=request.POST.get("active") == "1")
    return redirect("administration:user", user_id=account.pk)


@require("administer")
@require_POST
def membership_remove(request, membership_id: int):
    membership = get_object_or_404(Membership, pk=membership_id)
    services.remove_membership(actor=request.user, membership=membership)
    return redirect("administration:user", user_id=membership.user_id)

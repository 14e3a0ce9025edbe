"""View models for governance templates, so templates stay dumb and other apps can include them."""

from dataclasses import dataclass
from datetime import datetime

from octopus.accounts.models import User

from . import access, consent
from .forms import ConsentForm, ContactPreferenceForm, ObjectionForm
from .models import AuditEvent, ConsentKind, ContactRoute

# What a subject access report lists: everything someone did with the record.
SUBJECT_ACCESS_ACTIONS = ("view", "create", "change", "delete", "export", "break_glass", "search")


def break_glass_banner_context(user, resident) -> dict:
    """Context for ``governance/break_glass_banner.jinja``: {"break_glass": grant or None}."""
    return {"break_glass": access.break_glass_for(user, resident)}


def consent_panel_context(user, resident, *, forms: dict | None = None, saved: str = "") -> dict:
    """Context for ``governance/consent_panel.jinja`` (the record page includes it)."""
    forms = forms or {}
    preference = consent.current_preference(resident)
    contact = []
    for route in ContactRoute:
        # may_contact's rules with the preference read once, not once a route.
        allowed, reason = consent._contact_decision(resident, preference, route.value)
        contact.append({"route": route.label, "allowed": allowed, "reason": reason})
    decisions = consent.consents_for(resident)
    return {
        "resident": resident,
        "person_id": resident.person_id,
        "consents": [{"kind": kind.value, "label": kind.label, "decision": decisions[kind.value]} for kind in ConsentKind],
        "objections": list(resident.objections.filter(withdrawn_at__isnull=True)),
        "preference": preference,
        "contact": contact,
        "consent_form": forms.get("consent") or ConsentForm(),
        "objection_form": forms.get("objection") or ObjectionForm(),
        "preference_form": forms.get("preference") or ContactPreferenceForm(),
        "saved": saved,
        "may_record": access.basis_for(user, resident) is not None,
    }


@dataclass(frozen=True)
class AccessRow:
    when: datetime
    who: str
    role: str
    what: str
    why: str


def _roles_by_user(user_ids) -> dict[int, str]:
    roles: dict[int, str] = {}
    for user in User.objects.filter(pk__in=user_ids).prefetch_related("memberships__team__organisation"):
        roles[user.pk] = "; ".join(
            f"{m.get_role_display()}, {m.team.organisation.name}" for m in user.memberships.all()
        )
    return roles


def subject_access_rows(person_id: str) -> list[AccessRow]:
    """Everyone who opened or changed this resident's record, when, and on what basis."""
    events = list(
        AuditEvent.objects.filter(resident_id=person_id, action__in=SUBJECT_ACCESS_ACTIONS)
        # The IG lead's own searches and reports about the request are not accesses to the record.
        .exclude(path__startswith="/governance/subject-access")
        .exclude(path__startswith="/governance/audit")
        .select_related("user")
        .order_by("occurred_at", "id")
    )
    roles = _roles_by_user({e.user_id for e in events if e.user_id})
    return [
        AccessRow(
            when=event.occurred_at,
            who=(event.user.display_name + f" ({event.username})") if event.user else event.username,
            role=roles.get(event.user_id, ""),
            what=event.summary,
            why=event.basis or "—",
        )
        for event in events
    ]

"""View models for governance templates, so templates stay dumb and other apps can include them."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.template import engines
from markupsafe import Markup

from octopus.accounts.models import User

from . import access, consent
from .forms import ConsentForm, ContactPreferenceForm, ObjectionForm
from .models import AuditEvent, ConsentKind, ContactRoute

# What a subject access report lists: everything someone did with the record.
SUBJECT_ACCESS_ACTIONS = ("view", "create", "change", "delete", "export", "break_glass", "search")


def break_glass_banner_context(user, resident) -> dict:
    """Context for ``governance/break_glass_banner.jinja``: {"break_glass": grant or None}."""
    return {"break_glass": access.break_glass_for(user, resident)}


# The consent panel's three forms and the fields each shows, in order.
PANEL_FORMS = {
    "consent": (ConsentForm, ("kind", "status", "basis", "rationale", "decided_by", "expires_on")),
    "objection": (ObjectionForm, ("kind", "source")),
    "preference": (
        ContactPreferenceForm,
        ("preferred_route", "refused_routes", "language", "interpreter_needed", "do_not_contact", "note"),
    ),
}


def _form_fields(form, fields) -> Markup:
    template = engines["jinja2"].env.get_template("governance/_consent_form_fields.jinja")
    return Markup(template.render(form=form, fields=fields))


@cache
def blank_form_fields(which: str) -> Markup:
    """The fields of an empty panel form, rendered once a process. Every record page carries the
    three forms (closed), and rendering their NHS.UK field macros was a third of the page's CPU;
    an unbound form has no per-resident or per-user content (choices are fixed enumerations, the
    CSRF token and the resident's id sit outside the fields), so the HTML is the same every time."""
    form_class, fields = PANEL_FORMS[which]
    return _form_fields(form_class(), fields)


def consent_panel_context(
    user, resident, *, forms: dict | None = None, saved: str = "", may_record: bool | None = None
) -> dict:
    """Context for ``governance/consent_panel.jinja`` (the record page includes it).

    ``may_record``: whether the user's access opens the record, when the caller has just checked
    it (the record page); None asks ``access.basis_for``."""
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
        "consents": [
            {"kind": kind.value, "label": kind.label, "decision": decisions[kind.value]} for kind in ConsentKind
        ],
        "objections": list(resident.objections.filter(withdrawn_at__isnull=True)),
        "preference": preference,
        "contact": contact,
        # Whether each form opens (it holds the user's input and errors); its fields come below.
        "consent_form": forms.get("consent") or ConsentForm(),
        "objection_form": forms.get("objection") or ObjectionForm(),
        "preference_form": forms.get("preference") or ContactPreferenceForm(),
        # A form the user sent back (with their input and errors) is rendered afresh; blank ones come ready.
        "form_fields": {
            which: _form_fields(forms[which], PANEL_FORMS[which][1]) if forms.get(which) else blank_form_fields(which)
            for which in PANEL_FORMS
        },
        "saved": saved,
        "may_record": access.basis_for(user, resident) is not None if may_record is None else may_record,
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

"""View models for the working group pages."""

from octopus.accounts.models import User

from . import indicators, services
from .models import Escalation


def summary(group) -> dict:
    organisations = sorted({m.organisation.name for m in group.members.all()})
    return {
        "pk": group.pk,
        "name": group.name,
        "topic": group.get_topic_display(),
        "organisations": organisations,
        "members": len(group.members.all()),
    }


def _escalation(entry: Escalation) -> dict:
    return {
        "pk": entry.pk,
        "issue": entry.issue,
        "level": entry.get_level_display(),
        "raised_at": entry.raised_at,
        "raised_by": entry.raised_by.display_name if entry.raised_by else "",
        "response": entry.response,
        "responded_at": entry.responded_at,
        "is_open": entry.is_open,
        "may_escalate": entry.is_open and entry.level != "strategic",
    }


def page(group, user) -> dict:
    members = list(group.members.select_related("user", "organisation"))
    member_ids = {m.user_id for m in members}
    actions = list(group.actions.select_related("owner", "task"))
    return {
        "group": group,
        "is_member": user.pk in member_ids,
        "members": [
            {"name": m.user.display_name, "organisation": m.organisation.name, "chair": m.chair, "pk": m.user_id}
            for m in members
        ],
        "organisations": sorted({m.organisation.name for m in members}),
        "candidates": User.objects.filter(is_active=True, memberships__isnull=False)
        .exclude(pk__in=member_ids)
        .distinct()
        .order_by("first_name", "last_name", "username"),
        "actions": [
            {
                "text": a.text,
                "owner": a.owner.display_name,
                "due": a.due,
                "status": "Done" if a.task.done_at else ("Cancelled" if a.task.cancelled_at else "Open"),
            }
            for a in actions
        ],
        "watched": indicators.watched(group.watched_cohort),
        "escalations": [_escalation(e) for e in group.escalations.select_related("raised_by")],
        "is_chair_or_member": services.is_member(group, user),
    }

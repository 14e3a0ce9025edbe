"""The team's message thread about a resident. @username mentions create an inbox task."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from octopus.accounts.models import User
from octopus.care import services as care
from octopus.care.models import TaskSource
from octopus.governance import audit

from ..models import ResidentMessage

MENTION = re.compile(r"@([\w.+-]+)")


@transaction.atomic
def post_message(resident, author, body: str, path: str = "") -> ResidentMessage:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write a message."})
    if len(body) > 2000:
        raise ValidationError({"body": "Keep a message under 2,000 characters."})
    message = ResidentMessage.objects.create(resident=resident, author=author, body=body, posted_at=timezone.now())
    names = set(MENTION.findall(body))
    mentioned = list(User.objects.filter(username__in=names, is_active=True).exclude(pk=author.pk))
    message.mentions.set(mentioned)
    audit.record(
        author,
        "create",
        f"Message about the resident ({len(mentioned)} mentioned)",
        resident_id=resident.person_id,
        obj=message,
        path=path,
    )
    link = reverse("meetings:thread", args=[resident.person_id])
    for user in mentioned:
        care.create_task(
            user,
            f"{author.display_name} mentioned you about {resident.name}",
            timezone.localdate(),
            resident=resident,
            link=link,
            source=TaskSource.OTHER,
        )
    return message

"""The audit log: append-only, each entry chained to the one before by a hash."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One thing someone saw or changed. Never updated or deleted (see audit.verify_chain)."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CREATE = "create", "Created"
        CHANGE = "change", "Changed"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        SEARCH = "search", "Searched"
        BREAK_GLASS = "break_glass", "Broke glass"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_OUT = "sign_out", "Signed out"
        LOAD = "load", "Loaded data"
        RUN = "run", "Ran a job"

    occurred_at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, help_text="Kept even if the account is removed.")
    action = models.CharField(max_length=20, choices=Action.choices)
    # What was touched: a resident (by Octopus person id) and/or a named object.
    resident_id = models.CharField(max_length=40, blank=True, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    summary = models.CharField(max_length=300)
    # Why access was allowed: the relationship, or the break-glass reason.
    basis = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=300, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["user", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.summary}"

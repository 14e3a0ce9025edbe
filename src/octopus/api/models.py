"""Service accounts: a partner system that reads the FHIR API with a bearer token.

A service account acts as one Octopus user (its ``user``: a team member with a role), so it reaches
exactly the residents that user's relationships open, through the same access point and audit as
the pages; its SMART-style scopes (``system/Patient.read``) narrow further which resource types it
may read. Only a hash of the token is stored (decision 0033).
"""

from django.conf import settings
from django.db import models


class ServiceAccount(models.Model):
    name = models.CharField(
        max_length=120, unique=True, help_text="The partner system, e.g. 'Borough shared care record'."
    )
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="service_account")
    token_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the bearer token; the token itself is shown once."
    )
    scopes = models.CharField(
        max_length=500, help_text="Space-separated SMART scopes, e.g. 'system/Patient.read system/CarePlan.read'."
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

"""The Django admin site holds reference data only (the directory registers its models).

Third-party apps register their own models: groups (unused: Octopus grants capabilities through
approved team memberships, decision 0020), TOTP devices (editing another person's second factor
would be a way into their account) and task results. A superuser made with ``createsuperuser``
must not reach any of them, so they are taken off the site here; this app loads after theirs.
"""

from django.contrib import admin
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

for model in (Group, TOTPDevice, DBTaskResult):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

"""``flush`` with the audit table's append-only triggers lifted for the wipe.

Flushing empties every table (Django's test runner does it between transactional tests, and
``octopus restore --replace`` does it before loading a backup). The triggers would otherwise
refuse the audit table's DELETE on SQLite. They are put back straight afterwards.
"""

from django.core.management.commands.flush import Command as DjangoFlush

from octopus.governance import append_only


class Command(DjangoFlush):
    def handle(self, **options):
        with append_only.suspended(options.get("database") or "default"):
            return super().handle(**options)

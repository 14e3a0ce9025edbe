"""Make the audit table append-only in the database (see governance.append_only)."""

from django.db import migrations

from octopus.governance.append_only import migrate_install, migrate_remove


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_break_glass_consent_objections_preferences")]

    operations = [migrations.RunPython(migrate_install, migrate_remove)]

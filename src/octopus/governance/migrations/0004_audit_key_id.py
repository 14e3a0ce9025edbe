"""Audit entries name the key that sealed them (decision 0019); the triggers are put back after
the column is added, because SQLite rebuilds the table to add it and the rebuild drops them."""

from django.db import migrations, models

from octopus.governance.append_only import migrate_install


class Migration(migrations.Migration):
    dependencies = [("governance", "0003_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="key_id", field=models.CharField(blank=True, default="", max_length=16)
        ),
        migrations.RunPython(migrate_install, migrations.RunPython.noop),
    ]

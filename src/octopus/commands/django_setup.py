"""Starting Django from the CLI with the right settings for the environment."""

import os

SETTINGS = {
    "demo": "octopus.settings.demo",
    "production": "octopus.settings.production",
    "test": "octopus.settings.test",
}


def setup(environment: str | None = None) -> None:
    """Choose settings from OCTOPUS_ENV (demo, production; default production) and start Django."""
    if "DJANGO_SETTINGS_MODULE" not in os.environ or environment:
        chosen = environment or os.environ.get("OCTOPUS_ENV", "production")
        if chosen not in SETTINGS:
            raise SystemExit(f"OCTOPUS_ENV={chosen!r} is not one of: {', '.join(SETTINGS)}.")
        os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS[chosen]
    import django
    from django.apps import apps

    # Once per process: a second django.setup() changes nothing but the logging, whose handler it
    # binds anew to whatever sys.stderr is at that moment. Under a test's CLI runner that stream is
    # closed when the command returns, and every later log line in the process failed with
    # "--- Logging error ---" on stderr (the malformed-input tests caught it, in some orders).
    if not apps.ready:
        django.setup()

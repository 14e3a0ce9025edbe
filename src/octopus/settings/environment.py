"""Reading settings from environment variables, failing loudly when a required one is missing.

"Loudly" means one clear line and a non-zero exit, not a traceback: the person starting Octopus
is often not its developer, and a missing OCTOPUS_SECRET_KEY should read as what it is.
``exit_on_configuration_error`` wraps every entry point (``octopus``, ``manage.py``).
"""

import os
import sys
from collections.abc import Callable
from functools import wraps

from django.core.exceptions import ImproperlyConfigured

# sysexits.h EX_CONFIG: "something was found in an unconfigured or misconfigured state".
CONFIGURATION_EXIT_CODE = 78


def env(name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = os.environ.get(name)
    if value in (None, ""):
        if required:
            raise ImproperlyConfigured(f"The environment variable {name} must be set (see docs/configuration.md).")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if value is None:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean: use true or false.")


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_float(name: str, default: float) -> float:
    value = env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None:
        return default
    return [part.strip() for part in value.split(",") if part.strip()]


def configuration_error_line(error: ImproperlyConfigured) -> str:
    """The one line printed for a configuration error: what is wrong and where to read more."""
    message = " ".join(str(error).split()) or "a setting is missing or invalid"
    return f"Octopus is not configured correctly: {message}"


def exit_on_configuration_error(entry_point: Callable) -> Callable:
    """Run ``entry_point``; a configuration error prints one line to stderr and exits 78."""

    @wraps(entry_point)
    def guarded(*args, **kwargs):
        try:
            return entry_point(*args, **kwargs)
        except ImproperlyConfigured as error:
            print(configuration_error_line(error), file=sys.stderr)
            raise SystemExit(CONFIGURATION_EXIT_CODE) from None

    return guarded

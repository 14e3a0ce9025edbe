"""Tests: SQLite by default; PostgreSQL when OCTOPUS_TEST_DATABASE_URL is set."""

import os
import tempfile

os.environ.setdefault("OCTOPUS_SECRET_KEY", "test-only-secret-key-not-for-use-anywhere-else")
os.environ.setdefault("OCTOPUS_SECURE_COOKIES", "false")
os.environ.setdefault("OCTOPUS_DATA_DIR", tempfile.mkdtemp(prefix="octopus-test-"))
if os.environ.get("OCTOPUS_TEST_DATABASE_URL"):
    os.environ["OCTOPUS_DATABASE_URL"] = os.environ["OCTOPUS_TEST_DATABASE_URL"]
else:
    os.environ.setdefault("OCTOPUS_DATABASE_URL", "sqlite:///:memory:")

from .base import *  # noqa: E402,F401,F403

# Argon2 is deliberately slow; tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = []
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
OCTOPUS_DEMO = False

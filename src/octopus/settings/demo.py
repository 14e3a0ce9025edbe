"""The laptop demo: plain HTTP on localhost, a generated secret kept in the data folder."""

import os
import secrets
from pathlib import Path

os.environ.setdefault("OCTOPUS_SECURE_COOKIES", "false")


def _demo_secret_key() -> str:
    data_dir = Path(os.environ.get("OCTOPUS_DATA_DIR", Path.cwd() / "var")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "demo-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


os.environ.setdefault("OCTOPUS_SECRET_KEY", _demo_secret_key())

from .base import *  # noqa: E402,F401,F403

OCTOPUS_DEMO = True

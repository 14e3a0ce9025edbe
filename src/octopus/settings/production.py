"""Production: everything from the environment; nothing relaxed."""

from .base import *  # noqa: F401,F403

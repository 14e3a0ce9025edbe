"""Configuration a place adapts: bands, segments and cohorts, as YAML files in this folder."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent


class ConfigError(ValueError):
    """A configuration file is wrong; the message names the file and what to fix."""

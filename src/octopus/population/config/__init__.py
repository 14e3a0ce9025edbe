"""The shipped defaults a place adapts: bands, segments, cohorts, prevention and the model's
outcome, as YAML in this folder. A place overrides any of them in its own folder
(``OCTOPUS_CONFIG_DIR``); all are read by the one loader, ``octopus.config`` (decision 0065)."""

from pathlib import Path

from octopus.config import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent

__all__ = ["CONFIG_DIR", "ConfigError"]

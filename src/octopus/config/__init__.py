"""Configuration an INT adapts, in one folder with schemas (decision 0065).

``load("care.yaml")`` gives the validated, effective configuration (the place's own file from
``OCTOPUS_CONFIG_DIR``, else the shipped Westminster default); every fault is a ``ConfigError``
naming file, line and field. ``octopus config check`` and ``octopus config show`` use the same
loader; ``docs/reference/configuration.md`` is generated from the schemas.
"""

from octopus.config.errors import ConfigError, Problem
from octopus.config.folder import FILES, check_all, config_dir, load, parse_text, path_for, read
from octopus.config.schema import Schema

__all__ = [
    "FILES",
    "ConfigError",
    "Problem",
    "Schema",
    "check_all",
    "config_dir",
    "load",
    "parse_text",
    "path_for",
    "read",
]

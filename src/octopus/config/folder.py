"""One configuration folder per place: ``OCTOPUS_CONFIG_DIR`` overrides the shipped defaults.

Every file Octopus reads as configuration is named here once, with its shipped default (the
Westminster example, inside the package) and its schema. A file of the same name in the folder
``OCTOPUS_CONFIG_DIR`` replaces the default whole (no merging: what an INT sees in its file is
all there is). The schemas are imported lazily by dotted path, so this module needs neither
Django nor the engine.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import time
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ValidationError

from octopus.config.errors import ConfigError, Problem

__all__ = ["ConfigError", "Problem"]  # re-exported for the command line
from octopus.config.positions import dotted, line_of, load_yaml

ENV = "OCTOPUS_CONFIG_DIR"
PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class ConfigFile:
    name: str
    default: Path | None  # None: nothing shipped, every key has a default in the schema
    schema: str  # "module:Class"
    about: str

    def model(self) -> type[BaseModel]:
        module, _, cls = self.schema.partition(":")
        return getattr(importlib.import_module(module), cls)


FILES = {
    f.name: f
    for f in (
        ConfigFile(
            "roles.yaml",
            PACKAGE / "accounts" / "roles.yaml",
            "octopus.accounts.roles:RoleCatalogue",
            "Roles and the capabilities each grants.",
        ),
        ConfigFile(
            "care.yaml",
            PACKAGE / "care" / "care.yaml",
            "octopus.care.config:CareConfig",
            "Check-in frequencies per tier, referral response times and record-access windows.",
        ),
        ConfigFile(
            "meetings.yaml",
            PACKAGE / "meetings" / "meetings.yaml",
            "octopus.meetings.config:MeetingsConfig",
            "Meeting worklists: their sources, thresholds and limits.",
        ),
        ConfigFile(
            "outreach.yaml",
            PACKAGE / "outreach" / "outreach.yaml",
            "octopus.outreach.config:OutreachConfig",
            "CHWW visits a day and the prevention gaps shown on the doorstep.",
        ),
        ConfigFile(
            "casefinding.yaml",
            PACKAGE / "casefinding" / "casefinding.yaml",
            "octopus.casefinding.config:CasefindingConfig",
            "Practice and PCN relationships, page size, check-in scripts, discharge follow-up.",
        ),
        ConfigFile(
            "virtualward.yaml",
            PACKAGE / "virtualward" / "virtualward.yaml",
            "octopus.virtualward.config:WardConfig",
            "Virtual ward alert response times, trend rule and escalation chain.",
        ),
        ConfigFile(
            "bands.yaml",
            PACKAGE / "population" / "config" / "bands.yaml",
            "octopus.population.risk.bands:BandScale",
            "Risk bands and the rising-risk rule.",
        ),
        ConfigFile(
            "segments.yaml",
            PACKAGE / "population" / "config" / "segments.yaml",
            "octopus.population.segments:SegmentsFile",
            "Population segments and overlays.",
        ),
        ConfigFile(
            "cohorts.yaml",
            PACKAGE / "population" / "config" / "cohorts.yaml",
            "octopus.population.cohorts.load:CohortsFile",
            "Cohorts the pipeline finds and case-finding lists.",
        ),
        ConfigFile(
            "prevention.yaml",
            PACKAGE / "population" / "config" / "prevention.yaml",
            "octopus.population.features.prevention:PreventionRules",
            "Prevention programmes' rules.",
        ),
        ConfigFile(
            "model.yaml",
            PACKAGE / "population" / "config" / "model.yaml",
            "octopus.population.risk.outcomes:ModelConfig",
            "The risk model's outcome.",
        ),
        ConfigFile(
            "linkage.yaml",
            PACKAGE / "population" / "config" / "linkage.yaml",
            "octopus.population.linkage.settings:LinkageSettings",
            "Threads and memory for person linkage.",
        ),
        ConfigFile(
            "codelists.yaml",
            PACKAGE / "codelists" / "codelists.yaml",
            "octopus.codelists.registry:Registry",
            "Clinical code lists: file, coding system, source and version.",
        ),
    )
}


def config_dir() -> Path | None:
    value = os.environ.get(ENV, "").strip()
    return Path(value) if value else None


def path_for(name: str) -> Path | None:
    """The file in effect for ``name``: the place's own, else the shipped default."""
    entry = _entry(name)
    folder = config_dir()
    if folder is not None and (folder / name).is_file():
        return folder / name
    return entry.default


def is_override(name: str) -> bool:
    folder = config_dir()
    return folder is not None and (folder / name).is_file()


def _entry(name: str) -> ConfigFile:
    try:
        return FILES[name]
    except KeyError:
        raise ConfigError(
            f"there is no configuration file called {name!r}; the files are {', '.join(FILES)}.", file=name
        ) from None


def validate(document: object, lines: dict, schema: type[BaseModel], source: str, context: dict | None = None):
    """The document as ``schema``, or a ConfigError listing every problem with its line."""
    try:
        return schema.model_validate(
            {} if document is None else document, context={"source": source, **(context or {})}
        )
    except ValidationError as error:
        problems = []
        for item in error.errors():
            loc = _document_path(tuple(item["loc"]), lines)
            message = item["msg"].removeprefix("Value error, ")
            if item["type"] == "missing" and loc and isinstance(loc[-1], int):
                message = "too few items: a value is missing at this position"
            elif item["type"] == "missing":
                message = "missing: this key is required (docs/reference/configuration.md)"
            elif item["type"] == "extra_forbidden":
                message = f"unknown key; {schema_keys_hint(schema, loc)}"
            elif item["type"] in ("model_type", "dict_type"):
                message = f"expected a mapping of keys (key: value), found {type(item.get('input')).__name__}"
            elif not item["type"].startswith("value_error") and isinstance(item.get("input"), str | int | float | bool):
                message = f"{message}, got {item['input']!r}"
            problems.append(Problem(source, line_of(lines, loc), dotted(loc), message))
        raise ConfigError(_merged(problems)) from None


def _merged(problems: list[Problem]) -> list[Problem]:
    """One problem per place: a union reports each alternative it tried (``2`` or ``auto``)."""
    merged: dict[tuple, list[str]] = {}
    for p in problems:
        merged.setdefault((p.file, p.line, p.field), []).append(p.message)
    return [
        Problem(f, line, field, "; or ".join(dict.fromkeys(messages))) for (f, line, field), messages in merged.items()
    ]


_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "literal"}


def _document_path(loc: tuple, lines: dict) -> tuple:
    """pydantic's ``loc`` without the tags it adds for unions and constrained types
    (``str``, ``DoorstepPrompt``, ``function-after[...]``, ``[key]``), so the path is the
    file's own keys."""
    path: tuple = ()
    for part in loc:
        candidate = (*path, part)
        if (
            isinstance(part, str)
            and candidate not in lines
            and (part in _TAGS or "[" in part or "-" in part or part[:1].isupper())
        ):
            continue
        path = candidate
    return path


def schema_keys_hint(schema: type[BaseModel], loc: tuple) -> str:
    model = schema
    for part in loc[:-1]:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        annotation = getattr(field, "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
        else:
            return "check the spelling against docs/reference/configuration.md"
    return f"this part takes {', '.join(f.alias or name for name, f in model.model_fields.items() if name != 'code')}"


def parse_text(text: str, schema: type[BaseModel], source: str, context: dict | None = None):
    document, lines = load_yaml(text, source)
    return validate(document, lines, schema, source, context)


def read(path: Path, schema: type[BaseModel], context: dict | None = None):
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(f"cannot be read ({error.strerror}).", file=str(path)) from None
    return parse_text(text, schema, str(path), context)


_cache: dict[tuple, object] = {}
# name -> (folder setting, monotonic time of the last look at the file, value). Settings are read
# in hot paths (a role's capabilities on every permission check): looking at the file at most
# once a second keeps a call near a microsecond instead of tens (a stat and path resolution),
# and an edited file still takes effect within a second.
_recent: dict[str, tuple[str | None, float, object]] = {}
RECHECK_SECONDS = 1.0


def load(name: str):
    """The effective configuration ``name``, validated; re-read when the file changes."""
    folder_setting = os.environ.get(ENV)
    recent = _recent.get(name)
    now = time.monotonic()
    if recent is not None and recent[0] == folder_setting and now - recent[1] < RECHECK_SECONDS:
        return recent[2]
    entry = _entry(name)
    path = path_for(name)
    if path is None:
        value = entry.model().model_validate({})
    else:
        key = (name, str(path), path.stat().st_mtime_ns if path.exists() else None)
        if key not in _cache:
            _cache[key] = read(path, entry.model())
        value = _cache[key]
    _recent[name] = (folder_setting, now, value)
    return value


def forget() -> None:
    """Look at the files again on the next ``load`` (after an edit that must count at once)."""
    _recent.clear()


def text_of(name: str) -> str:
    path = path_for(name)
    return path.read_text(encoding="utf-8") if path is not None else ""


def effective_texts() -> dict[str, str]:
    """Every configuration file's text as in effect now (the override's, else the default's)."""
    return {name: text_of(name) for name in FILES}


def fingerprint(texts: dict[str, str] | None = None) -> str:
    """A hash of the whole effective configuration: any edit to any file changes it."""
    digest = hashlib.sha256()
    for name, text in sorted((texts or effective_texts()).items()):
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
    return digest.hexdigest()[:16]


def check_all() -> list[Problem]:
    """Every problem in the effective configuration (defaults and overrides), file by file,
    plus files in the folder that Octopus does not read (a misspelt name would be ignored)."""
    problems: list[Problem] = []
    folder = config_dir()
    if folder is not None:
        if not folder.is_dir():
            return [Problem(str(folder), None, "", f"{ENV} names a folder that does not exist.")]
        for extra in sorted(folder.iterdir()):
            if extra.is_file() and extra.suffix in (".yaml", ".yml") and extra.name not in FILES:
                problems.append(
                    Problem(
                        str(extra),
                        None,
                        "",
                        f"Octopus reads no file of this name; configuration files are {', '.join(FILES)}.",
                    )
                )
    for name, entry in FILES.items():
        path = path_for(name)
        if path is None:
            continue
        try:
            read(path, entry.model())
        except ConfigError as error:
            problems.extend(error.problems)
    return problems + _contract_problems()


def _contract_problems() -> list[Problem]:
    """The feed contracts keep their own reader (decision 0065); the check still covers them."""
    from octopus.population.feeds.contract import ContractError, load_contracts

    try:
        load_contracts()
    except ContractError as error:
        return [Problem(str(error.path or "feed contracts"), None, error.field or "", error.reason)]
    return []

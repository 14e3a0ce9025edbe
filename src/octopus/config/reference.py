"""``docs/reference/configuration.md``, generated from the schemas so it cannot drift from them.

``octopus config reference --write`` rewrites it; a test fails when the committed file differs.
"""

from __future__ import annotations

import types
import typing
from pathlib import Path

from pydantic import BaseModel

from octopus.config.folder import ENV, FILES

DOC = Path(__file__).resolve().parents[3] / "docs" / "reference" / "configuration.md"


def _type(annotation) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type(a) for a in args if a is not type(None)) + (
            " (optional)" if type(None) in args else ""
        )
    if origin is typing.Literal:
        return "one of " + ", ".join(f"`{a}`" for a in args)
    if origin in (dict,):
        return f"mapping of name to {_type(args[1])}"
    if origin in (tuple, list, frozenset, set):
        return f"list of {_type(args[0])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {int: "whole number", float: "number", str: "text", bool: "true/false"}.get(
        annotation, getattr(annotation, "__name__", str(annotation))
    )


def _models(model: type[BaseModel], seen: list) -> None:
    if model in seen:
        return
    seen.append(model)
    for field in model.model_fields.values():
        for arg in _flatten(field.annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                _models(arg, seen)


def _flatten(annotation):
    yield annotation
    for arg in typing.get_args(annotation):
        yield from _flatten(arg)


def _table(model: type[BaseModel]) -> list[str]:
    lines = ["| key | type | required | default | meaning |", "|---|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if name == "code":  # taken from the mapping key, never written
            continue
        required = field.is_required()
        default = "" if required else (f"`{field.default!r}`" if field.default_factory is None else "empty")
        about = (field.description or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| `{field.alias or name}` | {_type(field.annotation)} | {'yes' if required else 'no'} "
            f"| {default} | {about} |"
        )
    return lines


def render() -> str:
    out = [
        "# Configuration reference",
        "",
        "Generated from the schemas by `octopus config reference --write`; do not edit by hand (a test",
        "checks it is current). Each file below ships as the Westminster example; a file of the same",
        f"name in the folder `{ENV}` replaces it whole (docs/configuration.md, decision 0065).",
        "`octopus config check` validates the folder, `octopus config show NAME` prints what is in effect.",
        "Unknown keys are errors.",
        "",
    ]
    for entry in FILES.values():
        shipped = (
            f"`{entry.default.relative_to(Path(__file__).resolve().parents[1])}`"
            if entry.default
            else "nothing (every key has a default)"
        )
        out += [f"## {entry.name}", "", entry.about, "", f"Shipped default: {shipped}.", ""]
        models: list = []
        _models(entry.model(), models)
        for model in models:
            doc = " ".join((model.__doc__ or "").split())
            out += [f"### {model.__name__}", ""] + ([doc, ""] if doc else []) + _table(model) + [""]
    return "\n".join(out).rstrip() + "\n"


def write(path: Path = DOC) -> Path:
    path.write_text(render(), encoding="utf-8")
    return path

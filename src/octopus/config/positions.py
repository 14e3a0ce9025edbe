"""YAML read with the line of every key and list item, so an error can point at its line.

PyYAML's composer keeps each node's start mark; walking the node tree once gives a map from a
path (the keys and list indexes pydantic reports as an error's ``loc``) to a 1-based line.
"""

from __future__ import annotations

import yaml

from octopus.config.errors import ConfigError, Problem

Path = tuple[str | int, ...]

try:  # the C loader is ten times faster on the feed contracts; both give the same marks
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            # A key's own line, not its value's: a nested mapping's value starts a line later.
            lines[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*path, index)] = item.start_mark.line + 1
            _walk(item, (*path, index), lines)


def load_yaml(text: str, source: str) -> tuple[object, dict[Path, int]]:
    """The document and the line of each path in it; a syntax error names its line."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        document = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        raise ConfigError(Problem(source, line, "", f"not valid YAML: {error.problem or error}")) from None
    except yaml.YAMLError as error:
        raise ConfigError(Problem(source, None, "", f"not valid YAML: {error}")) from None
    lines: dict[Path, int] = {}
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _walk(node, (), lines)
    return document, lines


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of ``path``, or of its nearest ancestor that is in the file (a missing key is
    reported at the mapping that should hold it)."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def dotted(path: Path) -> str:
    """``('sources', 'frail', 'limit')`` -> ``sources.frail.limit``; list items as ``[n]`` from 1."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part + 1}]"
        else:
            text += f".{part}" if text else str(part)
    return text

"""The one error type for configuration: every problem with its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ConfigError(ValueError):
    """A configuration file is wrong. ``problems`` holds every fault found, each naming the file,
    the line and the field, so the person editing the file can fix them all in one pass."""

    def __init__(
        self, problems: list[Problem] | Problem | str, *, file: str = "", line: int | None = None, field: str = ""
    ):
        if isinstance(problems, str):
            problems = [Problem(file, line, field, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def file(self) -> str:
        return self.problems[0].file if self.problems else ""

    @property
    def line(self) -> int | None:
        return self.problems[0].line if self.problems else None

    @property
    def field(self) -> str:
        return self.problems[0].field if self.problems else ""

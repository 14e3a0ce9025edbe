"""The schema of ``linkage.yaml``: threads and memory for person linkage (Splink on DuckDB).

The shipped file says auto for both; a place that needs other limits writes the file in its
configuration folder. ``auto`` leaves the choice to the linkage code (the machine's
cores; DuckDB's own memory default)."""

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from octopus.config import Schema, load

MemorySize = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$")
]


class LinkageSettings(Schema):
    """Person linkage resources (``linkage.yaml``)."""

    threads: Annotated[int, Field(strict=True, ge=1)] | Literal["auto"] = Field(
        "auto", description="DuckDB threads for linkage: a whole number of at least 1, or auto."
    )
    memory_limit: MemorySize | Literal["auto"] = Field(
        "auto", description="DuckDB memory limit for linkage, such as 4GB or 512MB, or auto."
    )


def settings() -> LinkageSettings:
    return load("linkage.yaml")

"""`octopus generate`: write a Synthetic London population's partner feeds and truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from octopus.synthetic.generator import DEFAULT_SEED
from octopus.synthetic.generator import generate as run

app = typer.Typer(help="Synthetic London: partner data feeds for a realistic, wholly synthetic population.")


@app.command("generate")
def generate(
    out: Annotated[Path, typer.Argument(help="Output folder (feeds/, truth/, manifest.json).")],
    preset: Annotated[str | None, typer.Option(help="westminster (275k registered), welc (1M) or london (9M).")] = None,
    residents: Annotated[
        int | None,
        typer.Option(
            help=(
                "Number of residents (default: the preset's registered population, or the Census population of --area)."
            )
        ),
    ] = None,
    area: Annotated[
        str | None, typer.Option(help="Borough or comma-separated boroughs, e.g. 'Newham,Hackney'.")
    ] = None,
    as_of: Annotated[str | None, typer.Option(help="As-of date YYYY-MM-DD (default today).")] = None,
    years: Annotated[int, typer.Option(help="Years of history.")] = 3,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives identical files.")] = DEFAULT_SEED,
    format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    gp_format: Annotated[
        str | None,
        typer.Option(
            help=(
                "fhir: write the GP feeds (registrations, appointments, coded events) as FHIR R4 collection bundles "
                "under fhir/<delivery>/<sender>/, for `octopus feeds load-fhir`, instead of as --format files."
            )
        ),
    ] = None,
    malformed_rate: Annotated[
        float,
        typer.Option(
            help=(
                "Share of rows made malformed on purpose, for testing quarantine (e.g. 0.01): an invalid NHS number, "
                "an invalid code, a missing required field or (CSV only) an unparseable date. Each is recorded in "
                "truth/record_truth.parquet (malformed, malformed_kind)."
            )
        ),
    ] = 0.0,
    progress: Annotated[bool, typer.Option(help="Report progress on stderr.")] = True,
) -> None:
    areas = [name.strip() for name in area.split(",")] if area else None
    try:
        manifest = run(
            out,
            preset=preset,
            residents=residents,
            areas=areas,
            as_of=as_of,
            years=years,
            seed=seed,
            fmt=format,
            gp_format=gp_format,
            malformed_rate=malformed_rate,
            progress=progress,
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    bundles = f" and {manifest.fhir_bundles} FHIR bundles" if manifest.fhir_bundles else ""
    typer.echo(
        f"{manifest.residents:,} residents, {sum(manifest.counts.values()):,} rows in {len(manifest.files)} "
        f"files{bundles} -> {out}"
    )

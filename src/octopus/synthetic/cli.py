"""`octopus generate`: write a Synthetic London population's partner feeds and truth."""

from __future__ import annotations

from pathlib import Path

import typer

from octopus.synthetic.generator import DEFAULT_SEED, generate as run

app = typer.Typer(help="Synthetic London: partner data feeds for a realistic, wholly synthetic population.")


@app.command("generate")
def generate(
    out: Path = typer.Argument(..., help="Output folder (feeds/, truth/, manifest.json)."),
    preset: str = typer.Option(None, help="westminster, welc or london."),
    residents: int = typer.Option(None, help="Number of residents (default: the Census population of the area)."),
    area: str = typer.Option(None, help="Borough or comma-separated boroughs, e.g. 'Newham,Hackney'."),
    as_of: str = typer.Option(None, help="As-of date YYYY-MM-DD (default today)."),
    years: int = typer.Option(3, help="Years of history."),
    seed: int = typer.Option(DEFAULT_SEED, help="Random seed; the same seed gives identical files."),
    format: str = typer.Option("csv", "--format", help="csv or parquet."),
    malformed_rate: float = typer.Option(0.0, help="Share of rows made malformed on purpose."),
    progress: bool = typer.Option(True, help="Show a progress bar."),
) -> None:
    areas = [name.strip() for name in area.split(",")] if area else None
    manifest = run(out, preset=preset, residents=residents, areas=areas, as_of=as_of, years=years, seed=seed, fmt=format, malformed_rate=malformed_rate, progress=progress)
    typer.echo(f"{manifest.residents:,} residents, {sum(manifest.counts.values()):,} rows in {len(manifest.files)} files -> {out}")

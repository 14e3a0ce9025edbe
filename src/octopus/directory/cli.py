"""``octopus directory ...``: load the reference geography and move services in and out as Open Referral UK JSON."""

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="The team-of-teams directory: geography, Open Referral UK import and export.", no_args_is_help=True
)


def _setup() -> None:
    from octopus.commands.django_setup import setup

    setup()


@app.command("load-geography")
def load_geography() -> None:
    """Load London's LSOAs, PCNs and GP practices from the shipped reference files (safe to repeat)."""
    _setup()
    from .geography import load_reference_geography

    report = load_reference_geography()
    typer.echo(f"Loaded {report.lsoas} LSOAs, {report.pcns} PCNs, {report.practices} GP practices.")


@app.command("import-oruk")
def import_oruk_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="An Open Referral UK JSON file.")],
) -> None:
    """Import services from an Open Referral UK JSON file. A bad file imports nothing and says why."""
    _setup()
    from .openreferral import OrukImportError, import_oruk

    try:
        report = import_oruk(file)
    except OrukImportError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(report.summary())
    for warning in report.warnings:
        typer.echo(f"  note: {warning}")


@app.command("export-oruk")
def export_oruk_command(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Export every service as Open Referral UK JSON."""
    _setup()
    from .openreferral import export_oruk

    text = json.dumps(export_oruk(), indent=2, ensure_ascii=False)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"Wrote {output}")
    else:
        sys.stdout.write(text + "\n")

"""``octopus news2``: score one set of observations from the command line, as JSON; and
``octopus virtual-ward import-fhir``: a file of FHIR Observations onto the ward (decision 0053)."""

import json
from pathlib import Path

import typer

from octopus.virtualward import news2


def news2_command(
    rr: int = typer.Option(..., "--rr", help="Respiration rate, breaths per minute."),
    spo2: int = typer.Option(..., "--spo2", help="Oxygen saturation, %."),
    scale: int = typer.Option(1, "--scale", help="SpO2 scale: 1, or 2 for confirmed hypercapnic respiratory failure."),
    oxygen: bool = typer.Option(..., "--oxygen/--air", help="On supplemental oxygen, or breathing air."),
    sbp: int = typer.Option(..., "--sbp", help="Systolic blood pressure, mmHg."),
    pulse: int = typer.Option(..., "--pulse", help="Pulse, beats per minute."),
    consciousness: str = typer.Option(..., "--consciousness", help="ACVPU: A, C (new confusion), V, P or U."),
    temp: str = typer.Option(..., "--temp", help="Temperature, °C (one decimal place)."),
) -> None:
    """Print the NEWS2 score (RCP 2017) as JSON: each parameter's points, the total and the risk."""
    try:
        observation = news2.Observation(
            respiration_rate=rr,
            spo2=spo2,
            spo2_scale=scale,
            on_oxygen=oxygen,
            systolic_bp=sbp,
            pulse=pulse,
            consciousness=consciousness.strip().upper(),
            temperature=news2.temperature(temp),
        )
        result = news2.score(observation)
    except news2.ImplausibleValue as error:
        typer.echo(f"--{_OPTION.get(error.field, error.field)}: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result.as_json()))


_OPTION = {"respiration_rate": "rr", "systolic_bp": "sbp", "temperature": "temp", "spo2_scale": "scale"}


app = typer.Typer(help="The virtual ward: import observations.", no_args_is_help=True)


@app.callback()
def virtual_ward() -> None:
    """The virtual ward: import observations."""


@app.command("import-fhir")
def import_fhir(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="FHIR R4 Observations: one resource, a Bundle or NDJSON."
    ),
    as_user: str = typer.Option(
        ..., "--as", help="Username the import records as; their teams' virtual ward receives it."
    ),
) -> None:
    """Score and record vital-signs Observations from a file, with alerts, as the FHIR API does; nothing
    is stored if any set is refused."""
    from octopus.commands.django_setup import setup

    setup()
    from octopus.accounts.models import User
    from octopus.virtualward import fhir_import

    user = User.objects.filter(username=as_user, is_active=True).first()
    if user is None:
        typer.echo(f"--as: no active user {as_user!r}.", err=True)
        raise typer.Exit(2)
    try:
        text = file.read_text(encoding="utf-8-sig")
        imported = fhir_import.import_text(
            text,
            file.name,
            user,
            recorded_by=f"{user.username} ({file.name})",
            path=f"octopus virtual-ward import-fhir {file.name}",
        )
    except UnicodeDecodeError:
        typer.echo(f"{file.name}: not a UTF-8 file.", err=True)
        raise typer.Exit(1) from None
    except fhir_import.FhirImportError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    alerts = sum(len(r.alerts) for r in imported.recorded)
    typer.echo(
        f"{file.name}: {len(imported.recorded)} observation sets recorded, {len(imported.repeated)} already recorded, "
        f"{alerts} alerts raised."
    )

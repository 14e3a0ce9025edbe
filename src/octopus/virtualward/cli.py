"""``octopus news2``: score one set of observations from the command line, as JSON."""

import json

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
            respiration_rate=rr, spo2=spo2, spo2_scale=scale, on_oxygen=oxygen, systolic_bp=sbp, pulse=pulse,
            consciousness=consciousness.strip().upper(), temperature=news2.temperature(temp),
        )
        result = news2.score(observation)
    except news2.ImplausibleValue as error:
        typer.echo(f"--{_OPTION.get(error.field, error.field)}: {error}", err=True)
        raise typer.Exit(2) from None
    typer.echo(json.dumps(result.as_json()))


_OPTION = {"respiration_rate": "rr", "systolic_bp": "sbp", "temperature": "temp", "spo2_scale": "scale"}

"""``octopus outreach plan --month YYYY-MM``: the monthly workforce plan (octopus.outreach.planning)
for the CHWWs and target areas in a workforce file, from the households published to the
operational database. Progress goes to stderr; stdout is the plan (text, or JSON with
``--format json``)."""

import json
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Outreach: the monthly workforce plan for community health and wellbeing workers.", no_args_is_help=True
)


@app.callback()
def outreach() -> None:
    """Outreach: the monthly workforce plan for community health and wellbeing workers."""


@app.command("plan")
def plan(
    month: Annotated[str, typer.Option(help="The month to plan, YYYY-MM.")],
    workforce: Annotated[Path | None, typer.Option(help="Workforce file (YAML); default: the shipped example.")] = None,
    previous: Annotated[Path | None, typer.Option(help="The previous plan's JSON, to keep assignments stable.")] = None,
    output_format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Allocate each CHWW about 120 households for the month in compact patches, with each day's
    walking route, most important households first."""
    if output_format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    from octopus.commands.django_setup import setup

    setup()
    from . import planning
    from . import workforce as workforce_file
    from .queries import planning_households

    try:
        team = workforce_file.load(workforce)
        kept = _previous(previous) if previous else {}
        households = planning_households(team.target_areas)
        typer.echo(
            f"Planning {month}: {len(team.workers)} CHWWs, {len(households)} households in "
            f"{len(team.target_areas)} target areas",
            err=True,
        )
        result = planning.plan_month(
            month,
            team.workers,
            households,
            households_per_chww=team.households_per_chww,
            previous=kept,
            progress=lambda done, total: typer.echo(f"  routed {done} of {total} CHWWs", err=True),
        )
    except (workforce_file.WorkforceError, planning.PlanningError) as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    allocated = sum(len(d.households) for w in result.workers for d in w.days)
    typer.echo(
        f"Allocated {allocated}; not allocated {len(result.unallocated)}; moved from the previous plan {result.moved}",
        err=True,
    )
    if output_format == "json":
        typer.echo(json.dumps(result.as_json()))
        return
    for worker_plan in result.workers:
        days = worker_plan.days
        typer.echo(
            f"{worker_plan.worker.name}: {sum(len(d.households) for d in days)} households on {len(days)} days, "
            f"{sum(d.metres for d in days) / 1000:.1f} km walking"
        )
        for day in days:
            typer.echo(f"  {day.date:%a %d %b}: {len(day.households)} households, {day.metres / 1000:.1f} km")


def _previous(path: Path) -> dict[str, str]:
    try:
        document = json.loads(path.read_text())
        return {
            h["id"]: worker["name"] for worker in document["chwws"] for day in worker["days"] for h in day["households"]
        }
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise typer.BadParameter(
            f"{path} is not a plan written by --format json ({error})", param_hint="--previous"
        ) from None

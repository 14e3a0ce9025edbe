"""``octopus``: the one command for running, loading, computing and administering Octopus."""

import getpass
import os
import sys
from pathlib import Path

import typer

from octopus.settings.environment import exit_on_configuration_error

app = typer.Typer(
    help="Octopus: population health and shared care for integrated neighbourhood teams.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    worker: bool = typer.Option(
        True,
        help=(
            "Also run the background task worker (linkage and pipeline runs), restarted if it stops. "
            "Turn off where the worker runs as its own service (`octopus manage task_worker`)."
        ),
    ),
) -> None:
    """Serve the web app with gunicorn (applying any pending database migrations first).

    Web processes and threads are sized to the machine (OCTOPUS_WEB_WORKERS, OCTOPUS_WEB_THREADS).
    SIGHUP reloads gracefully; SIGTERM stops after requests in flight finish (docs/configuration.md).
    """
    from octopus.commands.django_setup import setup

    setup()
    from django.conf import settings
    from django.core.management import call_command

    from octopus.config import check_all, record
    from octopus.core import serving

    problems = check_all()
    if problems:  # refuse to start on a broken configuration folder rather than fail on first use
        for problem in problems:
            typer.echo(str(problem), err=True)
        raise typer.Exit(78)  # EX_CONFIG, as for a missing setting
    entry = record.note(Path(settings.DATA_DIR), "serve")
    if entry is not None:
        typer.echo(f"Configuration {entry['fingerprint']} recorded in {record.HISTORY_FILE} (it changed).")
    call_command("migrate", interactive=False, verbosity=0)
    if settings.STORAGES["staticfiles"]["BACKEND"].endswith("ManifestStaticFilesStorage"):
        # Hashed, compressed copies for whitenoise to serve with a year's caching.
        call_command("collectstatic", interactive=False, verbosity=0)
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing one
    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    size = serving.web_size(sqlite=sqlite)
    typer.echo(
        f"Octopus is at http://{host}:{port}/ ({size.workers} web processes × {size.threads} threads"
        f"{', and the task worker' if worker else ''}; Ctrl+C to stop)"
    )
    supervisor = serving.Supervisor(
        serving.gunicorn_argv(host, port, size), serving.task_worker_argv() if worker else None, echo=typer.echo
    )
    raise typer.Exit(supervisor.run())


@app.command()
def demo(
    serve_after: bool = typer.Option(False, "--serve", help="Serve the web app once ready."),
    port: int = typer.Option(8000, help="Port for --serve."),
    residents: int = typer.Option(
        None, "--residents", help="Synthetic residents (default 20,000, or OCTOPUS_DEMO_RESIDENTS)."
    ),
    full: bool = typer.Option(False, "--full", help="The full Westminster preset (~275,000 residents)."),
) -> None:
    """Prepare the demo neighbourhood (safe to re-run) and print the demo accounts."""
    os.environ["OCTOPUS_ENV"] = "demo"
    from octopus.commands.django_setup import setup

    setup("demo")
    from octopus import demo as demo_setup

    demo_setup.prepare(echo=typer.echo, residents=residents, full=full)
    if serve_after:
        serve(host="127.0.0.1", port=port, worker=True)


@app.command()
def createuser(
    username: str = typer.Argument(..., help="The sign-in name."),
    role: str = typer.Option(..., help="Role code from accounts/roles.yaml, e.g. clinician."),
    team: str = typer.Option(..., help="Exact name of the user's team in the directory."),
    first_name: str = typer.Option("", help="Given name."),
    last_name: str = typer.Option("", help="Family name."),
    email: str = typer.Option("", help="Email address."),
    password_stdin: bool = typer.Option(False, help="Read the password from standard input."),
) -> None:
    """Create a user account in a team with a role (asks for the password)."""
    from octopus.commands.django_setup import setup

    setup()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from octopus.accounts import services
    from octopus.accounts.models import User
    from octopus.accounts.roles import catalogue
    from octopus.directory.models import Team

    if role not in catalogue().roles:
        raise typer.BadParameter(
            f"unknown role {role!r}; choose from {', '.join(catalogue().roles)}", param_hint="--role"
        )
    teams = list(Team.objects.filter(name=team))
    if len(teams) != 1:
        found = "no team" if not teams else f"{len(teams)} teams"
        raise typer.BadParameter(f"{found} called {team!r} in the directory", param_hint="--team")
    if User.objects.filter(username__iexact=username).exists():
        raise typer.BadParameter(f"a user called {username!r} already exists", param_hint="USERNAME")
    password = sys.stdin.readline().rstrip("\n") if password_stdin else getpass.getpass("Password: ")
    try:
        validate_password(password, User(username=username))
    except ValidationError as error:
        typer.echo("Password not accepted: " + " ".join(error.messages), err=True)
        raise typer.Exit(2) from None
    services.create_user(
        actor=None,
        username=username,
        password=password,
        team=teams[0],
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    typer.echo(f"Created {username} ({role}) in {team}.")


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def manage(ctx: typer.Context) -> None:
    """Run a Django management command (for developers), e.g. `octopus manage migrate`."""
    from octopus.commands.django_setup import setup

    setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["octopus manage", *ctx.args])


def _register_subcommands() -> None:
    """Each domain brings its own Typer app; imported here so `octopus --help` lists them all."""
    from octopus.api.cli import app as api_app
    from octopus.backup import app as backup_app
    from octopus.casefinding.cli import export_list
    from octopus.community.cli import app as community_app
    from octopus.config.cli import app as config_app
    from octopus.directory.cli import app as directory_app
    from octopus.governance.cli import app as audit_app
    from octopus.outreach.cli import app as outreach_app
    from octopus.population.cli import export_app, pipeline_app
    from octopus.population.feeds.cli import app as feeds_app
    from octopus.publish.cli import publish as publish_command
    from octopus.synthetic.cli import generate
    from octopus.virtualward.cli import app as virtual_ward_app
    from octopus.virtualward.cli import news2_command

    app.add_typer(
        config_app, name="config", help="Configuration an INT adapts (OCTOPUS_CONFIG_DIR): check, show, reference."
    )
    app.add_typer(
        directory_app,
        name="directory",
        help="The team-of-teams directory: geography, Open Referral UK import and export.",
    )
    app.command("generate", help="Write a Synthetic London population's partner feeds and ground truth.")(generate)
    app.add_typer(
        feeds_app,
        name="feeds",
        help="Partner data feeds: load (validated, quarantined), import FHIR, link persons, review.",
    )
    app.add_typer(
        pipeline_app, name="pipeline", help="Run the population pipeline (DuckDB or Spark) and list its snapshots."
    )
    export_app.command(
        "list", help="Export a case-finding list (a cohort or rising-risk) as CSV, for a user or a practice."
    )(export_list)
    app.add_typer(
        export_app, name="export", help="Export from a population snapshot (risk scores) or a case-finding list."
    )
    app.command("publish", help="Publish the current snapshot and linked persons into the operational database.")(
        publish_command
    )
    app.add_typer(api_app, name="api", help="Service accounts for partner systems reading the FHIR API.")
    app.add_typer(audit_app, name="audit", help="The audit log: verify it is intact, export it.")
    app.add_typer(
        community_app, name="community", help="Drop-ins: send attendees who agreed to linkage, and match them back."
    )
    app.add_typer(
        outreach_app,
        name="outreach",
        help="Outreach: the monthly workforce plan for community health and wellbeing workers.",
    )
    app.add_typer(
        virtual_ward_app,
        name="virtual-ward",
        help="The virtual ward: import FHIR Observations from devices and partner systems.",
    )
    app.command("news2", help="Score observations with NEWS2 (RCP 2017) and print the scores, total and risk as JSON.")(
        news2_command
    )
    for command in backup_app.registered_commands:
        app.registered_commands.append(command)  # `octopus backup` and `octopus restore` at the top level


_register_subcommands()


@exit_on_configuration_error
def main() -> None:
    app()


if __name__ == "__main__":
    main()

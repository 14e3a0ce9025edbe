"""`octopus api …`: service accounts for partner systems reading the FHIR API (decision 0033)."""

import typer

app = typer.Typer(no_args_is_help=True)


@app.callback()
def api() -> None:
    """Service accounts for partner systems reading the FHIR API."""


@app.command("issue-token")
def issue_token(
    name: str = typer.Argument(..., help="The partner system, e.g. 'Borough shared care record'."),
    user: str = typer.Option(..., help="The Octopus user the account reads as (its team, role and relationships)."),
    scopes: str = typer.Option(
        ..., help="Space-separated SMART scopes, e.g. 'system/Patient.read system/CarePlan.read'."
    ),
) -> None:
    """Issue a service account and print its bearer token (shown once; only a hash is kept)."""
    from octopus.commands.django_setup import setup

    setup()
    from django.core.exceptions import ValidationError

    from octopus.accounts.models import User
    from octopus.api import service_accounts
    from octopus.api.models import ServiceAccount

    account_user = User.objects.filter(username=user, is_active=True).first()
    if account_user is None:
        raise typer.BadParameter(
            f"no active user called {user!r}; create one with `octopus createuser`", param_hint="--user"
        )
    if ServiceAccount.objects.filter(name=name).exists():
        raise typer.BadParameter(f"a service account called {name!r} already exists", param_hint="NAME")
    if ServiceAccount.objects.filter(user=account_user).exists():
        raise typer.BadParameter(
            f"{user!r} already acts for a service account; create a user per partner system", param_hint="--user"
        )
    try:
        _, token = service_accounts.issue(name, account_user, scopes)
    except ValidationError as error:
        raise typer.BadParameter(" ".join(error.messages), param_hint="--scopes") from None
    typer.echo(f"Issued {name!r}, reading as {user} with {scopes}. Its bearer token (shown once):")
    typer.echo(token)

"""``octopus community``: drop-in attendees who agreed to be matched go to linkage as a VCSE
contacts delivery, and come back matched (``octopus.community.linkage``)."""

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Drop-ins: send attendees who agreed to linkage, and match them back.", no_args_is_help=True)

Sender = Annotated[
    str, typer.Option(help="The code the INT gave the drop-in service as a VCSE sender, e.g. CC-DROPINS.")
]


@app.callback()
def community() -> None:
    """Drop-ins: send attendees who agreed to linkage, and match them back."""


@app.command("export-for-linkage")
def export_for_linkage(
    out: Annotated[Path, typer.Option(help="Folder to write the delivery to (e.g. the intake inbox).")], sender: Sender
) -> None:
    """Write the attendees who agreed to be matched as a vcse_contacts delivery, for `octopus feeds load`."""
    from octopus.commands.django_setup import setup

    setup()
    from . import linkage

    path, rows = linkage.export_for_linkage(out, sender)
    typer.echo(f"{rows} row(s) written to {path}; load it with `octopus feeds load {path}`, then link.")


@app.command("match")
def match(
    linked: Annotated[Path, typer.Option(help="The linked extract folder written by `octopus feeds link`.")],
    sender: Sender,
) -> None:
    """Match attendees who agreed with the residents the linkage found for them."""
    from octopus.commands.django_setup import setup

    setup()
    from . import linkage

    try:
        report = linkage.match(linked, sender)
    except FileNotFoundError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from error
    typer.echo(report.describe())

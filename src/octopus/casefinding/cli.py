"""``octopus export list NAME --format csv``: a case-finding list for a named user (the list as
they see it on the page) or, as a service, for one GP practice's registered residents. Either
way the scope is explicit and the export is audited."""

import sys
from pathlib import Path

import typer


def export_list(
    name: str = typer.Argument(
        ..., help="A cohort name from cohorts.yaml (e.g. clinically_vulnerable) or rising-risk."
    ),
    output_format: str = typer.Option("csv", "--format", help="Only csv for now."),
    user: str = typer.Option(None, "--user", help="Export the list as this user sees it (their relationships)."),
    practice: str = typer.Option(
        None, "--practice", help="Service scope: the residents registered with this GP practice (ODS code)."
    ),
    output: Path = typer.Option(None, "--output", "-o", help="File to write (default standard output)."),
    with_source_ids: bool = typer.Option(
        False,
        "--with-source-ids",
        help=(
            "Add a source_ids column: each partner's own identifier for the person (sender_code:id pairs, "
            "';'-separated)."
        ),
    ),
) -> None:
    """Person id, NHS number, practice, band, reason and status of each resident on the list."""
    if output_format != "csv":
        raise typer.BadParameter("only csv is supported.", param_hint="--format")
    if bool(user) == bool(practice):
        raise typer.BadParameter(
            "give exactly one scope: --user USERNAME (the list as that person sees it) or --practice ODS_CODE "
            "(a service export of one practice's registered residents).",
            param_hint="--user / --practice",
        )
    from octopus.commands.django_setup import setup

    setup()
    from django.utils import timezone

    from octopus.accounts.models import User
    from octopus.directory.models import GPPractice
    from octopus.governance import access, audit
    from octopus.residents.models import Resident

    from . import export, lists

    try:
        case_list = lists.get_list(name)
    except lists.UnknownList as error:
        raise typer.BadParameter(str(error), param_hint="NAME") from None
    actor = None
    if user:
        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            raise typer.BadParameter(f"no active user called {user!r}.", param_hint="--user")
        if not actor.has_capability("view_clinical_detail") or access.is_vcse_user(actor):
            raise typer.BadParameter(
                f"{user}'s role does not show case-finding lists (they need view_clinical_detail).", param_hint="--user"
            )
        residents, scope = lists.visible_to(actor), f"as {user}, through their relationships"
    else:
        found = GPPractice.objects.filter(ods_code=practice).first()
        if found is None:
            raise typer.BadParameter(
                f"no GP practice with ODS code {practice!r} in the directory's reference data.", param_hint="--practice"
            )
        # Aggregate of identifiable rows for the practice's own direct care, as its staff's
        # practice relationship would show them (relationships.practice).
        residents = Resident.objects.filter(registered=True, practice_ods_code=found.ods_code)
        scope = f"service export for {found.name} ({found.ods_code})"
    ids = None
    if with_source_ids:
        from django.conf import settings

        from octopus.population.source_ids import source_ids

        try:
            ids = dict(source_ids(Path(settings.DATA_DIR) / "linked").itertuples(index=False))
        except FileNotFoundError as error:
            raise typer.BadParameter(str(error), param_hint="--with-source-ids") from None
    handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    try:
        count = export.write_csv(handle, export.list_rows(residents, case_list, timezone.localdate()), ids)
    finally:
        if output:
            handle.close()
    audit.record(
        actor,
        "export",
        f"Exported the {case_list.title} list ({count} residents) from the command line, {scope}"[:300],
        basis=scope[:300],
        path=f"octopus export list {case_list.name}",
    )
    if output:
        typer.echo(f"Wrote {count} residents to {output}.", err=True)

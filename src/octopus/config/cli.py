"""``octopus config``: check the configuration folder, show a file in effect, write the reference."""

from __future__ import annotations

from typing import Annotated

import typer
import yaml

from octopus.config import folder as config_folder

app = typer.Typer(no_args_is_help=True, help="Configuration an INT adapts (OCTOPUS_CONFIG_DIR).")


@app.command()
def check() -> None:
    """Validate every configuration file in effect (the folder's own and the shipped defaults);
    print each problem with its file, line and field, and exit 1 if there are any."""
    where = config_folder.config_dir()
    problems = config_folder.check_all()
    for problem in problems:
        typer.echo(str(problem), err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) in the configuration.", err=True)
        raise typer.Exit(1)
    overrides = [name for name in config_folder.FILES if config_folder.is_override(name)]
    typer.echo(
        f"Configuration is valid ({'folder ' + str(where) if where else 'shipped defaults only'}; "
        f"overrides: {', '.join(overrides) or 'none'}; fingerprint {config_folder.fingerprint()})."
    )


@app.command()
def show(
    name: Annotated[str, typer.Argument(help="A file, e.g. care.yaml or care; 'codelists' for the code lists.")],
) -> None:
    """Print the configuration in effect for NAME, validated, with where it comes from."""
    file_name = name if name.endswith(".yaml") else f"{name}.yaml"
    try:
        settings = config_folder.load(file_name)
    except config_folder.ConfigError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    path = config_folder.path_for(file_name)
    origin = "the place's own" if config_folder.is_override(file_name) else "shipped default"
    typer.echo(f"# {file_name}: {path or 'no file, every key at its default'} ({origin})")
    typer.echo(
        yaml.safe_dump(
            settings.model_dump(mode="json", by_alias=True, exclude={"code"}),
            sort_keys=False,
            allow_unicode=True,
            width=110,
        ),
        nl=False,
    )


@app.command()
def reference(
    write: Annotated[bool, typer.Option("--write", help="Rewrite docs/reference/configuration.md.")] = False,
) -> None:
    """Print (or write) the configuration reference generated from the schemas."""
    from octopus.config import reference as ref

    if write:
        typer.echo(f"Wrote {ref.write()}")
    else:
        typer.echo(ref.render(), nl=False)

"""Subcommands of ``octopus``. Each module exposes a Typer app or command functions."""

"""The `sim` command line (typer). Thin: every command delegates to the library."""

from __future__ import annotations

import typer

from snowsim import __version__

app = typer.Typer(help="snowsim: test Snowflake streaming pipelines offline.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"snowsim {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """snowsim: replay event scenarios into Snowflake pipelines, on DuckDB or a live account."""

"""The `sim` command line (typer). Thin: every command delegates to the library (snowsim.project, snowsim.tui)."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from snowsim import __version__
from snowsim.project import Project, find_project

app = typer.Typer(
    name="sim",
    help="snowsim: replay event scenarios into Snowflake pipelines (streams, tasks, MERGE), offline on DuckDB.",
    epilog="Start with [bold]sim run scenario late_events[/] or [bold]sim pipelines show caves_albert[/].",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)
run_app = typer.Typer(help="Replay scenarios and check the result.", no_args_is_help=True, rich_markup_mode="rich")
scenarios_app = typer.Typer(help="The scenarios a project can run.", no_args_is_help=True, rich_markup_mode="rich")
pipelines_app = typer.Typer(help="The pipelines a project can run.", no_args_is_help=True, rich_markup_mode="rich")
app.add_typer(run_app, name="run")
app.add_typer(scenarios_app, name="scenarios")
app.add_typer(pipelines_app, name="pipelines")

TARGETS = ("emulator", "snowflake")
EXIT_BAD_INPUT = 2


def _fail(message: str) -> NoReturn:
    """One clear line on stderr, exit 2 (bad input) - never a traceback."""
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _interrupted() -> NoReturn:
    """Ctrl-C: the runner has closed its target and the live screen is gone; say so and exit like a shell does."""
    Console(stderr=True).print("[bold red]interrupted[/]: no checks ran", highlight=False)
    raise typer.Exit(130)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"snowsim {__version__}")
        raise typer.Exit()


def _project() -> Project:
    return find_project()


def _complete_scenarios(incomplete: str) -> list[str]:
    return [e.name for e in _project().scenarios() if e.name.startswith(incomplete)]


def _complete_pipelines(incomplete: str) -> list[str]:
    return [e.name for e in _project().pipelines() if e.name.startswith(incomplete)]


def _complete_targets(incomplete: str) -> list[str]:
    return [t for t in TARGETS if t.startswith(incomplete)]


# Options several commands share, declared once.
PipelineOpt = Annotated[str | None, typer.Option(
    "--pipeline", "-p", help="Pipeline name or folder (default: the scenario's own).",
    autocompletion=_complete_pipelines, show_default=False)]
TargetOpt = Annotated[str, typer.Option(
    "--target", "-t", help="emulator (DuckDB, offline) or snowflake (a live account).",
    autocompletion=_complete_targets)]
SeedOpt = Annotated[int | None, typer.Option("--seed", help="Random seed (default: the scenario's).",
                                             show_default=False)]
DurationOpt = Annotated[str | None, typer.Option("--duration", "-d", help="Simulated duration: 15m, 2h, 1d.",
                                                 show_default=False)]
SpeedOpt = Annotated[str, typer.Option("--speed", help="max (flat out) or Nx: simulated time = N x wall time.")]
TuiOpt = Annotated[bool | None, typer.Option("--tui/--no-tui", help="Live screen (default: on a terminal, not in CI).",
                                             show_default=False)]
LIVE = "Live target (--target snowflake)"
ConnectionOpt = Annotated[str | None, typer.Option(
    "--connection", help="Snowflake connection name (connections.toml / config.toml); see docs/live.md.",
    rich_help_panel=LIVE, show_default=False)]
WarehouseOpt = Annotated[str | None, typer.Option("--warehouse", help="Warehouse for the tasks and the load.",
                                                  rich_help_panel=LIVE, show_default=False)]


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Show the version and exit.")] = False,
) -> None:
    """snowsim: replay event scenarios into Snowflake pipelines, on DuckDB or a live account."""
    # sqlglot logs a warning for every statement it parses as a generic Command (CREATE STREAM, CREATE TASK ...):
    # noise on a terminal, since snowsim routes those statements itself.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)


# ------------------------------------------------------------------------------------------------------ run

RUN_EPILOG = """[bold]Examples[/]\n
  [cyan]sim run scenario late_events[/]  [dim]live screen, on the scenario's own pipeline[/]\n
  [cyan]sim run scenario late_events -p caves_albert_hardened -d 15m[/]\n
  [cyan]sim run scenario ./scenarios/mine.yaml --no-tui --json out.json[/]\n
  [cyan]sim run scenario task_failure --speed 60x[/]  [dim]one minute per second[/]\n
  [cyan]sim run scenario baseline --keep[/]  [dim]then: sim sql --db <file it prints>[/]\n
[dim]Exit codes: 0 every check passed, 1 a check failed, 2 bad input.[/]"""


@run_app.command("scenario", epilog=RUN_EPILOG)
def run_scenario(
    name: Annotated[str, typer.Argument(help="Scenario name (project, then shipped) or a YAML path.",
                                        autocompletion=_complete_scenarios, show_default=False)],
    pipeline: PipelineOpt = None,
    target: TargetOpt = "emulator",
    seed: SeedOpt = None,
    duration: DurationOpt = None,
    db: Annotated[Path | None, typer.Option("--db", help="Emulator database file (kept after the run).",
                                            dir_okay=False, show_default=False)] = None,
    speed: SpeedOpt = "max",
    tui: TuiOpt = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the result as JSON.", dir_okay=False,
                                                   show_default=False)] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write a JUnit XML report.", dir_okay=False,
                                               show_default=False)] = None,
    keep: Annotated[bool, typer.Option("--keep", help="Keep the emulator database under .snowsim/runs/ (live: keep "
                                                 "the scratch database).")] = False,
    svg: Annotated[Path | None, typer.Option("--svg", help="Save the final screen as an SVG image.", dir_okay=False,
                                             show_default=False)] = None,
    connection: ConnectionOpt = None,
    warehouse: WarehouseOpt = None,
    database: Annotated[str | None, typer.Option("--database", help="Scratch database name (default: a new "
                                                 "SNOWSIM_<PIPELINE>_<RUN_ID>).", rich_help_panel=LIVE,
                                                 show_default=False)] = None,
    allow_existing: Annotated[bool, typer.Option("--allow-existing", help="Use --database even if it exists.",
                                                 rich_help_panel=LIVE)] = False,
    plan: Annotated[bool, typer.Option("--plan", help="Print every statement a live run would send; connect to "
                                       "nothing.", rich_help_panel=LIVE)] = False,
) -> None:
    """Replay one scenario into its pipeline, live, then run its checks."""
    from snowsim.tui import outcome, runs  # noqa: PLC0415 - the runner stack loads only for commands that run
    from snowsim.tui.screen import save_svg  # noqa: PLC0415
    from snowsim.tui.sql_shell import run_record  # noqa: PLC0415
    from snowsim.tui.state import RunState  # noqa: PLC0415

    project = _project()
    on_snowflake = target.strip().lower() == "snowflake"
    live_options = runs.LiveOptions(connection, warehouse, database, allow_existing, keep=keep and on_snowflake)
    try:
        options = runs.RunOptions.parse(target=target, seed=seed, duration=duration, speed=speed, live=live_options)
        if plan and not on_snowflake:
            raise ValueError("--plan shows what a live run would send: add --target snowflake")
        if db is not None and on_snowflake:
            raise ValueError("--db is the emulator's file: a live run uses a scratch database (see --database)")
        scenario, pipe = runs.resolve(project, name, pipeline, options)
        if plan:
            typer.echo(runs.plan(scenario, pipe, options), nl=False)
            raise typer.Exit(0)
    except (*runs.BAD_INPUT, ValueError) as exc:
        _fail(str(exc))
    keep_file = keep and not on_snowflake
    db_path = db or (runs.kept_db_path(scenario.name, datetime.now(), project.root) if keep_file else None)
    console = Console()
    live = _use_tui(tui, console)
    state = RunState(options.speed)
    try:
        done = runs.run_one(scenario, pipe, options, db_path=db_path, console=console, live=live, state=state)
    except runs.BAD_INPUT as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _interrupted()
    result = done.result
    outcome.print_summary(console, result, checks_shown=live)
    if done.usage:  # a live run: what it cost on the account
        console.print(done.usage, highlight=False, markup=False, soft_wrap=True)
    outcome.write_reports(result, json_path=json_path, junit=junit)
    if db_path is not None:  # `sim sql --db` reads it to put the clock back where the run ended
        result.write_json(run_record(db_path))
    if svg is not None:
        save_svg(state.snapshot(), str(svg))
    if db_path is not None:
        console.print(f"[dim]database kept:[/] {db_path}  [dim]inspect it with[/] sim sql --db {db_path}",
                      highlight=False, soft_wrap=True)
    raise typer.Exit(result.exit_code)


ALL_EPILOG = """[bold]Examples[/]\n
  [cyan]sim run all[/]  [dim]every scenario of the project in the current folder[/]\n
  [cyan]sim run all --junit report.xml[/]  [dim]CI: one JUnit report, exit 1 if a check failed[/]\n
  [cyan]sim run all -p caves_albert_hardened -d 15m[/]\n
[dim]Exit codes: 0 every check passed, 1 a check failed, 2 bad input (then nothing runs).[/]"""


@run_app.command("all", epilog=ALL_EPILOG)
def run_all(
    pipeline: PipelineOpt = None,
    target: TargetOpt = "emulator",
    seed: SeedOpt = None,
    duration: DurationOpt = None,
    speed: SpeedOpt = "max",
    tui: TuiOpt = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write all results as one JSON array.",
                                                   dir_okay=False, show_default=False)] = None,
    junit: Annotated[Path | None, typer.Option("--junit", help="Write one JUnit XML report, a suite per scenario.",
                                               dir_okay=False, show_default=False)] = None,
    connection: ConnectionOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Run every scenario of the project (or every shipped one outside a project), then one summary table."""
    from snowsim.tui import outcome, runs  # noqa: PLC0415

    project = _project()
    try:
        options = runs.RunOptions.parse(target=target, seed=seed, duration=duration, speed=speed,
                                        live=runs.LiveOptions(connection, warehouse))
    except ValueError as exc:
        _fail(str(exc))
    entries = project.scenarios(include_shipped=project.root is None)
    if not entries:
        _fail(f"no scenarios in {project.scenarios_dir or project.root}")
    planned, problems = [], []
    for entry in entries:  # validate everything first: bad input must fail before an hour of runs, not after
        try:
            planned.append(runs.resolve(project, str(entry.path), pipeline, options))
        except ValueError as exc:
            problems.append(str(exc))
    if problems:
        _fail("\n".join(problems))
    console = Console()
    live = _use_tui(tui, console)
    results = []
    for scenario, pipe in planned:
        try:
            result = runs.run_one(scenario, pipe, options, db_path=None, console=console, live=live,
                                  transient=True).result
        except runs.BAD_INPUT as exc:
            _fail(f"{scenario.name}: {exc}")
        except KeyboardInterrupt:
            _interrupted()
        console.print(outcome.one_line(result), highlight=False, soft_wrap=True)
        results.append(result)
    outcome.print_all(console, results)
    outcome.write_all_reports(results, json_path=json_path, junit=junit)
    raise typer.Exit(max((r.exit_code for r in results), default=0))


parity_app = typer.Typer(help="Compare the emulator with a Snowflake account.", no_args_is_help=True,
                         rich_markup_mode="rich")
app.add_typer(parity_app, name="parity")
PARITY_EPILOG = """[bold]Examples[/]\n
  [cyan]sim parity scenario late_events --connection sim --json parity.json[/]\n
  [cyan]sim parity scenario baseline -d 15m --ignore-column PRODUCTION.ORDERS.UPDATED_AT[/]\n
[dim]Exit codes: 0 identical, 1 the runs differ, 2 bad input. See docs/live.md.[/]"""


@parity_app.command("scenario", epilog=PARITY_EPILOG)
def parity_scenario(
    name: Annotated[str, typer.Argument(help="Scenario name or YAML path.", autocompletion=_complete_scenarios,
                                        show_default=False)],
    pipeline: PipelineOpt = None,
    seed: SeedOpt = None,
    duration: DurationOpt = None,
    connection: ConnectionOpt = None,
    warehouse: WarehouseOpt = None,
    ignore_column: Annotated[list[str] | None, typer.Option(
        "--ignore-column", help="TABLE.COLUMN to leave out of the comparison (repeatable).",
        show_default=False)] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the report as JSON.", dir_okay=False,
                                                   show_default=False)] = None,
) -> None:
    """Run a scenario on the emulator and on Snowflake with the same seed, and list where they differ."""
    from snowsim.tui import runs  # noqa: PLC0415

    project = _project()
    try:
        options = runs.RunOptions.parse(target="snowflake", seed=seed, duration=duration, speed="max",
                                        live=runs.LiveOptions(connection, warehouse))
        scenario, pipe = runs.resolve(project, name, pipeline, options)
        report = runs.parity(scenario, pipe, options, ignore_column or [])
    except (*runs.BAD_INPUT, ValueError) as exc:
        _fail(str(exc))
    typer.echo(report.text())
    if json_path is not None:
        report.write_json(json_path)
    raise typer.Exit(0 if report.empty else 1)


def _use_tui(flag: bool | None, console: Console) -> bool:
    """--tui/--no-tui, else live only on a real terminal (CI and pipes get plain progress lines)."""
    if flag is not None:
        return flag
    return console.is_terminal and not console.is_dumb_terminal and not os.environ.get("CI")


# ------------------------------------------------------------------------------------------------ scenarios


@scenarios_app.command("list", epilog="[bold]Example[/]\n\n  [cyan]sim scenarios list[/]")
def scenarios_list() -> None:
    """List the project's scenarios and the shipped ones."""
    from snowsim.simulator.scenario import load_scenario  # noqa: PLC0415
    from snowsim.tui.catalog_view import scenarios_table  # noqa: PLC0415

    project = _project()
    Console().print(scenarios_table(project.scenarios(), lambda e: load_scenario(e.path)))
    if project.root is not None:
        Console().print(f"[dim]project: {project.root}[/]", highlight=False)


@scenarios_app.command("show", epilog="[bold]Example[/]\n\n  [cyan]sim scenarios show late_events[/]")
def scenarios_show(
    name: Annotated[str, typer.Argument(help="Scenario name or YAML path.", autocompletion=_complete_scenarios,
                                        show_default=False)],
) -> None:
    """Show a scenario: traffic, faults and checks."""
    from snowsim.tui.catalog_view import scenario_view  # noqa: PLC0415

    project = _project()
    try:
        path = project.scenario_path(name)
        scenario = project.load_scenario(path)
    except ValueError as exc:
        _fail(str(exc))
    Console().print(scenario_view(scenario, path))


# ------------------------------------------------------------------------------------------------ pipelines


@pipelines_app.command("list", epilog="[bold]Example[/]\n\n  [cyan]sim pipelines list[/]")
def pipelines_list() -> None:
    """List the project's pipelines and the shipped ones."""
    from snowsim.simulator.pipeline import load_pipeline  # noqa: PLC0415
    from snowsim.tui.catalog_view import pipelines_table  # noqa: PLC0415

    Console().print(pipelines_table(_project().pipelines(), lambda e: load_pipeline(e.path)))


@pipelines_app.command("show", epilog="[bold]Examples[/]\n\n  [cyan]sim pipelines show caves_albert[/]\n\n"
                       "  [cyan]sim pipelines show ./sql/my_pipeline[/]")
def pipelines_show(
    name: Annotated[str, typer.Argument(help="Pipeline name or folder.", autocompletion=_complete_pipelines,
                                        show_default=False)],
) -> None:
    """Draw a pipeline's flow graph, read from its SQL: tables, streams, tasks and what each reads and writes."""
    from snowsim.tui.graph import build_graph  # noqa: PLC0415
    from snowsim.tui.pipeline_view import pipeline_view  # noqa: PLC0415

    try:
        pipe = _project().load_pipeline(name)
    except ValueError as exc:
        _fail(str(exc))
    Console().print(pipeline_view(pipe, build_graph(pipe)))


# ------------------------------------------------------------------------------------------------ init

INIT_EPILOG = """[bold]Examples[/]\n
  [cyan]sim init my-project[/]  [dim]a copy of caves_albert_hardened, two scenarios, tests, a CI workflow[/]\n
  [cyan]sim init my-project --pipeline caves_albert[/]  [dim]the as-written design, weaknesses included[/]\n
  [cyan]sim init my-project --minimal[/]  [dim]a small RAW -> STAGING -> PROD pipeline to start from[/]"""


@app.command("init", epilog=INIT_EPILOG)
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create (or an empty one).", file_okay=False,
                                              show_default=False)],
    pipeline: Annotated[str, typer.Option("--pipeline", "-p", help="Shipped pipeline to copy.",
                                          autocompletion=_complete_pipelines)] = "caves_albert_hardened",
    minimal: Annotated[bool, typer.Option("--minimal", help="A minimal pipeline instead of a shipped copy.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not empty.")] = False,
) -> None:
    """Scaffold a project: sql/<pipeline>/, scenarios/, tests/ (pytest) and a CI workflow."""
    from snowsim.project import InitError, init_project  # noqa: PLC0415

    try:
        written = init_project(directory, pipeline=None if minimal else pipeline, force=force)
    except InitError as exc:
        _fail(str(exc))
    console = Console()
    for path in written:
        console.print(f"  [green]created[/] {path}", highlight=False)
    console.print(f"\nNext: [bold]cd {directory} && sim pipelines list && sim run all[/]", highlight=False)


# ------------------------------------------------------------------------------------------------ sql

SQL_EPILOG = """[bold]Examples[/]\n
  [cyan]sim sql --db run.duckdb[/]  [dim]a shell on the file a run kept (--db or --keep)[/]\n
  [cyan]sim sql --db run.duckdb -e "SELECT COUNT(*) FROM RAW.RAW_EVENTS"[/]\n
  [cyan]sim sql -e "SELECT CURRENT_VERSION()" --format csv[/]\n
[dim]In the shell: end a statement with ';', quit with \\q or Ctrl-D.[/]"""


@app.command("sql", epilog=SQL_EPILOG)
def sql(
    db: Annotated[Path | None, typer.Option(
        "--db", help="Emulator database file, e.g. one a run kept (default: a scratch in-memory database SNOWSIM).",
        dir_okay=False, show_default=False)] = None,
    execute: Annotated[str | None, typer.Option("--execute", "-e", help="Run this SQL (one or more statements), "
                                                "then exit.", show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """A SQL shell on the emulator: inspect a finished run's tables, streams and task history."""
    from snowsim.emulator import connect  # noqa: PLC0415
    from snowsim.tui.sql_shell import SqlShell, clock_for  # noqa: PLC0415

    if fmt not in ("table", "csv", "json"):
        _fail(f"unknown format {fmt!r} (use table, csv or json)")
    if db is not None and not db.is_file():
        _fail(f"{db}: no such database file (a run writes one with --db PATH or --keep)")
    # Without a file: a scratch account with a current database, so CREATE TABLE T works at once.
    scratch = {} if db else {"database": "SNOWSIM", "schema": "PUBLIC"}
    connection = connect(path=str(db) if db else None, clock=clock_for(db), **scratch)
    shell = SqlShell(connection, Console(), Console(stderr=True), fmt)  # type: ignore[arg-type]
    shell.use_only_database()
    try:
        if execute is not None:
            raise typer.Exit(0 if shell.run_script(execute) else 1)
        shell.repl()
    finally:
        connection.close()


def run() -> Any:
    """Entry point for `python -m snowsim.cli`."""
    return app()


if __name__ == "__main__":
    sys.exit(run())

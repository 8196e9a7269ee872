"""``autoops forecast``: weekly demand forecasts, stock policy and backtests from order history.

Heavy libraries (pandas, LightGBM, matplotlib) are imported inside the commands so that
``autoops --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.console import Console

    from autoops.forecast import Evaluation, ForecastConfig, PolicyConfig, RunOptions, RunSummary

__all__ = ["register"]

_HISTORY = typer.Option(
    "--history", help="Order lines: .csv/.csv.gz, .parquet, .sqlite/.db file or sqlite:///path URL."
)
_OUT = typer.Option("--out", help="Directory for forecast, policy, metrics, plots and lineage.json.")


def _console(stderr: bool = False) -> Console:
    from rich.console import Console

    return Console(stderr=stderr)


def _summary(console: Console, summary: RunSummary, title: str) -> None:
    from rich.table import Table

    ev: Evaluation = summary.evaluation
    console.print(f"input: {summary.rows_read} rows read, {summary.rows_valid} used", highlight=False)
    for issue in summary.input_issues:
        console.print(f"  {issue}", highlight=False, markup=False, soft_wrap=True)
    table = Table(title=f"{title}: {summary.series} series, {summary.first_period} .. {summary.last_period}, "
                  f"{len(ev.origins)} origins")
    for col in ("method", "MASE", "RMSSE", "WAPE", "bias"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for m in sorted(ev.methods, key=lambda m: (m.method != "autoops", m.MASE)):
        style = "bold" if m.method == "autoops" else None
        table.add_row(m.method, f"{m.MASE:.3f}", f"{m.RMSSE:.3f}", f"{m.WAPE:.1%}", f"{m.bias:+.1%}", style=style)
    console.print(table)
    cov = ", ".join(f"{lvl}%: {value:.1%}" for lvl, value in ev.coverage.items())
    console.print(f"interval coverage (nominal -> achieved): {cov}")
    if ev.policy is not None:
        p = ev.policy
        console.print(
            f"stock policy, target cycle service {p.service_target:.0%} over {p.protection_periods} periods: "
            f"achieved {p.cycle_service:.1%} (fill rate {p.fill_rate:.1%}); "
            f"textbook z*sigma*sqrt(P) would achieve {p.normal_formula_cycle_service:.1%}"
        )
    if summary.total_order_quantity is not None:
        console.print(f"suggested orders: {summary.series_to_order} series, "
                      f"{summary.total_order_quantity:,.0f} units in total")
    console.print(f"wrote {len(summary.files)} files to {summary.out_dir}")


def _run_job(description: str, job: Callable[[Callable[[str, int, int], None]], RunSummary]) -> RunSummary:
    """Run a forecast job under a progress bar; a ``ForecastError`` becomes one red line and exit 1."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from autoops.forecast import ForecastError

    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                      TimeElapsedColumn(), console=_console(stderr=True), transient=True) as progress:
            task = progress.add_task(description, total=None)

            def update(label: str, done: int, total: int) -> None:
                progress.update(task, description=f"{description}: {label}", completed=done, total=total)

            return job(update)
    except ForecastError as exc:
        _console(stderr=True).print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
        raise typer.Exit(1) from exc


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` command group to the root application."""
    forecast_app = typer.Typer(
        name="forecast", help="Demand forecasts, stock policy and backtests from order history.",
        no_args_is_help=True,
    )

    @forecast_app.command("run")
    def run(
        history: Annotated[str, _HISTORY],
        out: Annotated[Path, _OUT],
        horizon: Annotated[int, typer.Option(help="Weeks to forecast.")] = 13,
        service_level: Annotated[float, typer.Option(help="Target cycle service level.")] = 0.95,
        lead_time_weeks: Annotated[int, typer.Option(help="Replenishment lead time in weeks.")] = 2,
        review_weeks: Annotated[int, typer.Option(help="Weeks between ordering decisions.")] = 1,
        inventory: Annotated[Path | None, typer.Option(help="CSV/Parquet with sku, on_hand, on_order[, backorders].")] = None,
        week_start: Annotated[str, typer.Option(help="First day of the week: MON..SUN.")] = "MON",
        season_length: Annotated[int, typer.Option(help="Periods per year.")] = 52,
        origins: Annotated[int, typer.Option(help="Validation origins for method choice and calibration.")] = 4,
        seed: Annotated[int, typer.Option(help="Random seed (results are reproducible).")] = 42,
        threads: Annotated[int, typer.Option(help="LightGBM threads (results depend on it).")] = 1,
        output_format: Annotated[list[str] | None, typer.Option("--format", help="csv and/or parquet.")] = None,
        table: Annotated[str, typer.Option(help="Table name for SQLite sources.")] = "order_lines",
        query: Annotated[str | None, typer.Option(help="SQL query for SQLite sources.")] = None,
        strict: Annotated[bool, typer.Option(help="Refuse the input on any invalid row.")] = False,
        log_level: Annotated[str, typer.Option(help="Log level.")] = "warning",
    ) -> None:
        """Forecast the next weeks per SKU, derive the stock policy and write outputs with lineage."""
        from autoops.forecast import run_forecast_job

        options, config, policy = _settings(
            history, out, horizon, service_level, lead_time_weeks, review_weeks, inventory, week_start,
            season_length, origins, seed, threads, output_format, table, query, strict, log_level,
        )
        summary = _run_job("forecast", lambda update: run_forecast_job(options, config, policy, update))
        _summary(_console(), summary, "validation (leave-one-origin-out)")

    @forecast_app.command("backtest")
    def backtest(
        history: Annotated[str, _HISTORY],
        out: Annotated[Path, _OUT],
        horizon: Annotated[int, typer.Option(help="Weeks to forecast.")] = 13,
        folds: Annotated[int, typer.Option(help="Backtest origins.")] = 3,
        fold_step: Annotated[int | None, typer.Option(help="Weeks between backtest origins (default: horizon).")] = None,
        service_level: Annotated[float, typer.Option(help="Target cycle service level.")] = 0.95,
        lead_time_weeks: Annotated[int, typer.Option(help="Replenishment lead time in weeks.")] = 2,
        review_weeks: Annotated[int, typer.Option(help="Weeks between ordering decisions.")] = 1,
        week_start: Annotated[str, typer.Option(help="First day of the week: MON..SUN.")] = "MON",
        season_length: Annotated[int, typer.Option(help="Periods per year.")] = 52,
        origins: Annotated[int, typer.Option(help="Validation origins inside each fold.")] = 4,
        seed: Annotated[int, typer.Option(help="Random seed (results are reproducible).")] = 42,
        threads: Annotated[int, typer.Option(help="LightGBM threads (results depend on it).")] = 1,
        output_format: Annotated[list[str] | None, typer.Option("--format", help="csv and/or parquet.")] = None,
        table: Annotated[str, typer.Option(help="Table name for SQLite sources.")] = "order_lines",
        query: Annotated[str | None, typer.Option(help="SQL query for SQLite sources.")] = None,
        strict: Annotated[bool, typer.Option(help="Refuse the input on any invalid row.")] = False,
        log_level: Annotated[str, typer.Option(help="Log level.")] = "warning",
    ) -> None:
        """Re-run the forecaster as of past dates and score forecasts, intervals and stock policy."""
        from autoops.forecast import run_backtest_job

        options, config, policy = _settings(
            history, out, horizon, service_level, lead_time_weeks, review_weeks, None, week_start,
            season_length, origins, seed, threads, output_format, table, query, strict, log_level,
        )
        summary = _run_job(
            "backtest",
            lambda update: run_backtest_job(options, config, policy, folds=folds, fold_step=fold_step, progress=update),
        )
        _summary(_console(), summary, "backtest")

    app.add_typer(forecast_app, name="forecast")


def _settings(
    history: str, out: Path, horizon: int, service_level: float, lead_time_weeks: int, review_weeks: int,
    inventory: Path | None, week_start: str, season_length: int, origins: int, seed: int, threads: int,
    output_format: list[str] | None, table: str, query: str | None, strict: bool, log_level: str,
) -> tuple[RunOptions, ForecastConfig, PolicyConfig]:
    """Validate the command-line values into the package's settings models."""
    from pydantic import ValidationError

    from autoops.forecast import ForecastConfig, PolicyConfig, RunOptions
    from autoops.logging import configure_logging

    configure_logging(log_level)
    try:
        options = RunOptions.model_validate({
            "history": history, "out_dir": out, "week_start": week_start.upper(), "table": table,
            "query": query, "inventory": inventory, "formats": tuple(output_format or ["csv"]),
            "on_invalid": "raise" if strict else "drop",
        })
        config = ForecastConfig(
            horizon=horizon, season_length=season_length, n_origins=origins, seed=seed, num_threads=threads
        )
        policy = PolicyConfig(service_level=service_level, lead_time=lead_time_weeks, review_period=review_weeks)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise typer.BadParameter(problems) from exc
    return options, config, policy

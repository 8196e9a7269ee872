from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from autoops.cli.app import app
from autoops.forecast import generate_order_lines


def _history(tmp_path: Path) -> Path:
    lines = generate_order_lines(12, start="2023-01-02", end="2024-12-29", seed=5, bad_rows=4)
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    return path


def test_forecast_run_writes_outputs_with_lineage(tmp_path: Path) -> None:
    history = _history(tmp_path)
    inventory = tmp_path / "stock.csv"
    pd.DataFrame({"sku": ["SKU-00000"], "on_hand": [1e6], "on_order": [0]}).to_csv(inventory, index=False)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, [
        "forecast", "run", "--history", str(history), "--out", str(out), "--horizon", "8",
        "--origins", "3", "--lead-time-weeks", "2", "--inventory", str(inventory),
        "--format", "csv", "--format", "parquet", "--threads", "1",
    ])
    assert result.exit_code == 0, result.output
    assert "autoops" in result.output and "interval coverage" in result.output
    assert "achieved" in result.output
    for name in ("forecast.csv", "forecast.parquet", "policy.csv", "metrics.json", "lineage.json",
                 "metrics_by_series.csv", "plots/forecast_top_series.png", "plots/error_by_horizon.png"):
        assert (out / name).is_file(), name
    forecast = pd.read_csv(out / "forecast.csv")
    assert forecast["step"].max() == 8 and forecast["sku"].nunique() == forecast["series_id"].nunique()
    policy = pd.read_csv(out / "policy.csv")
    assert policy.loc[policy["sku"] == "SKU-00000", "order_quantity"].item() == 0.0
    assert (policy["order_up_to"] >= policy["forecast_protection"]).all()
    lineage = json.loads((out / "lineage.json").read_text())
    assert lineage["input"]["rows_read"] - lineage["input"]["rows_valid"] == 4
    assert {i["code"] for i in lineage["input"]["issues"]} >= {"unparsable_date", "duplicate_row"}
    assert lineage["history"]["series"] == forecast["series_id"].nunique()
    assert lineage["parameters"]["forecast"]["horizon"] == 8
    assert lineage["parameters"]["policy"]["lead_time"] == 2
    assert "lightgbm" in lineage["libraries"] and lineage["metrics"]["coverage"]
    import hashlib
    digest = hashlib.sha256((out / "forecast.csv").read_bytes()).hexdigest()
    assert lineage["outputs"]["forecast.csv"] == digest
    assert lineage["input"]["file_sha256"] == hashlib.sha256(history.read_bytes()).hexdigest()


def test_forecast_backtest_and_errors(tmp_path: Path) -> None:
    history = _history(tmp_path)
    out = tmp_path / "bt"
    runner = CliRunner()
    result = runner.invoke(app, ["forecast", "backtest", "--history", str(history), "--out", str(out),
                                 "--horizon", "6", "--folds", "2", "--origins", "2", "--threads", "1"])
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "backtest_metrics.json").read_text())["backtest"]
    assert len(metrics["origins"]) == 2 and metrics["policy"]["service_target"] == 0.95
    assert (out / "backtest_by_series.csv").is_file()

    bad = runner.invoke(app, ["forecast", "run", "--history", str(history), "--out", str(tmp_path / "x"),
                              "--horizon", "4", "--lead-time-weeks", "4"])
    assert bad.exit_code == 1
    assert "exceeds the horizon 4" in bad.output
    missing = runner.invoke(app, ["forecast", "run", "--history", str(tmp_path / "nope.csv"),
                                  "--out", str(tmp_path / "y")])
    assert missing.exit_code == 1 and "not found" in missing.output


def test_cli_module_import_stays_light() -> None:
    code = "import sys, autoops.cli.forecast; print(sorted({'pandas', 'lightgbm', 'matplotlib'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

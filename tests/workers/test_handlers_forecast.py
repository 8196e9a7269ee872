"""The forecast handlers on a small real history: LightGBM runs, the policy is proposed and published."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from shop_testing import job_context
from workers.shop import Shop

from autoops.forecast import ForecastConfig, GbmParams, generate_order_lines
from autoops.worker import PermanentError
from workers import _app, forecasting

N_SKUS = 12


@pytest.fixture(scope="module")
def history_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("forecast-data")
    lines = generate_order_lines(N_SKUS, "2025-01-06", "2026-06-28", seed=3)
    with gzip.open(folder / "order_history.csv.gz", "wt", encoding="utf-8") as handle:
        lines.to_csv(handle, index=False, date_format="%Y-%m-%dT%H:%M:%S")
    rows = "".join(f"SKU-{i:05d},Item {i},home,10.00,500,7,{5 * i},1\n" for i in range(N_SKUS))
    (folder / "catalogue.csv").write_text(
        "sku,name,category,unit_price,weight_grams,lead_time_days,stock_on_hand,active\n" + rows, encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def first_run(history_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Shop, dict[str, object]]]:
    folder = tmp_path_factory.mktemp("forecast-shop")
    shop = Shop.create(folder / "shop.db", history_dir)
    fast = ForecastConfig(horizon=6, n_origins=2, num_threads=1, gbm=GbmParams(num_boost_round=20, min_data_in_leaf=5))
    _app.configure(shop=shop, forecast_dir=folder / "forecast", forecast=fast)
    try:
        ctx = job_context("forecast.run", {"horizon": "13", "serviceLevel": "0.95"}, process_instance_key=41)
        yield shop, forecasting.run_forecast(ctx, horizon=6, service_level=0.9)
    finally:
        _app.configure(reset=True)


@pytest.fixture
def configured(first_run: tuple[Shop, dict[str, object]], tmp_path: Path) -> Iterator[Shop]:
    shop = first_run[0]
    fast = ForecastConfig(horizon=6, n_origins=2, num_threads=1, gbm=GbmParams(num_boost_round=20, min_data_in_leaf=5))
    _app.configure(shop=shop, forecast_dir=tmp_path, forecast=fast)
    yield shop
    _app.configure(reset=True)


def test_forecast_run_writes_a_run_folder(first_run: tuple[Shop, dict[str, object]]) -> None:
    _, result = first_run
    assert result["runId"] == "run-41"
    assert result["seriesCount"] == N_SKUS
    assert (result["horizon"], result["serviceLevel"]) == (6, 0.9)  # variables win over headers
    out = Path(str(result["forecastDir"]))
    assert {"forecast.csv", "policy.csv", "lineage.json", "inventory.csv"} <= {p.name for p in out.iterdir()}
    policy = forecasting.read_policy(out / "policy.csv")
    assert len(policy) == N_SKUS
    assert all(row.reorder_point >= 0 and row.order_up_to >= row.safety_stock for row in policy)


def test_first_plan_needs_approval_then_publishing_settles_it(
    first_run: tuple[Shop, dict[str, object]], configured: Shop
) -> None:
    _, result = first_run
    ctx = job_context("stock-policy.compute", {"reorderPointChangeThreshold": "0.25"})
    proposal = forecasting.compute_stock_policy(ctx, run_id="run-41", forecast_dir=str(result["forecastDir"]))
    assert proposal["skuCount"] == N_SKUS
    assert proposal["maxReorderPointChange"] == 1.0  # nothing published yet: every SKU is new
    assert proposal["changedSkus"] == N_SKUS
    assert proposal["reorderPointChangeThreshold"] == 0.25
    assert str(proposal["topChangesText"]).count("new ->") == 10
    assert forecasting.publish_stock_policy("run-41") == {"publishedSkus": N_SKUS}

    # The same numbers proposed again under a new run id: nothing moved, no approval needed.
    again = forecasting.compute_stock_policy(ctx, run_id="run-42", forecast_dir=str(result["forecastDir"]), threshold=0.1)
    assert again["maxReorderPointChange"] == 0.0
    assert again["changedSkus"] == 0
    assert again["reorderPointChangeThreshold"] == 0.1
    assert forecasting.reject_stock_policy("run-42") == {"discardedSkus": N_SKUS}
    with pytest.raises(PermanentError, match="run-42"):
        forecasting.publish_stock_policy("run-42")


def test_bad_settings_and_missing_files_are_permanent(configured: Shop, tmp_path: Path) -> None:
    with pytest.raises(PermanentError, match="invalid forecast settings"):
        forecasting.run_forecast(job_context("forecast.run", {"serviceLevel": "high"}))
    with pytest.raises(PermanentError, match="no stock policy"):
        forecasting.compute_stock_policy(job_context("stock-policy.compute"), run_id="run-9", forecast_dir=str(tmp_path))

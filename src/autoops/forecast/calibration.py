"""Split-conformal calibration of forecast errors, per step and per demand pattern.

Residuals come from forecasts made at several past origins (spread over a year, so peaks are in), each
divided by the series' scale at its origin so that slow and fast movers can share one distribution.
Quantiles are taken per step ``h`` and per Syntetos-Boylan demand class (smooth, erratic,
intermittent, lumpy), because lumpy items have far wider and more skewed errors than smooth ones;
classes with too few residuals borrow the pooled distribution of their step.
"""

from __future__ import annotations

import math

import numpy as np

from autoops.forecast.panel import FloatArray, IntArray

__all__ = ["CLASS_NAMES", "ResidualCalibrator", "conformal_quantile", "demand_class"]

CLASS_NAMES = ("smooth", "erratic", "intermittent", "lumpy")


def demand_class(adi: FloatArray, cv2: FloatArray) -> IntArray:
    """Syntetos-Boylan class: ADI cut-off 1.32, CV² cut-off 0.49."""
    intermittent = adi > 1.32
    variable = cv2 > 0.49
    return (intermittent.astype(np.int64) * 2 + variable.astype(np.int64)).astype(np.int64)


def conformal_quantile(samples: FloatArray, prob: float) -> float:
    """Empirical quantile with the split-conformal finite-sample correction.

    For an upper quantile the ``ceil((n+1) p)``-th smallest residual is used, for a lower one the
    ``floor((n+1) p)``-th, so that coverage is at least nominal for exchangeable errors.
    """
    x = np.sort(samples[~np.isnan(samples)])
    n = len(x)
    if n == 0:
        return float("nan")
    rank = min(math.ceil((n + 1) * prob), n) if prob >= 0.5 else max(math.floor((n + 1) * prob), 1)
    return float(x[rank - 1])


class ResidualCalibrator:
    """Scaled residuals ``(origins, series, steps)`` with a class per (origin, series)."""

    def __init__(self, resid: FloatArray, classes: IntArray, min_samples: int = 40) -> None:
        self.resid = resid
        self.classes = classes
        self.min_samples = min_samples

    def quantiles(self, probs: tuple[float, ...], exclude_origin: int | None = None) -> FloatArray:
        """Quantiles shaped ``(n_classes, steps, len(probs))``; optionally leave one origin out."""
        k, _, steps = self.resid.shape
        keep = np.array([i != exclude_origin for i in range(k)])
        res = self.resid[keep]
        cls = self.classes[keep]
        out = np.full((len(CLASS_NAMES), steps, len(probs)), np.nan)
        for h in range(steps):
            lo, hi = max(0, h - 1), min(steps, h + 2)
            window = res[:, :, lo:hi]
            pooled = window.reshape(-1)
            for c in range(len(CLASS_NAMES)):
                mine = window[cls == c].reshape(-1)
                use = mine if np.count_nonzero(~np.isnan(mine)) >= self.min_samples else pooled
                for j, p in enumerate(probs):
                    out[c, h, j] = conformal_quantile(use, p)
        return np.where(np.isnan(out), 0.0, out)

    @staticmethod
    def apply(center: FloatArray, scale: FloatArray, classes: IntArray, q: FloatArray) -> FloatArray:
        """Bounds ``(series, steps, probs)`` = forecast + scaled quantile, floored at zero."""
        bounds = center[:, :, None] + q[classes] * scale[:, None, None]
        return np.clip(bounds, 0.0, None)

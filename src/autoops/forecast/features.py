"""Features for the direct global model: everything known at the forecast origin, nothing after it.

A training row is ``(series s, origin t, step h)``: features are computed from observations ``<= t``
(plus the calendar of the target period, which is known in advance), the target is ``y[s, t + h]``.
All level-like features are divided by a per-row scale (recent mean demand at the origin) so one model
serves slow and fast movers alike. The matrices are computed once per panel, so cutting the training set
at an earlier origin costs nothing extra; leakage is ruled out because every index used is ``<= t``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from autoops.forecast.panel import FloatArray, IntArray, Panel

__all__ = ["FeatureBuilder"]

_MAX_SCALED = 50.0


def _roll_sum(c: FloatArray, w: int) -> FloatArray:
    """Trailing window sums from a cumulative-sum matrix with a leading zero column."""
    t_len = c.shape[1] - 1
    hi = np.arange(1, t_len + 1)
    lo = np.maximum(hi - w, 0)
    return c[:, hi] - c[:, lo]


class FeatureBuilder:
    """Precomputed origin-time statistics of one panel; :meth:`rows` assembles feature rows."""

    def __init__(self, panel: Panel, horizon: int) -> None:
        y = panel.y
        self.y = y
        self.m = panel.season_length
        self.start = panel.start
        self.horizon = horizon
        self.t_len = y.shape[1]
        dates = pd.DatetimeIndex(panel.periods.append(panel.future_periods(horizon)))
        doy = np.asarray(dates.dayofyear, dtype=np.float64)
        self._doy = doy
        self._phase = np.floor((doy - 1) * max(self.m, 1) / 366.0)
        valid = ~np.isnan(y)
        z = np.where(valid, y, 0.0)
        zero_col = np.zeros((y.shape[0], 1))
        cz = np.hstack([zero_col, np.cumsum(z, axis=1)])
        cz2 = np.hstack([zero_col, np.cumsum(z * z, axis=1)])
        cv = np.hstack([zero_col, np.cumsum(valid, axis=1).astype(np.float64)])
        nz = (z > 0) & valid
        cnz = np.hstack([zero_col, np.cumsum(nz, axis=1).astype(np.float64)])
        m = self.m
        short = [w for w in (3, 4, 8, 13, 26, 52, 2 * m) if w <= max(2 * m, 13)]
        self.windows = sorted({w for w in short if w >= 2} | {max(m, 2)})
        self.means: dict[int, FloatArray] = {}
        for w in self.windows:
            self.means[w] = _roll_sum(cz, w) / np.maximum(_roll_sum(cv, w), 1.0)
        w_scale = min(max(m, 13), 52)
        recent = _roll_sum(cz, w_scale) / np.maximum(_roll_sum(cv, w_scale), 1.0)
        expanding = cz[:, 1:] / np.maximum(cv[:, 1:], 1.0)
        scale = np.where(recent > 0, recent, 0.1 * expanding)
        scale = np.where(scale > 0, scale, 1.0)
        self.scale = np.where(valid, scale, np.nan)
        self.w_std = min(max(m, 13), 26)
        n_std = np.maximum(_roll_sum(cv, self.w_std), 1.0)
        mean_std = _roll_sum(cz, self.w_std) / n_std
        var = np.maximum(_roll_sum(cz2, self.w_std) / n_std - mean_std**2, 0.0)
        self.std = np.sqrt(var)
        self.zero_recent = 1.0 - _roll_sum(cnz, 13) / np.maximum(_roll_sum(cv, 13), 1.0)
        self.zero_season = 1.0 - _roll_sum(cnz, max(m, 13)) / np.maximum(_roll_sum(cv, max(m, 13)), 1.0)
        self.adi = cv[:, 1:] / np.maximum(cnz[:, 1:], 1.0)
        nz_vals = np.where(nz, z, 0.0)
        c1 = np.cumsum(nz_vals, axis=1)
        c2 = np.cumsum(nz_vals**2, axis=1)
        k = np.maximum(cnz[:, 1:], 1.0)
        mu = c1 / k
        self.cv2 = np.where(mu > 0, np.maximum(c2 / k - mu**2, 0.0) / np.where(mu > 0, mu**2, 1.0), 0.0)
        last_nz = np.full(y.shape, np.nan)
        cur = np.full(y.shape[0], np.nan)
        for t in range(self.t_len):
            cur = np.where(nz[:, t], float(t), cur)
            last_nz[:, t] = cur
        self.since_nz = np.arange(self.t_len)[None, :] - last_nz
        self.ses: dict[float, FloatArray] = {}
        for alpha in (0.1, 0.3):
            level = np.full(y.shape[0], np.nan)
            out = np.full(y.shape, np.nan)
            for t in range(self.t_len):
                obs = y[:, t]
                has = ~np.isnan(obs)
                level = np.where(has, np.where(np.isnan(level), obs, level + alpha * (obs - level)), level)
                out[:, t] = level
            self.ses[alpha] = out
        self.rel_price: FloatArray | None = None
        if panel.price is not None:
            filled = pd.DataFrame(panel.price).ffill(axis=1).to_numpy(dtype=np.float64)
            pv = ~np.isnan(filled)
            cp = np.hstack([zero_col, np.cumsum(np.where(pv, filled, 0.0), axis=1)])
            cpv = np.hstack([zero_col, np.cumsum(pv, axis=1).astype(np.float64)])
            ref = _roll_sum(cp, 52) / np.maximum(_roll_sum(cpv, 52), 1.0)
            with np.errstate(invalid="ignore", divide="ignore"):
                self.rel_price = np.where(ref > 0, filled / ref, np.nan)

    @property
    def names(self) -> list[str]:
        lags = [f"lag{k}" for k in range(8)]
        means = [f"mean{w}" for w in self.windows]
        return [
            "h", *lags, *means, "std", "zero_recent", "zero_season", "adi", "cv2", "since_nz", "age",
            "log_scale", "ses01", "ses03", "yoy", "sref", "sref_nb", "sref2", "rel_price",
            "phase", "sin1", "cos1", "sin2", "cos2",
        ]

    def rows(self, s: IntArray, t: IntArray, h: IntArray) -> tuple[npt.NDArray[np.float32], FloatArray]:
        """Feature matrix and scale for rows ``(s, t, h)``; requires ``y[s, t]`` observed."""
        y = self.y
        scale = self.scale[s, t]
        cols: list[FloatArray] = [h.astype(np.float64)]

        def at(idx: IntArray) -> FloatArray:
            ok = (idx >= 0) & (idx <= t)
            vals = y[s, np.clip(idx, 0, self.t_len - 1)]
            return np.where(ok, vals, np.nan)

        for k in range(8):
            cols.append(at(t - k) / scale)
        for w in self.windows:
            cols.append(self.means[w][s, t] / scale)
        cols.append(self.std[s, t] / scale)
        cols.append(self.zero_recent[s, t])
        cols.append(self.zero_season[s, t])
        cols.append(self.adi[s, t])
        cols.append(self.cv2[s, t])
        cols.append(self.since_nz[s, t])
        cols.append((t - self.start[s]).astype(np.float64))
        cols.append(np.log1p(scale))
        cols.append(self.ses[0.1][s, t] / scale)
        cols.append(self.ses[0.3][s, t] / scale)
        m = max(self.m, 1)
        w_yoy = min(max(m, 13), 52) if m > 1 else 13
        mean_yoy = self.means.get(w_yoy, self.means[self.windows[-1]])
        back = t - m
        prev = np.where(back >= self.start[s] + w_yoy - 1, mean_yoy[s, np.clip(back, 0, None)], np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols.append(np.where(prev > 0, mean_yoy[s, t] / prev, np.nan))
        ref = t + h - m * np.ceil(h / m).astype(np.int64)
        sref = at(ref)
        nb = np.stack([at(ref - 1), sref, at(ref + 1)])
        nb_count = (~np.isnan(nb)).sum(axis=0)
        nb_mean = np.where(nb_count > 0, np.nansum(nb, axis=0) / np.maximum(nb_count, 1), np.nan)
        cols.append(sref / scale)
        cols.append(nb_mean / scale)
        cols.append(at(ref - m) / scale)
        if self.rel_price is not None:
            cols.append(self.rel_price[s, t])
        else:
            cols.append(np.full(len(s), np.nan))
        target = t + h
        doy = self._doy[target]
        cols.append(self._phase[target])
        for harmonic in (1, 2):
            ang = 2.0 * np.pi * harmonic * doy / 365.25
            cols.append(np.sin(ang))
            cols.append(np.cos(ang))
        x = np.column_stack(cols).astype(np.float32)
        return x, scale

    def target(self, s: IntArray, t: IntArray, h: IntArray) -> FloatArray:
        """Scaled training target ``y[s, t+h] / scale[s, t]``, clipped to tame one-off spikes."""
        out: FloatArray = np.clip(self.y[s, t + h] / self.scale[s, t], 0.0, _MAX_SCALED)
        return out

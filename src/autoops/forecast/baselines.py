"""Per-series statistical forecasts, computed for many series and several origins at once.

These are the "simple methods" the global model must not lose to: seasonal naive, simple exponential
smoothing (alpha chosen per series on one-step errors), SES on seasonally adjusted data, the Theta
method and TSB for intermittent demand. Each is a recursion over time vectorised across series, so the
cost is a few hundred numpy operations whatever the number of SKUs. Every forecast made at origin ``o``
uses observations ``<= o`` only.
"""

from __future__ import annotations

import numpy as np

from autoops.forecast.panel import FloatArray

__all__ = ["BASELINE_METHODS", "baseline_forecasts", "seasonal_indices"]

BASELINE_METHODS = ("naive", "seasonal_naive", "ses", "seasonal_ses", "theta", "tsb")
_ALPHAS = (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8)


def _ses_at(y: FloatArray, origins: list[int]) -> tuple[FloatArray, FloatArray]:
    """SES level and chosen alpha per (origin, series), alpha minimising in-sample one-step SSE.

    All alphas run in one pass over time (an extra leading axis), and only the states at the
    origins are kept, so the cost is one loop over the periods up to the last origin.
    """
    s, _ = y.shape
    alphas = np.asarray(_ALPHAS)[:, None]
    k = len(origins)
    at = {o: i for i, o in enumerate(origins)}
    level = np.full((len(_ALPHAS), s), np.nan)
    acc = np.zeros((len(_ALPHAS), s))
    levels = np.full((len(_ALPHAS), s, k), np.nan)
    sse = np.zeros((len(_ALPHAS), s, k))
    for t in range(max(origins) + 1):
        obs = y[:, t]
        has_obs = ~np.isnan(obs)
        has_level = ~np.isnan(level)
        err = np.where(has_obs & has_level, obs - level, 0.0)
        acc = acc + err * err
        level = np.where(has_obs, np.where(has_level, level + alphas * err, obs), level)
        if t in at:
            levels[:, :, at[t]] = level
            sse[:, :, at[t]] = acc
    best = np.argmin(sse, axis=0)
    lev = np.take_along_axis(levels, best[None], axis=0)[0]
    alpha: FloatArray = np.asarray(_ALPHAS)[best]
    out: FloatArray = lev.T
    return out, alpha.T


def seasonal_indices(y: FloatArray, m: int, max_seasons: int = 3) -> FloatArray:
    """Multiplicative seasonal index per (series, phase) from the last ``max_seasons`` cycles of ``y``.

    Phase ``p`` is the column index modulo ``m`` of the full matrix ``y``. Indices are 1 where the
    series is too short (under two cycles), where a 90% autocorrelation test at lag ``m`` finds no
    seasonality, or where the level is zero; they are smoothed over neighbouring phases for long
    cycles (weekly data) and clipped to ``[0.1, 10]`` so that deseasonalising stays stable.
    """
    s, t_len = y.shape
    out = np.ones((s, m))
    if m < 2 or t_len < 2 * m:
        return out
    lo = max(0, t_len - max_seasons * m)
    win = y[:, lo:]
    phase = np.arange(lo, t_len) % m
    valid = ~np.isnan(win)
    z = np.where(valid, win, 0.0)
    n_valid = valid.sum(axis=1)
    sums = np.zeros((s, m))
    counts = np.zeros((s, m))
    for p in range(m):
        cols = phase == p
        sums[:, p] = z[:, cols].sum(axis=1)
        counts[:, p] = valid[:, cols].sum(axis=1)
    mean_all = z.sum(axis=1) / np.maximum(n_valid, 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = (sums / np.maximum(counts, 1)) / mean_all[:, None]
    idx = np.where(np.isfinite(idx) & (counts > 0), idx, 1.0)
    if m > 12:
        width = max(1, m // 26)
        kernel_sum = np.zeros_like(idx)
        for shift in range(-width, width + 1):
            kernel_sum += np.roll(idx, shift, axis=1)
        idx = kernel_sum / (2 * width + 1)
    # 90% autocorrelation test at lag m on the series' own history (as in the classical Theta method).
    obs = ~np.isnan(y)
    mean = (np.where(obs, y, 0.0).sum(axis=1) / np.maximum(obs.sum(axis=1), 1))[:, None]
    dev = np.where(obs, y - mean, 0.0)
    denom = (dev * dev).sum(axis=1)
    acf = np.zeros((s, m))
    for k in range(1, m + 1):
        acf[:, k - 1] = (dev[:, k:] * dev[:, :-k]).sum(axis=1) / np.where(denom > 0, denom, 1.0)
    n_obs = (~np.isnan(y)).sum(axis=1)
    limit = 1.645 * np.sqrt((1 + 2 * (acf[:, :-1] ** 2).sum(axis=1)) / np.maximum(n_obs, 1))
    seasonal = (np.abs(acf[:, m - 1]) > limit) & (n_obs >= 2 * m) & (mean_all > 0)
    idx = np.clip(idx, 0.1, 10.0)
    idx = idx / idx.mean(axis=1, keepdims=True)
    return np.where(seasonal[:, None], idx, 1.0)


def _tsb_at(y: FloatArray, origins: list[int], alpha_d: float = 0.1, alpha_p: float = 0.1) -> FloatArray:
    s, t_len = y.shape
    prob = np.full(s, np.nan)
    size = np.full(s, np.nan)
    out = np.full((len(origins), s), np.nan)
    wanted = {o: k for k, o in enumerate(origins)}
    for t in range(t_len):
        obs = y[:, t]
        has_obs = ~np.isnan(obs)
        started = ~np.isnan(prob)
        first = has_obs & ~started
        prob = np.where(first, 1.0, prob)
        size = np.where(first, np.where(obs > 0, obs, np.nan), size)
        upd = has_obs & started
        pos = upd & (obs > 0)
        prob = np.where(upd, prob + alpha_p * ((obs > 0).astype(float) - prob), prob)
        size = np.where(pos & np.isnan(size), obs, size)
        size = np.where(pos & ~np.isnan(size), size + alpha_d * (obs - size), size)
        if t in wanted:
            out[wanted[t]] = np.where(np.isnan(size), 0.0, prob * np.nan_to_num(size))
    return out


def _theta_trend(d: FloatArray, alpha: FloatArray, horizon: int) -> FloatArray:
    """Theta-method drift term ``b0/2 * ((h-1) + 1/a - (1-a)^n / a)`` per series and step."""
    valid = ~np.isnan(d)
    n = valid.sum(axis=1).astype(float)
    t_idx = np.where(valid, np.arange(d.shape[1])[None, :], 0.0)
    z = np.where(valid, d, 0.0)
    n_safe = np.maximum(n, 1.0)
    mt = t_idx.sum(axis=1) / n_safe
    my = z.sum(axis=1) / n_safe
    cov = (np.where(valid, (t_idx - mt[:, None]) * (z - my[:, None]), 0.0)).sum(axis=1)
    var = (np.where(valid, (t_idx - mt[:, None]) ** 2, 0.0)).sum(axis=1)
    b0 = np.where(var > 0, cov / np.where(var > 0, var, 1.0), 0.0)
    steps = np.arange(1, horizon + 1)[None, :]
    a = alpha[:, None]
    trend: FloatArray = (b0[:, None] / 2.0) * ((steps - 1) + 1.0 / a - (1.0 - a) ** n[:, None] / a)
    return trend


def baseline_forecasts(
    y: FloatArray, origins: list[int], horizon: int, season_length: int, methods: tuple[str, ...]
) -> dict[str, FloatArray]:
    """Forecasts ``(n_origins, n_series, horizon)`` for each requested baseline.

    ``origins`` are period indices of the last observation used. Series with no observation at an
    origin get NaN. Negative forecasts are clipped to zero (demand cannot be negative).
    """
    m = season_length
    s, _ = y.shape
    k = len(origins)
    wanted = [mth for mth in methods if mth in BASELINE_METHODS]
    out: dict[str, FloatArray] = {}
    steps = np.arange(1, horizon + 1)
    alive = np.stack([~np.isnan(y[:, o]) for o in origins])  # (K, S)
    ses_level, ses_alpha = _ses_at(y, origins)
    if "ses" in wanted:
        out["ses"] = np.repeat(ses_level[:, :, None], horizon, axis=2)
    if "naive" in wanted:
        out["naive"] = np.repeat(np.stack([y[:, o] for o in origins])[:, :, None], horizon, axis=2)
    if "seasonal_naive" in wanted:
        fc = np.full((k, s, horizon), np.nan)
        for i, o in enumerate(origins):
            src = o + steps - m * np.ceil(steps / m).astype(int)
            ok = src >= 0
            vals = np.full((s, horizon), np.nan)
            vals[:, ok] = y[:, src[ok]]
            fc[i] = np.where(np.isnan(vals), ses_level[i][:, None], vals)
        out["seasonal_naive"] = fc
    if "tsb" in wanted:
        out["tsb"] = np.repeat(_tsb_at(y, origins)[:, :, None], horizon, axis=2)
    if "seasonal_ses" in wanted or "theta" in wanted:
        ss = np.full((k, s, horizon), np.nan)
        th = np.full((k, s, horizon), np.nan)
        for i, o in enumerate(origins):
            hist = y[:, : o + 1]
            idx = seasonal_indices(hist, m) if m > 1 else np.ones((s, 1))
            mm = idx.shape[1]
            phase_hist = np.arange(o + 1) % mm
            d = hist / idx[:, phase_hist]
            level, alpha = _ses_at(d, [o])
            fut_phase = (o + steps) % mm
            season = idx[:, fut_phase]
            ss[i] = level[0][:, None] * season
            trend = _theta_trend(d, alpha[0], horizon)
            th[i] = (level[0][:, None] + trend) * season
        if "seasonal_ses" in wanted:
            out["seasonal_ses"] = ss
        if "theta" in wanted:
            out["theta"] = th
    for name, fc in out.items():
        fc = np.where(alive[:, :, None], fc, np.nan)
        out[name] = np.clip(fc, 0.0, None)
    _ = ses_alpha
    return out

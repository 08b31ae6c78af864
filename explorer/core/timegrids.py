"""Time grids: which t values a sampler visits between t_start (noise) and 0 (data).

A sampler's quality at a given number of steps depends as much on where the steps go as on the solver
(docs/parameterisation.md#time-grids). Each grid is one registered TimeGridSpec:

  uniform   equal steps in t
  logsnr    equal steps in log-SNR, log(alpha/sigma), between the grid's ends
  karras    EDM's spacing of the noise-to-signal ratio s(t) = sigma/alpha (Karras et al. 2022, rho = 7):
            s_i = (s_max^(1/rho) + i/(N-1) (s_min^(1/rho) - s_max^(1/rho)))^rho, dense near the data

Every grid starts exactly at t_start (where the sampler's start points live: pure noise at t = 1) and
ends at t = 0; the spaced grids put their other points between s_max = min(s(t_start), 80) and
s_min = 0.002 (EDM's range) and map them back to t by bisection, so they work on any schedule.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from explorer.core.lazy_import import lazy_module
from explorer.core.registry import Registry
from explorer.core.schedules import Schedule, get_schedule

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

SIGMA_MAX, SIGMA_MIN = 80.0, 0.002  # the range of s = sigma/alpha the spaced grids cover
RHO = 7.0


@dataclass(frozen=True)
class TimeGridSpec:
    """`make(steps, schedule, t_start)` returns steps + 1 strictly decreasing times from t_start to 0."""

    name: str
    label: str
    make: Callable[[int, Schedule, float], np.ndarray]
    doc: str = ""


def noise_ratio(schedule: Schedule, t) -> torch.Tensor:
    """s(t) = sigma(t) / alpha(t) in float64: 0 at the data, +inf where alpha = 0."""
    t = torch.as_tensor(t, dtype=torch.float64)
    return schedule.sigma(t) / schedule.alpha(t)


def time_of_ratio(schedule: Schedule, ratios, t_hi: float = 1.0) -> np.ndarray:
    """The t in [0, t_hi] with sigma(t)/alpha(t) = ratio, for each ratio (bisection: s(t) is increasing)."""
    target = torch.as_tensor(np.asarray(ratios, np.float64))
    lo, hi = torch.zeros_like(target), torch.full_like(target, t_hi)
    for _ in range(60):  # 2^-60 of the interval: exact in float64
        mid = 0.5 * (lo + hi)
        below = noise_ratio(schedule, mid) < target
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return (0.5 * (lo + hi)).numpy()


def _spaced(steps: int, schedule: Schedule, t_start: float, spacing: Callable) -> np.ndarray:
    if steps == 1:
        return np.array([t_start, 0.0])
    top = float(noise_ratio(schedule, t_start))
    top = SIGMA_MAX if not np.isfinite(top) else min(top, SIGMA_MAX)
    bottom = min(SIGMA_MIN, top / 2)
    ratios = spacing(top, bottom, steps)  # steps values from top down to bottom
    inner = time_of_ratio(schedule, ratios[1:], t_start)
    grid = np.concatenate([[t_start], inner, [0.0]])
    # Bisection can tie two neighbours on a flat stretch of s(t); keep the grid strictly decreasing.
    for k in range(1, len(grid) - 1):
        grid[k] = min(grid[k], np.nextafter(grid[k - 1], -1.0))
    return grid


def _uniform(steps: int, schedule: Schedule, t_start: float) -> np.ndarray:
    return np.linspace(t_start, 0.0, steps + 1)


def _logsnr(steps: int, schedule: Schedule, t_start: float) -> np.ndarray:
    return _spaced(steps, schedule, t_start, lambda hi, lo, n: np.exp(np.linspace(np.log(hi), np.log(lo), n)))


def _karras(steps: int, schedule: Schedule, t_start: float) -> np.ndarray:
    def spacing(hi, lo, n):
        ramp = np.linspace(0.0, 1.0, n)
        return (hi ** (1 / RHO) + ramp * (lo ** (1 / RHO) - hi ** (1 / RHO))) ** RHO

    return _spaced(steps, schedule, t_start, spacing)


TIME_GRIDS: Registry[TimeGridSpec] = Registry("time grid")
TIME_GRIDS.register(TimeGridSpec("uniform", "Uniform in t", _uniform, "equal steps in t"))
TIME_GRIDS.register(TimeGridSpec("logsnr", "Uniform in log-SNR", _logsnr,
                                 "equal steps in log(α/σ): as much change of signal-to-noise in every step"))
TIME_GRIDS.register(TimeGridSpec("karras", "Karras (EDM, ρ = 7)", _karras,
                                 "EDM's σ/α spacing: long steps in the noise, short ones near the data"))


def make_grid(grid: str, steps: int, schedule: str | Schedule, t_start: float = 1.0) -> np.ndarray:
    """steps + 1 decreasing times from t_start to 0, spaced by the registered grid `grid`."""
    return np.asarray(TIME_GRIDS[grid].make(steps, get_schedule(schedule), float(t_start)), np.float64)

"""Streamlines of a model's velocity field frozen at one time t: where a particle would drift if t stood still.

    lines = streamlines(model, times=[1.0, 0.5, 0.0], seeds=grid, length=0.8)   # (T, m, K, 2)

From each seed, RK4 integration of dx/ds = u(x) with u = -v(x, t), the direction a point moves during sampling
(t goes down; v = dx/dt is the probability-flow drift, the same arrows as the "Vector field" layer). The pseudo
time s has one step ds per time, chosen so that a seed at the median speed travels `length`: lines at every t
are readable, and along one line equal steps of s mean that a particle moving at a constant rate through the
polyline's points moves at the field's local speed (docs/parameterisation.md#straightness). A line that leaves
`box` or meets a non-finite velocity is NaN from there on.
"""
from __future__ import annotations

import numpy as np

from explorer.core.checks import check_int
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.serve.runtime import cpu_settings

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

T_EDGE = 1e-3  # the field is evaluated at t clipped into [T_EDGE, 1 - T_EDGE]: both ends are singular


def motion(model, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """-v(x, t) as float64 (n, 2): where each point moves while sampling runs t down; non-finite -> 0.
    `t` is a scalar or (n,), clipped away from the singular ends."""
    x = np.asarray(x, np.float32)
    t = np.clip(np.broadcast_to(np.asarray(t, np.float64), (len(x),)), T_EDGE, 1 - T_EDGE)
    tt = torch.from_numpy(t.astype(np.float32)).reshape(-1, 1)
    with cpu_settings(), torch.no_grad():
        vel = -model.velocity(torch.from_numpy(np.ascontiguousarray(x)), tt).to(torch.float64).numpy()
    vel[~np.isfinite(vel)] = 0.0
    return vel


def integrate(field, seeds: np.ndarray, ds, steps: int, box=None) -> np.ndarray:
    """RK4 of dx/ds = field(x) from `seeds` (m, 2): (m, steps + 1, 2), point 0 the seed.

    `ds` is a scalar or (m,) (one step per seed); `box` = (x_min, x_max, y_min, y_max): a line is NaN after it
    leaves it. `field` maps (m, 2) float64 to (m, 2)."""
    steps = check_int("steps", steps, 1, 10_000)
    x = np.array(seeds, np.float64)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ExplorerError(f"seeds must be (m, 2) points, got shape {x.shape}")
    h = np.broadcast_to(np.asarray(ds, np.float64), (len(x),))[:, None]
    out = np.full((len(x), steps + 1, 2), np.nan)
    out[:, 0] = x
    alive = np.all(np.isfinite(x), 1)
    for k in range(1, steps + 1):
        k1 = field(x)
        k2 = field(x + 0.5 * h * k1)
        k3 = field(x + 0.5 * h * k2)
        k4 = field(x + h * k3)
        x = x + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
        alive &= np.all(np.isfinite(x), 1)
        if box is not None:
            alive &= (x[:, 0] >= box[0]) & (x[:, 0] <= box[1]) & (x[:, 1] >= box[2]) & (x[:, 1] <= box[3])
        x = np.where(alive[:, None], x, 0.0)  # dead lines stay put (finite) and are drawn as NaN
        out[alive, k] = x[alive]
    return out


def seed_grid(n: int, box) -> np.ndarray:
    """(n*n, 2) cell centres of an n x n grid over `box` = (x_min, x_max, y_min, y_max), row by row."""
    n = check_int("n", n, 1, 200)
    xs = box[0] + (np.arange(n) + 0.5) * (box[1] - box[0]) / n
    ys = box[2] + (np.arange(n) + 0.5) * (box[3] - box[2]) / n
    X, Y = np.meshgrid(xs, ys)
    return np.stack([X.ravel(), Y.ravel()], 1)


def streamlines(model, times, seeds: np.ndarray, length: float = 0.8, steps: int = 20, box=None) -> np.ndarray:
    """Streamlines of `model`'s field frozen at each of `times`, from the same `seeds`: (T, m, steps + 1, 2).

    All times are integrated at once (one batch of T*m points per RK stage). At each t the step is
    length / (steps * the median speed over the seeds), so a line at the median speed is `length` long."""
    times = np.asarray(times, np.float64).ravel()
    seeds = np.asarray(seeds, np.float64)
    if not len(times) or not np.all(np.isfinite(times)):
        raise ExplorerError(f"times must be finite numbers, got {times!r}")
    if not (np.isfinite(length) and length > 0):
        raise ExplorerError(f"length must be a positive number, got {length!r}")
    m = len(seeds)
    t_all = np.repeat(times, m)
    start = np.tile(seeds, (len(times), 1))
    speed = np.hypot(*motion(model, start, t_all).T).reshape(len(times), m)
    median = np.median(speed, axis=1)
    ds = np.repeat(np.divide(length, steps * median, out=np.zeros_like(median), where=median > 0), m)
    lines = integrate(lambda x: motion(model, x, t_all), start, ds, steps, box)
    return lines.reshape(len(times), m, steps + 1, 2)

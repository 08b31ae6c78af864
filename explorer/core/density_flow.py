"""How density flows along the probability-flow ODE: the divergence of the velocity, exact or estimated,
and log p_t(x_t) carried along a path from the noise.

* :func:`divergence` -- div v(x, t) = d v_x/dx + d v_y/dy, exact (two autograd passes in 2D) or by
  Hutchinson's estimator z^T (dv/dx) z with k Rademacher probes z: what models in many dimensions must
  use. In 2D one probe gives J11 + J22 + z1 z2 (J12 + J21), so its spread is |J12 + J21| and the mean of
  k probes has variance (J12 + J21)² / k.
* :func:`log_density_along` -- start at x_init at t = 1 with log N(0, sigma(1)² I) and integrate the
  instantaneous change of variables d/dt log p_t(x_t) = -div v(x_t, t) with the path, down to t_min.

Both are re-exported by :mod:`explorer.core.density` (`dx.density.divergence`, `dx.density.log_density_along`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from explorer.core.checks import check_int
from explorer.core.density import _CHUNK, _time, _velocity_and_divergence, _working_dtype
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.metrics import _as_points

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

MAX_PROBES = 100_000


def divergence(denoiser, x, t, probes: int | None = None, seed: int = 0, per_probe: bool = False) -> np.ndarray:
    r"""The divergence of the probability-flow velocity at points `x` (n, 2) and time `t`, shape (n,).

    `probes=None`: exact. `probes=k`: Hutchinson's estimate, the mean over k Rademacher probes z (entries
    ±1, drawn from `seed`, a fresh set per row) of z^T J z, each a vector-Jacobian product. With
    `per_probe=True` it returns the k single-probe estimates, shape (k, n), whose mean over axis 0 is the
    estimate and whose spread is the estimator's noise. Float64 unless the denoiser is a torch network.
    """
    pts = _as_points(x)
    t = _time(t)
    if probes is not None:
        probes = check_int("probes", probes, 1, MAX_PROBES)
    elif per_probe:
        raise ExplorerError("per_probe needs probes=k (the exact divergence has no probes)")
    dtype = _working_dtype(denoiser)
    gen = torch.Generator().manual_seed(int(seed))
    parts = []
    for start in range(0, len(pts), _CHUNK):
        xc = torch.as_tensor(pts[start: start + _CHUNK], dtype=dtype)
        if probes is None:
            parts.append(_velocity_and_divergence(denoiser, xc, t)[1].double())
        else:
            parts.append(_hutchinson(denoiser, xc, t, probes, gen))
    out = torch.cat(parts, dim=-1).numpy()
    return out if per_probe or probes is None else out.mean(0)


def _hutchinson(denoiser, x: torch.Tensor, t: float, k: int, gen: torch.Generator) -> torch.Tensor:
    """(k, n) single-probe estimates z^T J z, one vector-Jacobian product per probe."""
    z = torch.randint(0, 2, (k, *x.shape), generator=gen).to(x.dtype) * 2 - 1
    out = torch.empty(k, len(x), dtype=torch.float64)
    with torch.enable_grad():
        xg = x.detach().requires_grad_(True)
        v = denoiser.velocity(xg, t)
        for j in range(k):
            (g,) = torch.autograd.grad(v, xg, grad_outputs=z[j], retain_graph=j < k - 1)  # z^T J, per row
            out[j] = (g * z[j]).sum(1).double()
    return out


@dataclass(frozen=True)
class DensityPath:
    """log p along probability-flow paths: frame f is time `times[f]` (1 first, then down to t_min)."""

    times: np.ndarray  # (F,)
    points: np.ndarray  # (F, n, 2)
    log_p: np.ndarray  # (F, n), nats
    divergence: np.ndarray  # (F, n), the exact div v at each frame's points

    def __getitem__(self, key: str):  # dict-style access too: path["log_p"]
        if key not in ("times", "points", "log_p", "divergence"):
            raise KeyError(key)
        return getattr(self, key)


def log_density_along(denoiser, x_init, steps: int = 64, t_min: float = 1e-3) -> DensityPath:
    r"""Carry log p along the probability-flow ODE from `x_init` (n, 2) at t = 1 down to t = t_min.

    At t = 1 log p = log N(x; 0, sigma(1)² I) (exact when alpha(1) = 0, as for :func:`log_density`). Along
    the path d/dt log p_t(x_t) = -div v(x_t, t); stepping from t to s < t,

        log p_s(x_s) = log p_t(x_t) + int_s^t div v(x_u, u) du,

    state and integral advanced together by Heun's method on `steps` uniform steps (exact divergence).
    The last frame is the model's log-density at t_min of the path's end point: it agrees with
    :func:`log_density` there up to the two solves' discretisation error. Returns a :class:`DensityPath`
    with `times` (F,), `points` (F, n, 2), `log_p` (F, n) and `divergence` (F, n), F = steps + 1.
    """
    steps = check_int("steps", steps, 1, 10_000)
    t_min = _time(t_min, "t_min")
    if not 0.0 <= t_min < 1.0:
        raise ExplorerError(f"t_min must be in [0, 1) (e.g. 1e-3); got {t_min}")
    pts = _as_points(x_init)
    dtype = _working_dtype(denoiser)
    s1 = float(denoiser.schedule.sigma(torch.tensor(1.0, dtype=torch.float64)))
    times = np.linspace(1.0, t_min, steps + 1)
    F, n = len(times), len(pts)
    points, log_p, div_out = np.empty((F, n, 2)), np.empty((F, n)), np.empty((F, n))
    for start in range(0, n, _CHUNK):
        sl = slice(start, start + _CHUNK)
        x = torch.as_tensor(pts[sl], dtype=dtype)
        lp = -0.5 * (x.double() ** 2).sum(1) / s1**2 - math.log(2 * math.pi * s1**2)
        v, div = _velocity_and_divergence(denoiser, x, float(times[0]))
        points[0, sl], log_p[0, sl], div_out[0, sl] = x.double().numpy(), lp.numpy(), div.double().numpy()
        for f in range(1, F):
            h = float(times[f] - times[f - 1])  # negative: towards the data
            v1, div1 = _velocity_and_divergence(denoiser, x + h * v, float(times[f]))
            x = x + 0.5 * h * (v + v1)
            lp = lp - 0.5 * h * (div + div1).double()
            v, div = _velocity_and_divergence(denoiser, x, float(times[f]))
            points[f, sl], log_p[f, sl], div_out[f, sl] = x.double().numpy(), lp.numpy(), div.double().numpy()
    return DensityPath(times=times, points=points, log_p=log_p, divergence=div_out)

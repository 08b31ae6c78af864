"""Samplers: integrate from noise (t = 1) to data (t = 0) with any Denoiser.

Each step goes from time t to an earlier time s on an arbitrary grid and uses only the
denoiser's (x0_hat, eps_hat), so every sampler runs with every objective (GUIDE §1):

  ddim   x_s = alpha_s x0 + sqrt(sigma_s² - c²) eps + c z,
         c = eta sigma_s sqrt(1 - (alpha_t sigma_s / (alpha_s sigma_t))²)
  ddpm   ddim with eta = 1: a draw from the exact posterior q(x_s | x_t, x0_hat) (ancestral)
  euler  probability-flow ODE dx/dt = alpha' x0 + sigma' eps, first order
  heun   the same ODE, second order (the last step to sigma = 0 is an Euler step, as in Karras et al.)
  sde    reverse SDE by Euler-Maruyama: dx = [v - ½ lam² g² score] dt + lam g dW,
         score = -eps/sigma, g² = 2 sigma sigma' - 2 (alpha'/alpha) sigma²; lam = `noise` (0 = the ODE)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .denoisers import Denoiser
from .errors import ExplorerError
from .runtime import cpu_settings

SAMPLERS = ("ddpm", "ddim", "euler", "heun", "sde")
SAMPLER_LABELS = {
    "ddpm": "DDPM (ancestral)",
    "ddim": "DDIM (η)",
    "euler": "Euler (ODE)",
    "heun": "Heun (ODE, 2nd order)",
    "sde": "SDE (Euler–Maruyama)",
}
MAX_STEPS = 1000
MAX_POINTS = 50_000
MAX_FRAME_VALUES = 20_000_000  # n * (steps + 1) kept in memory: 160 MB of float32 pairs


@dataclass
class SampleRun:
    """A sampling run. `points[k]` is the state at `times[k]`; index 0 is the start (noise),
    index -1 the generated samples. `denoised[k]` is the denoiser's x0_hat at `times[k]`
    (the last frame repeats the samples)."""

    points: np.ndarray  # (steps+1, n, 2) float32
    times: np.ndarray  # (steps+1,) float64, decreasing
    denoised: np.ndarray  # (steps+1, n, 2) float32
    sampler: str
    eta: float | None = None
    noise: float | None = None

    @property
    def samples(self) -> np.ndarray:
        return self.points[-1]


def is_stochastic(sampler: str, eta: float | None = None, noise: float | None = None) -> bool:
    """Whether two runs from the same start can differ (only these make 'paths not taken')."""
    if sampler == "ddpm":
        return True
    if sampler == "ddim":
        return (0.0 if eta is None else eta) > 0  # sample()'s default eta is 0
    if sampler == "sde":
        return (1.0 if noise is None else noise) > 0
    return False


def time_grid(steps: int, t_start: float = 1.0) -> np.ndarray:
    """`steps` equal intervals from t_start down to 0."""
    return np.linspace(t_start, 0.0, steps + 1)


def sample(
    model: Denoiser,
    n: int = 2000,
    sampler: str = "heun",
    steps: int = 50,
    seed: int = 0,
    eta: float | None = None,
    noise: float | None = None,
    x_init=None,
    t_start: float | None = None,
    times=None,
) -> SampleRun:
    """Run `sampler` for `steps` steps and keep every frame.

    `x_init` (m, 2) are start points at time `t_start` (default 1: pure noise, then n = m);
    starting at t_start < 1 needs `x_init`. `times` overrides the grid: any decreasing sequence
    ending at 0 (strided grids use the exact t -> s coefficients). `eta` is DDIM's noise (default
    0, deterministic); `noise` is the SDE's noise level lam (default 1).
    """
    if not isinstance(model, Denoiser):
        raise ExplorerError(f"model must be a trained model or an OracleDenoiser, got {type(model).__name__}")
    eta, noise = _check_knobs(sampler, eta, noise)
    grid = _grid(steps, t_start, times)
    gen = torch.Generator().manual_seed(_check_int("seed", seed, 0, 2**63 - 1))
    x = _start(x_init, n, grid[0], gen)
    _check_size(x.shape[0], len(grid))
    frames = np.empty((len(grid), x.shape[0], 2), np.float32)
    denoised = np.empty_like(frames)
    frames[0] = x.numpy()
    with torch.no_grad(), cpu_settings():
        for k in range(len(grid) - 1):
            x, x0 = _step(model, sampler, x, float(grid[k]), float(grid[k + 1]), eta, noise, gen)
            frames[k + 1] = x.numpy()
            denoised[k] = x0.numpy()
    denoised[-1] = frames[-1]
    return SampleRun(frames, grid, denoised, sampler, eta if sampler == "ddim" else None,
                     noise if sampler == "sde" else None)


def _step(model, sampler, x, t, s, eta, noise, gen):
    """One step from t to s < t. Returns the new state and the x0_hat used."""
    sch = model.schedule
    tt, ss = torch.tensor(t, dtype=x.dtype), torch.tensor(s, dtype=x.dtype)
    x0, eps = model.denoise(x, tt)
    a_t, s_t, a_s, s_s = sch.alpha(tt), sch.sigma(tt), sch.alpha(ss), sch.sigma(ss)
    if sampler in ("ddim", "ddpm"):
        ratio = (a_t * s_s) / (a_s * s_t).clamp_min(1e-12)
        c = eta * s_s * torch.sqrt((1 - ratio**2).clamp_min(0.0))
        x_new = a_s * x0 + torch.sqrt((s_s**2 - c**2).clamp_min(0.0)) * eps
        if eta > 0:
            x_new = x_new + c * torch.randn(x.shape, generator=gen, dtype=x.dtype)
        return x_new, x0
    h = s - t  # negative: we integrate backwards in time
    v = sch.d_alpha(tt) * x0 + sch.d_sigma(tt) * eps
    if sampler == "euler":
        return x + h * v, x0
    if sampler == "heun":
        x_e = x + h * v
        if float(s_s) <= 0.0:  # sigma_s = 0: the end point's eps is undefined; Euler's step is exact to 2nd order here
            return x_e, x0
        x0_e, eps_e = model.denoise(x_e, ss)
        v_e = sch.d_alpha(ss) * x0_e + sch.d_sigma(ss) * eps_e
        return x + h * 0.5 * (v + v_e), x0
    # sde: Euler-Maruyama. g² h is capped at sigma_t² (never inject or remove more than the noise
    # present): near alpha = 0 (t = 1 on cosine/rectified) g² diverges and plain EM would explode.
    f = sch.d_alpha(tt) / a_t.clamp_min(1e-4)
    g2 = (2 * s_t * sch.d_sigma(tt) - 2 * f * s_t**2).clamp_min(0.0)
    g2h = torch.minimum(g2 * (-h), s_t**2)
    x_new = x + h * v - 0.5 * noise**2 * g2h * eps / s_t.clamp_min(1e-4)
    if noise > 0:
        x_new = x_new + noise * torch.sqrt(g2h) * torch.randn(x.shape, generator=gen, dtype=x.dtype)
    return x_new, x0


def _check_knobs(sampler, eta, noise):
    if sampler not in SAMPLERS:
        raise ExplorerError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}")
    if eta is not None and sampler not in ("ddim", "ddpm"):
        raise ExplorerError(f"eta is DDIM's knob; sampler {sampler!r} does not use it (the SDE's knob is `noise`)")
    if noise is not None and sampler != "sde":
        raise ExplorerError(f"noise is the SDE sampler's knob; sampler {sampler!r} does not use it")
    if sampler == "ddpm":
        if eta not in (None, 1, 1.0):
            raise ExplorerError("ddpm is DDIM with eta = 1; use sampler 'ddim' for other values of eta")
        eta = 1.0
    eta = 0.0 if eta is None else _check_float("eta", eta, 0.0, 1.0)
    noise = 1.0 if noise is None else _check_float("noise", noise, 0.0, 2.0)
    return eta, noise


def _grid(steps, t_start, times) -> np.ndarray:
    if times is not None:
        grid = np.asarray(times, dtype=np.float64).ravel()
        if len(grid) < 2 or not np.all(np.isfinite(grid)) or np.any(np.diff(grid) >= 0):
            raise ExplorerError("times must be a strictly decreasing sequence of at least 2 finite values")
        if grid[0] > 1 or grid[-1] < 0:
            raise ExplorerError(f"times must lie in [0, 1], got {grid[0]:g} ... {grid[-1]:g}")
        if len(grid) - 1 > MAX_STEPS:
            raise ExplorerError(f"at most {MAX_STEPS} sampler steps, got {len(grid) - 1}")
        return grid
    steps = _check_int("steps", steps, 1, MAX_STEPS)
    t0 = 1.0 if t_start is None else _check_float("t_start", t_start, 0.0, 1.0)
    if t0 <= 0:
        raise ExplorerError("t_start must be above 0 (t = 0 is already data)")
    return time_grid(steps, t0)


def _start(x_init, n, t0, gen) -> torch.Tensor:
    if x_init is None:
        if t0 < 1.0:
            raise ExplorerError("starting at t_start < 1 needs x_init: the points at that time")
        n = _check_int("n", n, 1, MAX_POINTS)
        return torch.randn(n, 2, generator=gen)
    arr = np.asarray(x_init, dtype=np.float64)
    if arr.ndim == 1 and arr.shape == (2,):
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
        raise ExplorerError(f"x_init must have shape (n, 2), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ExplorerError("x_init contains NaN or inf")
    _check_int("n", len(arr), 1, MAX_POINTS)
    return torch.from_numpy(arr.astype(np.float32))


def _check_size(n, frames):
    if n * frames > MAX_FRAME_VALUES:
        raise ExplorerError(
            f"{n} points x {frames} frames is too much to keep in memory (limit {MAX_FRAME_VALUES:,} "
            "point-frames); use fewer points or steps"
        )


def _check_int(name, value, lo, hi) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ExplorerError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")
    return int(value)


def _check_float(name, value, lo, hi) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise ExplorerError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(value) or not lo <= value <= hi:
        raise ExplorerError(f"{name} must be between {lo:g} and {hi:g}, got {value:g}")
    return value


def trace(model: Denoiser, point, t: float, steps: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The probability-flow ODE trajectory (Heun) through `point` (2,) at time `t`: integrated up
    to the noise (t = 1) and down to the data (t = 0). Returns (path (K, 2), times (K,)) from t = 1
    to t = 0, so the path reads like a sampling run."""
    t = _check_float("t", t, 0.0, 1.0)
    steps = _check_int("steps", steps, 2, MAX_STEPS)
    x = _start(point, 1, 1.0, None)
    if x.shape[0] != 1:
        raise ExplorerError("trace takes one point (x, y)")
    t = min(max(t, 1e-3), 1.0 - 1e-3)  # sigma = 0 at t = 0 and alpha = 0 at t = 1 are singular for some pairs
    up = np.linspace(t, 1.0, max(2, round(steps * (1 - t))) + 1)
    down = np.linspace(t, 0.0, max(2, round(steps * t)) + 1)
    paths = []
    with torch.no_grad(), cpu_settings():
        for grid in (up, down):
            xs, cur = [x.numpy()[0]], x
            for k in range(len(grid) - 1):
                cur, _ = _step(model, "heun", cur, float(grid[k]), float(grid[k + 1]), 0.0, 0.0, None)
                xs.append(cur.numpy()[0])
            paths.append(np.array(xs, np.float32))
    path = np.concatenate([paths[0][::-1], paths[1][1:]])
    times = np.concatenate([up[::-1], down[1:]])
    return path, times

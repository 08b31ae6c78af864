"""Densities on a grid: the exact noised data, a fast KDE of samples, and the model's own log p(x).

* :func:`forward_marginal` -- p_t(x) = (1/N) sum_i N(x; alpha(t) x_i, sigma(t)² I), the exact density
  of the noised training set at time t (the contours to set beside the model's samples).
* :func:`sample_density` -- a histogram-plus-blur KDE of samples, cheap enough for every frame.
* :func:`log_density` / :func:`nll` -- the model's log-density by the probability-flow ODE and the
  instantaneous change of variables, d/dt log p_t(x(t)) = -div v(x(t), t).
* :func:`log_density_along` / :func:`divergence` -- log p carried along a path from the noise, and the
  divergence exact or by Hutchinson's estimator (defined in density_flow.py).

Grids are numpy: `xs`, `ys` are cell centres; a density is an array (len(ys), len(xs)), row = y,
column = x, as Bokeh's ``image`` and ``contour`` expect. Results are float64.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.metrics import _as_points
from explorer.core.schedules import Schedule, get_schedule

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

_CHUNK = 4096  # points per batch in log_density's ODE solve
# OpenBLAS runs a matrix product m x k x n on one thread when m k n <= 65536 * 4 (its default).
_BLAS_SINGLE_THREAD = 65536 * 4


def grid(bounds=(-4.0, 4.0, -4.0, 4.0), resolution: int = 96) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres (xs, ys) of a `resolution` x `resolution` grid over (xmin, xmax, ymin, ymax).

    Cell i on the x axis spans [xmin + i h, xmin + (i+1) h], h = (xmax - xmin)/resolution, and its
    centre is xmin + (i + 1/2) h; likewise for y.
    """
    try:
        xmin, xmax, ymin, ymax = (float(v) for v in bounds)
    except (TypeError, ValueError):
        raise ExplorerError(f"bounds must be four numbers (xmin, xmax, ymin, ymax); got {bounds!r}") from None
    if not (xmin < xmax and ymin < ymax) or not all(map(math.isfinite, (xmin, xmax, ymin, ymax))):
        raise ExplorerError(f"bounds must be finite with xmin < xmax and ymin < ymax; got {bounds!r}")
    if not isinstance(resolution, numbers.Integral) or resolution < 2:
        raise ExplorerError(f"resolution must be a whole number >= 2; got {resolution!r}")
    k = np.arange(int(resolution)) + 0.5
    return xmin + k * (xmax - xmin) / resolution, ymin + k * (ymax - ymin) / resolution


def _spacing(xs, ys) -> tuple[np.ndarray, np.ndarray, float, float]:
    """The grid's centres as float64 arrays and its cell sizes (dx, dy); checks it is uniform."""
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    for name, c in (("xs", xs), ("ys", ys)):
        if c.ndim != 1 or len(c) < 2 or not np.isfinite(c).all():
            raise ExplorerError(f"{name} must be a 1D array of at least 2 finite cell centres (see grid())")
        step = np.diff(c)
        if step.min() <= 0 or step.max() - step.min() > 1e-4 * step.mean():
            raise ExplorerError(f"{name} must be evenly spaced and increasing (see grid())")
    return xs, ys, float(xs[-1] - xs[0]) / (len(xs) - 1), float(ys[-1] - ys[0]) / (len(ys) - 1)


def _time(t, name: str = "t") -> float:
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise ExplorerError(f"{name} must be a number in [0, 1]; got {t!r}") from None
    if not 0.0 <= t <= 1.0:  # also rejects NaN
        raise ExplorerError(f"{name} must be in [0, 1] (0 = data, 1 = noise); got {t}")
    return t


def _gauss_table(u: np.ndarray, s: float) -> np.ndarray:
    """exp(-u²/2s²), floored at e^-300 (~1e-130) so that no product of two entries underflows:
    subnormal arithmetic is many times slower, and such terms are far below anything drawn."""
    z = u / s
    z *= z
    z *= -0.5
    np.maximum(z, -300.0, out=z)
    return np.exp(z, out=z)


def forward_marginal(
    points, t, schedule: str | Schedule, xs, ys, min_sigma: float | None = None
) -> np.ndarray:
    r"""The exact density of the noised data at time t on the grid, shape (len(ys), len(xs)).

        p_t(x) = (1/N) sum_i N(x; alpha(t) x_i, s² I),   s = max(sigma(t), min_sigma).

    Each isotropic Gaussian factorises, N(x; m, s² I) = g(x - m_x) g(y - m_y) with
    g(u) = exp(-u²/2s²)/sqrt(2 pi s²), so the grid is a matrix product of two small tables:
    p[j, k] = (1/N) sum_i Gy[i, j] Gx[i, k], computed in blocks of points.

    Near t = 0 sigma -> 0 and p_t becomes a sum of spikes narrower than a grid cell, which the
    cell centres sample erratically (they miss the spikes or hit them, and the grid no longer sums
    to 1). So sigma is clamped from below at `min_sigma`, by default one grid cell, max(dx, dy):
    at and above it the result is the exact p_t (the grid sum times cell area is 1 to ~1e-8 for
    points well inside); below it, it shows the data blurred by one cell, the finest detail the
    grid can show. At t = 0 that is a Gaussian KDE of the data with a one-cell bandwidth.
    Pass min_sigma=0 for the unclamped density; then t = 0 (sigma = 0) raises ExplorerError.
    """
    x = _as_points(points)
    t = _time(t)
    sched = get_schedule(schedule)
    xs, ys, dx, dy = _spacing(xs, ys)
    tt = torch.tensor(t, dtype=torch.float64)
    a, s = float(sched.alpha(tt)), float(sched.sigma(tt))
    floor = max(dx, dy) if min_sigma is None else float(min_sigma)
    s = max(s, floor)
    if not s > 0:
        raise ExplorerError(
            f"at t = {t} the noise level sigma is 0, so p_t is a sum of spikes with no density: "
            "use t > 0 or a positive min_sigma"
        )
    m = a * x  # (N, 2) component means
    # Small blocks: each product stays under OpenBLAS's size for going multi-threaded. On a busy
    # 2-core machine the threaded product took 40-90 ms per 2000-point frame instead of ~1 ms.
    block = max(1, _BLAS_SINGLE_THREAD // (len(xs) * len(ys)))
    out = np.zeros((len(ys), len(xs)))
    for i in range(0, len(m), _CHUNK):
        gx = _gauss_table(xs[None, :] - m[i : i + _CHUNK, 0:1], s)  # (B, nx)
        gy_t = _gauss_table(ys[:, None] - m[i : i + _CHUNK, 1], s)  # (ny, B)
        for j in range(0, gx.shape[0], block):
            out += gy_t[:, j : j + block] @ gx[j : j + block]
    return out / (len(m) * 2.0 * math.pi * s * s)


def sample_density(samples, xs, ys, bandwidth: float | None = None) -> np.ndarray:
    r"""A fast Gaussian KDE of `samples` on the grid, shape (len(ys), len(xs)), integrating to 1.

    Bin the samples into the grid's cells (samples outside the grid are dropped), blur the counts
    with a Gaussian of standard deviation `bandwidth` (data units, converted to cells per axis;
    zero padding beyond the edge) and normalise so that sum(p) dx dy = 1 over the grid. Binning
    adds a little smoothing of its own (a cell's uniform spread, std h/sqrt(12)).

    Default bandwidth: Scott's rule in 2D, n^(-1/6) times the mean of the two coordinates' standard
    deviations (all n samples). It is never below one cell, so a single sample is a smooth blob.
    No samples, or none on the grid: an array of zeros. ~0.3 ms for 2000 samples on 96 x 96.
    """
    xs, ys, dx, dy = _spacing(xs, ys)
    pts = _as_points(samples, min_points=0)
    out_shape = (len(ys), len(xs))
    if len(pts) == 0:
        return np.zeros(out_shape)
    if bandwidth is None:
        bandwidth = len(pts) ** (-1.0 / 6.0) * float(pts.std(axis=0).mean())
    elif not (isinstance(bandwidth, (int, float, np.number)) and bandwidth >= 0):  # also rejects NaN
        raise ExplorerError(f"bandwidth must be a number >= 0 (data units) or None; got {bandwidth!r}")
    # Cell index of each sample; a direct bincount is ~5x faster than np.histogram2d here.
    ix = np.floor((pts[:, 0] - (xs[0] - dx / 2)) / dx).astype(np.int64)
    iy = np.floor((pts[:, 1] - (ys[0] - dy / 2)) / dy).astype(np.int64)
    keep = (ix >= 0) & (ix < len(xs)) & (iy >= 0) & (iy < len(ys))
    if not keep.any():
        return np.zeros(out_shape)
    counts = np.bincount(iy[keep] * len(xs) + ix[keep], minlength=out_shape[0] * out_shape[1])
    counts = counts.reshape(out_shape).astype(np.float64)
    blur = (max(bandwidth / dy, 1.0), max(bandwidth / dx, 1.0))  # (rows = y, columns = x), in cells
    from scipy.ndimage import gaussian_filter  # here, not at start-up: ~0.25 s the first page does without

    dens = gaussian_filter(counts, sigma=blur, mode="constant")
    return dens / (dens.sum() * dx * dy)


def _working_dtype(denoiser) -> torch.dtype:
    """float64 unless the denoiser holds a torch module (a trained network), then its dtype."""
    for obj in (denoiser, *getattr(denoiser, "__dict__", {}).values()):
        if isinstance(obj, torch.nn.Module):
            for p in obj.parameters():
                return p.dtype
    return torch.float64


def _velocity_and_divergence(denoiser, x: torch.Tensor, t: float) -> tuple[torch.Tensor, torch.Tensor]:
    """v(x, t) and its exact divergence d v_x/dx + d v_y/dy, one autograd pass per coordinate.

    Each point's velocity depends only on that point, so the gradient of sum_n v_i(x_n) with respect
    to x_n is d v_i / dx at x_n, whose i-th entry is the Jacobian's diagonal term. The graph is
    dropped before returning.
    """
    with torch.enable_grad():
        xg = x.detach().requires_grad_(True)
        v = denoiser.velocity(xg, t)
        div = torch.zeros(len(x), dtype=x.dtype)
        for i in range(2):
            (g,) = torch.autograd.grad(v[:, i].sum(), xg, retain_graph=(i == 0))
            div = div + g[:, i].to(x.dtype)
    return v.detach().to(x.dtype), div.detach()


def log_density(denoiser, points, steps: int = 64, t_min: float = 1e-3) -> np.ndarray:
    r"""The model's log-density log p(x) at t = t_min for each point, shape (n,), in nats.

    The probability-flow ODE dx/dt = v(x, t) carries p_t to p_s, and along a trajectory
    d/dt log p_t(x(t)) = -div v(x(t), t) (instantaneous change of variables). Integrating
    from x(t_min) = x up to t = 1:

        log p_tmin(x) = log p_1(x(1)) + int_{t_min}^1 div v(x(t), t) dt.

    The divergence is exact (two autograd passes in 2D, no Hutchinson estimator). State and
    integral are advanced together with Heun's method (2nd order) on `steps` uniform steps.
    The prior p_1 is taken as N(0, sigma(1)² I): exact when alpha(1) = 0 (rectified, cosine).
    For 'linear' alpha(1) = 0.0066, so the true p_1 = N(0.0066 mu, sigma(1)² I + 0.0066² Sigma)
    (mu, Sigma of the data); the error is about 0.0066 |x(1) . mu| nats, ~0.01 for data of
    scale 1. At t_min the density is that of the slightly noised data alpha x0 + sigma eps (for
    the default 1e-3 on 'rectified', sigma = 0.001), which keeps it finite for data on curves.

    Works in float64 unless the denoiser holds a torch network (then in the network's dtype);
    points in blocks of 4096. A 96 x 96 grid with the exact Gaussian denoiser takes ~0.25 s with
    one torch thread (and ~2 s with two on a busy 2-core machine: the batches are too small to share).
    Each point's velocity must depend on that point only (true of any per-point network).
    """
    if not isinstance(steps, numbers.Integral) or steps < 1:
        raise ExplorerError(f"steps must be a whole number >= 1; got {steps!r}")
    t_min = _time(t_min, "t_min")
    if not 0.0 < t_min < 1.0:
        raise ExplorerError(f"t_min must be strictly between 0 and 1 (e.g. 1e-3); got {t_min}")
    pts = _as_points(points)
    dtype = _working_dtype(denoiser)
    sched = denoiser.schedule
    s1 = float(sched.sigma(torch.tensor(1.0, dtype=torch.float64)))
    times = np.linspace(t_min, 1.0, int(steps) + 1)
    out = np.empty(len(pts))
    with torch.no_grad():
        for start in range(0, len(pts), _CHUNK):
            x = torch.as_tensor(pts[start : start + _CHUNK], dtype=dtype)
            integral = torch.zeros(len(x), dtype=torch.float64)
            v, div = _velocity_and_divergence(denoiser, x, float(times[0]))
            for t0, t1 in zip(times[:-1], times[1:], strict=True):
                h = float(t1 - t0)
                v1, div1 = _velocity_and_divergence(denoiser, x + h * v, float(t1))
                x = x + 0.5 * h * (v + v1)
                integral += 0.5 * h * (div + div1).to(torch.float64)
                if t1 < 1.0:  # the next step starts at the corrected point, not the predicted one
                    v, div = _velocity_and_divergence(denoiser, x, float(t1))
            x1 = x.to(torch.float64)
            log_prior = -0.5 * (x1**2).sum(1) / s1**2 - math.log(2 * math.pi * s1**2)
            out[start : start + _CHUNK] = (log_prior + integral).numpy()
    return out


def nll(denoiser, points, **kw) -> float:
    """The mean negative log-likelihood -mean log p(x) of the points under the model, nats per point.

    Keywords go to :func:`log_density`. For data N(mu, Sigma) its floor is the entropy
    1/2 log det(2 pi e Sigma).
    """
    return float(-log_density(denoiser, points, **kw).mean())


def __getattr__(name):
    # How density flows along a path lives in density_flow.py, which imports this module; re-exported lazily,
    # so `dx.density.divergence` and `from explorer.core.density import log_density_along` work without a cycle.
    if name in ("divergence", "log_density_along", "DensityPath"):
        from explorer.core import density_flow

        return getattr(density_flow, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

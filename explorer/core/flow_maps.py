"""Exact flow maps, to score a trained one against (docs/flow_maps.md#references).

A flow map X(x, t -> r) moves a point from time t to r <= t along the probability-flow ODE (t = 1 noise, t = 0 data).

* :class:`GaussianFlowMap`: data N(mu, Sigma) on the rectified path, where the map is affine in closed form,
      X(x, t -> r) = (1 - r) mu + C_r^(1/2) C_t^(-1/2) (x - (1 - t) mu),   C_t = (1 - t)² Sigma + t² I,
  a Denoiser (the exact Gaussian denoiser) that also jumps, so the jump sampler and every other sampler run on it.
* :func:`ode_map`: the map of any Denoiser (the exact denoiser of a point set, a trained model), its ODE integrated
  finely with Heun.
* :func:`map_error`: a trained flow map's jump against a reference map, point by point.
"""
from __future__ import annotations

import numpy as np

from explorer.core.checks import check_float, check_int
from explorer.core.denoisers import Denoiser, GaussianDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

# Heun steps per unit time for ode_map: 1000 for an exact denoiser (float64: 2e-6 from the Gaussian map, 1e-5 at 400,
# tests/core/test_flow_maps.py), 200 for a network (float32, and its own error is far larger than the solver's).
ODE_STEPS, NET_ODE_STEPS = 1000, 200


class GaussianFlowMap(GaussianDenoiser):
    """The exact flow map of Gaussian data N(mean, cov) on the rectified path; its own sampler is "jump"."""

    flow_map = True
    default_sampler = "jump"

    def __init__(self, mean, cov):
        super().__init__(mean, cov, "rectified")
        evals, self._vecs = torch.linalg.eigh(self.cov)  # C_t shares Sigma's eigenvectors for every t
        if bool((evals < -1e-12).any()):
            raise ExplorerError("cov must be a symmetric positive semi-definite 2x2 matrix")
        self._evals = evals.clamp_min(0.0)

    def _scale(self, t: torch.Tensor) -> torch.Tensor:
        """sqrt of C_t's eigenvalues, (m, 2) for (m, 1) times."""
        return torch.sqrt((1 - t) ** 2 * self._evals + t**2)

    def map(self, x, t, r) -> torch.Tensor:
        """X(x, t -> r) for (n, 2) points x at time t (float64 inside, x's dtype out)."""
        xd = torch.as_tensor(x).to(torch.float64)
        t = torch.as_tensor(t, dtype=torch.float64).reshape(-1, 1)
        r = torch.as_tensor(r, dtype=torch.float64).reshape(-1, 1)
        if bool((t <= 0).any()) or bool((r > t).any()) or bool((r < 0).any()):
            raise ExplorerError("the map goes from a time t in (0, 1] down to r in [0, t]")
        ratio = self._scale(r) / self._scale(t)  # (m, 2): the eigenvalues of C_r^(1/2) C_t^(-1/2)
        centred = (xd - (1 - t) * self.mean) @ self._vecs  # in Sigma's eigenbasis
        out = (1 - r) * self.mean + (ratio * centred) @ self._vecs.T
        return out.to(torch.as_tensor(x).dtype)

    def jump(self, x, t, r, gen=None) -> tuple[torch.Tensor, torch.Tensor]:
        """(X(x, t -> r), X(x, t -> 0)), as a trained flow map's `jump` returns them."""
        return self.map(x, t, r), self.map(x, t, torch.zeros(()))


def ode_map(denoiser: Denoiser, x, t: float = 1.0, r: float = 0.0, steps: int | None = None) -> np.ndarray:
    """X(x, t -> r) of any Denoiser: its probability-flow ODE integrated with Heun from t down to r, `steps` steps
    (default ODE_STEPS per unit time for an exact denoiser, in float64; NET_ODE_STEPS for a network, in float32).
    Returns the (n, 2) end points as float64."""
    from explorer.core.samplers import sample

    if not isinstance(denoiser, Denoiser):
        raise ExplorerError(f"ode_map needs a Denoiser (a trained model, an exact denoiser), got "
                            f"{type(denoiser).__name__}")
    t, r = check_float("t", t, 0.0, 1.0), check_float("r", r, 0.0, 1.0)
    if not r < t:
        raise ExplorerError(f"the map goes from t down to r < t, got t = {t:g}, r = {r:g}")
    network = getattr(denoiser, "net", None) is not None
    per_unit = NET_ODE_STEPS if network else ODE_STEPS
    steps = max(50, round(per_unit * (t - r))) if steps is None else check_int("steps", steps, 1, 1000)
    pts = np.asarray(x, np.float64).reshape(-1, 2)
    # Steps shrink quadratically towards r: the field is steepest near the data, and Heun's last step to sigma = 0
    # is an Euler step (core/solvers.py), whose error is the square of that step.
    grid = r + (t - r) * (1 - np.linspace(0.0, 1.0, steps + 1)) ** 2
    if network:  # a network computes in float32: the frames' own precision
        return sample(denoiser, x_init=pts, sampler="heun", times=grid).samples.astype(np.float64)
    from explorer.core.solvers import SAMPLERS, StepContext

    cur = torch.from_numpy(pts)
    ctx = StepContext(denoiser, {}, None)
    with torch.no_grad():
        for k in range(steps):
            cur, _ = SAMPLERS["heun"].step(ctx, cur, *(torch.tensor(v, dtype=torch.float64) for v in grid[k: k + 2]))
    return cur.numpy()


def map_error(model, reference, x=None, t: float = 1.0, r: float = 0.0, n: int = 1000, seed: int = 0) -> np.ndarray:
    """|X_model(x, t -> r) - X_reference(x, t -> r)| for each point: a trained flow map's one jump against the
    reference's map (the closed form of a GaussianFlowMap, else `reference`'s ODE integrated by :func:`ode_map`).
    `x` (m, 2) are points at time t; by default `n` draws of N(0, I) at t = 1 (from `seed`). Returns (m,) float64."""
    if not getattr(model, "flow_map", False):
        raise ExplorerError(f"map_error scores a flow map's jump; {type(model).__name__} has none (train one with "
                            "objective 'meanflow', 'shortcut' or 'consistency', or dx.distil)")
    if not isinstance(reference, Denoiser):
        raise ExplorerError(f"the reference must be a Denoiser (a trained model, an exact denoiser), got "
                            f"{type(reference).__name__}")
    t, r = check_float("t", t, 0.0, 1.0), check_float("r", r, 0.0, 1.0)
    if x is None:
        if t < 1:
            raise ExplorerError("starting at t < 1 needs x: the points at that time")
        gen = torch.Generator().manual_seed(check_int("seed", seed, 0, 2**63 - 1))
        x = torch.randn(check_int("n", n, 1, 50_000), 2, generator=gen, dtype=torch.float64).numpy()
    pts = np.asarray(x, np.float64).reshape(-1, 2)
    if not np.all(np.isfinite(pts)):
        raise ExplorerError("x contains NaN or inf")
    with torch.no_grad():
        jumped, _ = model.jump(torch.from_numpy(pts).float(), t, r)
        if isinstance(reference, GaussianFlowMap):
            exact = reference.map(torch.from_numpy(pts), t, r).numpy()
        else:
            exact = ode_map(reference, pts, t, r)
    return np.linalg.norm(jumped.double().numpy() - exact, axis=1)


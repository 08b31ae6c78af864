"""Denoisers: anything that maps (x_t, t) to (x0_hat, eps_hat) on a schedule.

A trained network (:class:`explorer.training.model.DiffusionModel`) is one; so are the two exact ones here,
which the samplers, the density code and the tests use interchangeably:

* :class:`GaussianDenoiser`: data N(mu, Sigma), E[x0 | x_t] = mu + a Sigma (a² Sigma + s² I)^-1 (x_t - a mu).
* :class:`OracleDenoiser`: the empirical point set {x_i}, E[x0 | x_t] = sum_i w_i x_i with
  w = softmax(-|x_t - a x_i|² / 2 s²). Sampling with it reproduces the training points (memorisation).
"""
from __future__ import annotations

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.schedules import Schedule, get_schedule

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

_SIGMA_FLOOR = 1e-6


class Denoiser:
    """Interface: `schedule` and `denoise(x, t) -> (x0_hat, eps_hat)`.

    `x` is a float tensor (n, 2); `t` a float or a tensor broadcastable to (n, 1).
    """

    schedule: Schedule
    classes: int = 0  # > 0: `denoise` also takes `label`, a class (or one per row) to condition on
    # A flow map (docs/flow_maps.md) also has `jump(x, t, r, gen) -> (X(x, t -> r), X(x, t -> 0))`.
    flow_map: bool = False
    default_sampler: str = "heun"  # what `sample` uses when no sampler is named

    def denoise(self, x: torch.Tensor, t, label=None) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def velocity(self, x: torch.Tensor, t) -> torch.Tensor:
        """The probability-flow ODE drift dx/dt = alpha'(t) x0_hat + sigma'(t) eps_hat."""
        t = torch.as_tensor(t, dtype=x.dtype)
        x0, eps = self.denoise(x, t)
        return self.schedule.d_alpha(t) * x0 + self.schedule.d_sigma(t) * eps


def _as_t(t, x: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=x.dtype)
    return t.reshape(-1, 1) if t.ndim >= 1 else t


class GaussianDenoiser(Denoiser):
    """The exact denoiser for Gaussian data N(mean, cov) (2D)."""

    def __init__(self, mean, cov, schedule: str | Schedule = "rectified"):
        self.schedule = get_schedule(schedule)
        self.mean = torch.as_tensor(np.asarray(mean, dtype=np.float64))
        self.cov = torch.as_tensor(np.asarray(cov, dtype=np.float64))

    def denoise(self, x, t, label=None):
        if label is not None:
            raise ExplorerError("the Gaussian denoiser has no classes: leave label out")
        t = _as_t(t, x).to(torch.float64)
        xd = x.to(torch.float64)
        a = self.schedule.alpha(t).reshape(-1, 1, 1)
        s = self.schedule.sigma(t).reshape(-1, 1, 1)
        A = a**2 * self.cov + s**2 * torch.eye(2, dtype=torch.float64)  # (m, 2, 2), m = 1 or n
        A_inv = torch.linalg.inv(A)  # 2x2, well conditioned while sigma > 0 or Sigma > 0
        r = (xd - a[:, :, 0] * self.mean).unsqueeze(-1)  # x_t - a mu, as (n, 2, 1)
        sol = (A_inv @ r).squeeze(-1)  # A^-1 (x_t - a mu)
        x0 = self.mean + a[:, :, 0] * (sol @ self.cov.T)
        eps = s[:, :, 0] * sol  # E[eps | x_t] = s A^-1 (x_t - a mu): no division by s
        return x0.to(x.dtype), eps.to(x.dtype)


class OracleDenoiser(Denoiser):
    """The exact optimal denoiser of an empirical point set: it memorises the training points."""

    def __init__(self, points, schedule: str | Schedule = "rectified", chunk: int = 4096, labels=None):
        from explorer.data.datasets import validate
        from explorer.data.labels import check_labels

        self.schedule = get_schedule(schedule)
        self.points = torch.as_tensor(validate(points), dtype=torch.float32)
        self._p64 = self.points.double()
        self._p_sq = (self._p64**2).sum(1)  # |p|² per training point
        self.chunk = chunk
        # With labels, `label=k` is the exact denoiser of class k's points alone (the exact conditional).
        self.labels = None if labels is None else torch.from_numpy(check_labels(labels, len(self.points)))
        self.classes = 0 if self.labels is None else int(self.labels.max()) + 1

    def denoise(self, x, t, label=None):
        t = _as_t(t, x)
        lab = self._rows(label, len(x))
        per_row_t = t.ndim == 2 and t.shape[0] > 1  # one time per point: chunk x and t together
        parts = [self._x0(x[i: i + self.chunk], t[i: i + self.chunk] if per_row_t else t,
                          None if lab is None else lab[i: i + self.chunk]) for i in range(0, len(x), self.chunk)]
        x0 = torch.cat(parts) if parts else x.clone()
        a, s = self.schedule.alpha(t), self.schedule.sigma(t)
        eps = (x - a * x0) / s.clamp_min(_SIGMA_FLOOR)
        return x0, eps

    def _rows(self, label, n: int):
        if label is None:
            return None
        if self.labels is None:
            raise ExplorerError("this exact denoiser has no labels: give OracleDenoiser(points, schedule, labels=)")
        lab = torch.as_tensor(np.asarray(label), dtype=torch.long).reshape(-1)
        if lab.numel() not in (1, n) or bool(((lab < 0) | (lab >= self.classes)).any()):
            raise ExplorerError(f"label must be a class from 0 to {self.classes - 1} (or one per row), got {label!r}")
        return lab.expand(n)

    def posterior(self, x, t) -> np.ndarray:
        """Who the denoiser listens to: the weights w_i(x, t) = softmax_i(-|x - alpha p_i|² / 2 sigma²) of the
        training points p_i in x̂0 = sum_i w_i p_i, as a float64 array (n, N) whose rows sum to 1.

        `x` is (n, 2) points (numpy or torch); `t` one time in [0, 1] or one per row. The softmax is
        log-sum-exp stable (float64 logits), in blocks of `chunk` rows like :meth:`denoise`. As t -> 0 a row
        concentrates on the nearest point; at t = 1 (alpha = 0 on 'rectified') every point weighs 1/N.
        """
        pts, tt = self._points_and_times(x, t)
        per_row = tt.ndim == 2
        out = [torch.softmax(self._logits(pts[i: i + self.chunk], tt[i: i + self.chunk] if per_row else tt), 1)
               for i in range(0, len(pts), self.chunk)]
        return torch.cat(out).numpy()

    def conditional_velocities(self, x, t) -> np.ndarray:
        """The per-point conditional velocities u_i(x, t), float64 (n, N, 2): the velocity of the path from
        training point p_i that passes through x at t. Their posterior-weighted mean sum_i w_i u_i is the
        marginal velocity, this denoiser's :meth:`velocity` (conditional flow matching's "which pairs pass
        near here").

        With eps_i = (x - alpha p_i) / sigma, the noise that pairs with p_i at x, u_i = alpha' p_i + sigma' eps_i;
        on 'rectified' (alpha = 1 - t, sigma = t) that is (x - p_i) / t. `x` and `t` as in :meth:`posterior`;
        t must be above 0 (sigma = 0 there). Memory is n * N * 16 bytes: ask for a few rows at a time.
        """
        pts, tt = self._points_and_times(x, t)
        if bool((tt <= 0).any()):
            raise ExplorerError(f"t must be above 0 for the conditional velocities (sigma(0) = 0); got {t!r}")
        tt = tt.reshape(-1, 1, 1)  # (1 or n, 1, 1) against (n, N, 2)
        sch = self.schedule
        a, s, da, ds = sch.alpha(tt), sch.sigma(tt).clamp_min(_SIGMA_FLOOR), sch.d_alpha(tt), sch.d_sigma(tt)
        eps = (pts[:, None, :] - a * self._p64[None]) / s
        return (da * self._p64[None] + ds * eps).numpy()

    def _points_and_times(self, x, t) -> tuple[torch.Tensor, torch.Tensor]:
        """x as float64 (n, 2) and t as a float64 scalar or (n, 1) column, checked (one time, or one per row)."""
        from explorer.core.metrics import _as_points

        pts = torch.from_numpy(_as_points(x))
        tt = np.asarray(t.detach().cpu() if hasattr(t, "detach") else t, dtype=np.float64).reshape(-1)
        if tt.size not in (1, len(pts)) or not (np.isfinite(tt).all() and (tt >= 0).all() and (tt <= 1).all()):
            raise ExplorerError(f"t must be one time in [0, 1] (0 = data, 1 = noise), or one per row of x "
                                f"({len(pts)}); got {t!r}")
        return pts, torch.from_numpy(tt.reshape(-1, 1) if tt.size > 1 else tt.reshape(()))

    def _logits(self, x, t, lab=None):
        a = self.schedule.alpha(t).reshape(-1, 1).double()  # (1 or m, 1)
        s = self.schedule.sigma(t).reshape(-1, 1).double().clamp_min(_SIGMA_FLOOR)
        # -|x - a p|² / 2s² = (a x.p - a²|p|²/2) / s² - |x|²/2s², and the last term is the same for
        # every p, so it cancels in the softmax: one matmul instead of an (m, N, 2) difference tensor.
        # float64: at small sigma the logits reach ~1e6 and need the digits.
        logits = (a * (x.double() @ self._p64.T) - 0.5 * a**2 * self._p_sq) / s**2
        if lab is not None:  # only the asked-for class's points count
            logits = logits.masked_fill(self.labels[None, :] != lab[:, None], -torch.inf)
        return logits

    def _x0(self, x, t, lab=None):
        w = torch.softmax(self._logits(x, t, lab), dim=1)
        return (w @ self._p64).to(x.dtype)

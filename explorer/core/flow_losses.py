"""The losses of the flow-map objectives (docs/flow_maps.md), on the rectified path x_t = (1 - t) x0 + t eps.

A flow map moves a point from time t to r <= t along the probability-flow ODE. It is written with the average
velocity u over [r, t]: X(x, t -> r) = x - (t - r) u(x, r, t), and u(x, t, t) = v(x, t), the ODE's velocity.
Each loss takes the network as a function `u(x, r, t)` and one FlowBatch, and returns a scalar to minimise:

  meanflow     (Geng et al. 2025) u = v - (t - r) du/dt along the path at fixed r: regress u(x_t, r, t) on
               sg[v - (t - r)(du/dx v + du/dt)], the derivative from one Jacobian-vector product (torch.func.jvp)
               with tangents (v, 0, 1) on (x, r, t); a share of the batch has r = t (plain flow matching).
  shortcut     (Frans et al. 2024) flow matching at r = t, and self-consistency: one jump of size 2d equals two
               of size d, u(x_t, t - 2d, t) = sg ½[u(x_t, t - d, t) + u(x', t - 2d, t - d)],
               x' = x_t - d u(x_t, t - d, t).
  consistency  (Song et al. 2023; Geng et al. 2024) the map to r = 0 only, f(x, t) = x - t u(x, 0, t), so f(x, 0) = x
               is built in: f(x_t, t) matches sg f(x_s, s) at s = t - Delta on the same (x0, eps), Delta shrinking from
               t (then the loss is x0-regression) towards 0 during training.

`v` is the conditional velocity eps - x0, or, when distilling a trained model (FlowBatch.velocity), the teacher's
own v(x_t, t): a deterministic target whose exact reference is the teacher's ODE map.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from explorer.core.lazy_import import lazy_module

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

T_MIN = 1e-3  # as in training: keep t off 0, where sigma = 0
# The MeanFlow recipe measured at this scale (docs/flow_maps.md#recipe). Half of each batch has r = t (plain flow
# matching, which anchors u(x, t, t) = v); the rest has t ~ U(0, 1) and r = t U' ("uniform": every jump length
# t - r as likely; "sorted", r and t the sorted pair of two uniforms, gave fewer long jumps and worse two-jump runs).
DIAGONAL_SHARE = 0.5
PAIRS = "uniform"
# How the derivative along the path is taken: "difference" (central, step DIFFERENCE_STEP; two plain forward
# passes without a graph) measured as good as "jvp" (exact, torch.func.jvp) at less than half its cost per step.
DERIVATIVE = "difference"
DIFFERENCE_STEP = 1e-3
# MeanFlow's adaptive weight 1 / (loss + c)^p: the paper's p = 1 made one jump 2-5x worse here and p = 0.5 diverged
# on a held-out shape, so the loss is plain (p = 0).
ADAPTIVE_POWER, ADAPTIVE_C = 0.0, 1e-3
# Shortcut: share of the batch spent on self-consistency, and the jump sizes 2d = 1, 1/2, ..., 1/128.
SHORTCUT_SHARE = 0.25
SHORTCUT_LEVELS = 8
# Consistency: Delta = t * q, q from 1 (the map's x0-regression) down to Q_END over training, geometrically.
Q_END = 1 / 64

UFn = Callable[["torch.Tensor", "torch.Tensor", "torch.Tensor"], "torch.Tensor"]
VFn = Callable[["torch.Tensor", "torch.Tensor"], "torch.Tensor"]


@dataclass
class FlowBatch:
    """One training batch: data x0 and noise eps (b, 2), the run's generator, how far training has got (0 to 1),
    and the teacher's velocity when distilling (None: the conditional velocity eps - x0)."""

    x0: torch.Tensor
    eps: torch.Tensor
    gen: torch.Generator
    progress: float = 0.0
    velocity: VFn | None = None

    def __len__(self) -> int:
        return self.x0.shape[0]

    def at(self, t: torch.Tensor, rows=slice(None)) -> torch.Tensor:
        return (1 - t) * self.x0[rows] + t * self.eps[rows]

    def v(self, x_t: torch.Tensor, t: torch.Tensor, rows=slice(None)) -> torch.Tensor:
        if self.velocity is None:
            return self.eps[rows] - self.x0[rows]
        with torch.no_grad():
            return self.velocity(x_t, t)

    def uniform(self, n: int, lo=0.0, hi=1.0) -> torch.Tensor:
        return lo + (hi - lo) * torch.rand(n, 1, generator=self.gen, dtype=self.x0.dtype)


def path_derivative(u: UFn, x_t, r, t, v, how: str | None = None) -> torch.Tensor:
    """du/dt = du/dx v + du/dt, the derivative of u(x_t, r, t) along the ODE at fixed r, without a graph (the
    MeanFlow target is under stop-gradient). `how` (default DERIVATIVE): "jvp", one forward-mode pass of
    torch.func.jvp with tangents (v, 0, 1); or "difference", (u(x + h v, r, t + h) - u(x - h v, r, t - h)) / 2h."""
    how = DERIVATIVE if how is None else how
    with torch.no_grad():
        if how == "jvp":
            return torch.func.jvp(u, (x_t, r, t), (v, torch.zeros_like(r), torch.ones_like(t)))[1]
        h = DIFFERENCE_STEP
        return (u(x_t + h * v, r, t + h) - u(x_t - h * v, r, t - h)) / (2 * h)


def meanflow_target(u: UFn, x_t, r, t, v, how: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(u(x_t, r, t) with its graph, the MeanFlow target v - (t - r) du/dt without one)."""
    return u(x_t, r, t), v - (t - r) * path_derivative(u, x_t, r, t, v, how)


def meanflow_loss(u: UFn, batch: FlowBatch) -> torch.Tensor:
    n = len(batch)
    k = int(round(n * DIAGONAL_SHARE))  # rows 0..k-1: r = t (the target is v itself); the rest: r < t
    if PAIRS == "sorted":
        a, b = batch.uniform(n, T_MIN, 1.0), batch.uniform(n)
        t, r = torch.maximum(a, b), torch.minimum(a, b)  # (r, t): a uniform pair with r <= t
    else:  # "uniform": t uniform, r uniform in [0, t]
        t = batch.uniform(n, T_MIN, 1.0)
        r = t * batch.uniform(n)
    r = torch.cat([t[:k], r[k:]])
    x_t = batch.at(t)
    v = batch.v(x_t, t)
    target = torch.cat([v[:k], v[k:] - (t[k:] - r[k:]) * path_derivative(u, x_t[k:], r[k:], t[k:], v[k:])])
    per_row = ((u(x_t, r, t) - target) ** 2).sum(1)
    weight = 1.0 / (per_row.detach() + ADAPTIVE_C) ** ADAPTIVE_POWER if ADAPTIVE_POWER else 1.0
    return (weight * per_row).mean()


def shortcut_loss(u: UFn, batch: FlowBatch) -> torch.Tensor:
    n = len(batch)
    k = n - int(round(n * SHORTCUT_SHARE))  # rows 0..k-1: flow matching; the rest: self-consistency
    t_fm = batch.uniform(k, T_MIN, 1.0)
    x_fm = batch.at(t_fm, slice(0, k))
    fm = u(x_fm, t_fm, t_fm) - batch.v(x_fm, t_fm, slice(0, k))
    m = n - k
    level = torch.randint(0, SHORTCUT_LEVELS, (m, 1), generator=batch.gen)
    jump = 2.0 ** (-level.to(batch.x0.dtype))  # 2d in {1, 1/2, ..., 1/128}
    t = jump + (1 - jump) * batch.uniform(m)
    d = jump / 2
    x_t = batch.at(t, slice(k, n))
    with torch.no_grad():  # the target: two jumps of size d, under stop-gradient
        u1 = u(x_t, t - d, t)
        u2 = u(x_t - d * u1, t - jump, t - d)
        target = 0.5 * (u1 + u2)
    sc = u(x_t, t - jump, t) - target
    return torch.cat([(fm**2).sum(1), (sc**2).sum(1)]).mean()


def consistency_delta(progress: float) -> float:
    """Delta / t at this point of training: 1 at the start, Q_END at the end, geometrically in between."""
    return Q_END ** min(max(progress, 0.0), 1.0)


def consistency_loss(u: UFn, batch: FlowBatch) -> torch.Tensor:
    n = len(batch)
    t = batch.uniform(n, T_MIN, 1.0)
    delta = t * consistency_delta(batch.progress)
    s = t - delta
    x_t = batch.at(t)
    if batch.velocity is None:  # consistency training: the same (x0, eps) at the earlier time
        x_s = batch.at(s)
    else:  # distillation: one Heun step of the teacher's ODE from x_t
        v_t = batch.v(x_t, t)
        x_e = x_t - delta * v_t
        x_s = x_t - delta * 0.5 * (v_t + batch.v(x_e, s))
    f_t = x_t - t * u(x_t, torch.zeros_like(t), t)
    with torch.no_grad():
        f_s = x_s - s * u(x_s, torch.zeros_like(s), s)
    # in velocity units (divided by t): at Delta = t it is flow matching's loss on u(x_t, 0, t)
    return ((((f_t - f_s) / t) ** 2).sum(1)).mean()

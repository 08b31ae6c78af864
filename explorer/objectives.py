"""What the network predicts, and the one conversion from any prediction to (x0_hat, eps_hat).

Objectives (on the path x_t = alpha x0 + sigma eps):
  eps       the noise eps                           (DDPM)
  x0        the clean point x0
  v         alpha eps - sigma x0                    (Salimans & Ho; variance-preserving paths only)
  velocity  dx_t/dt = alpha' x0 + sigma' eps        (flow matching; eps - x0 on the rectified path)

Samplers consume only (x0_hat, eps_hat), so every sampler runs with every objective.
"""
from __future__ import annotations

import torch

from .errors import ExplorerError
from .schedules import Schedule, get_schedule

OBJECTIVES = ("eps", "x0", "v", "velocity")
OBJECTIVE_LABELS = {
    "eps": "ε-prediction (DDPM)",
    "x0": "x0-prediction",
    "v": "v-prediction",
    "velocity": "velocity (flow matching)",
}
# Denominators are clamped here: alpha -> 0 at t = 1 (cosine, rectified), sigma -> 0 at t = 0.
_FLOOR = 1e-4


def check_pair(objective: str, schedule: str | Schedule) -> None:
    """Raise ExplorerError unless `objective` can be trained on `schedule`."""
    sched = get_schedule(schedule)
    if objective not in OBJECTIVES:
        raise ExplorerError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    if objective == "v" and not sched.variance_preserving:
        raise ExplorerError(
            f"objective 'v' needs a variance-preserving schedule (alpha² + sigma² = 1): use 'linear' or "
            f"'cosine', or use objective 'velocity' (flow matching) on {sched.name!r}"
        )


def training_target(objective: str, x0, eps, t, schedule: Schedule) -> torch.Tensor:
    """The regression target for a network predicting `objective` at (x_t, t)."""
    if objective == "eps":
        return eps
    if objective == "x0":
        return x0
    if objective == "v":
        return schedule.alpha(t) * eps - schedule.sigma(t) * x0
    if objective == "velocity":
        return schedule.d_alpha(t) * x0 + schedule.d_sigma(t) * eps
    raise ExplorerError(f"unknown objective {objective!r}")


def to_x0_eps(objective: str, pred, x_t, t, schedule: Schedule) -> tuple[torch.Tensor, torch.Tensor]:
    """Convert a prediction of `objective` at (x_t, t) to the pair (x0_hat, eps_hat).

    `t` broadcasts against `x_t` (a float, a (n, 1) tensor, ...).
    """
    t = torch.as_tensor(t, dtype=x_t.dtype)
    a, s = schedule.alpha(t), schedule.sigma(t)
    if objective == "eps":
        eps = pred
        x0 = (x_t - s * eps) / a.clamp_min(_FLOOR)
    elif objective == "x0":
        x0 = pred
        eps = (x_t - a * x0) / s.clamp_min(_FLOOR)
    elif objective == "v":  # valid because alpha² + sigma² = 1
        x0 = a * x_t - s * pred
        eps = s * x_t + a * pred
    elif objective == "velocity":
        # Solve [a s; a' s'] [x0; eps] = [x_t; u]. det = a s' - s a' is 1 on the rectified path.
        da, ds = schedule.d_alpha(t), schedule.d_sigma(t)
        det = a * ds - s * da
        x0 = (ds * x_t - s * pred) / det
        eps = (a * pred - da * x_t) / det
    else:
        raise ExplorerError(f"unknown objective {objective!r}; choose one of {', '.join(OBJECTIVES)}")
    return x0, eps


def from_x0_eps(objective: str, x0, eps, t, schedule: Schedule) -> torch.Tensor:
    """The prediction of `objective` that corresponds to (x0, eps): the inverse of `to_x0_eps`."""
    t = torch.as_tensor(t, dtype=x0.dtype)
    return training_target(objective, x0, eps, t, schedule)

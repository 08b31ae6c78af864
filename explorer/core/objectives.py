"""What the network predicts, and the one conversion from any prediction to (x0_hat, eps_hat).

Objectives (on the path x_t = alpha x0 + sigma eps; docs/parameterisation.md#objectives):
  eps       the noise eps                           (DDPM)
  x0        the clean point x0
  v         alpha eps - sigma x0                    (Salimans & Ho; variance-preserving paths only)
  velocity  dx_t/dt = alpha' x0 + sigma' eps        (flow matching; eps - x0 on the rectified path)

Each is one registered ObjectiveSpec: its regression target, its conversion to (x0_hat, eps_hat), and
which schedules it needs. Samplers consume only (x0_hat, eps_hat), so every sampler runs with every
objective. Adding an objective is one `OBJECTIVES.register(ObjectiveSpec(...))`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from explorer.core import flow_losses
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.registry import Registry
from explorer.core.schedules import SCHEDULES, Schedule, get_schedule

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

# Denominators are clamped here: alpha -> 0 at t = 1 (cosine, rectified), sigma -> 0 at t = 0.
_FLOOR = 1e-4

Pair = "tuple[torch.Tensor, torch.Tensor]"  # (x0_hat, eps_hat); a string: torch is imported at first use


@dataclass(frozen=True)
class ObjectiveSpec:
    """One thing a network can predict.

    `target(x0, eps, t, schedule)` is the regression target; `to_x0_eps(pred, x_t, t, schedule)` turns a
    prediction back into (x0_hat, eps_hat); `requires(schedule)` returns why the pair cannot train, or ''.
    """

    name: str
    label: str  # menus: "ε-prediction (DDPM)"
    short: str  # titles: "ε-prediction"
    target: Callable[..., torch.Tensor]
    to_x0_eps: Callable[..., Pair]
    requires: Callable[[Schedule], str] = lambda schedule: ""
    doc: str = ""
    # Flow maps (docs/flow_maps.md): `loss(u, batch)` trains a two-time network u(x, r, t) (core/flow_losses.py)
    # in place of the regression on `target`; `reaches` says which jumps it learns: "any" r <= t, or only "zero"
    # (a consistency model: the map to the data). Its prediction at (x, t) is then u(x, t, t) ("any") or
    # u(x, 0, t) ("zero"), read by `to_x0_eps` as a velocity, so every sampler runs on a flow map too.
    loss: Callable | None = None
    reaches: str = "any"

    def supports(self, schedule: str | Schedule) -> bool:
        return not self.requires(get_schedule(schedule))

    @property
    def flow_map(self) -> bool:
        return self.loss is not None


def _eps_to_pair(pred, x_t, t, sch: Schedule) -> Pair:
    a, s = sch.alpha(t), sch.sigma(t)
    return (x_t - s * pred) / a.clamp_min(_FLOOR), pred


def _x0_to_pair(pred, x_t, t, sch: Schedule) -> Pair:
    a, s = sch.alpha(t), sch.sigma(t)
    return pred, (x_t - a * pred) / s.clamp_min(_FLOOR)


def _v_to_pair(pred, x_t, t, sch: Schedule) -> Pair:  # valid because alpha² + sigma² = 1
    a, s = sch.alpha(t), sch.sigma(t)
    return a * x_t - s * pred, s * x_t + a * pred


def _velocity_to_pair(pred, x_t, t, sch: Schedule) -> Pair:
    # Solve [a s; a' s'] [x0; eps] = [x_t; u]. det = a s' - s a' is 1 on the rectified path.
    a, s, da, ds = sch.alpha(t), sch.sigma(t), sch.d_alpha(t), sch.d_sigma(t)
    det = a * ds - s * da
    return (ds * x_t - s * pred) / det, (a * pred - da * x_t) / det


def _needs_vp(schedule: Schedule) -> str:
    if schedule.variance_preserving:
        return ""
    vp = [name for name in SCHEDULES if SCHEDULES[name].variance_preserving]
    return (f"objective 'v' needs a variance-preserving schedule (alpha² + sigma² = 1): use "
            f"{' or '.join(repr(n) for n in vp)}, or use objective 'velocity' (flow matching) on {schedule.name!r}")


OBJECTIVES: Registry[ObjectiveSpec] = Registry("objective")
OBJECTIVES.register(ObjectiveSpec(
    "eps", "ε-prediction (DDPM)", "ε-prediction", lambda x0, eps, t, sch: eps, _eps_to_pair,
    doc="the noise ε that was added"))
OBJECTIVES.register(ObjectiveSpec(
    "x0", "x0-prediction", "x0-prediction", lambda x0, eps, t, sch: x0, _x0_to_pair,
    doc="the clean point x0"))
OBJECTIVES.register(ObjectiveSpec(
    "v", "v-prediction", "v-prediction", lambda x0, eps, t, sch: sch.alpha(t) * eps - sch.sigma(t) * x0,
    _v_to_pair, requires=_needs_vp, doc="v = α·ε − σ·x0 (variance-preserving paths only)"))
OBJECTIVES.register(ObjectiveSpec(
    "velocity", "velocity (flow matching)", "flow matching",
    lambda x0, eps, t, sch: sch.d_alpha(t) * x0 + sch.d_sigma(t) * eps, _velocity_to_pair,
    doc="the velocity dx_t/dt = α'·x0 + σ'·ε (flow matching)"))


def _needs_rectified(schedule: Schedule) -> str:
    if schedule.name == "rectified":
        return ""
    return (f"flow-map objectives learn jumps along the straight path: use the 'rectified' schedule, not "
            f"{schedule.name!r}")


def _flow_map(name, label, short, loss, doc, reaches="any") -> ObjectiveSpec:
    return ObjectiveSpec(name, label, short, OBJECTIVES["velocity"].target, _velocity_to_pair,
                         requires=_needs_rectified, doc=doc, loss=loss, reaches=reaches)


OBJECTIVES.register(_flow_map(
    "meanflow", "MeanFlow (flow map)", "MeanFlow", flow_losses.meanflow_loss,
    "the average velocity u(x, r, t) from the MeanFlow identity: one network, any jump"))
OBJECTIVES.register(_flow_map(
    "shortcut", "shortcut model (flow map)", "shortcut", flow_losses.shortcut_loss,
    "the average velocity u(x, r, t): flow matching plus 'one jump of 2d = two jumps of d'"))
OBJECTIVES.register(_flow_map(
    "consistency", "consistency model (flow map to t = 0)", "consistency", flow_losses.consistency_loss,
    "the map to the data f(x, t) = x − t·u(x, 0, t), by consistency training", reaches="zero"))


def is_flow_map(objective: str) -> bool:
    """Whether `objective` trains a two-time flow-map network (an unknown name is an ExplorerError)."""
    return OBJECTIVES[objective].flow_map


def pair_problem(objective: str, schedule: str | Schedule) -> str:
    """Why `objective` cannot be trained on `schedule`, or '' if it can."""
    return OBJECTIVES[objective].requires(get_schedule(schedule))


def check_pair(objective: str, schedule: str | Schedule) -> None:
    """Raise ExplorerError unless `objective` can be trained on `schedule`."""
    problem = pair_problem(objective, schedule)
    if problem:
        raise ExplorerError(problem)


def schedules_for(objective: str) -> list[str]:
    """The schedules `objective` can be trained on, in registration order."""
    spec = OBJECTIVES[objective]
    return [name for name in SCHEDULES if spec.supports(name)]


def training_target(objective: str, x0, eps, t, schedule: Schedule) -> torch.Tensor:
    """The regression target for a network predicting `objective` at (x_t, t)."""
    return OBJECTIVES[objective].target(x0, eps, t, schedule)


def to_x0_eps(objective: str, pred, x_t, t, schedule: Schedule) -> Pair:
    """Convert a prediction of `objective` at (x_t, t) to the pair (x0_hat, eps_hat).

    `t` broadcasts against `x_t` (a float, a (n, 1) tensor, ...).
    """
    spec = OBJECTIVES[objective]
    return spec.to_x0_eps(pred, x_t, torch.as_tensor(t, dtype=x_t.dtype), schedule)


def from_x0_eps(objective: str, x0, eps, t, schedule: Schedule) -> torch.Tensor:
    """The prediction of `objective` that corresponds to (x0, eps): the inverse of `to_x0_eps`."""
    t = torch.as_tensor(t, dtype=x0.dtype)
    return training_target(objective, x0, eps, t, schedule)

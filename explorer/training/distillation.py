"""Distillation: a flow-map model that learns a trained model's own ODE map (docs/flow_maps.md#distillation).

    student = dx.distil(teacher, method="meanflow")     # then dx.sample(student, steps=1): one jump

The teacher draws the training points (its ODE run from noise, as reflow does), and the student is trained with
the flow-map objective `method`, with the teacher's velocity v(x_t, t) in place of the conditional eps - x0: a
deterministic target, whose exact reference is the teacher's ODE map (dx.map_error(student, teacher)).
"""
from __future__ import annotations

from dataclasses import replace

from explorer.core.checks import check_int
from explorer.core.errors import ExplorerError
from explorer.core.objectives import OBJECTIVES
from explorer.core.samplers import sample
from explorer.training.config import TrainConfig
from explorer.training.flow_recipes import FLOW_MAP_RECIPES
from explorer.training.model import DiffusionModel

# Points the teacher draws for the student (Heun, TEACHER_STEPS steps): the student sees x_t = (1 - t) x + t eps
# with x one of these and fresh noise, the teacher's own marginal at t.
TEACHER_POINTS = 4000
TEACHER_STEPS = 50


def flow_map_methods() -> list[str]:
    """The registered flow-map objectives: what `method` may be."""
    return [name for name in OBJECTIVES if OBJECTIVES[name].flow_map]


def distil(model: DiffusionModel, method: str = "meanflow", config: TrainConfig | None = None, seed: int = 0,
           callback=None, stop=None, n: int = TEACHER_POINTS) -> DiffusionModel:
    """A flow-map model trained with objective `method` on `model`'s own ODE map. `config` defaults to the teacher's
    network and recipe with the flow-map objective (and the seed `seed`); `callback` and `stop` as in dx.train."""
    from explorer.training.training import train

    if not isinstance(model, DiffusionModel):
        raise ExplorerError(f"distil needs a trained model to learn from, got {type(model).__name__}")
    if model.flow_map:
        raise ExplorerError("this model is already a flow map: distil a model that learned a velocity")
    if model.schedule.name != "rectified" or model.classes or model.source is not None:
        raise ExplorerError("distil learns the ODE map of a model on the 'rectified' schedule, without classes, "
                            f"from Gaussian noise; this one is {model.objective!r} on {model.schedule.name!r}"
                            + (f" with {model.classes} classes" if model.classes else "")
                            + (" from another source" if model.source is not None else ""))
    methods = flow_map_methods()
    if method not in methods:
        raise ExplorerError(f"unknown distillation method {method!r}; choose one of {', '.join(methods)}")
    seed = check_int("seed", seed, 0, 2**31 - 1)
    if config is None:  # the teacher's network and batch, with the distillation recipe (docs/flow_maps.md#recipe)
        recipe = {k: v for k, v in FLOW_MAP_RECIPES["distilled"].items() if k != "objective"}
        config = replace(model.config, **recipe, objective=method, seed=seed, coupling="independent",
                         snapshot_every=0)
    elif not isinstance(config, TrainConfig):
        raise ExplorerError(f"config must be a TrainConfig, got {type(config).__name__}")
    elif config.objective != method:
        config = replace(config, objective=method)
    points = sample(model, n=check_int("n", n, 100, 50_000), sampler="heun", steps=TEACHER_STEPS, seed=seed).samples
    student = train(points, config.validate(), callback=callback, stop=stop, teacher=model)
    student.log.message = f"distilled with {method}: {student.log.message}"
    return student

"""Straight paths: how straight a sampler's trajectories are, and reflow to make them straighter.

    s = dx.straightness(run)            # s.mean: 0 for straight lines at constant speed
    better = dx.reflow(model, n=4000)   # retrain on the model's own (noise, sample) pairs (Liu et al. 2022)

Straightness S = E ∫ |(x_1 - x_0) - v(x_t, t)|² dt along each trajectory (docs/parameterisation.md#straightness),
from a run's frames: the step velocities against the chord's constant velocity, weighted by each step's

length in t. Reflow draws noise z, follows the model's ODE to x0_hat = Φ(z), and trains a new flow-matching
model on the fixed pairs (x0_hat, z): the new paths cross less, so few steps (even one) go far.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from explorer.core.checks import check_int
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.samplers import SampleRun, sample
from explorer.training.config import TrainConfig

if TYPE_CHECKING:
    from explorer.training.model import DiffusionModel

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)


@dataclass
class Straightness:
    mean: float  # E over trajectories of S
    per_trajectory: np.ndarray  # (n,) S of each trajectory
    length_ratio: np.ndarray  # (n,) path length over the straight distance between its ends (1 = straight)


def straightness(run: SampleRun) -> Straightness:
    """How far `run`'s trajectories are from straight lines at constant speed."""
    pts, t = run.points.astype(np.float64), np.asarray(run.times, np.float64)
    dt = np.diff(t)  # negative: t runs from the noise down to the data
    step_v = np.diff(pts, axis=0) / dt[:, None, None]  # (F - 1, n, 2)
    chord = (pts[-1] - pts[0]) / (t[-1] - t[0])  # (n, 2)
    weight = np.abs(dt) / np.abs(dt).sum()
    per = (((step_v - chord[None]) ** 2).sum(-1) * weight[:, None]).sum(0)
    length = np.linalg.norm(np.diff(pts, axis=0), axis=-1).sum(0)
    straight = np.linalg.norm(pts[-1] - pts[0], axis=-1)
    ratio = np.divide(length, straight, out=np.ones_like(length), where=straight > 1e-12)
    return Straightness(float(per.mean()), per, ratio)


def reflow(model: DiffusionModel, n: int = 4000, steps: int = 50, config: TrainConfig | None = None, seed: int = 0,
           callback=None, stop=None) -> DiffusionModel:
    """One round of reflow: `n` (noise, sample) pairs from `model`'s ODE (Heun, `steps` steps), then a new
    flow-matching model trained on them as fixed pairs. `config` defaults to the model's own (independent
    coupling). Repeat for more rounds."""
    from explorer.training.model import DiffusionModel
    from explorer.training.training import train

    if not isinstance(model, DiffusionModel):
        raise ExplorerError(f"reflow needs a trained model, got {type(model).__name__}")
    if (model.objective, model.schedule.name) != ("velocity", "rectified"):
        raise ExplorerError("reflow straightens a flow-matching model: objective 'velocity' on 'rectified', got "
                            f"{model.objective!r} on {model.schedule.name!r}")
    n = check_int("n", n, 2, 50_000)
    run = sample(model, n=n, sampler="heun", steps=steps, seed=seed)
    noise, samples = run.points[0], run.points[-1]
    cfg = config or replace(model.config, coupling="independent", classes=0, seed=model.config.seed + 1)
    out = train(samples, cfg, callback=callback, stop=stop, pairs=noise)
    out.source = model.source
    return out


def one_step_quality(model, data, steps=(1, 2, 4), n: int = 1000, seed: int = 0) -> dict[int, float]:
    """Energy distance to `data` of Euler with each number of `steps`: reflow should make 1 nearly as good as many."""
    from explorer.core.metrics import energy_distance

    with torch.no_grad():
        return {k: energy_distance(sample(model, n=n, sampler="euler", steps=k, seed=seed).samples, data)
                for k in steps}

"""Paths not taken: one trunk trajectory and, at chosen times, branches that share the trunk up
to that time and then continue with fresh noise (Diffusion Grid's idea, in 2D).

Early branches end far apart (the coarse shape is still undecided), late ones only jitter.
Only stochastic samplers branch: with an ODE sampler every branch is the trunk.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core.checks import check_int
from explorer.core.denoisers import Denoiser
from explorer.core.errors import ExplorerError
from explorer.core.samplers import SamplingSettings, sample
from explorer.core.timegrids import make_grid


@dataclass
class BranchRun:
    trunk: np.ndarray  # (steps+1, 2)
    branches: np.ndarray  # (len(at), n_branches, steps+1, 2); equal to the trunk up to frames[i]
    frames: np.ndarray  # (len(at),) frame index of each branch time
    times: np.ndarray  # (steps+1,) the path's t for each frame
    settings: SamplingSettings

    @property
    def endpoints(self) -> np.ndarray:
        """(len(at), n_branches, 2): where each branch lands."""
        return self.branches[:, :, -1]


def branch(
    model: Denoiser,
    at=(0.2, 0.4, 0.6, 0.8),
    n_branches: int = 8,
    sampler: str = "ddim",
    steps: int = 100,
    seed: int = 0,
    x_init=None,
    trunk=None,
    times=None,
    settings: SamplingSettings | None = None,
    **knobs,
) -> BranchRun:
    """Grow branches off a trunk at fractions `at` of the run (0 = the noise end, 1 = the data end).

    How to sample comes as `sampler`, `steps` and the sampler's knobs (default: DDIM with eta = 1), or as
    one `settings` value (e.g. a run's, with its `times`). The trunk starts at `x_init` (a point at t = 1;
    random if None), or is given whole as `trunk` (steps+1, 2): e.g. one trajectory of an earlier run, or a
    branch promoted to be the new trunk.
    """
    if settings is None:
        if sampler == "ddim" and knobs.get("eta") is None:
            knobs["eta"] = 1.0  # the branching default: DDIM's noise at DDPM's level
        settings = SamplingSettings.make(sampler, steps, **knobs)
    if not settings.stochastic:
        raise ExplorerError(
            f"sampler {settings.sampler!r} is deterministic here (no noise is injected), so every branch would be "
            "the trunk itself: use 'ddpm', 'ddim' with eta > 0, or 'sde' with noise > 0 to see paths not taken"
        )
    fractions = np.asarray(at, dtype=np.float64).ravel()
    if len(fractions) == 0 or not np.all((fractions >= 0) & (fractions < 1)):
        raise ExplorerError("branch times `at` must be fractions of the run in [0, 1)")
    n_branches = check_int("n_branches", n_branches, 1, 256)
    if times is None:
        times = make_grid(settings.grid, settings.steps, model.schedule)
    times = np.asarray(times, np.float64)
    steps = len(times) - 1
    if trunk is None:
        x0 = None if x_init is None else np.asarray(x_init, dtype=np.float32).reshape(1, 2)
        trunk = sample(model, n=1, seed=seed, x_init=x0, settings=settings, times=times).points[:, 0]
    else:
        trunk = np.asarray(trunk, dtype=np.float32)
        if trunk.shape != (steps + 1, 2):
            raise ExplorerError(f"trunk must have shape (steps+1, 2) = ({steps + 1}, 2), got {trunk.shape}")
    frames = np.minimum(np.round(fractions * steps).astype(int), steps - 1)
    out = np.empty((len(frames), n_branches, steps + 1, 2), np.float32)
    for i, f in enumerate(frames):
        start = np.repeat(trunk[f][None], n_branches, axis=0)
        rest = sample(model, times=times[f:], seed=seed + 1 + i, x_init=start, settings=settings).points
        out[i, :, : f + 1] = trunk[: f + 1]
        out[i, :, f:] = rest.transpose(1, 0, 2)
    return BranchRun(trunk, out, frames, times, settings)

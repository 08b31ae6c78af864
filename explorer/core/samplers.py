"""Sampling runs: integrate from noise (t = 1) to data (t = 0) with any Denoiser and keep every frame.

    run = sample(model, n=2000, sampler="ddim", steps=50, eta=0.5)
    again = sample(model, n=2000, settings=run.settings, times=run.times, seed=7)   # a replay

The samplers themselves (their steps, knobs and labels) are registered specs in solvers.py, the time
grids in timegrids.py. How a run was made travels as one frozen SamplingSettings value that the
SampleRun keeps, so the mesh, the branches and the A/B tab replay a run without loose arguments.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from explorer.core.checks import check_float, check_int
from explorer.core.denoisers import Denoiser
from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.registry import Knob
from explorer.core.solvers import SAMPLERS, SamplerSpec, StepContext, land
from explorer.core.timegrids import TIME_GRIDS, make_grid
from explorer.serve.runtime import cpu_settings

torch = lazy_module("torch", globals())  # imported at first use (core/lazy_import.py)

MAX_STEPS = 1000
MAX_POINTS = 50_000
MAX_FRAME_VALUES = 20_000_000  # n * (steps + 1) kept in memory: 160 MB of float32 pairs


def all_knobs() -> dict[str, Knob]:
    """Every knob of every registered sampler, by name (a name shared by two samplers is one knob)."""
    out: dict[str, Knob] = {}
    for name in SAMPLERS:
        for knob in SAMPLERS[name].knobs:
            out.setdefault(knob.name, knob)
    return out


def _check_knobs(spec: SamplerSpec, given: dict) -> tuple[tuple[str, float], ...]:
    values = {}
    for name, value in given.items():
        if value is None:
            continue
        knob = spec.knob(name)
        if knob is None:
            owners = [s for s in SAMPLERS if SAMPLERS[s].knob(name) is not None]
            own = ", ".join(k.name for k in spec.knobs) or "no knobs"
            where = f"{name} is a knob of {', '.join(owners)}" if owners else f"there is no knob {name!r}"
            raise ExplorerError(f"{where}; sampler {spec.name!r} takes {own}")
        values[name] = knob.check(value)
    return tuple((k.name, values.get(k.name, k.default)) for k in spec.knobs)


@dataclass(frozen=True)
class SamplingSettings:
    """How to sample: the sampler, its number of steps, its time grid and its knob values.

    `SamplingSettings.make("ddim", steps=20, eta=0.5)` validates and fills in the sampler's own defaults
    (steps, grid and knobs left out)."""

    sampler: str = "heun"
    steps: int = 50
    grid: str = "uniform"
    knobs: tuple[tuple[str, float], ...] = ()

    @classmethod
    def make(cls, sampler: str = "heun", steps: int | None = None, grid: str | None = None,
             **knobs) -> SamplingSettings:
        spec = SAMPLERS[sampler]
        steps = spec.default_steps if steps is None else check_int("steps", steps, 1, MAX_STEPS)
        grid = spec.default_grid if grid is None else grid
        TIME_GRIDS[grid]  # an unknown grid raises, listing the choices
        return cls(sampler, steps, grid, _check_knobs(spec, knobs))

    @property
    def spec(self) -> SamplerSpec:
        return SAMPLERS[self.sampler]

    @property
    def knob_values(self) -> dict[str, float]:
        return dict(self.knobs)

    @property
    def stochastic(self) -> bool:
        return bool(self.spec.stochastic(self.knob_values))

    def replace(self, **changes) -> SamplingSettings:
        """A copy with some fields changed (knobs by name: `.replace(eta=1.0)`), validated."""
        fields = {k: changes.pop(k) for k in ("sampler", "steps", "grid") if k in changes}
        merged = replace(self, **fields)
        knobs = {} if merged.sampler != self.sampler else self.knob_values
        return SamplingSettings.make(merged.sampler, merged.steps, merged.grid, **{**knobs, **changes})

    def describe(self) -> str:
        """'DDIM (η = 0.5), 20 steps, grid uniform in t'."""
        spec = self.spec
        knobs = ", ".join(f"{spec.knob(k).symbol or k} = {v:g}" for k, v in self.knobs)
        return (f"{spec.short}{f' ({knobs})' if knobs else ''}, {self.steps} step{'s' if self.steps != 1 else ''}"
                f", grid {TIME_GRIDS[self.grid].label.lower()}")


def is_stochastic(sampler: str, **knobs) -> bool:
    """Whether two runs of `sampler` with these knobs (defaults for the rest) from one start can differ."""
    return SamplingSettings.make(sampler, **knobs).stochastic


@dataclass
class SampleRun:
    """A sampling run. `points[k]` is the state at `times[k]`; index 0 is the start (noise),
    index -1 the generated samples. `denoised[k]` is the denoiser's x0_hat at `times[k]`
    (the last frame repeats the samples). `settings` says how it was made; `nfe` counts denoiser calls."""

    points: np.ndarray  # (steps+1, n, 2) float32
    times: np.ndarray  # (steps+1,) float64, decreasing
    denoised: np.ndarray  # (steps+1, n, 2) float32
    settings: SamplingSettings
    nfe: int = 0

    @property
    def samples(self) -> np.ndarray:
        return self.points[-1]

    @property
    def sampler(self) -> str:
        return self.settings.sampler

    @property
    def knobs(self) -> dict[str, float]:
        return self.settings.knob_values


def sample(model: Denoiser, n: int = 2000, sampler: str | None = None, steps: int | None = None, seed: int = 0,
           grid: str | None = None, x_init=None, t_start: float | None = None, times=None,
           settings: SamplingSettings | None = None, label=None, guidance: float = 1.0, guide=None,
           **knobs) -> SampleRun:
    """Run a sampler and keep every frame.

    `sampler`, `steps`, `grid` and the sampler's knobs (`eta=` for DDIM, `noise=` for the SDE, ...) may
    come as one `settings` value instead; anything left out takes the sampler's own default, and no sampler the
    model's own (`model.default_sampler`: Heun, or "jump" for a flow map).
    `x_init` (m, 2) are start points at time `t_start` (default 1: pure noise, then n = m); starting at
    t_start < 1 needs `x_init`. `times` overrides the grid: any decreasing sequence in [0, 1].
    `label` (a class, or one per sample) asks a conditional model for that class; `guidance` is the scale w
    and `guide` a weaker model for autoguidance (explorer/core/guidance.py).
    """
    if not isinstance(model, Denoiser):
        raise ExplorerError(f"model must be a trained model or an OracleDenoiser, got {type(model).__name__}")
    source = getattr(model, "source", None)  # a model trained from another distribution starts there
    if label is not None or guide is not None or guidance != 1.0:
        from explorer.core.guidance import Guided

        model = Guided(model, label, guidance, guide)
    if settings is None:
        sampler = getattr(model, "default_sampler", "heun") if sampler is None else sampler
        settings = SamplingSettings.make(sampler, steps, grid, **knobs)
    elif not isinstance(settings, SamplingSettings):
        raise ExplorerError(f"settings must be a SamplingSettings, got {type(settings).__name__}")
    problem = settings.spec.supports(model)
    if problem:
        raise ExplorerError(problem)
    grid_t = _grid(settings, model, t_start, times)
    gen = torch.Generator().manual_seed(check_int("seed", seed, 0, 2**63 - 1))
    x = _start(x_init, n, grid_t[0], gen, source)
    _check_size(x.shape[0], len(grid_t))
    frames = np.empty((len(grid_t), x.shape[0], 2), np.float32)
    denoised = np.empty_like(frames)
    frames[0] = x.numpy()
    spec = settings.spec
    ctx = StepContext(model, settings.knob_values, gen)
    sch = model.schedule
    with torch.no_grad(), cpu_settings():
        for k in range(len(grid_t) - 1):
            t, s = (torch.tensor(float(v), dtype=x.dtype) for v in grid_t[k: k + 2])
            final = float(sch.sigma(s)) <= 0.0 and settings.stochastic  # land on x0_hat, add no noise
            x, x0 = (land if final else spec.step)(ctx, x, t, s)
            frames[k + 1] = x.numpy()
            denoised[k] = x0.numpy()
    denoised[-1] = frames[-1]
    return SampleRun(frames, grid_t, denoised, settings, ctx.evals)


def _grid(settings: SamplingSettings, model: Denoiser, t_start, times) -> np.ndarray:
    if times is not None:
        grid = np.asarray(times, dtype=np.float64).ravel()
        if len(grid) < 2 or not np.all(np.isfinite(grid)) or np.any(np.diff(grid) >= 0):
            raise ExplorerError("times must be a strictly decreasing sequence of at least 2 finite values")
        if grid[0] > 1 or grid[-1] < 0:
            raise ExplorerError(f"times must lie in [0, 1], got {grid[0]:g} ... {grid[-1]:g}")
        if len(grid) - 1 > MAX_STEPS:
            raise ExplorerError(f"at most {MAX_STEPS} sampler steps, got {len(grid) - 1}")
        return grid
    t0 = 1.0 if t_start is None else check_float("t_start", t_start, 0.0, 1.0)
    if t0 <= 0:
        raise ExplorerError("t_start must be above 0 (t = 0 is already data)")
    return make_grid(settings.grid, settings.steps, model.schedule, t0)


def _start(x_init, n, t0, gen, source=None) -> torch.Tensor:
    if x_init is None:
        if t0 < 1.0:
            raise ExplorerError("starting at t_start < 1 needs x_init: the points at that time")
        n = check_int("n", n, 1, MAX_POINTS)
        if source is not None:  # draws from the model's source distribution
            return torch.from_numpy(np.asarray(source, np.float32))[torch.randint(0, len(source), (n,), generator=gen)]
        return torch.randn(n, 2, generator=gen)
    arr = np.asarray(x_init, dtype=np.float64)
    if arr.ndim == 1 and arr.shape == (2,):
        arr = arr[None]
    if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) == 0:
        raise ExplorerError(f"x_init must have shape (n, 2), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ExplorerError("x_init contains NaN or inf")
    check_int("n", len(arr), 1, MAX_POINTS)
    return torch.from_numpy(arr.astype(np.float32))


def _check_size(n, frames):
    if n * frames > MAX_FRAME_VALUES:
        raise ExplorerError(
            f"{n} points x {frames} frames is too much to keep in memory (limit {MAX_FRAME_VALUES:,} "
            "point-frames); use fewer points or steps"
        )


def trace(model: Denoiser, point, t: float, steps: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """The probability-flow ODE trajectory (Heun) through `point` (2,) at time `t`: integrated up
    to the noise (t = 1) and down to the data (t = 0). Returns (path (K, 2), times (K,)) from t = 1
    to t = 0, so the path reads like a sampling run."""
    t = check_float("t", t, 0.0, 1.0)
    steps = check_int("steps", steps, 2, MAX_STEPS)
    x = _start(point, 1, 1.0, None)
    if x.shape[0] != 1:
        raise ExplorerError("trace takes one point (x, y)")
    t = min(max(t, 1e-3), 1.0 - 1e-3)  # sigma = 0 at t = 0 and alpha = 0 at t = 1 are singular for some pairs
    up = np.linspace(t, 1.0, max(2, round(steps * (1 - t))) + 1)
    down = np.linspace(t, 0.0, max(2, round(steps * t)) + 1)
    heun, ctx = SAMPLERS["heun"].step, StepContext(model, {}, None)
    paths = []
    with torch.no_grad(), cpu_settings():
        for grid in (up, down):
            xs, cur = [x.numpy()[0]], x
            for k in range(len(grid) - 1):
                tt, ss = (torch.tensor(float(v), dtype=cur.dtype) for v in grid[k: k + 2])
                cur, _ = heun(ctx, cur, tt, ss)
                xs.append(cur.numpy()[0])
            paths.append(np.array(xs, np.float32))
    path = np.concatenate([paths[0][::-1], paths[1][1:]])
    times = np.concatenate([up[::-1], down[1:]])
    return path, times

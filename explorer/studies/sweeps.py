"""Steps against quality: how few network evaluations can a sampler and a time grid get away with?

    result = dx.sweep(model, data)                 # every sampler x grid at NFE = 1, 2, 4, ..., 128
    result.best(8)                                 # the best (sampler, grid) at <= 8 evaluations

Every run starts from the same noise; its quality is the energy distance of its samples to `data`
(docs/parameterisation.md#quality), and with `judge` (a verdict.Yardstick's judge: the dashboard's) the library's
verdict on them, whose ratio says how far they are in units of how far another draw of the data would be.
NFE counts denoiser calls, so a Heun step counts twice (its last step, to sigma = 0, once). A budget a sampler
cannot meet (Heun needs 1 call for 1 step) is the largest number of steps that fits; two budgets that give the
same run are measured once.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from explorer.core.checks import check_int
from explorer.core.denoisers import Denoiser
from explorer.core.errors import ExplorerError
from explorer.core.metrics import energy_distance
from explorer.core.samplers import SamplingSettings, sample
from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS

NFE_LEVELS = (1, 2, 4, 8, 16, 32, 64, 128)


@dataclass
class SweepPoint:
    sampler: str
    grid: str
    steps: int
    nfe: int  # denoiser calls the run made
    distance: float  # energy distance of its samples to the data
    samples: np.ndarray  # (n_kept, 2) float32: the first samples of the run, for a look
    quality: dict | None = None  # the library's verdict on the run (explorer/core/verdict.py), if judged

    @property
    def score(self) -> float:
        """What the sweep ranks by: the verdict's ratio (1 = as far as another draw of the data), else the distance."""
        return self.quality["ratio"] if self.quality and self.quality.get("verdict") else self.distance


@dataclass
class SweepResult:
    points: list[SweepPoint] = field(default_factory=list)
    stopped: bool = False

    def curve(self, sampler: str, grid: str) -> tuple[np.ndarray, np.ndarray]:
        """(nfe, score) of one sampler on one grid, by increasing NFE (score: SweepPoint.score)."""
        pts = sorted((p for p in self.points if (p.sampler, p.grid) == (sampler, grid)), key=lambda p: p.nfe)
        return np.array([p.nfe for p in pts]), np.array([p.score for p in pts])

    def best(self, max_nfe: int) -> SweepPoint | None:
        """The run with the smallest score among those with at most `max_nfe` evaluations."""
        fits = [p for p in self.points if p.nfe <= max_nfe]
        return min(fits, key=lambda p: p.score) if fits else None


def steps_for(sampler: str, budget: int) -> int:
    """The most steps of `sampler` whose run makes at most `budget` denoiser calls (0 if none fits)."""
    per = SAMPLERS[sampler].evals_per_step
    return (budget + per - 1) // per if per > 1 else budget  # k steps of a 2-call step make 2k - 1 calls


def runnable(model: Denoiser) -> list[str]:
    """The registered samplers that can run `model` (the jump sampler only runs flow maps)."""
    return [s for s in SAMPLERS if not SAMPLERS[s].supports(model)]


def plan(samplers, grids, levels) -> list[tuple[str, str, int]]:
    """The sweep's runs, (sampler, grid, steps): two budgets that give the same run are one run."""
    jobs = []
    for s in samplers:
        steps = sorted({k for k in (steps_for(s, b) for b in levels) if k >= 1})
        jobs += [(s, g, k) for g in grids for k in steps]
    return jobs


def _cpu_seconds(work: Callable[[], object], repeats: int = 3) -> float:
    """The least CPU time of this thread `work` took in `repeats` tries (a busy machine's waits not counted)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        work()
        best = min(best, time.thread_time() - started)
    return best


def estimate_seconds(model: Denoiser, data, nfe=NFE_LEVELS, n: int = 1000, probe_steps: int = 4) -> float:
    """How long `sweep(model, data, nfe=nfe, n=n)` takes on one free core of this machine: a short run of
    `model` and one score are timed (CPU time: the machine's other work not counted) and scaled to the
    sweep's denoiser calls and runs. So the denoiser's kind counts: the exact denoiser of 500 points costs
    about as much per call as the network (measured in tests/core/test_sweeps.py)."""
    data = np.asarray(data, np.float32)
    probe = SamplingSettings.make("euler", probe_steps, None)
    sample(model, n=n, seed=0, settings=SamplingSettings.make("euler", 1, None))  # warm up (the first call: ~2x)
    per_call = _cpu_seconds(lambda: sample(model, n=n, seed=0, settings=probe)) / probe_steps
    samples = sample(model, n=n, seed=0, settings=SamplingSettings.make("euler", 1, None)).samples
    per_score = _cpu_seconds(lambda: energy_distance(samples, data))
    jobs = plan(runnable(model), list(TIME_GRIDS), sorted({int(b) for b in nfe}))
    calls = sum(k * SAMPLERS[s].evals_per_step for s, _g, k in jobs)
    return calls * per_call + len(jobs) * per_score


def sweep(model: Denoiser, data, samplers=None, grids=None, nfe=NFE_LEVELS, n: int = 1000, seed: int = 0,
          keep: int = 300, progress: Callable[[int, int], object] | None = None,
          stop: threading.Event | None = None, judge: Callable[[np.ndarray], dict] | None = None) -> SweepResult:
    """Run every sampler (default: all registered that can run `model`, at their default knobs) on every grid at
    each NFE budget, and score each run against `data` (with `judge`: its verdict too, and `data` should be judge's
    reference). `progress(done, total)` is called after each run; setting `stop` ends the sweep early (the result
    says so and keeps what was measured)."""
    samplers = runnable(model) if samplers is None else [SAMPLERS[s].name for s in samplers]
    grids = list(TIME_GRIDS) if grids is None else [TIME_GRIDS[g].name for g in grids]
    levels = sorted({check_int("nfe", int(b), 1, 1000) for b in nfe})
    if not levels:
        raise ExplorerError("nfe needs at least one budget")
    data = np.asarray(data, np.float32)
    jobs = plan(samplers, grids, levels)
    result = SweepResult()
    for i, (s, g, k) in enumerate(jobs):
        if stop is not None and stop.is_set():
            result.stopped = True
            break
        run = sample(model, n=n, seed=seed, settings=SamplingSettings.make(s, k, g))
        judged = judge(run.samples) if judge is not None else None
        distance = judged["distance"] if judged and "distance" in judged else energy_distance(run.samples, data)
        result.points.append(SweepPoint(s, g, k, run.nfe, distance, run.samples[:keep].copy(), judged))
        if progress is not None:
            progress(i + 1, len(jobs))
    return result

"""Few-step sampling, printed (not asserted): `python bench/bench_sweep.py`.

1. The grid, not the network: an eps-prediction model on the linear schedule (the default recipe otherwise),
   trained on a set the recipe was never tuned on, sampled by DDPM at 100 and 500 uniform steps, on the other
   grids, and by DPM-Solver++(2M); quality as energy distance to a fresh draw over the floor.
2. The cost of the "Steps vs quality" tab's sweep: every sampler x grid at NFE 1..128, 1000 samples, for the
   pretrained smiley model, and the exact denoiser of 500 training points at NFE <= 32 (target: <= 15 s).
3. The best sampler and grid at each budget, from that sweep.
"""
from __future__ import annotations

import time

import explorer as dx
from explorer.ui.session.sweep_state import ORACLE_MAX_NFE, ORACLE_POINTS

FRESH_SEED = 12345


def ratio(model, data, fresh, floor, **kw) -> float:
    run = dx.sample(model, n=1000, seed=1, **kw)
    return dx.metrics.energy_distance(run.samples, fresh) / floor


def grid_matters(name: str = "rings") -> None:
    data = dx.datasets.load(name, n=2000, seed=0)
    fresh = dx.datasets.load(name, n=2000, seed=FRESH_SEED)
    floor = dx.metrics.energy_distance(data[:1000], fresh)
    started = time.perf_counter()
    model = dx.train(data, dx.TrainConfig(objective="eps", schedule="linear"))
    took = time.perf_counter() - started
    print(f"eps / linear on {name}: trained in {took:.1f} s; quality = ED to a fresh draw / floor")
    for sampler, steps, grid in [("ddpm", 100, "uniform"), ("ddpm", 500, "uniform"), ("ddpm", 100, "logsnr"),
                                 ("ddpm", 100, "karras"), ("heun", 50, "uniform"), ("heun", 50, "karras"),
                                 ("dpmpp2m", 20, "logsnr"), ("dpmpp2m", 10, "logsnr"), ("dpmpp2m", 10, "karras")]:
        q = ratio(model, data, fresh, floor, sampler=sampler, steps=steps, grid=grid)
        print(f"  {sampler:8s} {steps:4d} steps {grid:8s} {q:6.2f}x")


def sweep_cost() -> None:
    model, data = dx.load_pretrained("smiley"), dx.datasets.load("smiley", n=2000, seed=0)
    fresh = dx.datasets.load("smiley", n=2000, seed=FRESH_SEED)
    floor = dx.metrics.energy_distance(data[:1000], fresh)
    started = time.perf_counter()
    res = dx.sweep(model, fresh, n=1000)
    net_s = time.perf_counter() - started
    started = time.perf_counter()
    exact = dx.OracleDenoiser(data[:ORACLE_POINTS], model.schedule)
    ores = dx.sweep(exact, fresh, n=1000, nfe=[b for b in (1, 2, 4, 8, 16, 32) if b <= ORACLE_MAX_NFE])
    oracle_s = time.perf_counter() - started
    print(f"\nsweep, pretrained smiley, 1000 samples: network {len(res.points)} runs in {net_s:.1f} s; "
          f"exact denoiser {len(ores.points)} runs in {oracle_s:.1f} s")
    print("best at each budget (ED / floor):")
    for budget in (1, 2, 4, 8, 16, 32, 64, 128):
        best = res.best(budget)
        print(f"  NFE <= {budget:3d}: {best.sampler:8s} {best.grid:8s} {best.steps:3d} steps  "
              f"{best.distance / floor:6.2f}x")


if __name__ == "__main__":
    grid_matters()
    sweep_cost()

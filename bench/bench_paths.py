"""Straight paths, printed (not asserted): `python bench/bench_paths.py`.

1. The exact minibatch OT assignment: POT's `ot.emd` against scipy's `linear_sum_assignment` (the same
   optimum), at the batch sizes training uses.
2. three_dots with the default recipe: independent coupling, OT coupling and one round of reflow; training
   time, straightness (0 = straight lines) and energy distance to a fresh draw at 1, 2 and 4 Euler steps.
"""
from __future__ import annotations

import time

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment

import explorer as dx
from explorer.straight import one_step_quality


def timed(fn, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1000


def assignment() -> None:
    rng = np.random.default_rng(0)
    print("exact assignment of n data points to n noise points (ms, one thread):")
    for n in (128, 256, 512, 1024):
        a, b = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
        cost = ((a[:, None] - b[None]) ** 2).sum(-1)
        w = np.full(n, 1.0 / n)
        repeat = 20 if n <= 256 else 3
        emd = timed(lambda: ot.emd(w, w, cost), repeat)  # noqa: B023
        lsa = timed(lambda: linear_sum_assignment(cost), repeat)  # noqa: B023
        print(f"  n = {n:5d}: POT emd {emd:8.1f}   scipy linear_sum_assignment {lsa:8.1f}   ratio {lsa / emd:.1f}x")


def paths(name: str = "three_dots") -> None:
    data = dx.datasets.load(name, n=2000)
    fresh = dx.datasets.load(name, n=2000, seed=12345)
    print(f"\n{name}, default recipe: straightness and energy distance at 1 / 2 / 4 Euler steps")
    models = {}
    for label, make in (("independent", lambda: dx.train(data, dx.TrainConfig())),
                        ("ot coupling", lambda: dx.train(data, dx.TrainConfig(coupling="ot"))),
                        ("reflow x1", lambda: dx.reflow(models["independent"], n=2000))):
        start = time.perf_counter()
        models[label] = make()
        took = time.perf_counter() - start
        s = dx.straightness(dx.sample(models[label], n=1000, sampler="heun", steps=50)).mean
        q = one_step_quality(models[label], fresh)
        print(f"  {label:12s} train {took:5.1f} s   straightness {s:7.4f}   ED " +
              " / ".join(f"{q[k]:.4f}" for k in (1, 2, 4)))


if __name__ == "__main__":
    assignment()
    paths()

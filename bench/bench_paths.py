"""Straight paths, printed (not asserted): `python bench/bench_paths.py`.

1. The exact minibatch OT assignment: POT's `ot.emd` against scipy's `linear_sum_assignment` (the same
   optimum), from the chunk training uses (32) to a whole batch (1024). POT is a test extra:
   `pip install -e .[test]`.
2. The OT coupling's overhead per training step, alternated runs (the target is at most +30 %).
3. smiley and moons with the default recipe: independent coupling, OT coupling in chunks of 32 (the default)
   and of 128, and one round of reflow; training time, the OT overhead per step against independent noise,
   straightness (0 = straight lines) and energy distance to a fresh draw at 1, 2 and 4 Euler steps.
"""
from __future__ import annotations

import time

import numpy as np
import ot
from scipy.optimize import linear_sum_assignment

import explorer as dx
from explorer.core import couplings
from explorer.studies.straight import one_step_quality


def timed(fn, repeat):
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1000


def assignment() -> None:
    rng = np.random.default_rng(0)
    print("exact assignment of n data points to n noise points (ms, one thread):")
    for n in (32, 64, 128, 256, 512, 1024):
        a, b = rng.normal(size=(n, 2)), rng.normal(size=(n, 2))
        cost = ((a[:, None] - b[None]) ** 2).sum(-1)
        w = np.full(n, 1.0 / n)
        repeat = 50 if n <= 64 else 20 if n <= 256 else 3
        emd = timed(lambda: ot.emd(w, w, cost), repeat)  # noqa: B023
        lsa = timed(lambda: linear_sum_assignment(cost), repeat)  # noqa: B023
        print(f"  n = {n:5d}: POT emd {emd:8.2f}   scipy linear_sum_assignment {lsa:8.2f}   ratio {lsa / emd:.2f}x")


def overhead(steps: int = 300, rounds: int = 5) -> None:
    """The OT coupling's cost per training step against independent noise: runs of `steps` steps, alternated
    `rounds` times so that the machine's load hits both alike; medians."""
    data = dx.datasets.load("smiley", n=2000)
    print(f"\nOT overhead per training step (smiley, batch 512; median of {rounds} alternated runs of {steps} steps)")
    for chunk in (32, 128):
        times = {"independent": [], "ot": []}
        for _ in range(rounds):
            for coupling in times:
                couplings.ot_pairs.__defaults__ = (chunk,)
                start = time.perf_counter()
                dx.train(data, dx.TrainConfig(steps=steps, coupling=coupling, snapshot_every=0))
                times[coupling].append((time.perf_counter() - start) / steps * 1000)
        couplings.ot_pairs.__defaults__ = (couplings.CHUNK,)
        ind, ot_ = np.median(times["independent"]), np.median(times["ot"])
        print(f"  chunks of {chunk:3d}: independent {ind:.2f} ms/step, ot {ot_:.2f} ms/step: +{ot_ / ind - 1:.0%}")


def paths(name: str) -> None:
    data = dx.datasets.load(name, n=2000)
    fresh = dx.datasets.load(name, n=2000, seed=12345)
    print(f"\n{name}, default recipe: straightness and energy distance at 1 / 2 / 4 Euler steps")
    models, seconds = {}, {}

    def ot_in_chunks(chunk):
        def make():
            couplings.ot_pairs.__defaults__ = (chunk,)
            try:
                return dx.train(data, dx.TrainConfig(coupling="ot"))
            finally:
                couplings.ot_pairs.__defaults__ = (couplings.CHUNK,)
        return make

    for label, make in (("independent", lambda: dx.train(data, dx.TrainConfig())),
                        ("ot, chunk 32", ot_in_chunks(32)), ("ot, chunk 128", ot_in_chunks(128)),
                        ("reflow x1", lambda: dx.reflow(models["independent"], n=2000))):
        start = time.perf_counter()
        models[label] = make()
        seconds[label] = took = time.perf_counter() - start
        s = dx.straightness(dx.sample(models[label], n=1000, sampler="heun", steps=50)).mean
        q = one_step_quality(models[label], fresh)
        extra = f"(+{took / seconds['independent'] - 1:4.0%} per step)" if label.startswith("ot") else " " * 16
        print(f"  {label:13s} train {took:5.1f} s {extra}  straightness {s:7.4f}   ED " +
              " / ".join(f"{q[k]:.4f}" for k in (1, 2, 4)))


if __name__ == "__main__":
    assignment()
    overhead()
    for name in ("smiley", "moons"):
        paths(name)

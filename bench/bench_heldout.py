"""Held-out shapes, printed (not asserted): `nice -n 10 python bench/bench_heldout.py [--quick] [--seed S]`.

One fresh shape of every family in tests/support/heldout_shapes.py (parameters from --seed, a seed nobody tuned
on), trained with the default recipe (velocity / rectified) and with ε / linear, sampled by every sampler at its
own defaults (steps, grid, knobs), 1000 samples. Each cell is `dx.metrics.quality`'s ratio (1 on average for a
fresh draw of the shape, noise ± its `noise`, ~0.6) and its verdict's first letter (g / m / n). The summary gives
each objective x sampler's mean and worst ratio over the families: the targets are a mean within 2 for every
sampler on both recipes and within 1.6 for the ODE samplers on the default recipe (docs/performance.md#held-out).

--quick: 4 families. Timing in docs/performance.md#held-out-shapes.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from heldout_shapes import FAMILIES, shape  # noqa: E402

import explorer as dx  # noqa: E402
from explorer.core.solvers import SAMPLERS  # noqa: E402

RECIPES = {"velocity": dict(objective="velocity", schedule="rectified"),
           "eps": dict(objective="eps", schedule="linear")}
ODE = ("euler", "heun", "dpmpp2m", "ddim")  # ddim at its default eta = 0 is the ODE too
QUICK = ("ring_with_blobs", "polyline", "unequal_clusters", "thin_stroke")


def problem(family: str, seed: int):
    """(training set, fresh draw) of one shape: 2000 points each."""
    draw = shape(family, seed)
    return draw(2000, np.random.default_rng(0)), draw(2000, np.random.default_rng(1))


def score(model, data, fresh, sampler: str, **settings) -> dict:
    run = dx.sample(model, n=1000, sampler=sampler, seed=1, **settings)
    return dx.metrics.quality(run.samples, data, fresh)


def run(families, seed: int, recipes=RECIPES, samplers=None, **train) -> dict:
    """{(family, recipe, sampler): quality} for one shape per family, shape seed `seed + index`."""
    samplers = list(samplers or SAMPLERS)
    out = {}
    for i, family in enumerate(families):
        data, fresh = problem(family, seed + i)
        for recipe, pair in recipes.items():
            model = dx.train(data, dx.TrainConfig(**{**pair, **train}))
            for sampler in samplers:
                out[family, recipe, sampler] = score(model, data, fresh, sampler)
    return out


def table(results: dict, samplers) -> None:
    print(f"{'family':18s} {'recipe':9s}" + "".join(f"{s:>10s}" for s in samplers))
    keys = sorted({(f, r) for f, r, _ in results}, key=lambda k: (k[1], k[0]))
    for family, recipe in keys:
        cells = [results[family, recipe, s] for s in samplers]
        print(f"{family:18s} {recipe:9s}" + "".join(f"{q['ratio']:8.2f} {q['verdict'][0]}" for q in cells))
    print("\nmean (worst) ratio over the families; a fresh draw reads 1.0 ± noise")
    for recipe in sorted({r for _, r, _ in results}):
        ratios = {s: [q["ratio"] for (f, r, t), q in results.items() if r == recipe and t == s] for s in samplers}
        print(f"{'':18s} {recipe:9s}" + "".join(f"{np.mean(v):5.2f} ({max(v):3.1f})" for v in ratios.values()))
    noise, count = np.mean([q["noise"] for q in results.values()]), len({f for f, _, _ in results})
    print(f"\nmean noise of one cell (sd of a fresh draw's ratio): {noise:.2f}; "
          f"of a mean over {count} families: ~{noise / np.sqrt(count):.2f}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 families instead of all")
    parser.add_argument("--seed", type=int, default=20261201, help="the first shape's seed (one per family)")
    args = parser.parse_args(argv)
    families = QUICK if args.quick else tuple(FAMILIES)
    samplers = list(SAMPLERS)
    started = time.perf_counter()
    results = run(families, args.seed, samplers=samplers)
    print("sampler defaults: " + ", ".join(dx.SamplingSettings.make(s).describe() for s in samplers))
    table(results, samplers)
    print(f"\n{len(families)} shapes x {len(RECIPES)} recipes x {len(samplers)} samplers in "
          f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()

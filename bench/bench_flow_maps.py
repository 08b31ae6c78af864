"""Flow maps, printed (not asserted): `nice -n 10 python bench/bench_flow_maps.py [--quick] [--seed S]`.

For each shape (the built-in datasets, then one fresh shape of every held-out family of bench/bench_heldout.py,
drawn the same way), a teacher trained with the default recipe (dx.TrainConfig()) and, from it or from the data:

  distilled    dx.distil(teacher, "meanflow"): the teacher's ODE map, with its velocity as the target
  meanflow     objective "meanflow" from scratch (the MeanFlow identity on eps - x0)
  shortcut     objective "shortcut" from scratch
  consistency  objective "consistency" from scratch (multistep: jump to the data, noise again)
  reflow       one round of dx.reflow(teacher), sampled with Euler
  dpmpp2m      the teacher itself with DPM-Solver++(2M) (its own log-SNR grid)

each sampled at 1, 2 and 4 network calls (a flow map's jumps on the uniform grid) from the same noise (seed 1,
1000 samples). A cell is `dx.metrics.quality`'s ratio, as in bench_heldout.py: the energy distance to a fresh draw
in units of a fresh draw's own (1 = as good as the data itself: "x floor"). Training time is each model's own,
relative to the teacher's (the default recipe) on the same shape, in CPU seconds of this process (the
wall clock of a shared machine mostly measures the neighbours); the median over shapes is printed. The issue's
aims (docs/flow_maps.md#measured): distilled one jump <= 2.5x and two <= 2x in <= 5x the time; MeanFlow from
scratch two jumps <= 3x in <= 10x.

--quick: smiley, moons and two held-out families. --only NAME[,NAME]: those models (the teacher is always trained).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_heldout import FAMILIES, problem  # noqa: E402  (the held-out shapes and their draws)

import explorer as dx  # noqa: E402
from explorer.training.flow_recipes import FLOW_MAP_RECIPES  # noqa: E402

CALLS = (1, 2, 4)
W = 20  # column width
QUICK = ("smiley", "moons", "ring_with_blobs", "thin_stroke")
MODELS = ("distilled", "meanflow", "shortcut", "consistency", "reflow", "dpmpp2m")


def shapes(names):
    """(name, training set, fresh draw) for built-in names and held-out families (the shape bench_heldout.py draws
    for the family: seed `--seed` + the family's index)."""
    for name in names:
        if name in dx.datasets.names():
            yield name, dx.datasets.load(name, n=2000, seed=0), dx.datasets.load(name, n=2000, seed=12345)
        else:
            yield (name, *problem(name, SEED + list(FAMILIES).index(name)))


def timed(make):
    """(model, CPU seconds of this process): on a shared machine the wall clock mostly measures the neighbours."""
    start = time.process_time()
    model = make()
    return model, time.process_time() - start


def one_shape(data, fresh, models) -> tuple[dict, dict]:
    """({(model, calls): ratio}, {model: seconds / teacher's seconds})."""
    teacher, base = timed(lambda: dx.train(data, dx.TrainConfig()))
    makers = {
        "distilled": lambda: dx.distil(teacher, "meanflow"),
        "meanflow": lambda: dx.train(data, dx.TrainConfig(**FLOW_MAP_RECIPES["meanflow"])),
        "shortcut": lambda: dx.train(data, dx.TrainConfig(**FLOW_MAP_RECIPES["shortcut"])),
        "consistency": lambda: dx.train(data, dx.TrainConfig(**FLOW_MAP_RECIPES["consistency"])),
        "reflow": lambda: dx.reflow(teacher, n=2000),
    }
    cells, times = {}, {}
    for name in models:
        if name == "dpmpp2m":
            model, how = teacher, dict(sampler="dpmpp2m")
        else:
            model, took = timed(makers[name])
            times[name] = took / base
            how = dict(sampler="euler") if name == "reflow" else {}  # a flow map's own: "jump"
        for k in CALLS:
            run = dx.sample(model, n=1000, steps=k, seed=1, **how)
            cells[name, k] = dx.metrics.quality(run.samples, data, fresh)["ratio"]
    run = dx.sample(teacher, n=1000, sampler="heun", steps=50, seed=1)  # what the distilled model learns from
    cells["teacher", 99] = dx.metrics.quality(run.samples, data, fresh)["ratio"]
    times["teacher (CPU s)"] = base
    return cells, times


def main(argv=None) -> None:
    global SEED
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{', '.join(QUICK)} only")
    parser.add_argument("--seed", type=int, default=20261201, help="the first held-out shape's seed")
    parser.add_argument("--only", help=f"comma-separated models among {', '.join(MODELS)}")
    parser.add_argument("--shapes", help="comma-separated shapes (built-in names or held-out families) instead")
    args = parser.parse_args(argv)
    SEED = args.seed
    names = QUICK if args.quick else (*dx.datasets.names(), *FAMILIES)
    names = tuple(args.shapes.split(",")) if args.shapes else names
    models = MODELS if not args.only else tuple(m for m in MODELS if m in args.only.split(","))
    print("recipes: " + "; ".join(f"{k}: {v}" for k, v in FLOW_MAP_RECIPES.items()))
    head = "".join(f"{m[:11]:>{W}s}" for m in models)
    print(f"\n{'shape':17s}{head}\n{'':17s}" + "".join(f"{'1 / 2 / 4 calls':>{W}s}" for _ in models))
    print(f"{'':17s}" + " " * (W * len(models)) + "  teacher, Heun 50: 99 calls")
    started, every, clocks = time.perf_counter(), {}, {}
    try:
        for name, data, fresh in shapes(names):
            cells, times = one_shape(data, fresh, models)
            every[name] = cells
            for k, v in times.items():
                clocks.setdefault(k, []).append(v)
            row = "".join(f"{' / '.join(f'{cells[m, k]:.1f}' for k in CALLS):>{W}s}" for m in models)
            clock = ", ".join(f"{k} {v:.1f}" for k, v in times.items())
            print(f"{name:17s}{row}  {cells['teacher', 99]:.1f}   time: {clock}", flush=True)
    except KeyboardInterrupt:  # Ctrl-C: the summary of the shapes done so far
        print(f"(stopped after {len(every)} shapes)")
    for label, pick in (("mean", np.mean), ("median", np.median), ("worst", np.max)):
        row = "".join(f"{' / '.join(f'{pick([c[m, k] for c in every.values()]):.1f}' for k in CALLS):>{W}s}"
                      for m in models)
        print(f"{label:17s}{row}")
    print("\ntraining time / the default recipe's (median over shapes; the teacher's own in seconds): " +
          ", ".join(f"{k} {np.median(v):.1f}" for k, v in clocks.items()))
    print(f"{len(every)} shapes in {time.perf_counter() - started:.0f} s")


SEED = 20261201

if __name__ == "__main__":
    main()

"""Core speed and quality, printed (not asserted): `python bench/bench_core.py [--threads N]`.

For smiley, three_dots and moons: training wall time of the default recipe and the quality of its
samples as a ratio to the floor "training set vs a fresh draw" (energy distance and sliced
Wasserstein; 1.0 = as close as another draw of the data itself). The same for Diffusion Explorer's
recipe (3x64 ELU, raw t, Adam 1e-2, batch 200, flow matching) in the same run, as the baseline.
Then sampling time for 2000 points x 100 steps with full trajectories, per sampler.
Targets (issue #2): <= 1.5x floor in <= 3 s of training; sampling <= 100 ms.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import explorer as dx

DATASETS = ("smiley", "three_dots", "moons")
RECIPES = {
    "default": dx.TrainConfig(),
    "diffusion-explorer": dx.TrainConfig(width=64, depth=3, activation="elu", time_embedding=0, fourier_features=0,
                                         lr=1e-2, lr_decay="none", batch_size=200),
}


def quality(model, data, fresh):
    out = dx.sample(model, n=len(data), sampler="heun", steps=50, seed=1).samples
    ed = dx.metrics.energy_distance(out, fresh) / dx.metrics.energy_distance(data, fresh)
    sw = dx.metrics.sliced_wasserstein(out, fresh) / dx.metrics.sliced_wasserstein(data, fresh)
    return ed, sw


def bench_training():
    print(f"{'dataset':<12} {'recipe':<20} {'steps':>6} {'train s':>8} {'ED/floor':>9} {'SW/floor':>9}")
    for name in DATASETS:
        data = dx.datasets.load(name, n=2000, seed=0)
        fresh = dx.datasets.load(name, n=2000, seed=1)
        for recipe, cfg in RECIPES.items():
            start = time.perf_counter()
            model = dx.train(data, cfg)
            seconds = time.perf_counter() - start
            ed, sw = quality(model, data, fresh)
            print(f"{name:<12} {recipe:<20} {cfg.steps:>6} {seconds:>8.2f} {ed:>9.2f} {sw:>9.2f}", flush=True)


def bench_sampling(repeats: int = 5):
    model = dx.load_pretrained("smiley")
    oracle = dx.OracleDenoiser(dx.datasets.load("smiley", n=2000, seed=0), "rectified")
    print(f"\n{'sampler (2000 pts x 100 steps, all frames)':<44} {'median ms':>10}")
    for label, den in (("network", model), ("oracle", oracle)):
        for sampler in dx.SAMPLERS:
            times = []
            for r in range(repeats if label == "network" else 1):
                start = time.perf_counter()
                dx.sample(den, n=2000, sampler=sampler, steps=100, seed=r)
                times.append(1000 * (time.perf_counter() - start))
            print(f"{label + ' ' + sampler:<44} {statistics.median(times):>10.1f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1 measured fastest here)")
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} thread(s)\n")
    if not args.skip_training:
        bench_training()
    bench_sampling()

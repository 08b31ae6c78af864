"""The flow-map recipes we measured (docs/flow_maps.md#recipe): TrainConfig settings for each way of getting a
flow map, on top of the default recipe (network 3x96 on Fourier features, batch 512, Adam 8e-3 with cosine
decay). bench/bench_flow_maps.py prints how they do; the losses' own settings (time sampling, weighting, the
path derivative) are in explorer/core/flow_losses.py.

    model = dx.train(data, dx.TrainConfig(**FLOW_MAP_RECIPES["meanflow"]))
    student = dx.distil(teacher)            # FLOW_MAP_RECIPES["distilled"] on the teacher's own config
"""
from __future__ import annotations

FLOW_MAP_RECIPES: dict[str, dict] = {
    # the teacher's velocity is a deterministic target: as many steps as the teacher took are enough
    "distilled": dict(objective="meanflow", steps=1500),
    # from data alone the target is the noisy eps - x0: twice the steps (lr 2e-3 was no better)
    "meanflow": dict(objective="meanflow", steps=3000),
    "shortcut": dict(objective="shortcut", steps=3000),
    "consistency": dict(objective="consistency", steps=3000),
}

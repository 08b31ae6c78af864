"""Pretrained models for every built-in dataset, so the app starts with one already animating.

Each lives in `explorer/training/pretrained/<dataset>/` (model.safetensors + config.json, ~150 kB).
Regenerate them all with `python -m explorer.training.pretrained` (fixed seeds; about 5 s per dataset).
"""
from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from explorer.core.errors import ExplorerError
from explorer.training.config import TrainConfig

# The shipped models train longer than the interactive default: time is free offline.
RECIPE = TrainConfig(steps=3000, seed=0)
DATA_N, DATA_SEED = 2000, 0


def folder(name: str) -> Path:
    """Where the model of dataset `name` is (its spec's `pretrained`), or would be shipped."""
    from explorer.data.dataset_specs import DATASETS

    spec = DATASETS.get(name)
    return Path(spec.pretrained) if spec is not None and spec.pretrained is not None else \
        Path(str(files("explorer") / "training" / "pretrained" / name))


def available() -> list[str]:
    """The datasets with a pretrained model (dataset_specs.py: a spec's `pretrained` folder holds one)."""
    from explorer.data.dataset_specs import DATASETS

    return [spec.name for spec in DATASETS.specs() if spec.has_pretrained()]


def load_pretrained(name: str):
    """The pretrained model of dataset `name`."""
    if name not in available():
        raise ExplorerError(f"no pretrained model for {name!r}; available: {', '.join(available()) or 'none'}")
    from explorer.training.checkpoints import load  # torch: imported when a model is asked for

    return load(folder(name))


def regenerate(names=None) -> None:
    from explorer.data.datasets import load as load_data
    from explorer.data.datasets import names as all_names
    from explorer.serve.runtime import use_thread_policy
    from explorer.training.checkpoints import save
    from explorer.training.training import train

    use_thread_policy()  # one thread: measured faster than 2 on this 2-core machine (serve/runtime.py)
    for name in names or all_names():
        model = train(load_data(name, n=DATA_N, seed=DATA_SEED), RECIPE)
        save(model, folder(name))
        print(f"{name}: {model.log.message}, final loss {model.log.losses[-1]:.4f}")

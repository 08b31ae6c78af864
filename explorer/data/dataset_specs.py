"""The datasets as specs: one `DatasetSpec` per built-in point set, registered once in `DATASETS`.

A dataset is its name (the one spelling: `?dataset=moons`, `--dataset moons`, `set: dataset=moons`), its label
in the menu, its generator `generate(n, rng)` (shapes.py says what a generator must do: an (n, 2) array in
random order on the noise's scale), its classes with the function that labels a point set (labels.py), and
the folder of its pretrained model, if one is shipped (explorer/training/pretrained/<name>/). The dataset menu,
the session's `dataset` and `source` choices, the link, the lessons and the command line read this registry:

    DATASETS.register(DatasetSpec("ring", "Ring", ring, classes=("inner", "outer"), labeller=label_ring))
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from explorer.core.registry import Registry
from explorer.data.labels import LABELLERS
from explorer.data.shapes import GENERATORS


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    label: str
    generate: Callable  # (n, rng) -> (n, 2) points
    classes: tuple[str, ...] = ()
    labeller: Callable | None = None  # (points (n, 2) float64) -> the class of each point (ints from 0)
    pretrained: Path | None = None  # a folder with model.safetensors + config.json (training/checkpoints.py)
    doc: str = ""

    def has_pretrained(self) -> bool:
        return self.pretrained is not None and (Path(self.pretrained) / "model.safetensors").is_file()


DATASETS: Registry[DatasetSpec] = Registry("dataset")


def shipped(name: str) -> Path:
    """Where the pretrained model of built-in set `name` is shipped (explorer/training/pretrained/)."""
    return Path(str(files("explorer") / "training" / "pretrained" / name))


for _name, _generate in GENERATORS.items():  # smiley first: the app's default
    _classes, _labeller = LABELLERS[_name]
    DATASETS.register(DatasetSpec(_name, _name.replace("_", " ").capitalize(), _generate, tuple(_classes), _labeller,
                                  shipped(_name)))

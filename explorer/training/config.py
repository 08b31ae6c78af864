"""Training configuration: one dataclass, every default with the reason for it."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

from explorer.core.checks import check_int
from explorer.core.couplings import COUPLINGS
from explorer.core.errors import ExplorerError
from explorer.core.objectives import check_pair, is_flow_map

LR_DECAYS = ("cosine", "none")
# The hidden layers' activation: its name here -> torch.nn's class (network.py builds it; declared here, so a
# config is made and checked without torch).
ACTIVATIONS = {"silu": "SiLU", "elu": "ELU", "relu": "ReLU", "gelu": "GELU"}


@dataclass
class TrainConfig:
    # Flow matching on the straight path: the best quality per second we measured
    # (docs/performance.md#training-recipe).
    objective: str = "velocity"
    schedule: str = "rectified"
    # 3x96 SiLU on Fourier features: as good as 3x128 on smiley and moons (energy distance 1.58x and 1.01x
    # the floor, mean of 2 seeds) for 56 % of the compute (tuning sweep of 2026-11-21; its script is not in
    # bench/, whose bench_core.py reproduces the default's figures).
    width: int = 96
    depth: int = 3
    # 32 sinusoidal features of t; 0 feeds the raw t (Diffusion Explorer's baseline).
    time_embedding: int = 32
    activation: str = "silu"
    # Random Fourier features of x (count, frequency scale): without them a 3x128 MLP cannot draw the
    # steep field around thin strokes and smiley comes out as a blurred disc (the same sweep: 3.5x -> 1.7x floor).
    fourier_features: int = 64
    fourier_scale: float = 3.0
    # Adam 8e-3 with cosine decay to 0: fast early progress, a quiet finish (2e-3 was slower to converge).
    lr: float = 8e-3
    lr_decay: str = "cosine"
    # 512 points per step: the loss is noisy in t, so bigger batches help more than more steps.
    batch_size: int = 512
    # ~2.5 s on one idle core; bench/bench_core.py prints the time and the energy distance per dataset
    # against the floor (docs/performance.md#training-recipe).
    steps: int = 1500
    seed: int = 0
    # Classes of a conditional model (0: unconditional). train(..., labels=) sets it from the labels.
    classes: int = 0
    # How often a label is replaced by "no class" in training, so the same network also learns the
    # unconditional model that classifier-free guidance needs (Ho & Salimans used 0.1-0.2).
    label_dropout: float = 0.15
    # Keep a copy of the weights this often (steps; 0: never): earlier, weaker versions of the model, for
    # autoguidance and the training timeline. A 3x96 net is ~30k numbers, 120 kB a copy.
    snapshot_every: int = 100
    # Which noise each data point meets in a batch: "independent" (fresh), or "ot" (minibatch optimal
    # transport, straighter paths; flow matching on the rectified path only; explorer/core/couplings.py).
    coupling: str = "independent"
    # Flow-map objectives only (meanflow, shortcut, consistency: docs/flow_maps.md#recipe): the highest frequency,
    # in rad per unit time, of the sinusoidal features of t and of the gap t - r. 5 against the ordinary network's
    # 1000: the map's target is smooth in time, and high frequencies made the MeanFlow target noisy.
    time_frequency: float = 5.0

    def __post_init__(self):
        self.validate()

    def validate(self) -> TrainConfig:
        """Raise ExplorerError naming the first field that is out of range."""
        check_pair(self.objective, self.schedule)
        _int_in(self, "width", 4, 1024)
        _int_in(self, "depth", 1, 8)
        _int_in(self, "time_embedding", 0, 256)
        _int_in(self, "fourier_features", 0, 256)
        if not isinstance(self.fourier_scale, (int, float)) or not 0 < self.fourier_scale <= 100:
            raise ExplorerError(f"fourier_scale must be a number in (0, 100], got {self.fourier_scale!r}")
        if not isinstance(self.time_frequency, (int, float)) or not 1 <= self.time_frequency <= 1000:
            raise ExplorerError(f"time_frequency must be a number in [1, 1000], got {self.time_frequency!r}")
        _int_in(self, "batch_size", 8, 8192)
        _int_in(self, "steps", 1, 50_000)
        _int_in(self, "seed", 0, 2**31 - 1)
        _int_in(self, "classes", 0, 64)
        _int_in(self, "snapshot_every", 0, 50_000)
        if self.classes and is_flow_map(self.objective):
            raise ExplorerError(f"objective {self.objective!r} learns a flow map, which cannot take classes yet: "
                                "train it without labels, or use 'velocity' for classes and guidance")
        if self.coupling not in COUPLINGS:
            raise ExplorerError(f"unknown coupling {self.coupling!r}; choose one of {', '.join(COUPLINGS)}")
        if self.coupling == "ot" and self.schedule != "rectified":
            raise ExplorerError("the 'ot' coupling pairs data with noise along straight lines: use it with the "
                                f"'rectified' schedule (flow matching), not {self.schedule!r}")
        if not isinstance(self.label_dropout, (int, float)) or not 0 <= self.label_dropout < 1:
            raise ExplorerError(f"label_dropout must be a number in [0, 1), got {self.label_dropout!r}")
        if self.activation not in ACTIVATIONS:
            raise ExplorerError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if self.lr_decay not in LR_DECAYS:
            raise ExplorerError(f"unknown lr_decay {self.lr_decay!r}; choose one of {', '.join(LR_DECAYS)}")
        if not isinstance(self.lr, (int, float)) or not math.isfinite(self.lr) or not 0 < self.lr <= 10:
            raise ExplorerError(f"lr must be a number in (0, 10], got {self.lr!r}; 1e-3 to 1e-2 work well")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Build from a dict (e.g. JSON); unknown keys are an error, not silently dropped."""
        if not isinstance(data, dict):
            raise ExplorerError(f"a training configuration must be a JSON object, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ExplorerError(f"unknown configuration keys {unknown}; allowed: {sorted(known)}")
        try:
            return cls(**data)
        except TypeError as err:
            raise ExplorerError(f"bad configuration: {err}") from None


def _int_in(cfg, name: str, lo: int, hi: int) -> None:
    check_int(name, getattr(cfg, name), lo, hi)

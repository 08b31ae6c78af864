"""A trained diffusion model: network + schedule + objective, usable as a Denoiser."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from explorer.core.denoisers import Denoiser
from explorer.core.errors import ExplorerError
from explorer.core.objectives import OBJECTIVES, to_x0_eps
from explorer.core.schedules import get_schedule
from explorer.training.config import TrainConfig
from explorer.training.network import MLP, FlowMapMLP

# x0_hat is clipped to the training data's bounding box grown by this fraction of its size (and
# at least 0.5): near t = 1 with alpha -> 0 an eps-prediction's x0_hat = (x - sigma eps)/alpha
# amplifies tiny errors without bound (DDPM clips to [-1, 1] for the same reason).
_CLIP_MARGIN = 0.5


@dataclass
class TrainingLog:
    """What happened during training."""

    losses: list[float] = field(default_factory=list)
    steps_done: int = 0
    seconds: float = 0.0
    stopped: bool = False  # the stop event was set before the last step
    diverged: bool = False  # the loss became non-finite or exploded; last finite weights were kept
    message: str = ""


class DiffusionModel(Denoiser):
    """The network plus what it needs to be read: the schedule and what it predicts.

    A model of a flow-map objective (meanflow, shortcut, consistency: `model.flow_map`) holds the two-time
    network u(x, r, t) and jumps: `model.jump(x, t, r)` (docs/flow_maps.md); its own sampler is "jump"."""

    def __init__(self, config: TrainConfig, data_box: tuple[float, float, float, float] | None = None):
        self.config = config
        self.schedule = get_schedule(config.schedule)
        self.objective = config.objective
        self._spec = OBJECTIVES[config.objective]
        if self._spec.flow_map:
            self.net = FlowMapMLP(config.width, config.depth, config.time_embedding, config.activation,
                                  config.fourier_features, config.fourier_scale, config.seed, config.time_frequency)
        else:
            self.net = MLP(config.width, config.depth, config.time_embedding, config.activation,
                           config.fourier_features, config.fourier_scale, config.seed, config.classes)
        self.data_box = data_box  # (xmin, xmax, ymin, ymax) of the training data
        self.log = TrainingLog()
        self.class_names: list[str] = [f"class {k + 1}" for k in range(config.classes)]
        self.snapshots: dict[int, dict] = {}  # training step -> a copy of the weights then (see snapshot())
        self.source: np.ndarray | None = None  # where sampling starts (None: Gaussian noise), see train(source=)
        self.source_name: str | None = None  # what `source` is called (a dataset's name), for the page's words

    def __repr__(self) -> str:
        c = self.config
        return f"DiffusionModel(objective={c.objective!r}, schedule={c.schedule!r}, {c.depth}x{c.width})"

    @property
    def classes(self) -> int:
        return self.config.classes

    @property
    def flow_map(self) -> bool:
        """Whether this model learned a flow map (it jumps: `jump`), not only a velocity."""
        return self._spec.flow_map

    @property
    def default_sampler(self) -> str:
        return "jump" if self.flow_map else Denoiser.default_sampler

    def predict(self, x: torch.Tensor, t, label=None) -> torch.Tensor:
        """The raw network output (the objective's quantity) at (x, t), for class `label` (None: no class).
        A flow map's is u(x, t, t), the velocity (u(x, 0, t) for a consistency model, which learns no other r)."""
        t = torch.as_tensor(t, dtype=x.dtype)
        if self.flow_map:
            self._label_tensor(label, x.shape[0])
            return self.net(x, t if self._spec.reaches == "any" else torch.zeros_like(t), t)
        return self.net(x, t, self._label_tensor(label, x.shape[0]))

    def average_velocity(self, x: torch.Tensor, r, t) -> torch.Tensor:
        """u(x, r, t): the average velocity from time t down to r (a flow-map model only)."""
        if not self.flow_map:
            raise ExplorerError(f"this model learned {self.objective!r}, not a flow map: it has no average velocity")
        return self.net(x, r, t)

    def jump(self, x: torch.Tensor, t, r, gen: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(X(x, t -> r), X(x, t -> 0)): the jump from time t to r <= t, and the jump to the data (the run's x0_hat),
        in one batched network call. A consistency model learned only the jump to 0: to reach r > 0 it jumps to 0
        and noises the result again to r with fresh noise from `gen` (multistep consistency sampling)."""
        n = x.shape[0]
        t = torch.as_tensor(t, dtype=x.dtype).reshape(-1, 1).expand(n, 1)
        r = torch.as_tensor(r, dtype=x.dtype).reshape(-1, 1).expand(n, 1)
        if self._spec.reaches == "zero":
            x0 = x - t * self.average_velocity(x, torch.zeros_like(r), t)
            z = torch.randn(x.shape, generator=gen, dtype=x.dtype)
            return torch.where(r > 0, (1 - r) * x0 + r * z, x0), x0
        u = self.average_velocity(torch.cat([x, x]), torch.cat([r, torch.zeros_like(r)]), torch.cat([t, t]))
        return x - (t - r) * u[:n], x - t * u[n:]

    def _label_tensor(self, label, n: int) -> torch.Tensor | None:
        if label is None:
            return None
        if not self.classes:
            raise ExplorerError("this model was trained without labels, so it cannot be asked for a class: "
                                "train it with labels (a labelled dataset or a drawing in colours)")
        lab = torch.as_tensor(np.asarray(label), dtype=torch.long).reshape(-1)
        if lab.numel() not in (1, n) or bool(((lab < 0) | (lab >= self.classes)).any()):
            raise ExplorerError(f"label must be a class from 0 to {self.classes - 1} (or one per sample), "
                                f"got {label!r}")
        return lab.expand(n)

    def snapshot(self, step: int) -> DiffusionModel:
        """The model as it was at training step `step` (a weaker version of itself, for autoguidance)."""
        if step not in self.snapshots:
            raise ExplorerError(f"no snapshot at step {step}; kept: {sorted(self.snapshots) or 'none'}")
        weaker = DiffusionModel(self.config, self.data_box)
        weaker.net.load_state_dict(self.snapshots[step])
        weaker.class_names, weaker.source, weaker.source_name = list(self.class_names), self.source, self.source_name
        weaker.log.steps_done, weaker.log.message = step, f"snapshot at step {step}"
        return weaker

    def denoise(self, x: torch.Tensor, t, label=None):
        t = torch.as_tensor(t, dtype=x.dtype)
        tt = t.reshape(-1, 1) if t.ndim else t
        x0, eps = to_x0_eps(self.objective, self.predict(x, t, label), x, tt, self.schedule)
        if self.data_box is None:
            return x0, eps
        lo, hi = self._clip_bounds(x.dtype)
        clipped = torch.maximum(torch.minimum(x0, hi), lo)
        if torch.equal(clipped, x0):
            return x0, eps
        a, s = self.schedule.alpha(tt), self.schedule.sigma(tt)
        eps = torch.where(clipped != x0, (x - a * clipped) / s.clamp_min(1e-4), eps)
        return clipped, eps

    def _clip_bounds(self, dtype):
        x0, x1, y0, y1 = self.data_box
        mx = max(_CLIP_MARGIN, _CLIP_MARGIN * (x1 - x0))
        my = max(_CLIP_MARGIN, _CLIP_MARGIN * (y1 - y0))
        lo = torch.tensor([x0 - mx, y0 - my], dtype=dtype)
        hi = torch.tensor([x1 + mx, y1 + my], dtype=dtype)
        return lo, hi

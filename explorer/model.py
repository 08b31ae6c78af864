"""A trained diffusion model: network + schedule + objective, usable as a Denoiser."""
from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .config import TrainConfig
from .denoisers import Denoiser
from .network import MLP
from .objectives import to_x0_eps
from .schedules import get_schedule

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
    """The network plus what it needs to be read: the schedule and what it predicts."""

    def __init__(self, config: TrainConfig, data_box: tuple[float, float, float, float] | None = None):
        self.config = config
        self.schedule = get_schedule(config.schedule)
        self.objective = config.objective
        self.net = MLP(config.width, config.depth, config.time_embedding, config.activation,
                       config.fourier_features, config.fourier_scale, config.seed)
        self.data_box = data_box  # (xmin, xmax, ymin, ymax) of the training data
        self.log = TrainingLog()

    def __repr__(self) -> str:
        c = self.config
        return f"DiffusionModel(objective={c.objective!r}, schedule={c.schedule!r}, {c.depth}x{c.width})"

    def predict(self, x: torch.Tensor, t) -> torch.Tensor:
        """The raw network output (the objective's quantity) at (x, t)."""
        return self.net(x, torch.as_tensor(t, dtype=x.dtype))

    def denoise(self, x: torch.Tensor, t):
        t = torch.as_tensor(t, dtype=x.dtype)
        tt = t.reshape(-1, 1) if t.ndim else t
        x0, eps = to_x0_eps(self.objective, self.predict(x, t), x, tt, self.schedule)
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

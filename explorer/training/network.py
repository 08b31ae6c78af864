"""The denoising network: a small MLP on (x, embedding of t).

Small on purpose: 2D data needs no convolution or attention, and a 3x128 MLP learns a drawn
shape in about a thousand Adam steps on one CPU core (see bench/).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from explorer.training.config import ACTIVATIONS

CLASS_EMBEDDING = 16  # numbers per class (and for "no class") fed to a conditional network


class TimeEmbedding(nn.Module):
    """Sinusoidal features of t in [0, 1]: sin/cos at `dim / 2` frequencies spaced
    geometrically from 1 to `max_frequency` (1000) rad per unit t, so both the coarse and the fine end of
    the path get resolution. `dim = 0` passes the raw t (Diffusion Explorer's choice, kept for the
    baseline in bench/)."""

    def __init__(self, dim: int, max_frequency: float = 1000.0):
        super().__init__()
        self.dim = dim
        half = dim // 2
        freqs = torch.exp(torch.linspace(0.0, math.log(max_frequency), half)) if half else torch.zeros(0)
        self.register_buffer("freqs", freqs, persistent=False)

    @property
    def out_dim(self) -> int:
        return 2 * (self.dim // 2) if self.dim else 1

    def forward(self, t: torch.Tensor) -> torch.Tensor:
        t = t.reshape(-1, 1)
        if not self.dim:
            return t
        angles = t * self.freqs
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)


class FourierFeatures(nn.Module):
    """sin/cos of `n // 2` random projections B x, B ~ N(0, scale²) (Tancik et al.): lets a small MLP
    draw the steep field around thin strokes. The projections are fixed at construction from `seed`
    and saved with the weights."""

    def __init__(self, n: int, scale: float, seed: int = 0):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.register_buffer("proj", torch.randn(2, n // 2, generator=gen) * scale)

    @property
    def out_dim(self) -> int:
        return 2 + 2 * self.proj.shape[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.proj.shape[1]:
            return x
        z = x @ self.proj
        return torch.cat([x, torch.sin(z), torch.cos(z)], dim=1)


class MLP(nn.Module):
    """`depth` hidden layers of `width` units on concat(features(x), embed(t)[, class embedding]); output 2
    numbers. With `classes` > 0 the input also holds a learned embedding of the label, where the extra
    index `classes` means "no class" (the unconditional model of classifier-free guidance)."""

    def __init__(self, width: int = 128, depth: int = 3, time_embedding: int = 32, activation: str = "silu",
                 fourier_features: int = 0, fourier_scale: float = 3.0, seed: int = 0, classes: int = 0):
        super().__init__()
        self.embed = TimeEmbedding(time_embedding)
        self.features = FourierFeatures(fourier_features, fourier_scale, seed)
        self.classes = classes
        self.label_embed = nn.Embedding(classes + 1, CLASS_EMBEDDING) if classes else None
        act = getattr(nn, ACTIVATIONS[activation])
        layers: list[nn.Module] = []
        fan_in = self.features.out_dim + self.embed.out_dim + (CLASS_EMBEDDING if classes else 0)
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width), act()]
            fan_in = width
        layers.append(nn.Linear(fan_in, 2))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, t: torch.Tensor, label: torch.Tensor | None = None) -> torch.Tensor:
        """`label`: (n,) class indices (`classes` = no class), or None for no class."""
        t = torch.as_tensor(t, dtype=x.dtype).reshape(-1, 1).expand(x.shape[0], 1)
        parts = [self.features(x), self.embed(t)]
        if self.label_embed is not None:
            if label is None:
                label = torch.full((x.shape[0],), self.classes, dtype=torch.long)
            parts.append(self.label_embed(label.reshape(-1).expand(x.shape[0])).to(x.dtype))
        return self.layers(torch.cat(parts, dim=1))


class FlowMapMLP(nn.Module):
    """The two-time network of a flow map: u(x, r, t), the average velocity from time t down to r <= t
    (docs/flow_maps.md). The same recipe as MLP (Fourier features of x, sinusoidal features of time), with two
    time inputs: t and the gap t - r, each embedded with frequencies up to `time_frequency` rad per unit time.
    A flow map's target moves smoothly in t (the MeanFlow target even differentiates the network in t), so its
    time features stop far below MLP's 1000 (docs/flow_maps.md#recipe)."""

    def __init__(self, width: int = 96, depth: int = 3, time_embedding: int = 32, activation: str = "silu",
                 fourier_features: int = 0, fourier_scale: float = 3.0, seed: int = 0, time_frequency: float = 5.0):
        super().__init__()
        self.embed_t = TimeEmbedding(time_embedding, time_frequency)
        self.embed_gap = TimeEmbedding(time_embedding, time_frequency)
        self.features = FourierFeatures(fourier_features, fourier_scale, seed)
        act = getattr(nn, ACTIVATIONS[activation])
        layers: list[nn.Module] = []
        fan_in = self.features.out_dim + 2 * self.embed_t.out_dim
        for _ in range(depth):
            layers += [nn.Linear(fan_in, width), act()]
            fan_in = width
        layers.append(nn.Linear(fan_in, 2))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, r, t) -> torch.Tensor:
        """u(x, r, t) for (n, 2) points; `r` and `t` are numbers or (n,) / (n, 1) tensors."""
        n = x.shape[0]
        t = torch.as_tensor(t, dtype=x.dtype).reshape(-1, 1).expand(n, 1)
        r = torch.as_tensor(r, dtype=x.dtype).reshape(-1, 1).expand(n, 1)
        return self.layers(torch.cat([self.features(x), self.embed_t(t), self.embed_gap(t - r)], dim=1))

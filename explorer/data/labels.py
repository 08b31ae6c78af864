"""Class labels for the built-in sets, read off each point's geometry (the generators stay unchanged, so
`load_labelled(name, n, seed)` gives exactly the points of `load(name, n, seed)`, with a label each).

    points, labels = dx.datasets.load_labelled("moons", n=2000)   # labels in {0, 1}
    dx.datasets.class_names("smiley")                             # ['face', 'eyes', 'mouth']

A label is the part of the shape a point was drawn from: the nearest blob (three_dots, eight_gaussians),
moon, spiral arm or ring, smiley's face outline, eyes or mouth, and the two colours of the checkerboard's
squares (every other black square).
"""
from __future__ import annotations

import numpy as np

from explorer.core.errors import ExplorerError


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    return np.linalg.norm(points[:, None] - centres[None], axis=-1).argmin(1)


def _ring(k: int, radius: float = 1.4, phase: float = 0.0) -> np.ndarray:
    theta = phase + 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)


def _arc_distance(points, centre, radius, start, stop) -> np.ndarray:
    """Distance from each point to a circular arc (angles in radians, start < stop)."""
    d = points - np.asarray(centre)
    theta = np.arctan2(d[:, 1], d[:, 0]) % (2 * np.pi)
    inside = _between(theta, start, stop)
    on_circle = np.abs(np.hypot(d[:, 0], d[:, 1]) - radius)
    ends = np.stack([np.asarray(centre) + radius * np.array([np.cos(a), np.sin(a)]) for a in (start, stop)])
    to_ends = np.linalg.norm(points[:, None] - ends[None], axis=-1).min(1)
    return np.where(inside, on_circle, to_ends)


def _between(theta, start, stop) -> np.ndarray:
    span = (stop - start) % (2 * np.pi) or 2 * np.pi
    return (theta - start) % (2 * np.pi) <= span


def _smiley(p):
    face = np.abs(np.hypot(p[:, 0], p[:, 1]) - 1.6)
    eyes = np.minimum(np.hypot(p[:, 0] + 0.55, p[:, 1] - 0.5), np.hypot(p[:, 0] - 0.55, p[:, 1] - 0.5)) - 0.16
    mouth = _arc_distance(p, (0.0, 0.2), 1.0, np.deg2rad(205), np.deg2rad(335))
    return np.stack([face, np.maximum(eyes, 0.0), mouth], 1).argmin(1)


def _moons(p):
    raw = p / (1.2, 1.6) + (0.5, 0.25)  # undo moons()' centring and stretch
    upper = _arc_distance(raw, (0.0, 0.0), 1.0, 0.0, np.pi)
    lower = _arc_distance(raw, (1.0, 0.5), 1.0, np.pi, 2 * np.pi)
    return (lower < upper).astype(int)


def _spiral(p):
    r, phi = np.hypot(p[:, 0], p[:, 1]), np.arctan2(p[:, 1], p[:, 0])
    turns = np.arange(-1, 3)[None]  # the arm's angle is phi + 2 pi k for some k, theta in [0, 3 pi]

    def gap(angle):
        theta = np.clip(angle[:, None] % (2 * np.pi) + 2 * np.pi * turns, 0, 3 * np.pi)
        return np.abs(r[:, None] - 2.1 * theta / (3 * np.pi)).min(1)

    return (gap(phi + np.pi) < gap(phi)).astype(int)  # arm 1 is arm 0 turned by pi


def _rings(p):
    return np.abs(np.hypot(p[:, 0], p[:, 1])[:, None] - np.array([0.6, 1.2, 1.8])[None]).argmin(1)


def _checkerboard(p):
    i = np.clip(np.floor((p[:, 0] + 1.75) / 0.875), 0, 3).astype(int)
    return i % 2  # the black squares of even and of odd columns


LABELLERS = {
    "smiley": (("face", "eyes", "mouth"), _smiley),
    "three_dots": (("top", "lower left", "lower right"), lambda p: _nearest(p, _ring(3, phase=np.pi / 2))),
    "moons": (("upper moon", "lower moon"), _moons),
    "spiral": (("arm 1", "arm 2"), _spiral),
    "rings": (("inner ring", "middle ring", "outer ring"), _rings),
    "checkerboard": (("even columns", "odd columns"), _checkerboard),
    "eight_gaussians": (tuple(f"blob {k + 1}" for k in range(8)), lambda p: _nearest(p, _ring(8))),
}


def class_names(name: str) -> list[str]:
    """The classes of registered dataset `name` (dataset_specs.py), in label order."""
    from explorer.data.dataset_specs import DATASETS

    if name not in DATASETS:
        raise ExplorerError(f"unknown dataset {name!r}; the built-in datasets are: {', '.join(DATASETS)}")
    return list(DATASETS[name].classes)


def label_points(name: str, points) -> np.ndarray:
    """The class of each point of registered dataset `name` (int64, from 0; all 0 for a set without classes)."""
    from explorer.data.dataset_specs import DATASETS

    class_names(name)
    labeller, pts = DATASETS[name].labeller, np.asarray(points, np.float64)
    return np.zeros(len(pts), np.int64) if labeller is None else labeller(pts).astype(np.int64)


def load_labelled(name: str, n: int = 2000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(points, labels): `load(name, n, seed)` and the class of each point."""
    from explorer.data.datasets import load

    points = load(name, n=n, seed=seed)
    return points, label_points(name, points)


def check_labels(labels, n: int, classes: int | None = None) -> np.ndarray:
    """`labels` as an int64 array of n whole numbers from 0 (to classes - 1, if given)."""
    arr = np.asarray(labels)
    if arr.shape != (n,):
        raise ExplorerError(f"labels must be one whole number per point, shape ({n},), got {arr.shape}")
    if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < 0):
        raise ExplorerError("labels must be whole numbers from 0 (one class per number)")
    if classes is not None and arr.size and arr.max() >= classes:
        raise ExplorerError(f"labels must be from 0 to {classes - 1}, got {int(arr.max())}")
    return arr.astype(np.int64)

"""What a session's samples are scored against: the training points and a fresh draw, of the class asked for.

`ExplorerState.score` calls :func:`score`. Samples asked for one class ("eyes") are a picture of that class only,
so they are scored against that class's training points and that class's share of a fresh draw: against every
point they would read "not learned" however good the model is. The quality dict then says which class in
``"class"`` (explorer/core/verdict.py's describe() starts its sentence with it). With no class asked for (or
every class, in the data's proportions) the samples are scored against all the points. No Panel here.
"""
from __future__ import annotations

import numpy as np

from explorer.core.metrics import quality
from explorer.data import datasets
from explorer.data.labels import label_points

FRESH_SEED = 12345  # a draw of a built-in set that the models never trained on (they use seed 0)
MIN_CLASS_POINTS = 2  # fewer points of a class than this: nothing to score against, all points instead


class Reference:
    """A fresh draw of a built-in set and the class of each of its points, drawn once per (set, data)."""

    def __init__(self):
        self._key, self._points, self._labels = None, None, None

    def points(self, dataset: str, data: np.ndarray) -> np.ndarray:
        """As many points as the training set (at least 1000), from FRESH_SEED."""
        key = (dataset, id(data), len(data))
        if self._key != key:
            self._key, self._labels = key, None
            self._points = datasets.load(dataset, n=max(len(data), 1000), seed=FRESH_SEED)
        return self._points

    def labels(self, dataset: str, data: np.ndarray) -> np.ndarray:
        points = self.points(dataset, data)
        if self._labels is None:
            self._labels = label_points(dataset, points)
        return self._labels


def class_index(class_names, labels, name: str | None) -> int | None:
    """The index of class `name` among the data's classes, or None (no class asked, or not one of the data's:
    an uploaded model's own classes need not be this data's)."""
    if name is None or labels is None or name not in list(class_names):
        return None
    return list(class_names).index(name)


def score(samples, data, fresh, name: str | None = None, labels=None, class_names=(), fresh_labels=None) -> dict:
    """metrics.quality of `samples` against `data` (and `fresh`, or None), restricted to class `name` of the data
    (`labels`, `class_names`; `fresh_labels` for `fresh`) when there is one; ``"class"`` says which (or None)."""
    k = class_index(class_names, labels, name)
    if k is not None and int((np.asarray(labels) == k).sum()) >= MIN_CLASS_POINTS:
        data = data[np.asarray(labels) == k]
        if fresh is not None:
            fresh = fresh[np.asarray(fresh_labels) == k] if fresh_labels is not None else None
            if fresh is not None and len(fresh) < MIN_CLASS_POINTS:
                fresh = None
        return {**quality(samples, data, fresh), "class": name}
    return {**quality(samples, data, fresh), "class": None}

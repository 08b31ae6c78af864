"""The guidance trade-off, measured: per class, precision and recall of the samples against w.

    result = dx.guidance_sweep(model, points, labels, ws=(0, 1, 2, 4, 8))
    result.precision[k]   # per w: the share of class-k samples inside class k's region
    result.recall[k]      # per w: the share of class k's points that some class-k sample comes close to

Precision and recall are those of Kynkäänniemi et al. (2019, "Improved precision and recall metric"): a
set's region is the union of balls around its points, each as wide as the distance to that point's k-th
nearest neighbour in the set. Precision is the share of samples inside the class's region; recall is the
share of the class's points inside the samples' region. Guidance above 1 typically raises precision and
lowers recall: sharper, less diverse (docs/parameterisation.md#guidance).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from explorer.core.checks import check_int
from explorer.core.denoisers import Denoiser
from explorer.core.errors import ExplorerError
from explorer.core.guidance import MAX_GUIDANCE, Guided
from explorer.core.metrics import energy_distance
from explorer.core.samplers import sample
from explorer.data.datasets import validate
from explorer.data.labels import check_labels

WS = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 8.0)


def _radii(points: np.ndarray, k: int) -> np.ndarray:
    """The distance from each point to its k-th nearest other point."""
    k = min(k, len(points) - 1)
    dist, _ = cKDTree(points).query(points, k=k + 1)
    return dist[:, -1]


def _inside(queries: np.ndarray, centres: np.ndarray, radii: np.ndarray) -> np.ndarray:
    """Whether each query lies in some ball (centre, radius)."""
    tree, out = cKDTree(centres), np.zeros(len(queries), bool)
    for i, near in enumerate(tree.query_ball_point(queries, r=float(radii.max()))):
        if near:
            out[i] = bool((np.linalg.norm(centres[near] - queries[i], axis=1) <= radii[near]).any())
    return out


def precision_recall(samples, reference, k: int = 3) -> tuple[float, float]:
    """(precision, recall) of `samples` against `reference` with k-nearest-neighbour balls (module docstring)."""
    a, b = validate(samples).astype(np.float64), validate(reference).astype(np.float64)
    k = check_int("k", k, 1, 50)
    precision = float(_inside(a, b, _radii(b, k)).mean())
    recall = float(_inside(b, a, _radii(a, k)).mean())
    return precision, recall


@dataclass(frozen=True)
class GuidanceSweep:
    ws: np.ndarray  # (W,) the guidance scales
    class_names: list[str]
    precision: np.ndarray  # (K, W)
    recall: np.ndarray  # (K, W)
    distance: np.ndarray  # (K, W) energy distance from the class-k samples to class k's points

    def summary(self, k: int) -> str:
        """One line on class k: precision and recall at w = 1 and at the largest w."""
        i1, last = int(np.argmin(np.abs(self.ws - 1.0))), len(self.ws) - 1
        return (f"{self.class_names[k]}: precision {self.precision[k, i1]:.0%} -> {self.precision[k, last]:.0%}, "
                f"recall {self.recall[k, i1]:.0%} -> {self.recall[k, last]:.0%} from w = {self.ws[i1]:g} to "
                f"{self.ws[last]:g}")


def guidance_sweep(model: Denoiser, points, labels, ws=WS, n: int = 300, sampler: str = "heun", steps: int = 20,
                   guide: Denoiser | None = None, seed: int = 0, k: int = 3, class_names=None, progress=None,
                   stop=None) -> GuidanceSweep:
    """For each class and each w in `ws`: `n` samples asked for the class with guidance w (and `guide`, for
    autoguidance), scored against that class's points. The same seed for every w, so the curves are smooth.
    `progress(done, total)` is told after each run; a set `stop` event ends the sweep early (NaN for the rest)."""
    pts = validate(points)
    if not getattr(model, "classes", 0):
        raise ExplorerError("the guidance sweep needs a conditional model: train it with classes")
    lab = check_labels(labels, len(pts), model.classes)
    w_arr = np.asarray(sorted(set(float(w) for w in ws)), np.float64)
    if not len(w_arr) or w_arr.min() < 0 or w_arr.max() > MAX_GUIDANCE:
        raise ExplorerError(f"guidance scales must be between 0 and {MAX_GUIDANCE:g}")
    n = check_int("n", n, 10, 5000)
    names = list(class_names or getattr(model, "class_names", None) or [str(c) for c in range(model.classes)])
    shape = (model.classes, len(w_arr))
    precision, recall, distance = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    for c in range(model.classes):
        ref = pts[lab == c]
        if len(ref) < 2:
            continue  # a class without points has no region to land in
        for j, w in enumerate(w_arr):
            if stop is not None and stop.is_set():
                break
            run = sample(Guided(model, c, float(w), guide), n=n, sampler=sampler, steps=steps, seed=seed)
            precision[c, j], recall[c, j] = precision_recall(run.samples, ref, k)
            distance[c, j] = energy_distance(run.samples, ref)
            if progress is not None:
                progress(c * len(w_arr) + j + 1, shape[0] * shape[1])
    return GuidanceSweep(w_arr, names, precision, recall, distance)

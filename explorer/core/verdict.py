"""Does a model memorise, generalise, or not know the shape yet? Decided from estimates with a known noise.

:func:`explorer.core.metrics.quality` calls :func:`judge`; :func:`describe` turns its numbers into the sentence the
dashboard shows. The method (docs/parameterisation.md#quality):

* **ratio** -- how far the samples are from the data, in units of how far a fresh draw of the same size would be:

      ratio = 1 + D_U(samples, reference) / B,   B = (1/n + 1/m) E|X - X'|

  D_U is the *unbiased* (U-statistic) energy distance, whose mean is the true distance between the model's
  distribution and the data's (0 for a perfect model). B is what the V-statistic energy distance of two draws
  of n and m points of the same distribution averages (exactly: its bias), computed from the reference's mean
  pairwise distance, so it is no longer one noisy draw. A perfect model reads 1 on average; the old
  "to_fresh / floor" reads about this too, but divided one noisy draw by another (0.42-3.45 for a fresh draw).
* **noise** -- the standard deviation of that ratio for a perfect model, from the two-sample U-statistic's
  variance under the null, (1/n + 1/m)² 2 sum_k lambda_k², where sum_k lambda_k² is the squared Frobenius norm of
  the doubly centred distance matrix of the reference over its size² (a degenerate U-statistic: a weighted sum
  of chi-squares). Data with a few heavy clusters (three_dots) has a larger noise than a spread-out set.
* **copied** -- the share of samples that sit on a training point: nearer to their nearest training point t than
  a third of t's own distance to its nearest other training point. A fresh draw scores a few per cent, the exact
  denoiser of the training set ~100 %.

* **blur** -- how far the samples sit from their nearest training point, over how far the reference's points sit
  from theirs (mean distances; 1 for a perfect model). The energy distance weighs where the mass is at the data's
  scale and hardly sees a shape drawn soft: half-trained smiley models read a ratio of 1.7 while their samples sat
  3.6x as far from the strokes as a fresh draw (docs/parameterisation.md#quality). A one-sided Mann-Whitney test
  of the two sets of distances gives its p-value, so a fresh draw is not called blurred on noise.

Verdict: "memorises" if copied >= 0.5; else "generalises" if ratio <= 1 + max(LEARNED_EXCESS, 4 noise) and the
samples are not blurred (blur > BLUR_LIMIT with p < BLUR_P); else "not learned". The reference is the fresh
draw when there is one, else the training set itself (fair while the samples do not copy it, which the
memorisation test checks first), so a drawing gets a verdict too.
"""
from __future__ import annotations

import math

import numpy as np

from explorer.core.lazy_import import lazy_module

# scipy's, imported at first use: the first page shows shipped figures (core/lazy_import.py)
spatial = lazy_module("scipy.spatial", globals())
distance = lazy_module("scipy.spatial.distance", globals())

# "Generalises" up to this excess over a fresh draw (ratio 3): the models the project calls good read 1-2,
# a half-trained blurred one ~4, Gaussian noise 20-200 (docs/parameterisation.md#quality).
LEARNED_EXCESS = 2.0
# ... or up to this many noise standard deviations, whichever is larger: a fresh draw never reads above it.
NOISE_BAND = 4.0
# A sample is "on" a training point t when nearer to it than this share of t's distance to its own nearest
# neighbour; "memorises" when at least COPIED of the samples are.
ON_POINT = 1 / 3
COPIED = 0.5
# The noise is estimated on at most this many reference points (an O(k²) matrix: 1000 -> 8 MB, ~20 ms).
NOISE_POINTS = 1000
# "Blurred": the samples sit more than BLUR_LIMIT x as far from the data as the reference does, and a one-sided
# Mann-Whitney test says so with p below BLUR_P (a fresh draw: p uniform, so 1 in 1000 draws at most, and then
# only if its distances are also 1.5x the usual, which 140 of 140 fresh draws were not).
BLUR_LIMIT = 1.5
BLUR_P = 1e-3
_CHUNK_PAIRS = 1 << 21

VERDICTS = ("memorises", "generalises", "not learned")


def mean_distance(a: np.ndarray, b: np.ndarray) -> float:
    """E|X - Y| over all len(a) x len(b) pairs, diagonal included, formed a chunk of rows at a time."""
    rows = max(1, _CHUNK_PAIRS // len(b))
    return float(sum(distance.cdist(a[i: i + rows], b).sum() for i in range(0, len(a), rows))) / (len(a) * len(b))


def unbiased(ab: float, aa: float, bb: float, n: int, m: int) -> float:
    """The U-statistic energy distance from the three all-pairs means (diagonal included) of sets of n and m points:
    2 mean|a_i - b_j| - mean_{i != j}|a_i - a_j| - mean_{i != j}|b_i - b_j|.

    Unbiased for the distance between the two distributions (0 when they are equal), so it can be negative."""
    return 2 * ab - aa * n / (n - 1) - bb * m / (m - 1)


def unbiased_energy_distance(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`unbiased` of two float64 (n, 2) sets of at least 2 points each."""
    return unbiased(mean_distance(a, b), mean_distance(a, a), mean_distance(b, b), len(a), len(b))


def spread(reference: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """(E|X - X'|, sqrt(2 sum lambda²)) of the reference's distribution, from at most NOISE_POINTS of its points.

    The first scales the bias B, the second the U-statistic's null standard deviation (both times 1/n + 1/m)."""
    ref = reference
    if len(ref) > NOISE_POINTS:
        ref = ref[np.random.default_rng(seed).choice(len(ref), NOISE_POINTS, replace=False)]
    k = len(ref)
    d = distance.cdist(ref, ref)
    mean_pair = float(d.sum()) / (k * (k - 1))
    row = d.mean(axis=1)
    centred = d - row[:, None] - row[None, :] + row.mean()
    return mean_pair, math.sqrt(2 * float((centred**2).sum())) / k


def copied_share(samples: np.ndarray, training: np.ndarray) -> float:
    """The share of samples nearer to their nearest training point t than ON_POINT x t's nearest-neighbour distance."""
    tree = spatial.cKDTree(training)
    own, _ = tree.query(training, k=2)
    gap = own[:, 1]  # each training point's distance to its nearest other training point
    dist, idx = tree.query(samples, k=1)
    return float(np.mean(dist <= ON_POINT * gap[idx]))


def larger_p(a: np.ndarray, b: np.ndarray) -> float:
    """One-sided p-value that `a`'s values tend to be larger than `b`'s: the Mann-Whitney U test, normal
    approximation with tie and continuity corrections (what scipy.stats.mannwhitneyu's "asymptotic" method gives;
    written out because importing scipy.stats pulls scipy.optimize onto the first page's path)."""
    n, m = len(a), len(b)
    values, inverse, counts = np.unique(np.concatenate([a, b]), return_inverse=True, return_counts=True)
    first = np.cumsum(counts) - counts + 1
    ranks = (first + (counts - 1) / 2)[inverse]  # average ranks, ties shared
    u = float(ranks[:n].sum()) - n * (n + 1) / 2
    total = n + m
    ties = float((counts.astype(np.float64) ** 3 - counts).sum())
    var = n * m / 12 * ((total + 1) - ties / (total * (total - 1)))
    if var <= 0:
        return 1.0
    z = (u - n * m / 2 - 0.5) / math.sqrt(var)
    return 0.5 * math.erfc(z / math.sqrt(2))


def nearest_distances(points: np.ndarray, tree: spatial.cKDTree, own: bool = False) -> np.ndarray:
    """Each point's distance to its nearest point in `tree`; with `own` (the points are the tree's), to its nearest
    *other* point (the distance a new point drawn beside N - 1 others would have)."""
    dist, _ = tree.query(points, k=2 if own else 1)
    return dist[:, 1] if own else dist


class Yardstick:
    """What :func:`judge` measures samples against, worked out once: `Yardstick(training, fresh).judge(samples)`
    for many sets of samples of the same data (the sweep scores ~150 runs against one reference).

    Holds the reference's spread (its mean pairwise distance and null standard deviation), its self-term and the
    training points' tree; each call then costs two all-pairs means and a nearest-neighbour query."""

    def __init__(self, training: np.ndarray, fresh: np.ndarray | None = None):
        self.training = np.asarray(training, np.float64)
        self.fresh = None if fresh is None else np.asarray(fresh, np.float64)
        self.ref = self.training if self.fresh is None else self.fresh
        self.usable = len(self.ref) >= 2 and len(self.training) >= 2
        if self.usable:
            self.mean_pair, self.null_sd = spread(self.ref)
            self._self_mean = None
            self.tree = spatial.cKDTree(self.training)
            self.ref_nearest = nearest_distances(self.ref, self.tree, own=self.fresh is None)

    @property
    def noise(self) -> float | None:
        """The ratio's standard deviation for a perfect model (the same at every sample size: both the U-statistic's
        spread and the bias B scale with 1/n + 1/m), or None if there is nothing to judge against."""
        return self.null_sd / self.mean_pair if self.usable and self.mean_pair > 0 else None

    def ref_mean(self) -> float:
        """E|X - X'| over the reference's pairs, diagonal included (the third mean of the energy distance)."""
        if self._self_mean is None:
            self._self_mean = mean_distance(self.ref, self.ref)
        return self._self_mean

    def judge(self, samples: np.ndarray, means=None) -> dict:
        """The verdict and the numbers it rests on for float64 (n, 2) `samples` (see the module's docstring), with
        ``distance``, the V-statistic energy distance to the reference. `means`: as for :func:`judge`."""
        samples = np.asarray(samples, np.float64)
        ref, fresh = self.ref, self.fresh
        n, m = len(samples), len(ref)
        if n < 2 or not self.usable:
            return {"verdict": None, "reason": "too few points to judge (at least 2 samples and 2 data points)"}
        scale = 1 / n + 1 / m
        bias = scale * self.mean_pair
        if bias <= 0:  # every reference point identical: nothing to measure the distance against
            return {"verdict": None, "reason": "the data are a single point repeated"}
        copied = copied_share(samples, self.training)
        if means is None:
            means = mean_distance(samples, ref), mean_distance(samples, samples), self.ref_mean()
        ratio = 1 + unbiased(*means, n, m) / bias
        noise = scale * self.null_sd / bias
        blur, blur_p = self.blur(samples)
        blurred = blur > BLUR_LIMIT and blur_p < BLUR_P
        if copied >= COPIED:
            verdict = "memorises"
        elif ratio <= 1 + max(LEARNED_EXCESS, NOISE_BAND * noise) and not blurred:
            verdict = "generalises"
        else:
            verdict = "not learned"
        out = {"verdict": verdict, "ratio": ratio, "noise": noise, "copied": copied, "blur": blur,
               "blur_p": blur_p, "blurred": blurred,
               "reference": "training" if fresh is None else "fresh", "reason": "",
               "distance": max(2 * means[0] - means[1] - means[2], 0.0)}
        if fresh is not None:  # what a new draw of the data scores on the same test
            out["copied_fresh"] = copied_share(fresh[:n], self.training)
        return out


    def blur(self, samples: np.ndarray) -> tuple[float, float]:
        """(mean distance of the samples to their nearest training point over the reference's, one-sided p-value
        that the samples' distances are larger)."""
        ref = self.ref_nearest
        mine = nearest_distances(samples, self.tree)
        base = float(ref.mean())
        if base <= 0:
            return 1.0, 1.0
        p = larger_p(mine, ref)
        return float(mine.mean()) / base, p


def judge(samples: np.ndarray, training: np.ndarray, fresh: np.ndarray | None = None, means=None) -> dict:
    """The verdict and the numbers it rests on, for float64 (n, 2) arrays (see the module's docstring).

    `means`: the all-pairs mean distances (samples-reference, samples-samples, reference-reference) if the caller
    has them already (metrics.quality does), the reference being `fresh` or else `training`."""
    out = Yardstick(training, fresh).judge(samples, means)
    out.pop("distance", None)  # metrics.quality says it as to_fresh / to_training
    return out


def describe(quality: dict) -> str:
    """One plain sentence for `quality` (a dict from metrics.quality): what the verdict means, with its noise.

    If `quality` has a ``"class"`` (the samples asked for one class and were scored against its points only),
    the sentence starts with it: "eyes: generalises: ...". """
    said = _sentence(quality)
    return f"{quality['class']}: {said}" if quality.get("class") else said


def _sentence(quality: dict) -> str:
    verdict = quality.get("verdict")
    if verdict is None:
        return f"no verdict: {quality.get('reason') or 'no samples yet'}."
    ratio, noise, copied = quality["ratio"], quality["noise"], quality["copied"]
    versus = "a fresh draw of the data" if quality.get("reference") == "fresh" else "its own training points"
    fresh_reads = f"a fresh draw reads 1.0 ± {noise:.1f}"
    if verdict == "memorises":
        usual = quality.get("copied_fresh")
        usual = f"{usual:.0%}" if usual is not None else "a few per cent"
        return f"memorises: {copied:.0%} of its samples sit on a training point (a new draw of the data: {usual})."
    if verdict == "not learned" and quality.get("blurred") and ratio <= 1 + max(LEARNED_EXCESS, NOISE_BAND * noise):
        usual = "a fresh draw's points do" if quality.get("reference") == "fresh" else "the training points sit apart"
        return (f"not learned: the right overall shape, drawn soft: its samples sit {quality['blur']:.1f}× as far "
                f"from the nearest training point as {usual}.")
    if ratio <= 1 + 2 * noise:
        return f"generalises: indistinguishable from the data (within noise; {fresh_reads})."
    if verdict == "generalises":
        return (f"generalises: close to the data but distinguishable, {ratio:.1f}× as far from {versus} as "
                f"another draw would be ({fresh_reads}).")
    if quality.get("blur") is not None and quality["blur"] <= BLUR_LIMIT:  # on the shape, the mass misplaced
        return (f"not learned: its samples lie on the shape but in the wrong proportions, {ratio:.0f}× as far from "
                f"{versus} as another draw would be ({fresh_reads}).")
    return (f"not learned: far from the data, {ratio:.0f}× as far from {versus} as another draw would be "
            f"({fresh_reads}).")

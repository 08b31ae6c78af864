"""Distances between two 2D point sets: how close are the model's samples to the data?

* :func:`energy_distance` -- no hyperparameters, exact, the project's quality score; :func:`quality` turns it
  into a ratio to what a fresh draw of the data scores, and a verdict (explorer/core/verdict.py).
* :func:`sliced_wasserstein` -- the 2-Wasserstein distance averaged over 1D projections; in the
  units of the data (a shift by c moves it by about |c|/sqrt(2) in 2D).

Both accept numpy arrays, torch tensors or nested lists of shape (n, 2) and compute in float64.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from explorer.core.errors import ExplorerError
from explorer.core.lazy_import import lazy_module
from explorer.core.verdict import judge
from explorer.data.datasets import validate

# scipy's distances, imported at first use: the first page shows shipped figures (core/lazy_import.py)
distance = lazy_module("scipy.spatial.distance", globals())

# Pairwise distances are formed this many at a time (float64: 8 bytes each, a few temporaries),
# so 5000 x 5000 sets need ~20 MB at the peak instead of 600 MB for the full matrices.
_CHUNK_PAIRS = 1 << 21


def _as_points(points, min_points: int = 1) -> np.ndarray:
    """`points` as a float64 (n, 2) numpy array, or ExplorerError saying what is wrong.

    Checked by :func:`explorer.data.datasets.validate`, the project's one point checker (numbers, shape
    (n, 2), all finite, at most MAX_POINTS rows), but kept in float64 rather than its float32 copy,
    and with no bound on |coordinate|: a diverged model's far-flung samples are measured, not refused.
    """
    validate(points, min_points=min_points, max_abs=None)
    if hasattr(points, "detach"):  # a torch tensor, possibly on a graph
        points = points.detach().cpu().double()
    return np.asarray(points, dtype=np.float64).reshape(-1, 2)


def _mean_distance(a: np.ndarray, b: np.ndarray) -> float:
    """E|X - Y| over all n*m pairs (a_i, b_j), diagonal included, in row chunks.

    All three terms of the energy distance go through this one function, so D(a, a) is exactly 0.
    """
    rows = max(1, _CHUNK_PAIRS // len(b))
    total = 0.0
    for i in range(0, len(a), rows):
        total += float(distance.cdist(a[i : i + rows], b).sum())
    return total / (len(a) * len(b))


def energy_distance(a, b) -> float:
    r"""The energy distance between two point sets, D = 2 E|X - Y| - E|X - X'| - E|Y - Y'|.

    X, X' are drawn independently from the empirical distribution of `a` (n points), Y, Y' from
    that of `b` (m points), |.| the Euclidean norm. This is the *V-statistic*: every expectation
    is the plain mean over all pairs, the zero diagonal i = j of the self terms included,

        D = 2/(nm) sum_ij |a_i - b_j| - 1/n² sum_ij |a_i - a_j| - 1/m² sum_ij |b_i - b_j|,

    which is exactly the energy distance between the two empirical distributions: D >= 0, with
    D = 0 iff those distributions are equal (the same points in the same proportions), and
    D(a, a) = 0 exactly. (The U-statistic,
    dividing the self terms by n(n-1), is unbiased for the population value but can be negative.)
    Between single points p, q: D = 2|p - q|. D has the units of the data (a length).

    Exact, O(nm) time, O(chunk) memory: 2000 x 2000 takes ~35 ms, 5000 x 5000 ~0.2 s.
    The guide's floor figures (smiley, fresh-vs-fresh ~ 0.0010) are this quantity.
    """
    a, b = _as_points(a), _as_points(b)
    d = 2.0 * _mean_distance(a, b) - _mean_distance(a, a) - _mean_distance(b, b)
    # Non-negative in exact arithmetic; rounding can leave -1e-17 when the sets nearly coincide.
    return max(d, 0.0)


def _quantiles(proj: np.ndarray, levels: int) -> np.ndarray:
    """The empirical quantile function of each column at u_k = (k + 1/2) / levels, (levels, P).

    Q(u) = the ceil(u n)-th smallest value; at the midpoints u_k that is sorted[floor(u_k n)].
    With levels = n this is just the sorted column.
    """
    srt = np.sort(proj, axis=0)
    n = len(srt)
    if n == levels:
        return srt
    idx = np.floor((np.arange(levels) + 0.5) * n / levels).astype(np.int64)
    return srt[np.minimum(idx, n - 1)]


def sliced_wasserstein(a, b, n_projections: int = 256, seed: int = 0) -> float:
    r"""The sliced 2-Wasserstein distance, SW = sqrt( E_theta W2²(theta·X, theta·Y) ).

    For a unit direction theta the projected sets theta·a, theta·b are 1D, where the optimal
    transport is monotone: W2² = int_0^1 (Q_a(u) - Q_b(u))² du with Q the quantile functions.
    Both are evaluated at the midpoints u_k = (k + 1/2)/L of a common grid of L = max(n, m) levels
    (exact when n = m: then it pairs the sorted values).

    Directions: `n_projections` angles evenly spaced over [0, pi) (a direction and its opposite give
    the same W2), the whole fan rotated by one random angle from `seed`. Each direction is then
    uniform on the circle, so this is an unbiased estimate of the same quantity as i.i.d. random
    directions, with far less variance (exact for a pure shift: SW(X, X + c) = |c|/sqrt(2) in 2D,
    since the mean of (theta·c)² over the circle is |c|²/2). Deterministic for a given seed.

    Cost O(P (n + m) log(n + m)) for P projections; memory P * max(n, m) floats.
    """
    a, b = _as_points(a), _as_points(b)
    if not isinstance(n_projections, numbers.Integral) or n_projections < 1:
        raise ExplorerError(f"n_projections must be a positive whole number; got {n_projections!r}")
    n_projections = int(n_projections)
    rng = np.random.default_rng(seed)
    angles = (rng.uniform() + np.arange(n_projections)) * (math.pi / n_projections)
    c, s = np.cos(angles), np.sin(angles)
    levels = max(len(a), len(b))
    # Projections written out rather than a @ theta: keeps BLAS threads out of it (see density.py).
    qa = _quantiles(a[:, :1] * c + a[:, 1:] * s, levels)  # (L, P)
    qb = _quantiles(b[:, :1] * c + b[:, 1:] * s, levels)
    w2_sq = ((qa - qb) ** 2).mean(axis=0)  # (P,) squared 1D W2 per direction
    return float(math.sqrt(w2_sq.mean()))


def quality(samples, data, fresh=None) -> dict:
    """The quality numbers and the verdict for `samples` of a model trained on `data`:

    * ``verdict``: "memorises", "generalises" or "not learned" (None, with a ``reason``, if too few points),
      decided by :func:`explorer.core.verdict.judge` from ``ratio`` (how far the samples are from the data in
      units of how far a fresh draw would be: 1 on average for a perfect model), ``noise`` (that ratio's standard
      deviation for a perfect model) and ``copied`` (the share of samples sitting on a training point). The
      reference is `fresh` if given, else the training set (a drawing has no second draw):
      ``reference`` says which. :func:`explorer.core.verdict.describe` says it in a sentence.
    * ``to_training``: energy distance to the training points;
    * with `fresh` (a new draw of the same distribution): ``to_fresh``, the distance to it, and ``floor``,
      one draw of what a perfect model would score: as many training points as there are samples against
      `fresh` (the old, noisy yardstick; ``ratio`` replaces it). `data`'s rows must be in random order
      (the built-in sets are), so its first rows are a fair subset.
    Every distance is the V-statistic :func:`energy_distance`; each pair of sets is measured once.
    """
    samples, data = _as_points(samples), _as_points(data)
    ss, dd, sd = _mean_distance(samples, samples), _mean_distance(data, data), _mean_distance(samples, data)
    out = {"to_training": max(2 * sd - ss - dd, 0.0)}
    means = None
    if fresh is not None:
        fresh = _as_points(fresh)
        n = min(len(samples), len(data))
        head = data[:n]
        ff, sf = _mean_distance(fresh, fresh), _mean_distance(samples, fresh)
        hh = dd if n == len(data) else _mean_distance(head, head)
        out["to_fresh"] = max(2 * sf - ss - ff, 0.0)
        out["floor"] = max(2 * _mean_distance(head, fresh) - hh - ff, 0.0)
        means = (sf, ss, ff)
    elif len(samples) >= 2 and len(data) >= 2:
        means = (sd, ss, dd)
    out.update(judge(samples, data, fresh, means=means))
    return out

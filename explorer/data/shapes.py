"""Geometry of point sets: the built-in 2D toy distributions, and freehand strokes resampled.

Each built-in distribution is a plain function ``shape(n, rng)`` returning an (n, 2) float64
array in random order (so any prefix is a fair sample), drawn with the given
``numpy.random.Generator`` and nothing else, so a seed fixes it.
They share one scale, matched to the app's canvas [-4, 4]² and to the N(0, I) noise the model
starts from: centred near the origin, roughly unit standard deviation per axis, and every point
inside [-BOUND, BOUND]². Use :func:`explorer.data.datasets.load` rather than calling these directly:
it checks the arguments and returns the float32 array the rest of the library expects.
"""
from __future__ import annotations

import numpy as np

from explorer.core.errors import ExplorerError

# Every point lies in [-BOUND, BOUND]²: the canvas is [-4, 4]², so this leaves a margin for noise.
BOUND = 2.5
# Thin strokes (face, smile, rings, spiral) are blurred by this std: visible as a line, not a blob.
_STROKE_STD = 0.04
# The "dot" datasets use Gaussian blobs this wide: tight, yet a few pixels across on the canvas.
_BLOB_STD = 0.1
# Radius of the circle holding the blob centres: a point set on a circle of radius r has per-axis
# std r/sqrt(2), so 1.4 gives std ~1.0.
_BLOB_RING = 1.4


def _split(n: int, weights, rng: np.random.Generator) -> list[int]:
    """Split n into random counts with probabilities proportional to ``weights`` (multinomial).

    Random, not rounded: a draw must be an i.i.d. sample of the distribution, or two draws agree on
    the part sizes exactly and the "training set vs fresh draw" floor in bench/ becomes too low for
    any model (which samples i.i.d.) to reach.
    """
    w = np.asarray(weights, dtype=np.float64)
    return rng.multinomial(n, w / w.sum()).tolist()


def _finish(parts: list[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Concatenate the parts, shuffle the rows, and clip to the bound.

    The clip is a guarantee, not a look: every shape is designed with the bound >10 std away, so
    in practice it never moves a point.
    """
    points = np.concatenate(parts, axis=0)
    points = points[rng.permutation(len(points))]
    return np.clip(points, -BOUND, BOUND)


def _arc(n: int, rng: np.random.Generator, radius: float, start: float = 0.0,
         stop: float = 2 * np.pi, centre=(0.0, 0.0), std: float = _STROKE_STD) -> np.ndarray:
    """n points on a circular arc (angles in radians, uniform between start and stop), blurred."""
    theta = rng.uniform(start, stop, size=n)
    xy = np.stack([np.cos(theta), np.sin(theta)], axis=1) * radius + np.asarray(centre)
    return xy + rng.normal(0.0, std, size=(n, 2))


def _disc(n: int, rng: np.random.Generator, radius: float, centre=(0.0, 0.0),
          std: float = _STROKE_STD) -> np.ndarray:
    """n points uniform in a filled disc (sqrt of a uniform radius gives uniform area), blurred."""
    r = radius * np.sqrt(rng.uniform(size=n))
    theta = rng.uniform(0.0, 2 * np.pi, size=n)
    xy = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1) + np.asarray(centre)
    return xy + rng.normal(0.0, std, size=(n, 2))


def _blobs(n: int, rng: np.random.Generator, centres: np.ndarray, std: float = _BLOB_STD) -> np.ndarray:
    """n points shared equally among isotropic Gaussian blobs at the given centres."""
    counts = _split(n, np.ones(len(centres)), rng)
    parts = [c + rng.normal(0.0, std, size=(k, 2)) for c, k in zip(centres, counts, strict=True)]
    return np.concatenate(parts, axis=0)


def _ring_of(k: int, radius: float, phase: float = 0.0) -> np.ndarray:
    """k points evenly spaced on a circle, the first at angle ``phase``."""
    theta = phase + 2 * np.pi * np.arange(k) / k
    return radius * np.stack([np.cos(theta), np.sin(theta)], axis=1)


def smiley(n: int, rng: np.random.Generator) -> np.ndarray:
    """A smiley face: outline circle (radius 1.6), two small round eyes and a smile arc.

    Points are shared roughly by ink length (64% outline, 24% smile, 6% per eye), so the strokes
    look equally dense. Strokes are blurred by std 0.04: thin, which is what makes it a good test
    of whether a model sharpens detail. The app's default dataset.
    """
    n_face, n_smile, n_left, n_right = _split(n, [0.64, 0.24, 0.06, 0.06], rng)
    # Eyes: filled discs of radius 0.16, the same blur as the strokes.
    eyes = [_disc(k, rng, 0.16, centre=(x_eye, 0.5)) for k, x_eye in ((n_left, -0.55), (n_right, 0.55))]
    face = _arc(n_face, rng, 1.6)
    # Smile: arc of radius 1 centred above the middle, from 205 to 335 degrees (the lower part).
    smile = _arc(n_smile, rng, 1.0, np.deg2rad(205), np.deg2rad(335), centre=(0.0, 0.2))
    return _finish([face, smile, *eyes], rng)


def three_dots(n: int, rng: np.random.Generator) -> np.ndarray:
    """Three tight Gaussian blobs (std 0.1) at the corners of an equilateral triangle, apex up.

    The simplest multi-modal set: a model that averages modes puts points between the dots.
    """
    return _finish([_blobs(n, rng, _ring_of(3, _BLOB_RING, phase=np.pi / 2))], rng)


def eight_gaussians(n: int, rng: np.random.Generator) -> np.ndarray:
    """Eight Gaussian blobs (std 0.1) evenly spaced on a circle of radius 1.4."""
    return _finish([_blobs(n, rng, _ring_of(8, _BLOB_RING))], rng)


def moons(n: int, rng: np.random.Generator) -> np.ndarray:
    """Two interleaved half circles ("two moons"), blurred by std 0.06.

    Built on unit half circles, upper (cos t, sin t) and lower (1 - cos t, 0.5 - sin t), then
    centred by their mean (0.5, 0.25) and stretched by (1.2, 1.6), which turns their per-axis std
    (0.87, 0.50) into about (1.0, 0.8) without flattening the moons out of shape.
    """
    n_up, n_down = _split(n, [1, 1], rng)
    t_up, t_down = rng.uniform(0, np.pi, n_up), rng.uniform(0, np.pi, n_down)
    up = np.stack([np.cos(t_up), np.sin(t_up)], axis=1)
    down = np.stack([1 - np.cos(t_down), 0.5 - np.sin(t_down)], axis=1)
    both = (np.concatenate([up, down]) - (0.5, 0.25)) * (1.2, 1.6)
    return _finish([both + rng.normal(0.0, 0.06, size=both.shape)], rng)


def spiral(n: int, rng: np.random.Generator) -> np.ndarray:
    """Two interleaved arms of an Archimedean spiral (r proportional to angle), 1.5 turns each.

    The angle is 3*pi*sqrt(u), u uniform: the arc length of r = c*theta grows like theta², so this
    spreads points evenly along the arm instead of crowding the centre. Outer radius 2.1 gives
    per-axis std ~1; the second arm is the first turned by 180 degrees, so the set is centred.
    """
    n_a, n_b = _split(n, [1, 1], rng)
    theta = 3 * np.pi * np.sqrt(rng.uniform(size=n_a + n_b))
    r = 2.1 * theta / (3 * np.pi)
    arm = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    arm[n_a:] *= -1.0  # second arm: rotate by pi
    return _finish([arm + rng.normal(0.0, _STROKE_STD, size=arm.shape)], rng)


def rings(n: int, rng: np.random.Generator) -> np.ndarray:
    """Three concentric circles of radius 0.6, 1.2 and 1.8, points in proportion to circumference."""
    radii = (0.6, 1.2, 1.8)
    counts = _split(n, radii, rng)
    return _finish([_arc(k, rng, r) for k, r in zip(counts, radii, strict=True)], rng)


def checkerboard(n: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform on the 8 "black" squares of a 4x4 checkerboard covering [-1.75, 1.75]².

    Sharp edges and empty squares: a test of how crisply a model keeps to its support. The side
    3.5 gives per-axis std 3.5/sqrt(12) ~ 1.0.
    """
    half, cells = 1.75, 4
    side = 2 * half / cells
    i, j = np.divmod(np.arange(cells * cells), cells)
    black = np.stack([i, j], axis=1)[(i + j) % 2 == 0]
    corner = black[rng.integers(len(black), size=n)] * side - half
    return _finish([corner + rng.uniform(0.0, side, size=(n, 2))], rng)


# Name -> generator, in the order the app lists them; smiley first, it is the default.
GENERATORS = {
    "smiley": smiley,
    "three_dots": three_dots,
    "moons": moons,
    "spiral": spiral,
    "rings": rings,
    "checkerboard": checkerboard,
    "eight_gaussians": eight_gaussians,
}


# ---- Freehand strokes (see explorer.data.datasets.from_strokes, which adds jitter and checks) ----


def clean_strokes(xs, ys, max_abs: float, kept: list | None = None) -> list[np.ndarray]:
    """Bokeh-style stroke lists as (m, 2) float64 vertex arrays, one per non-empty stroke.

    NaN/inf vertices are dropped and consecutive repeated vertices merged (so every segment has a
    positive length); strokes left empty are skipped (`kept`, if given, receives the index of each
    stroke returned). ExplorerError for mismatched lengths, non-numbers, or coordinates beyond ``max_abs``.
    """
    try:
        n_x, n_y = len(xs), len(ys)
    except TypeError:
        raise ExplorerError("xs and ys must be lists of strokes, each a list of coordinates") from None
    if n_x != n_y:
        raise ExplorerError(f"xs has {n_x} strokes but ys has {n_y}: they must match, one list per stroke")
    strokes = []
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        try:
            x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        except (ValueError, TypeError):
            raise ExplorerError(f"stroke {i} contains something that is not a number") from None
        if x.ndim != 1 or y.ndim != 1:
            raise ExplorerError(f"stroke {i} must be a flat list of coordinates (xs, ys: lists of lists)")
        if len(x) != len(y):
            raise ExplorerError(f"stroke {i} has {len(x)} x values but {len(y)} y values: they must match")
        v = np.stack([x, y], axis=1)
        v = v[np.isfinite(v).all(axis=1)]
        if len(v) and np.abs(v).max() > max_abs:
            raise ExplorerError(f"stroke {i} reaches {np.abs(v).max():.4g}, beyond the allowed {max_abs:g}; "
                                "draw on the canvas or rescale the coordinates")
        if len(v):
            strokes.append(v[np.r_[True, (np.diff(v, axis=0) != 0).any(axis=1)]])
            if kept is not None:
                kept.append(i)
    return strokes


def resample_strokes(strokes: list[np.ndarray], density: float, max_points: int,
                     with_stroke: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Points at uniform arc-length spacing along each polyline (no jitter), as (k, 2) float64.

    A stroke of length L gets ``max(1, round(density * L))`` points, the j-th at arc length
    (j + 1/2) L / count: spacing ~1/density, centred in their intervals so strokes that meet do
    not double their shared end. A zero-length stroke (a click) gets ``max(1, round(density *
    0.05))`` copies of its vertex. Above ``max_points`` in total, evenly spaced entries of the
    whole sequence are kept (uniform coverage), computed without building the full sequence, so
    a huge density costs no memory. ``with_stroke``: also return the stroke each point lies on.
    """
    lengths = [float(np.hypot(*np.diff(s, axis=0).T).sum()) for s in strokes]
    click = max(1, round(density * 0.05))
    counts = np.array([max(1, round(density * length)) if length > 0 else click for length in lengths])
    total = int(counts.sum())
    keep = np.arange(total) if total <= max_points else np.arange(max_points) * total // max_points
    ends = np.cumsum(counts)
    which = np.searchsorted(ends, keep, side="right")  # the stroke each kept index falls in
    out = np.empty((len(keep), 2))
    for i, (stroke, length) in enumerate(zip(strokes, lengths, strict=True)):
        mask = which == i
        if length == 0:
            out[mask] = stroke[0]
            continue
        s = (keep[mask] - (ends[i] - counts[i]) + 0.5) * (length / counts[i])
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(stroke, axis=0).T))])
        out[mask, 0], out[mask, 1] = np.interp(s, arc, stroke[:, 0]), np.interp(s, arc, stroke[:, 1])
    return (out, which) if with_stroke else out

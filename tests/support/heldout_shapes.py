"""Held-out shapes: procedural families with random parameters that no default was ever tuned on.

`shape(family, seed)` draws one shape of a family (its parameters from `seed`) and returns `draw(n, rng)`, which
returns n points of it as float64 (n, 2) in random order: train on `draw(2000, rng0)`, compare with a fresh
`draw(2000, rng1)` of the same shape. Every shape is put on the built-in sets' scale (explorer/data/shapes.py):
centred, per-axis std ~1 for the wider axis, every point inside [-BOUND, BOUND]², by one affine map fixed from a
large draw of the shape, so every draw goes through the same map.

Used by bench/bench_heldout.py and tests/core/test_quality_verdict.py. Report on fresh seeds of the families, never
tune on a fixed few.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from explorer.data.shapes import BOUND

Draw = Callable[[int, np.random.Generator], np.ndarray]


def _counts(n: int, weights, rng) -> list[int]:
    w = np.asarray(weights, dtype=np.float64)
    return rng.multinomial(n, w / w.sum()).tolist()


def _curve_points(n: int, rng, curve: Callable[[np.ndarray], np.ndarray], std: float) -> np.ndarray:
    """n points at uniform arc length along curve(u), u in [0, 1] (tabulated finely), blurred by std."""
    u = np.linspace(0.0, 1.0, 2001)
    xy = curve(u)
    seg = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    s = rng.uniform(0.0, cum[-1], size=n)
    pts = np.stack([np.interp(s, cum, xy[:, 0]), np.interp(s, cum, xy[:, 1])], axis=1)
    return pts + rng.normal(0.0, std, size=(n, 2))


def _blob(n, rng, centre, std, aspect=1.0, angle=0.0) -> np.ndarray:
    z = rng.normal(size=(n, 2)) * [std, std * aspect]
    c, s = np.cos(angle), np.sin(angle)
    return z @ np.array([[c, s], [-s, c]]) + centre


def _mix(n, rng, weights, parts) -> np.ndarray:
    """Concatenate parts[k](count_k, rng) with multinomial counts (an i.i.d. draw of the mixture)."""
    return np.concatenate([make(k, rng) for make, k in zip(parts, _counts(n, weights, rng), strict=True)])


def ring_with_blobs(p: np.random.Generator) -> Draw:
    radius, std = p.uniform(1.0, 2.0), p.uniform(0.02, 0.12)
    k = int(p.integers(1, 5))
    angles, offsets = p.uniform(0, 2 * np.pi, k), p.uniform(-0.6, 0.6, k)
    sizes, weights = p.uniform(0.05, 0.3, k), p.dirichlet(np.ones(k + 1)) + 0.05
    centres = [(radius + o) * np.array([np.cos(a), np.sin(a)]) for a, o in zip(angles, offsets, strict=True)]
    ring = lambda m, r: _curve_points(m, r, lambda u: radius * np.stack([np.cos(2 * np.pi * u),  # noqa: E731
                                                                       np.sin(2 * np.pi * u)], 1), std)
    blobs = [lambda m, r, c=c, s=s: _blob(m, r, c, s) for c, s in zip(centres, sizes, strict=True)]
    return lambda n, rng: _mix(n, rng, weights, [ring, *blobs])


def polyline(p: np.random.Generator) -> Draw:
    k = int(p.integers(3, 8))
    vertices, std = p.uniform(-2, 2, size=(k, 2)), p.uniform(0.02, 0.08)
    return lambda n, rng: _curve_points(n, rng, lambda u: np.stack(
        [np.interp(u, np.linspace(0, 1, k), vertices[:, i]) for i in range(2)], 1), std)


def spiral_arms(p: np.random.Generator) -> Draw:
    arms, turns, std = int(p.integers(1, 4)), p.uniform(0.7, 2.2), p.uniform(0.02, 0.1)
    phase = p.uniform(0, 2 * np.pi)

    def arm(j):
        return lambda m, r: _curve_points(m, r, lambda u: (0.2 + 1.8 * u)[:, None] * np.stack(
            [np.cos(phase + 2 * np.pi * (turns * u + j / arms)), np.sin(phase + 2 * np.pi * (turns * u + j / arms))],
            1), std * (1 + j))
    return lambda n, rng: _mix(n, rng, np.ones(arms), [arm(j) for j in range(arms)])


def unequal_clusters(p: np.random.Generator) -> Draw:
    k = int(p.integers(3, 9))
    centres, weights = p.uniform(-2, 2, size=(k, 2)), p.dirichlet(np.full(k, 0.7)) + 0.01
    stds, aspects, angles = p.uniform(0.05, 0.4, k), p.uniform(0.2, 1.0, k), p.uniform(0, np.pi, k)
    parts = [lambda m, r, i=i: _blob(m, r, centres[i], stds[i], aspects[i], angles[i]) for i in range(k)]
    return lambda n, rng: _mix(n, rng, weights, parts)


def _fourier_curve(p, terms: int, closed: bool):
    coef = p.normal(size=(terms, 4)) / np.arange(1, terms + 1)[:, None] ** 1.5
    span = 2 * np.pi if closed else p.uniform(2.0, 5.0)

    def curve(u):
        th = span * u
        ks = np.arange(1, terms + 1)[None, :]
        x = (coef[:, 0] * np.cos(ks * th[:, None]) + coef[:, 1] * np.sin(ks * th[:, None])).sum(1)
        y = (coef[:, 2] * np.cos(ks * th[:, None]) + coef[:, 3] * np.sin(ks * th[:, None])).sum(1)
        return np.stack([x, y], 1)
    return curve


def thin_stroke(p: np.random.Generator) -> Draw:
    curve, std = _fourier_curve(p, int(p.integers(2, 5)), bool(p.integers(0, 2))), p.uniform(0.005, 0.025)
    return lambda n, rng: _curve_points(n, rng, curve, std)


def thick_stroke(p: np.random.Generator) -> Draw:
    curve, std = _fourier_curve(p, int(p.integers(2, 4)), bool(p.integers(0, 2))), p.uniform(0.12, 0.3)
    return lambda n, rng: _curve_points(n, rng, curve, std)


def filled_polygon(p: np.random.Generator) -> Draw:
    """Uniform inside a random star-shaped polygon (rejection from its box)."""
    k = int(p.integers(3, 9))
    angles = np.sort(p.uniform(0, 2 * np.pi, k))
    radii = p.uniform(0.5, 2.0, k)
    poly = np.stack([radii * np.cos(angles), radii * np.sin(angles)], 1)
    a, b = poly, np.roll(poly, -1, axis=0)  # edges a_i -> b_i

    def inside(q):  # the origin is inside a star-shaped polygon: q is, iff no edge separates it from the origin
        cross_q = (b[:, 0] - a[:, 0]) * (q[:, None, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (q[:, None, 0] - a[:, 0])
        cross_o = (b[:, 0] - a[:, 0]) * (0 - a[:, 1]) - (b[:, 1] - a[:, 1]) * (0 - a[:, 0])
        ang = np.arctan2(q[:, 1], q[:, 0]) % (2 * np.pi)
        edge = (np.searchsorted(angles, ang) - 1) % k  # the edge the ray from the origin through q crosses
        rows = np.arange(len(q))
        return np.sign(cross_q[rows, edge]) == np.sign(cross_o[edge])

    def draw(n, rng):
        out = np.empty((0, 2))
        while len(out) < n:
            cand = rng.uniform(-2, 2, size=(4 * n, 2))
            out = np.concatenate([out, cand[inside(cand)]])
        return out[:n]
    return draw


def weighted_rings(p: np.random.Generator) -> Draw:
    k = int(p.integers(2, 5))
    radii, weights = np.sort(p.uniform(0.3, 2.0, k)), p.dirichlet(np.ones(k)) + 0.05
    stds, centre_shift = p.uniform(0.02, 0.1, k), p.uniform(-0.4, 0.4, size=(k, 2))
    parts = [lambda m, r, i=i: _curve_points(m, r, lambda u: radii[i] * np.stack(
        [np.cos(2 * np.pi * u), np.sin(2 * np.pi * u)], 1) + centre_shift[i], stds[i]) for i in range(k)]
    return lambda n, rng: _mix(n, rng, weights, parts)


def lissajous(p: np.random.Generator) -> Draw:
    a, b = int(p.integers(1, 5)), int(p.integers(1, 5))
    delta, std = p.uniform(0, np.pi), p.uniform(0.015, 0.06)
    return lambda n, rng: _curve_points(n, rng, lambda u: np.stack(
        [np.sin(2 * np.pi * a * u + delta), np.sin(2 * np.pi * b * u)], 1), std)


def dots_and_lines(p: np.random.Generator) -> Draw:
    """A few straight strokes and a few tight dots, in random proportions."""
    lines, dots = int(p.integers(1, 4)), int(p.integers(1, 5))
    ends, centres = p.uniform(-2, 2, size=(lines, 2, 2)), p.uniform(-2, 2, size=(dots, 2))
    std, dot_std = p.uniform(0.02, 0.06), p.uniform(0.03, 0.12)
    parts = [lambda m, r, e=e: _curve_points(m, r, lambda u: e[0] + u[:, None] * (e[1] - e[0]), std) for e in ends]
    parts += [lambda m, r, c=c: _blob(m, r, c, dot_std) for c in centres]
    weights = p.dirichlet(np.ones(lines + dots)) + 0.05
    return lambda n, rng: _mix(n, rng, weights, parts)


def crescents(p: np.random.Generator) -> Draw:
    """Thick arcs (annulus sectors) of random span and width."""
    k = int(p.integers(1, 4))
    radii, widths = p.uniform(0.8, 2.0, k), p.uniform(0.1, 0.5, k)
    starts, spans = p.uniform(0, 2 * np.pi, k), p.uniform(0.8, 4.0, k)

    def arc(i):
        def make(m, r):
            th = starts[i] + spans[i] * r.uniform(size=m)
            rad = radii[i] + widths[i] * (r.uniform(size=m) - 0.5)
            return np.stack([rad * np.cos(th), rad * np.sin(th)], 1)
        return make
    weights = p.dirichlet(np.ones(k)) + 0.1
    return lambda n, rng: _mix(n, rng, weights, [arc(i) for i in range(k)])


FAMILIES: dict[str, Callable[[np.random.Generator], Draw]] = {
    f.__name__: f for f in (ring_with_blobs, polyline, spiral_arms, unequal_clusters, thin_stroke, thick_stroke,
                            filled_polygon, weighted_rings, lissajous, dots_and_lines, crescents)
}


def shape(family: str, seed: int) -> Draw:
    """One shape of `family` (its parameters drawn from `seed`), put on the data's scale; `draw(n, rng)` -> (n, 2)."""
    raw = FAMILIES[family](np.random.default_rng([seed, 7919]))
    big = raw(20_000, np.random.default_rng([seed, 104729]))
    centre = (big.min(0) + big.max(0)) / 2
    scale = min(1.0 / big.std(0).max(), 0.95 * BOUND / np.abs(big - centre).max())

    def draw(n: int, rng: np.random.Generator) -> np.ndarray:
        pts = (raw(n, rng) - centre) * scale
        return np.clip(pts[rng.permutation(n)], -BOUND, BOUND)
    return draw

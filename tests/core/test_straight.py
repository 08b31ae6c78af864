"""Straight paths: the straightness measure on known paths, exact minibatch OT, and that OT couplings and
reflow straighten a flow and make one step go far; flow matching from any source distribution."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

import explorer as dx
from explorer.core.couplings import assign, ot_pairs
from explorer.core.samplers import SampleRun, SamplingSettings


def _run(points: np.ndarray, times: np.ndarray) -> SampleRun:
    return SampleRun(points.astype(np.float32), times, points.astype(np.float32), SamplingSettings())


def test_straightness_is_zero_on_straight_lines_and_known_on_a_bend():
    t = np.linspace(1, 0, 11)
    start, end = np.array([[1.0, 2.0], [-1.0, 0.5]]), np.array([[0.0, 0.0], [2.0, 2.0]])
    line = start[None] + (1 - t)[:, None, None] * (end - start)[None]
    s = dx.straightness(_run(line, t))
    assert s.mean == pytest.approx(0, abs=1e-10) and np.allclose(s.length_ratio, 1)
    # one point: right along x for the first half of the time, then up: the chord's velocity is (-1, -1)/-1
    # per unit t... each half moves 1 in 0.5 of t, velocity 2 along one axis, chord (1, 1): |(2,0)-(1,1)|² = 2
    bend = np.array([[[0.0, 0.0]]] * 11)
    for k, tk in enumerate(t):
        u = 1 - tk
        bend[k, 0] = (min(2 * u, 1.0), max(2 * u - 1, 0.0))
    s = dx.straightness(_run(bend, t))
    assert s.mean == pytest.approx(2.0) and s.length_ratio[0] == pytest.approx(2 / np.sqrt(2))


def test_the_ot_assignment_is_the_cheapest_permutation():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(6, 2)), rng.normal(size=(6, 2)) * 2
    best = min(itertools.permutations(range(6)), key=lambda p: ((a - b[list(p)]) ** 2).sum())
    np.testing.assert_array_equal(assign(a, b), best)
    x0, x1 = torch.randn(300, 2), torch.randn(300, 2)
    paired = ot_pairs(x0, x1)
    assert sorted(map(tuple, paired.numpy())) == sorted(map(tuple, x1.numpy()))  # a reordering of x1
    assert ((x0 - paired) ** 2).sum() < 0.6 * ((x0 - x1) ** 2).sum()


@pytest.mark.parametrize("n", [32, 128, 400])
def test_the_assignment_reaches_pots_exact_optimum(n):
    """scipy's assignment against POT's network simplex (an outside implementation): the same total cost."""
    import ot  # a test extra (pyproject.toml)
    rng = np.random.default_rng(n)
    a, b = rng.normal(size=(n, 2)) + [2.0, 0.0], rng.normal(size=(n, 2))
    cost = ((a[:, None] - b[None]) ** 2).sum(-1)
    optimum = float(ot.emd2(np.full(n, 1 / n), np.full(n, 1 / n), cost)) * n
    p = assign(a, b)
    assert sorted(p) == list(range(n))
    assert cost[np.arange(n), p].sum() == pytest.approx(optimum, rel=1e-9)


@pytest.fixture(scope="module")
def flows():
    data = dx.datasets.load("three_dots", n=1000)
    cfg = dx.TrainConfig(steps=400, width=64, snapshot_every=0)
    base = dx.train(data, cfg)
    return data, base, dx.train(data, dx.TrainConfig(**{**cfg.to_dict(), "coupling": "ot"})), dx.reflow(base, n=1000)


def _s(model):
    return dx.straightness(dx.sample(model, n=400, sampler="heun", steps=40, seed=1)).mean


def test_ot_coupling_and_reflow_straighten_the_flow(flows):
    _, base, ot, reflowed = flows
    assert _s(ot) < 0.2 * _s(base) and _s(reflowed) < 0.2 * _s(base)


def test_after_reflow_one_step_is_nearly_as_good_as_fifty(flows):
    data, base, _, reflowed = flows
    fresh = dx.datasets.load("three_dots", n=1000, seed=7)

    def ed(model, steps):
        return dx.metrics.energy_distance(dx.sample(model, n=1000, sampler="euler", steps=steps).samples, fresh)

    assert ed(reflowed, 1) < 0.2 * ed(base, 1)
    assert ed(reflowed, 1) < 3 * ed(reflowed, 50)


def test_flow_matching_from_any_source():
    smiley, dots = dx.datasets.load("smiley", n=1000), dx.datasets.load("three_dots", n=1000)
    model = dx.train(smiley, dx.TrainConfig(steps=400, snapshot_every=0), source=dots)
    run = dx.sample(model, n=500, steps=20)
    start = {tuple(p) for p in dots}
    assert all(tuple(p) in start for p in run.points[0])  # it starts on the source's points
    fresh = dx.datasets.load("smiley", n=1000, seed=3)
    assert dx.metrics.energy_distance(run.samples, fresh) < 0.1 * dx.metrics.energy_distance(dots, fresh)


def test_what_needs_gaussian_noise_says_so():
    pts = dx.datasets.load("moons", n=100)
    with pytest.raises(dx.ExplorerError, match="is defined by Gaussian noise"):
        dx.train(pts, dx.TrainConfig(objective="eps", schedule="linear", steps=2), source=pts)
    with pytest.raises(dx.ExplorerError, match="use it with the 'rectified' schedule"):
        dx.TrainConfig(schedule="cosine", objective="eps", coupling="ot")
    with pytest.raises(dx.ExplorerError, match="reflow straightens a flow-matching model"):
        dx.reflow(dx.train(pts, dx.TrainConfig(objective="eps", schedule="cosine", steps=2)))


def test_ot_batches_are_paired_ahead_by_a_worker_that_ends_with_them():
    """paired_batches: each batch's noise is ot_pairs of what draw() gave, in order; closing ends the thread."""
    import threading

    from explorer.core.couplings import paired_batches

    gen = torch.Generator().manual_seed(0)
    drawn = []

    def draw():
        x0, eps = torch.randn(64, 2, generator=gen), torch.randn(64, 2, generator=gen)
        drawn.append((x0, eps))
        return None, x0, eps

    batches = paired_batches(draw, ot=True)
    for k in range(3):
        _, x0, paired = next(batches)
        assert torch.equal(x0, drawn[k][0]) and torch.equal(paired, ot_pairs(*drawn[k]))
    assert len(drawn) == 4  # one batch ahead
    assert any(t.name.startswith("explorer-ot") for t in threading.enumerate())
    batches.close()
    assert not any(t.name.startswith("explorer-ot") for t in threading.enumerate())

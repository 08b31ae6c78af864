"""Tests for explorer.core.metrics: energy distance and sliced Wasserstein."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer.core import metrics
from explorer.core.errors import ExplorerError

point_sets = st.integers(1, 12).flatmap(
    lambda n: arrays(np.float64, (n, 2), elements=st.floats(-10, 10, allow_nan=False, width=32))
)


def _ed_by_definition(a, b):
    """The V-statistic written out with full distance matrices (small sets only)."""
    d = lambda p, q: np.sqrt(((p[:, None, :] - q[None, :, :]) ** 2).sum(-1)).mean()  # noqa: E731
    return 2 * d(a, b) - d(a, a) - d(b, b)


def test_energy_distance_of_a_set_with_itself_is_zero():
    a = np.random.default_rng(0).normal(size=(500, 2))
    assert metrics.energy_distance(a, a) == 0.0
    assert metrics.energy_distance(a, a[::-1].copy()) == pytest.approx(0.0, abs=1e-12)


def test_energy_distance_between_two_points_is_twice_their_distance():
    p, q = np.array([[0.5, -1.0]]), np.array([[3.5, 3.0]])
    assert metrics.energy_distance(p, q) == pytest.approx(2 * 5.0, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(point_sets, point_sets)
def test_energy_distance_is_symmetric_non_negative_and_matches_the_definition(a, b):
    ab, ba = metrics.energy_distance(a, b), metrics.energy_distance(b, a)
    assert ab >= 0.0
    assert ab == pytest.approx(ba, rel=1e-9, abs=1e-12)
    assert ab == pytest.approx(max(_ed_by_definition(a, b), 0.0), rel=1e-9, abs=1e-9)


def test_energy_distance_is_non_negative_on_random_sets_of_different_sizes():
    rng = np.random.default_rng(1)
    for n, m in [(3, 700), (256, 255), (1000, 10)]:
        a, b = rng.normal(size=(n, 2)), rng.standard_t(3, size=(m, 2))
        assert metrics.energy_distance(a, b) > 0.0


def test_energy_distance_decreases_as_one_set_approaches_the_other():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(400, 2)) * [1.0, 0.3]
    shift = np.array([1.0, -0.5])
    # D(a, a + s c) = 2 E|X - X' - s c| - 2 E|X - X'|: convex and even in s, so monotone in |s|.
    ds = [metrics.energy_distance(a, a + s * shift) for s in (2.0, 1.0, 0.5, 0.25, 0.1, 0.0)]
    assert all(x > y for x, y in zip(ds[:-1], ds[1:], strict=True))
    assert ds[-1] == 0.0
    # A fresh draw of the same distribution is closer than any of the shifted copies.
    fresh = rng.normal(size=(400, 2)) * [1.0, 0.3]
    assert metrics.energy_distance(a, fresh) < ds[-2]


def test_energy_distance_accepts_torch_and_lists_and_is_chunked_exactly(monkeypatch):
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(300, 2)), rng.normal(size=(200, 2)) + 0.3
    whole = metrics.energy_distance(a, b)
    assert metrics.energy_distance(torch.tensor(a), torch.tensor(b, dtype=torch.float64)) == whole
    assert metrics.energy_distance(a.tolist(), b) == whole
    monkeypatch.setattr(metrics, "_CHUNK_PAIRS", 1000)  # many small chunks
    assert metrics.energy_distance(a, b) == pytest.approx(whole, rel=1e-12)
    assert whole == pytest.approx(_ed_by_definition(a, b), rel=1e-12)


@pytest.mark.parametrize(
    "bad", [np.zeros((5, 3)), np.zeros(4), np.zeros((0, 2)), np.array([[0.0, np.nan]]), "points"]
)
def test_metrics_reject_bad_point_sets(bad):
    ok = np.zeros((4, 2))
    with pytest.raises(ExplorerError):
        metrics.energy_distance(bad, ok)
    with pytest.raises(ExplorerError):
        metrics.sliced_wasserstein(ok, bad)


def test_sliced_wasserstein_of_a_set_with_itself_is_zero():
    a = np.random.default_rng(4).normal(size=(300, 2))
    assert metrics.sliced_wasserstein(a, a) == 0.0
    assert metrics.sliced_wasserstein(a, a[::-1].copy()) == 0.0  # order does not matter


@pytest.mark.parametrize("c", [(1.0, 0.0), (0.3, -2.0), (-0.05, 0.02)])
def test_sliced_wasserstein_of_a_shift_is_its_length_over_root_two(c):
    # W2(theta.X, theta.X + theta.c) = |theta.c| and the mean of (theta.c)² over the circle is |c|²/2.
    a = np.random.default_rng(5).normal(size=(400, 2))
    sw = metrics.sliced_wasserstein(a, a + np.array(c), n_projections=512, seed=7)
    assert sw == pytest.approx(math.hypot(*c) / math.sqrt(2), rel=0.02)


def test_sliced_wasserstein_is_deterministic_for_a_seed_and_handles_unequal_sizes():
    rng = np.random.default_rng(6)
    a, b = rng.normal(size=(500, 2)), rng.normal(size=(333, 2)) * [2.0, 0.5]
    assert metrics.sliced_wasserstein(a, b, seed=3) == metrics.sliced_wasserstein(a, b, seed=3)
    values = [metrics.sliced_wasserstein(a, b, n_projections=64, seed=s) for s in range(5)]
    assert len(set(values)) > 1  # the seed rotates the directions ...
    assert max(values) - min(values) < 0.02 * np.mean(values)  # ... but the estimate is stable
    assert metrics.sliced_wasserstein(a, b) == pytest.approx(metrics.sliced_wasserstein(b, a), rel=1e-12)
    # Two sets of sizes 2 and 1: projections {0, d} and {0} at levels 1/4, 3/4 -> W2² = (theta.d)²/2.
    two, one = np.array([[0.0, 0.0], [2.0, 0.0]]), np.array([[0.0, 0.0]])
    assert metrics.sliced_wasserstein(two, one) == pytest.approx(math.sqrt(4.0 / 2 / 2), rel=1e-9)


def test_sliced_wasserstein_rejects_bad_projection_counts():
    a = np.zeros((3, 2))
    for bad in (0, -5, 2.5):
        with pytest.raises(ExplorerError):
            metrics.sliced_wasserstein(a, a, n_projections=bad)

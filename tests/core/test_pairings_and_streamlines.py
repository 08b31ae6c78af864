"""The pairing view's numbers and the streamlines layer's integration, on cases with known answers: crossings of
hand-made segments, OT of a translated set (parallel segments, none cross), streamlines of a constant field
(straight lines) and of a linear field (the matrix exponential), and a model's streamlines (same velocity as
the arrows of the Vector field layer)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.linalg import expm

from explorer import GaussianDenoiser
from explorer.core.couplings import crossing_matrix, crossings, ot_pairs, pair_batch
from explorer.core.errors import ExplorerError
from explorer.core.streamlines import integrate, motion, seed_grid, streamlines


def test_crossings_of_hand_made_segments():
    a = np.array([[0.0, 0.0], [0.0, 1.0], [2.0, 0.0], [3.0, 0.0]])
    b = np.array([[1.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 5.0]])
    # 0 and 1 form an X; 2 and 3 are parallel verticals beside it
    m = crossing_matrix(a, b)
    assert m[0, 1] and m[1, 0] and m.sum() == 2
    assert crossings(a, b) == 1
    # touching at an end (a T) and collinear overlap do not count
    assert crossings(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[2.0, 0.0], [1.0, 1.0]])) == 0
    assert crossings(np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([[2.0, 0.0], [3.0, 0.0]])) == 0
    # a star of 5 segments through one region, all crossing each other: 5 choose 2
    ang = np.linspace(0, np.pi, 5, endpoint=False) + 0.1
    u = np.stack([np.cos(ang), np.sin(ang)], 1)
    assert crossings(-u, u) == 10


def test_ot_pairing_of_a_translated_set_is_the_translation_and_never_crosses():
    rng = np.random.default_rng(3)
    x0 = rng.normal(size=(128, 2))
    shift = np.array([3.0, 1.0])
    shuffled = (x0 + shift)[rng.permutation(128)]  # the translated set in random order: a random pairing
    paired = ot_pairs(torch.from_numpy(x0), torch.from_numpy(shuffled), chunk=128).numpy()  # one chunk: all
    np.testing.assert_allclose(paired - x0, np.tile(shift, (128, 1)), atol=1e-12)  # OT undoes the shuffle
    assert crossings(x0, paired) == 0  # parallel segments
    assert crossings(x0, shuffled) > 1000  # random pairs of 128 segments cross in the thousands
    # in chunks of 32 (training's), shuffled within each chunk and a remainder of 8: each chunk undone alike
    x0 = rng.normal(size=(136, 2))
    within = np.concatenate([start + rng.permutation(min(32, 136 - start)) for start in range(0, 136, 32)])
    paired = ot_pairs(torch.from_numpy(x0), torch.from_numpy((x0 + shift)[within]), chunk=32).numpy()
    np.testing.assert_allclose(paired - x0, np.tile(shift, (136, 1)), atol=1e-12)


def test_gaussian_batches_cross_much_less_with_ot():
    data = np.random.default_rng(1).uniform(-2, 2, size=(2000, 2))
    ind, ot = (pair_batch(data, 128, c, seed=5) for c in ("independent", "ot"))
    n_ind, n_ot = crossings(*ind), crossings(*ot)
    assert n_ind > 1000 and n_ot < n_ind / 5, (n_ind, n_ot)  # chunks of 32: the crossings left are between them
    assert np.linalg.norm(ot[1] - ot[0], axis=1).mean() < 0.8 * np.linalg.norm(ind[1] - ind[0], axis=1).mean()
    np.testing.assert_allclose(ind[0], ot[0])  # the same data rows and the same noise, paired differently


def test_pair_batch_rejects_bad_input_clearly():
    with pytest.raises(ExplorerError, match="unknown coupling 'sinkhorn'"):
        pair_batch(np.zeros((5, 2)), 4, "sinkhorn")
    with pytest.raises(ExplorerError, match=r"\(n, 2\) points"):
        pair_batch(np.zeros((5, 3)), 4)
    with pytest.raises(ExplorerError, match="n must be a whole number"):
        pair_batch(np.zeros((5, 2)), 1)


def test_streamlines_of_a_constant_field_are_straight_lines():
    seeds = seed_grid(3, (-1, 1, -1, 1))
    lines = integrate(lambda x: np.tile([0.5, -0.25], (len(x), 1)), seeds, 0.1, 10)
    expect = seeds[:, None, :] + 0.1 * np.arange(11)[None, :, None] * np.array([0.5, -0.25])
    np.testing.assert_allclose(lines, expect, atol=1e-12)


def test_streamlines_of_a_linear_field_follow_the_matrix_exponential():
    A = np.array([[-0.3, 1.0], [-1.0, -0.3]])  # a decaying spiral
    seeds = np.array([[1.0, 0.0], [0.0, 2.0], [-1.5, 0.5]])
    lines = integrate(lambda x: x @ A.T, seeds, 0.05, 40)
    for k in (10, 40):
        np.testing.assert_allclose(lines[:, k], seeds @ expm(A * 0.05 * k).T, atol=1e-6)


def test_a_line_leaving_the_box_is_nan_from_there_on():
    lines = integrate(lambda x: np.tile([1.0, 0.0], (len(x), 1)), np.array([[0.0, 0.0]]), 0.3, 10, box=(-1, 1, -1, 1))
    assert np.isfinite(lines[0, :4]).all() and np.isnan(lines[0, 4:]).all()  # x = 0.9 at step 3, 1.2 at step 4


def test_a_models_streamlines_use_the_vector_fields_velocity():
    # the exact denoiser of a Gaussian: at t = 0.5 on the straight path the field is linear in x
    model = GaussianDenoiser([1.0, -0.5], 0.2 * np.eye(2), "rectified")
    seeds = seed_grid(4, (-2, 2, -2, 2))
    lines = streamlines(model, [0.9, 0.5], seeds, length=0.6, steps=12)
    assert lines.shape == (2, 16, 13, 2)
    np.testing.assert_allclose(lines[:, :, 0], np.stack([seeds, seeds]))
    # a first step follows -v(x, t) of the model itself
    v = -model.velocity(torch.tensor(seeds, dtype=torch.float32), torch.full((16, 1), 0.5)).double().numpy()
    np.testing.assert_allclose(motion(model, seeds, 0.5), v, rtol=1e-5)
    step = lines[1, :, 1] - seeds
    cos = (step * v).sum(1) / np.linalg.norm(step, axis=1) / np.linalg.norm(v, axis=1)
    assert cos.min() > 0.99
    # a seed at the median speed would go `length` in `steps` steps at its starting speed
    first = np.linalg.norm(lines[:, :, 1] - lines[:, :, 0], axis=-1)
    np.testing.assert_allclose(np.median(first, axis=1) * 12, [0.6, 0.6], rtol=0.05)


def test_streamlines_reject_bad_input_clearly():
    model = GaussianDenoiser([0.0, 0.0], np.eye(2), "rectified")
    with pytest.raises(ExplorerError, match="length must be a positive number"):
        streamlines(model, [0.5], seed_grid(2, (-1, 1, -1, 1)), length=0.0)
    with pytest.raises(ExplorerError, match="seeds must be"):
        integrate(lambda x: x, np.zeros(4), 0.1, 3)

"""The exact denoisers against independent computations: an explicit softmax for the oracle, and the
Gaussian conditional written out by hand (Bayes for jointly Gaussian x0 and x_t) for GaussianDenoiser."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import explorer as dx

POINTS = np.array([[0.0, 0.0], [1.5, 0.5], [-1.0, 2.0], [0.3, -1.7], [2.2, 2.2]])
CASES = [(s, t) for s in ("linear", "cosine", "rectified") for t in (0.05, 0.3, 0.7, 0.95)]


def ab(schedule, t):
    sch, tt = dx.get_schedule(schedule), torch.tensor(t, dtype=torch.float64)
    return float(sch.alpha(tt)), float(sch.sigma(tt))


@pytest.mark.parametrize("schedule,t", CASES)
def test_oracle_is_the_softmax_over_the_points(schedule, t):
    a, s = ab(schedule, t)
    x = np.random.default_rng(0).normal(size=(7, 2)) * 1.5
    x0, eps = dx.OracleDenoiser(POINTS, schedule).denoise(torch.tensor(x), t)
    for i, xi in enumerate(x):
        logits = np.array([-np.sum((xi - a * p) ** 2) / (2 * s**2) for p in POINTS])
        w = np.exp(logits - logits.max())
        w /= w.sum()
        np.testing.assert_allclose(x0[i].numpy(), w @ POINTS, atol=1e-5)
        np.testing.assert_allclose(eps[i].numpy(), (xi - a * (w @ POINTS)) / s, atol=1e-4)


@pytest.mark.parametrize("schedule,t", CASES)
def test_gaussian_denoiser_is_the_conditional_mean(schedule, t):
    a, s = ab(schedule, t)
    mean, cov = np.array([0.5, -1.0]), np.array([[0.8, 0.3], [0.3, 0.5]])
    x = np.random.default_rng(1).normal(size=(5, 2))
    x0, _ = dx.GaussianDenoiser(mean, cov, schedule).denoise(torch.tensor(x), t)
    # (x0, x_t) is jointly Gaussian: Cov(x0, x_t) = a cov, Var(x_t) = a² cov + s² I
    gain = a * cov @ np.linalg.inv(a**2 * cov + s**2 * np.eye(2))
    np.testing.assert_allclose(x0.numpy(), mean + (x - a * mean) @ gain.T, atol=1e-6)

"""explorer.core.density_flow: log p carried along the probability-flow ODE, and the divergence exact or by
Hutchinson's estimator (dx.density.log_density_along, dx.density.divergence)."""
import numpy as np
import pytest
import torch

import explorer as dx
from explorer.core import density
from explorer.core.denoisers import GaussianDenoiser, OracleDenoiser
from explorer.core.errors import ExplorerError

MU = np.array([0.5, -0.3])
SIGMA = np.array([[1.0, 0.4], [0.4, 0.6]])


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _gaussian_log_pdf(x, mean, cov):
    d = x - mean
    quad = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    return -0.5 * quad - 0.5 * np.log(np.linalg.det(2 * np.pi * cov))


def test_log_p_along_the_path_is_the_gaussian_marginal_at_every_frame():
    g = GaussianDenoiser(MU, SIGMA, "rectified")
    x1 = np.random.default_rng(0).normal(size=(40, 2))
    path = dx.density.log_density_along(g, x1, steps=100)
    assert path.times.shape == (101,) and path.points.shape == (101, 40, 2) and path.log_p.shape == (101, 40)
    assert path.times[0] == 1.0 and path.times[-1] == pytest.approx(1e-3)
    np.testing.assert_allclose(path.points[0], x1)
    np.testing.assert_allclose(path.log_p[0], _gaussian_log_pdf(x1, np.zeros(2), np.eye(2)), atol=1e-12)
    for f, t in enumerate(path.times):  # N((1 - t) mu, (1 - t)² Sigma + t² I) on the rectified path
        exact = _gaussian_log_pdf(path.points[f], (1 - t) * MU, (1 - t) ** 2 * SIGMA + t**2 * np.eye(2))
        np.testing.assert_allclose(path.log_p[f], exact, atol=1e-3, err_msg=f"frame {f}, t = {t}")
    # The density rises towards the data (Sigma is tighter than I): the sign of -div v is right.
    assert path.log_p[-1].mean() > path.log_p[0].mean() + 0.3
    np.testing.assert_array_equal(path["log_p"], path.log_p)


def test_the_last_frame_agrees_with_log_density():
    g = GaussianDenoiser(MU, SIGMA, "rectified")
    path = density.log_density_along(g, np.random.default_rng(1).normal(size=(30, 2)), steps=64)
    back = density.log_density(g, path.points[-1], steps=64, t_min=float(path.times[-1]))
    np.testing.assert_allclose(path.log_p[-1], back, atol=1e-4)


def test_a_finer_grid_halves_the_error_four_times_heun():
    g = GaussianDenoiser(MU, SIGMA, "rectified")
    x1 = np.random.default_rng(2).normal(size=(20, 2))
    errs = []
    for steps in (10, 20):
        p = density.log_density_along(g, x1, steps=steps)
        t = p.times[-1]
        exact = _gaussian_log_pdf(p.points[-1], (1 - t) * MU, (1 - t) ** 2 * SIGMA + t**2 * np.eye(2))
        errs.append(np.abs(p.log_p[-1] - exact).max())
    assert 2.5 < errs[0] / errs[1] < 6, errs  # second order: about 4


def test_exact_divergence_matches_finite_differences_on_the_oracle():
    pts = np.random.default_rng(3).normal(size=(50, 2))
    oracle = OracleDenoiser(pts, "rectified")
    x, t, h = np.random.default_rng(4).normal(size=(6, 2)), 0.4, 1e-5
    div = density.divergence(oracle, x, t)
    fd = np.zeros(len(x))
    for i in range(2):
        e = np.zeros(2)
        e[i] = h
        vp = oracle.velocity(torch.from_numpy(x + e), t).numpy()
        vm = oracle.velocity(torch.from_numpy(x - e), t).numpy()
        fd += (vp[:, i] - vm[:, i]) / (2 * h)
    np.testing.assert_allclose(div, fd, rtol=1e-5, atol=1e-6)


def test_hutchinson_mean_converges_to_the_exact_divergence():
    oracle = OracleDenoiser(np.random.default_rng(5).normal(size=(80, 2)), "rectified")
    x = np.random.default_rng(6).normal(size=(5, 2))
    exact = density.divergence(oracle, x, 0.3)
    single = density.divergence(oracle, x, 0.3, probes=4096, seed=1, per_probe=True)  # (k, n)
    assert single.shape == (4096, 5)
    spread = single.std(0)
    assert spread.min() > 1e-3  # the estimator is noisy here: the test has something to converge
    err = np.abs(single.mean(0) - exact)
    assert (err < 4 * spread / np.sqrt(4096)).all(), (err, spread)
    np.testing.assert_allclose(density.divergence(oracle, x, 0.3, probes=4096, seed=1), single.mean(0))
    few = np.abs(density.divergence(oracle, x, 0.3, probes=4, seed=1) - exact).mean()
    assert err.mean() < few


def test_hutchinson_variance_falls_like_one_over_k():
    # The Gaussian's velocity is linear, so its Jacobian J is the same at every point: one point repeated
    # 4000 times gives 4000 independent draws of the estimator (fresh probes per row).
    g = GaussianDenoiser(MU, SIGMA, "rectified")
    x = np.tile([[0.3, -0.2]], (4000, 1))
    exact = density.divergence(g, x[:1], 0.5)[0]
    var = {k: density.divergence(g, x, 0.5, probes=k, seed=7).var() for k in (1, 4, 16)}
    assert var[1] > 1e-3
    assert 16 * 0.9 < var[1] / var[16] < 16 * 1.1, var
    assert 4 * 0.9 < var[1] / var[4] < 4 * 1.1, var
    assert abs(density.divergence(g, x, 0.5, probes=16, seed=7).mean() - exact) < 3 * np.sqrt(var[16] / 4000)
    same = density.divergence(g, x[:10], 0.5, probes=4, seed=3)
    np.testing.assert_array_equal(same, density.divergence(g, x[:10], 0.5, probes=4, seed=3))  # seeded


@pytest.mark.parametrize("kwargs, what", [
    (dict(x=np.zeros((3, 3)), t=0.5), "shape"),
    (dict(x=np.zeros((3, 2)), t=1.5), "t must be in"),
    (dict(x=np.zeros((3, 2)), t=0.5, probes=0), "probes must be a whole number"),
    (dict(x=np.zeros((3, 2)), t=0.5, probes=2.5), "probes must be a whole number"),
    (dict(x=np.zeros((3, 2)), t=0.5, per_probe=True), "per_probe needs probes"),
])
def test_divergence_bad_input(kwargs, what):
    with pytest.raises(ExplorerError, match=what):
        density.divergence(GaussianDenoiser(MU, SIGMA), **kwargs)


@pytest.mark.parametrize("kwargs, what", [
    (dict(x_init=np.zeros((3, 1))), "shape"),
    (dict(x_init=np.zeros((3, 2)), steps=0), "steps must be a whole number"),
    (dict(x_init=np.zeros((3, 2)), t_min=1.0), "t_min must be in"),
    (dict(x_init=np.zeros((3, 2)), t_min=-0.5), "t_min must be in"),
])
def test_log_density_along_bad_input(kwargs, what):
    with pytest.raises(ExplorerError, match=what):
        density.log_density_along(GaussianDenoiser(MU, SIGMA), **kwargs)

"""OracleDenoiser.posterior: who the exact denoiser listens to, w_i(x, t) = softmax_i(-|x - alpha p_i|² / 2 sigma²)."""
import numpy as np
import pytest
import torch
from scipy.special import expit

from explorer.core.denoisers import OracleDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.schedules import get_schedule


def _alpha_sigma(schedule, t):
    sched, tt = get_schedule(schedule), torch.tensor(float(t), dtype=torch.float64)
    return float(sched.alpha(tt)), float(sched.sigma(tt))


@pytest.mark.parametrize("schedule", ["rectified", "cosine", "linear"])
@pytest.mark.parametrize("t", [0.05, 0.3, 0.7, 0.95])
def test_two_points_follow_the_logistic_in_the_distance_difference(schedule, t):
    pts = np.array([[-1.0, 0.5], [1.5, -0.25]])
    x = np.random.default_rng(1).normal(scale=1.5, size=(64, 2))
    w = OracleDenoiser(pts, schedule).posterior(x, t)
    a, s = _alpha_sigma(schedule, t)
    d1 = ((x - a * pts[0]) ** 2).sum(1)
    d2 = ((x - a * pts[1]) ** 2).sum(1)
    w1 = expit((d2 - d1) / (2 * s**2))  # w_1 = sigmoid((|x - a p2|² - |x - a p1|²) / 2s²)
    assert w.shape == (64, 2)
    np.testing.assert_allclose(w[:, 0], w1, atol=1e-6)
    np.testing.assert_allclose(w.sum(1), 1.0, atol=1e-12)


def test_rows_sum_to_one_and_weight_the_points_into_the_denoisers_x0():
    pts = np.random.default_rng(2).normal(size=(300, 2))
    x = np.random.default_rng(3).normal(size=(50, 2))
    oracle = OracleDenoiser(pts, "rectified", chunk=7)  # several blocks of rows
    w = oracle.posterior(x, 0.4)
    np.testing.assert_allclose(w.sum(1), 1.0, atol=1e-12)
    assert (w >= 0).all()
    x0, _ = oracle.denoise(torch.from_numpy(x), 0.4)
    np.testing.assert_allclose(w @ pts, x0.numpy(), atol=1e-5)
    np.testing.assert_allclose(OracleDenoiser(pts, "rectified").posterior(x, 0.4), w, atol=1e-12)


def test_one_time_per_row():
    pts = np.random.default_rng(4).normal(size=(20, 2))
    x = np.random.default_rng(5).normal(size=(3, 2))
    oracle, ts = OracleDenoiser(pts), np.array([0.1, 0.5, 0.9])
    w = oracle.posterior(x, ts)
    for i, t in enumerate(ts):
        np.testing.assert_allclose(w[i], oracle.posterior(x[i: i + 1], t)[0], atol=1e-12)


def test_concentrates_on_the_nearest_point_as_t_goes_to_zero():
    pts = np.random.default_rng(6).normal(size=(200, 2))
    x = np.random.default_rng(7).normal(size=(40, 2))
    oracle = OracleDenoiser(pts, "rectified")
    top = [oracle.posterior(x, t).max(1).min() for t in (0.3, 0.1, 0.01, 1e-4)]
    assert np.all(np.diff(top) >= -1e-12), top  # the winner's share only grows
    w = oracle.posterior(x, 1e-4)
    a, _ = _alpha_sigma("rectified", 1e-4)
    nearest = ((x[:, None] - a * pts[None]) ** 2).sum(-1).argmin(1)
    assert (w.argmax(1) == nearest).all()
    assert w[np.arange(40), nearest].min() > 1 - 1e-6


def test_tends_to_uniform_as_t_goes_to_one_on_a_centred_set():
    pts = np.random.default_rng(8).normal(size=(500, 2))
    pts -= pts.mean(0)
    x = np.random.default_rng(9).normal(size=(40, 2))
    oracle = OracleDenoiser(pts, "rectified")
    gap = [np.abs(len(pts) * oracle.posterior(x, t) - 1).max() for t in (0.5, 0.9, 0.99, 0.999)]
    assert np.all(np.diff(gap) < 0), gap
    assert gap[-1] < 0.02, gap
    np.testing.assert_allclose(oracle.posterior(x, 1.0), 1 / len(pts), atol=1e-15)  # alpha(1) = 0: uniform
    n_eff = 1 / (oracle.posterior(x, 0.95) ** 2).sum(1)
    assert n_eff.min() > 0.9 * len(pts)


@pytest.mark.parametrize("x, t, what", [
    (np.zeros((3, 3)), 0.5, "shape"),
    (np.zeros((3, 2)), 1.5, "t must be"),
    (np.zeros((3, 2)), float("nan"), "t must be"),
    (np.zeros((3, 2)), -0.1, "t must be"),
    (np.zeros((3, 2)), [0.1, 0.2], "one per row"),
    (np.full((3, 2), np.nan), 0.5, "NaN or infinity"),
])
def test_bad_input_says_what_is_wrong(x, t, what):
    with pytest.raises(ExplorerError, match=what):
        OracleDenoiser(np.random.default_rng(0).normal(size=(10, 2))).posterior(x, t)


@pytest.mark.parametrize("schedule", ["rectified", "cosine", "linear"])
@pytest.mark.parametrize("t", [0.05, 0.4, 0.9])
def test_conditional_velocities_average_to_the_oracles_velocity(schedule, t):
    pts = np.random.default_rng(10).normal(size=(300, 2))
    x = np.random.default_rng(11).normal(scale=1.3, size=(20, 2))
    oracle = OracleDenoiser(pts, schedule)
    u, w = oracle.conditional_velocities(x, t), oracle.posterior(x, t)
    assert u.shape == (20, 300, 2) and u.dtype == np.float64
    marginal = oracle.velocity(torch.from_numpy(x), t).numpy()  # alpha' x0_hat + sigma' eps_hat
    np.testing.assert_allclose(np.einsum("nk,nkd->nd", w, u), marginal, atol=1e-6)
    # Each one is the velocity of the path from p_i through x: alpha' p_i + sigma' (x - alpha p_i) / sigma.
    sch, tt = get_schedule(schedule), torch.tensor(float(t), dtype=torch.float64)
    a, s = _alpha_sigma(schedule, t)
    da, ds = float(sch.d_alpha(tt)), float(sch.d_sigma(tt))
    p7 = oracle.points[7].double().numpy()  # stored as float32
    np.testing.assert_allclose(u[3, 7], da * p7 + ds * (x[3] - a * p7) / s, atol=1e-12)


def test_on_the_straight_path_each_conditional_velocity_is_x_minus_p_over_t():
    oracle = OracleDenoiser(np.random.default_rng(12).normal(size=(50, 2)), "rectified")
    pts = oracle.points.double().numpy()  # stored as float32
    x = np.array([[0.3, -0.2], [1.0, 1.0]])
    u = oracle.conditional_velocities(x, [0.25, 0.6])  # one time per row
    np.testing.assert_allclose(u[0], (x[0] - pts) / 0.25, atol=1e-12)
    np.testing.assert_allclose(u[1], (x[1] - pts) / 0.6, atol=1e-12)


def test_conditional_velocities_refuse_t_zero_and_bad_input():
    oracle = OracleDenoiser(np.random.default_rng(0).normal(size=(10, 2)))
    with pytest.raises(ExplorerError, match="above 0"):
        oracle.conditional_velocities(np.zeros((2, 2)), 0.0)
    with pytest.raises(ExplorerError, match="t must be"):
        oracle.conditional_velocities(np.zeros((2, 2)), 1.5)

"""Tests for explorer.core.density: grids, the exact forward marginal, the KDE and the model log-density."""
import math

import numpy as np
import pytest
import torch
from scipy.linalg import expm, sqrtm

from explorer.core import density
from explorer.core.denoisers import Denoiser, GaussianDenoiser
from explorer.core.errors import ExplorerError
from explorer.core.schedules import get_schedule

SCHEDULES = ("rectified", "cosine", "linear")
MU = np.array([0.5, -0.3])
SIGMA = np.array([[0.6, 0.2], [0.2, 0.3]])


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    # Tiny batched ops: two threads only add contention (70x slower on a busy 2-core VM).
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _alpha_sigma(schedule, t):
    sched = get_schedule(schedule)
    tt = torch.tensor(float(t), dtype=torch.float64)
    return float(sched.alpha(tt)), float(sched.sigma(tt))


def _log_normal(x, mean, cov):
    d = x - mean
    maha = np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d)
    return -0.5 * maha - 0.5 * np.log(np.linalg.det(2 * np.pi * cov))


def _cells(xs, ys):
    gx, gy = np.meshgrid(xs, ys)  # row = y, column = x
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


# ---------------------------------------------------------------- grid


def test_grid_gives_cell_centres():
    xs, ys = density.grid((-4.0, 4.0, -2.0, 6.0), resolution=8)
    assert np.allclose(xs, -4.0 + 0.5 + np.arange(8))
    assert np.allclose(ys, -2.0 + 0.5 + np.arange(8))
    xs, ys = density.grid()
    assert len(xs) == len(ys) == 96 and xs[0] == pytest.approx(-4 + 4 / 96)


@pytest.mark.parametrize(
    "bounds, res", [((1, 0, 0, 1), 10), ((0, 1, 0), 10), ((0, 1, 0, 1), 1), ((0, 1, 0, 1), 2.5)]
)
def test_grid_rejects_bad_input(bounds, res):
    with pytest.raises(ExplorerError):
        density.grid(bounds, res)


# ---------------------------------------------------------------- forward_marginal


@pytest.mark.parametrize("schedule", SCHEDULES)
@pytest.mark.parametrize("t", [0.1, 0.5, 0.9])
def test_forward_marginal_integrates_to_one(schedule, t):
    pts = np.random.default_rng(0).uniform(-1.5, 1.5, size=(50, 2))
    xs, ys = density.grid((-8.0, 8.0, -8.0, 8.0), resolution=200)
    p = density.forward_marginal(pts, t, schedule, xs, ys)
    assert p.shape == (200, 200) and p.dtype == np.float64 and (p >= 0).all()
    assert p.sum() * (xs[1] - xs[0]) * (ys[1] - ys[0]) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_forward_marginal_of_one_point_is_the_gaussian_pdf(schedule):
    x0 = np.array([[0.7, -1.2]])
    xs, ys = np.linspace(-3, 3, 40), np.linspace(-2.5, 2.0, 30)  # not square: catches a transpose
    a, s = _alpha_sigma(schedule, 0.4)
    p = density.forward_marginal(x0, 0.4, schedule, xs, ys)
    expected = np.exp(_log_normal(_cells(xs, ys), a * x0[0], s * s * np.eye(2))).reshape(30, 40)
    assert p.shape == (30, 40)
    np.testing.assert_allclose(p, expected, rtol=1e-10, atol=1e-300)


def test_forward_marginal_is_an_average_over_points_and_chunks(monkeypatch):
    pts = np.random.default_rng(1).normal(size=(300, 2))
    xs, ys = density.grid(resolution=32)
    whole = density.forward_marginal(pts, 0.3, "cosine", xs, ys)
    parts = [density.forward_marginal(pts[i : i + 100], 0.3, "cosine", xs, ys) for i in (0, 100, 200)]
    np.testing.assert_allclose(whole, np.mean(parts, axis=0), rtol=1e-12)
    monkeypatch.setattr(density, "_CHUNK", 7)
    np.testing.assert_allclose(density.forward_marginal(pts, 0.3, "cosine", xs, ys), whole, rtol=1e-12)


def test_forward_marginal_near_t0_clamps_sigma_to_one_cell():
    pts = np.array([[0.0, 0.0], [1.0, 1.0]])
    xs, ys = density.grid(resolution=48)
    cell = xs[1] - xs[0]
    p0 = density.forward_marginal(pts, 0.0, "rectified", xs, ys)
    expected = np.mean([np.exp(_log_normal(_cells(xs, ys), q, cell**2 * np.eye(2))) for q in pts], axis=0)
    # (entries below ~1e-100 differ: the tables are floored at e^-300 to avoid subnormals)
    np.testing.assert_allclose(p0, expected.reshape(48, 48), rtol=1e-10, atol=1e-100)
    assert p0.sum() * cell * cell == pytest.approx(1.0, abs=1e-6)
    # Unclamped: fine for t > 0, but sigma = 0 at t = 0 has no density.
    assert density.forward_marginal(pts, 0.5, "rectified", xs, ys, min_sigma=0).sum() > 0
    with pytest.raises(ExplorerError, match="t > 0"):
        density.forward_marginal(pts, 0.0, "rectified", xs, ys, min_sigma=0)


@pytest.mark.parametrize(
    "points, t, schedule",
    [
        ([[0.0, np.nan]], 0.5, "rectified"),
        (np.zeros((3, 3)), 0.5, "rectified"),
        (np.zeros((3, 2)), -0.1, "rectified"),
        (np.zeros((3, 2)), 1.5, "rectified"),
        (np.zeros((3, 2)), float("nan"), "rectified"),
        (np.zeros((3, 2)), 0.5, "sigmoid"),
    ],
)
def test_forward_marginal_rejects_bad_input(points, t, schedule):
    xs, ys = density.grid(resolution=8)
    with pytest.raises(ExplorerError):
        density.forward_marginal(points, t, schedule, xs, ys)


# ---------------------------------------------------------------- sample_density


def test_sample_density_integrates_to_one_and_peaks_on_a_tight_cluster():
    centre = np.array([1.3, -0.7])
    samples = centre + 0.05 * np.random.default_rng(2).normal(size=(2000, 2))
    xs, ys = density.grid()
    p = density.sample_density(samples, xs, ys)
    cell = xs[1] - xs[0]
    assert p.shape == (96, 96) and p.sum() * cell * cell == pytest.approx(1.0, rel=1e-12)
    row, col = np.unravel_index(np.argmax(p), p.shape)
    assert abs(xs[col] - centre[0]) <= cell and abs(ys[row] - centre[1]) <= cell


def test_sample_density_is_close_to_the_exact_forward_marginal():
    rng = np.random.default_rng(3)
    angle = rng.uniform(0, 2 * np.pi, 300)
    data = np.stack([2 * np.cos(angle), 2 * np.sin(angle)], axis=1)  # a ring
    # At t = 0.5 the ring is blurred enough for Scott's rule; at t = 0.3 (a sharper ring) it
    # oversmooths: L1 0.17 at 20000 samples where a bandwidth of 0.1 gives 0.08.
    t = 0.5
    a, s = _alpha_sigma("rectified", t)
    idx = rng.integers(0, len(data), 20000)
    samples = a * data[idx] + s * rng.normal(size=(20000, 2))  # x_t = alpha x_i + sigma z
    xs, ys = density.grid()
    exact = density.forward_marginal(data, t, "rectified", xs, ys)
    kde = density.sample_density(samples, xs, ys)
    l1 = np.abs(kde - exact).sum() * (xs[1] - xs[0]) * (ys[1] - ys[0])
    assert l1 < 0.15


def test_sample_density_drops_samples_outside_and_handles_none():
    xs, ys = density.grid(resolution=32)
    inside = np.random.default_rng(4).normal(size=(100, 2))
    outside = np.array([[10.0, 0.0], [0.0, -10.0], [-4.5, 4.5]])
    both = density.sample_density(np.vstack([inside, outside]), xs, ys, bandwidth=0.4)
    np.testing.assert_allclose(both, density.sample_density(inside, xs, ys, bandwidth=0.4), rtol=1e-12)
    assert not density.sample_density(outside, xs, ys).any()
    assert not density.sample_density(np.zeros((0, 2)), xs, ys).any()
    assert not density.sample_density([], xs, ys).any()


def test_sample_density_bandwidth_is_never_below_one_cell():
    xs, ys = density.grid(resolution=32)
    one = np.array([[0.05, -0.05]])
    blob = density.sample_density(one, xs, ys)
    assert blob.max() < 0.25 / (xs[1] - xs[0]) ** 2  # spread over more than a few cells
    np.testing.assert_allclose(density.sample_density(one, xs, ys, bandwidth=0.0), blob)
    np.testing.assert_allclose(density.sample_density(torch.tensor(one), xs, ys), blob)


@pytest.mark.parametrize(
    "samples, bandwidth", [([[np.inf, 0.0]], None), ([[0.0, 0.0]], -1.0), ([[0.0, 0.0]], "wide")]
)
def test_sample_density_rejects_bad_input(samples, bandwidth):
    xs, ys = density.grid(resolution=8)
    with pytest.raises(ExplorerError):
        density.sample_density(samples, xs, ys, bandwidth=bandwidth)


# ---------------------------------------------------------------- log_density / nll


def _prior_mismatch(schedule, x, t_min):
    """Exact flow to t = 1 for Gaussian data and the error of the N(0, sigma(1)² I) prior there.

    With S(t) = alpha² Sigma + sigma² I (all S(t) commute) the PF-ODE moves x - alpha mu by
    S(t)^1/2 S(t_min)^-1/2, so x(1) is known exactly; the prior's error is
    log N(x(1); alpha(1) mu, S(1)) - log N(x(1); 0, sigma(1)² I), zero where alpha(1) = 0.
    """
    a0, s0 = _alpha_sigma(schedule, t_min)
    a1, s1 = _alpha_sigma(schedule, 1.0)
    s_0, s_1 = a0 * a0 * SIGMA + s0 * s0 * np.eye(2), a1 * a1 * SIGMA + s1 * s1 * np.eye(2)
    flow = np.real(sqrtm(s_1)) @ np.linalg.inv(np.real(sqrtm(s_0)))
    x1 = a1 * MU + (x - a0 * MU) @ flow.T
    return _log_normal(x1, a1 * MU, s_1) - _log_normal(x1, 0 * MU, s1 * s1 * np.eye(2))


@pytest.mark.parametrize("schedule", SCHEDULES)
def test_log_density_matches_the_gaussian_closed_form(schedule):
    rng = np.random.default_rng(5)
    z = rng.normal(size=(200, 2))
    z = z[np.linalg.norm(z, axis=1) < 3][:40]  # the bulk of the data, up to 3 standard deviations
    x = MU + z @ np.linalg.cholesky(SIGMA).T
    t_min = 1e-3
    a, s = _alpha_sigma(schedule, t_min)
    exact = _log_normal(x, a * MU, a * a * SIGMA + s * s * np.eye(2))
    got = density.log_density(GaussianDenoiser(MU, SIGMA, schedule), x, steps=64, t_min=t_min)
    assert got.shape == (len(x),) and got.dtype == np.float64
    # The ODE and divergence integral are accurate to 1e-2; on top of that the prior N(0, sigma(1)² I)
    # is off by `mismatch` where alpha(1) != 0 ('linear': alpha(1) = 0.0066), exactly zero otherwise.
    mismatch = _prior_mismatch(schedule, x, t_min)
    assert np.abs(mismatch).max() < (0.05 if schedule == "linear" else 1e-12)
    assert np.abs(got - exact).max() < 1e-2 + np.abs(mismatch).max()
    np.testing.assert_allclose(got, exact - mismatch, atol=1e-2)


def test_log_density_is_chunked_and_integrates_to_about_one(monkeypatch):
    den = GaussianDenoiser(MU, SIGMA, "rectified")
    xs, ys = density.grid((-3.0, 4.0, -3.5, 3.5), resolution=40)
    cells = _cells(xs, ys)
    whole = density.log_density(den, cells, steps=32)
    assert np.exp(whole).sum() * (xs[1] - xs[0]) * (ys[1] - ys[0]) == pytest.approx(1.0, abs=5e-3)
    monkeypatch.setattr(density, "_CHUNK", 333)
    np.testing.assert_allclose(density.log_density(den, cells, steps=32), whole, rtol=1e-12)


def test_nll_of_gaussian_samples_is_the_entropy():
    rng = np.random.default_rng(6)
    x = MU + rng.normal(size=(4000, 2)) @ np.linalg.cholesky(SIGMA).T
    den = GaussianDenoiser(MU, SIGMA, "rectified")
    got = density.nll(den, x)
    entropy = 0.5 * np.log(np.linalg.det(2 * np.pi * np.e * SIGMA))
    a, s = _alpha_sigma("rectified", 1e-3)
    on_these = -_log_normal(x, a * MU, a * a * SIGMA + s * s * np.eye(2)).mean()
    assert got == pytest.approx(on_these, abs=5e-3)  # the integrator, on these very samples
    assert got == pytest.approx(entropy, abs=0.05)  # plus sampling noise, std 1/sqrt(4000) nats


class _LinearFlow(Denoiser):
    """A float32 torch 'network' whose velocity is W x on the rectified path: div v = tr W."""

    def __init__(self, w):
        self.schedule = get_schedule("rectified")
        self.net = torch.nn.Linear(2, 2, bias=False)
        with torch.no_grad():
            self.net.weight.copy_(torch.tensor(w, dtype=torch.float32))

    def denoise(self, x, t):
        v = self.net(x)  # rectified: x = (1-t) x0 + t eps, v = eps - x0
        return x - t * v, x + (1 - t) * v


def test_log_density_runs_a_float32_network_with_a_non_symmetric_jacobian():
    w = np.array([[0.3, -0.5], [0.2, -0.1]])
    x = np.random.default_rng(7).normal(size=(50, 2))
    t_min = 0.01
    got = density.log_density(_LinearFlow(w), x, steps=32, t_min=t_min)
    x1 = x @ expm(w * (1 - t_min)).T  # dx/dt = W x
    expected = -0.5 * (x1**2).sum(1) - math.log(2 * math.pi) + np.trace(w) * (1 - t_min)
    np.testing.assert_allclose(got, expected, atol=1e-3)


@pytest.mark.parametrize(
    "points, kw",
    [
        ([[0.0, np.nan]], {}),
        (np.zeros((3, 3)), {}),
        (np.zeros((3, 2)), {"t_min": 0.0}),
        (np.zeros((3, 2)), {"t_min": 1.0}),
        (np.zeros((3, 2)), {"t_min": -0.5}),
        (np.zeros((3, 2)), {"steps": 0}),
    ],
)
def test_log_density_rejects_bad_input(points, kw):
    den = GaussianDenoiser(MU, SIGMA, "rectified")
    with pytest.raises(ExplorerError):
        density.log_density(den, points, **kw)
    with pytest.raises(ExplorerError):
        density.nll(den, points, **kw)

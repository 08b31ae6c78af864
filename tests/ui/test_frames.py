"""explorer.ui.plot.frames: what the main view sends to the browser, checked by numbers."""
from __future__ import annotations

import numpy as np
import pytest

from explorer import GaussianDenoiser, sample
from explorer.core.samplers import SampleRun
from explorer.ui.plot import frames

MU = np.array([1.5, -1.0])
COV = 0.04 * np.eye(2)  # a tight blob: at t -> 0 everything must flow to MU


@pytest.fixture(scope="module")
def gauss():
    return GaussianDenoiser(MU, COV, "rectified")


@pytest.fixture(scope="module")
def run(gauss):
    return sample(gauss, n=1000, sampler="heun", steps=50, seed=3)


def test_frame_indices_keep_ends_and_cap():
    assert np.array_equal(frames.frame_indices(51), np.arange(51))
    idx = frames.frame_indices(501)
    assert len(idx) == frames.MAX_CLIENT_FRAMES and idx[0] == 0 and idx[-1] == 500
    assert np.all(np.diff(idx) > 0)
    assert np.all(np.diff(idx) <= 6)  # evenly spread: 500 / 100 = 5 frames apart, rounding aside


def test_pack_points_slices_back_exactly(run):
    p = frames.pack_points(run)
    n, F = p["n"], len(p["t"])
    assert (n, F) == (1000, 51) and p["x"].dtype == np.float32 and p["x"].shape == (F * n,)
    for k in (0, 1, 25, 50):
        assert np.array_equal(p["x"][k * n:(k + 1) * n], run.points[k, :, 0])
        assert np.array_equal(p["y"][k * n:(k + 1) * n], run.points[k, :, 1])
    assert p["t"][0] == 1.0 and p["t"][-1] == 0.0 and np.all(np.diff(p["t"]) < 0)


def test_pack_points_strided_run_maps_to_run_frames(gauss):
    long = sample(gauss, n=20, sampler="euler", steps=300, seed=0)
    p = frames.pack_points(long)
    assert len(p["t"]) == frames.MAX_CLIENT_FRAMES
    k = 37
    assert np.array_equal(p["x"][k * 20:(k + 1) * 20], long.points[p["index"][k], :, 0])
    assert p["t"][k] == np.float32(long.times[p["index"][k]])


def test_density_stack_nonnegative_fixed_scale_and_peaked_at_samples():
    rng = np.random.default_rng(0)
    blob = rng.normal([2.0, -1.5], 0.2, size=(500, 2))
    wide = rng.normal(0.0, 1.0, size=(500, 2))
    xs, ys = frames.density_grid()
    stack = frames.density_stack(np.stack([wide, blob]), xs, ys)
    assert stack.shape == (2, frames.DENSITY_RES, frames.DENSITY_RES) and stack.dtype == np.float32
    assert stack.min() >= 0 and stack.max() == pytest.approx(1.0)
    assert stack[1].max() == pytest.approx(1.0)  # the tight blob is the run's peak ...
    assert stack[0].max() < 0.3  # ... and the wide Gaussian is drawn on the same scale, much fainter
    j, i = np.unravel_index(np.argmax(stack[1]), stack[1].shape)  # row = y, column = x
    assert abs(xs[i] - 2.0) < 0.2 and abs(ys[j] + 1.5) < 0.2
    j, i = np.unravel_index(np.argmax(stack[0]), stack[0].shape)
    assert np.hypot(xs[i], ys[j]) < 0.6


def test_contours_of_a_gaussian_bump_are_circles():
    xs, ys = frames.density_grid()
    X, Y = np.meshgrid(xs, ys)
    s = 0.8
    z = np.exp(-((X - 0.5) ** 2 + Y**2) / (2 * s**2)).astype(np.float32)[None]
    c = frames.contour_stack(np.concatenate([z, z * 0]), xs, ys, levels=(0.5,))
    off = c["offsets"][0]
    assert list(off[[0, 2]]) == [off[0], len(c["x"][0])] and off[0] == 0 and off[2] == off[1]  # frame 2: none
    x, y = c["x"][0][off[0]:off[1]], c["y"][0][off[0]:off[1]]
    ok = np.isfinite(x)
    r = np.hypot(x[ok] - 0.5, y[ok])
    assert np.isnan(x[-1]) and ok.sum() > 20
    np.testing.assert_allclose(r, s * np.sqrt(2 * np.log(2)), atol=0.03)  # where exp(-r²/2s²) = 1/2


def _cos(a, b):
    return (a * b).sum(1) / (np.hypot(*a.T) * np.hypot(*b.T))


def _arrows(f, k):
    m = len(f["x"])
    return np.stack([f["u"][k * m:(k + 1) * m], f["v"][k * m:(k + 1) * m]], 1)


def test_field_matches_the_exact_flow_of_gaussian_data(gauss):
    """Data N(mu, s² I) on the rectified path: x_t = (1-t) mu + sqrt((1-t)² s² + t²) z, so the motion while
    sampling (t decreasing) is -dx/dt = mu - c(t) (x - (1-t) mu), c = (t - (1-t) s²) / ((1-t)² s² + t²)."""
    times = [0.9, 0.5, 0.1]
    f = frames.field_stack(gauss, times)
    x = np.stack([f["x"], f["y"]], 1).astype(np.float64)
    s2 = COV[0, 0]
    assert f["u"].shape == (3 * frames.FIELD_N**2,) and f["u"].dtype == np.float32
    for k, t in enumerate(times):
        c = (t - (1 - t) * s2) / ((1 - t) ** 2 * s2 + t**2)
        exact = MU - c * (x - (1 - t) * MU)
        assert _cos(_arrows(f, k), exact).min() > 0.999


def test_field_points_to_the_data_near_t0():
    """Zero-mean data: -dx/dt = -c(t) x points straight at the data for t above s²/(1+s²) ~ 0.04 (below it
    the blob spreads out to its final width, and the arrows turn outward: the maths, not a bug)."""
    f = frames.field_stack(GaussianDenoiser([0, 0], COV, "rectified"), [0.1, 0.01])
    x = np.stack([f["x"], f["y"]], 1)
    off_centre = np.hypot(*x.T) > 0.1
    assert _cos(_arrows(f, 0)[off_centre], -x[off_centre]).min() > 0.999
    assert _cos(_arrows(f, 1)[off_centre], x[off_centre]).min() > 0.999


def test_field_arrows_fit_between_lattice_points_and_grow_with_speed(gauss):
    f = frames.field_stack(gauss, [0.9, 0.5])
    spacing = f["x"][1] - f["x"][0]
    length = np.hypot(f["u"], f["v"])
    assert 0 < length.max() <= 0.85 * spacing + 1e-6
    x = np.stack([f["x"], f["y"]], 1).astype(np.float64)
    c = (0.9 - 0.1 * COV[0, 0]) / (0.01 * COV[0, 0] + 0.81)
    speed = np.hypot(*(MU - c * (x - 0.1 * MU)).T)
    m = len(x)
    order = np.argsort(speed)
    assert np.all(np.diff(length[:m][order]) >= -1e-6)  # one monotone scale: faster means longer


def test_mesh_starts_as_the_lattice_and_collapses_onto_the_data(gauss, run):
    mesh = frames.mesh_run(gauss, run)
    assert mesh.shape == (51, frames.MESH_N**2, 2) and mesh.dtype == np.float32
    assert np.array_equal(mesh[0], frames.lattice())
    lat = frames.lattice()
    assert lat[:, 0].min() == -frames.MESH_EXTENT and lat[1, 0] > lat[0, 0] and lat[1, 1] == lat[0, 1]
    # the exact ODE map of N(0, I) onto N(MU, 0.2² I) is x -> MU + 0.2 x: the lattice shrinks onto the data
    np.testing.assert_allclose(mesh[-1], MU + 0.2 * lat, atol=5e-3)  # Heun, 50 steps


def test_mesh_follows_a_stochastic_sampler(gauss):
    ddpm = sample(gauss, n=10, sampler="ddpm", steps=20, seed=0)
    mesh = frames.mesh_run(gauss, ddpm)
    assert mesh.shape == (21, frames.MESH_N**2, 2) and np.isfinite(mesh).all()


def test_payload_of_1000_samples_x_51_frames_fits_the_budget(gauss, run):
    p = frames.pack_run(run, gauss)
    assert {"x", "density", "contours", "field", "mesh_x"} <= set(p)
    size = frames.payload_bytes(p)
    assert size < 3_000_000, size
    points_only = frames.payload_bytes(frames.pack_run(run, gauss, False, False, False))
    assert points_only == pytest.approx(1000 * 51 * 2 * 4, rel=0.01)


def test_pack_run_skips_layers_not_asked_for_and_handles_no_model(run):
    p = frames.pack_run(run, None, show_density=True, show_field=True, show_mesh=True)
    assert "density" in p and "field" not in p and "mesh_x" not in p


def test_tiny_runs_pack():
    pts = np.zeros((2, 1, 2), np.float32)
    tiny = SampleRun(pts, np.array([1.0, 0.0]), pts.copy(), "euler")
    p = frames.pack_run(tiny, None)
    assert len(p["t"]) == 2 and np.isfinite(p["density"]).all()

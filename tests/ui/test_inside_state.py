"""The Inside tab's logic without a browser: the posterior, path, log p and divergence at a tap, and the curves over
the run, checked against the library (OracleDenoiser.posterior, dx.density) on the pretrained smiley model."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from explorer.core import density
from explorer.ui.session import inside_state as ins
from explorer.ui.session.inside_state import InsideState, effective_number
from explorer.ui.session.state import ExplorerState


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def state():
    return ExplorerState()


@pytest.fixture(scope="module")
def inside(state):
    return InsideState(state=state)


def test_the_tab_opens_with_a_reading_and_curves(inside, state):
    assert inside.reading is not None and inside.curves is not None and inside.message == ""
    assert len(inside.oracle().points) == min(ins.MAX_ORACLE, len(state.data))


def test_a_tap_reads_the_exact_posterior_and_both_x0(inside, state):
    inside.t = 0.3
    assert inside.tap(-1.0, -0.5)
    r, oracle = inside.reading, inside.oracle()
    pts = oracle.points.double().numpy()
    np.testing.assert_allclose(r["weights"], oracle.posterior([[-1.0, -0.5]], 0.3)[0])
    assert r["weights"].shape == (len(pts),) and abs(r["weights"].sum() - 1) < 1e-12
    np.testing.assert_allclose(r["x0_oracle"], r["weights"] @ pts)
    assert r["n_eff"] == pytest.approx(1 / (r["weights"] ** 2).sum())
    assert 1 < r["n_eff"] < len(pts)
    with torch.no_grad():
        net = state.model.denoise(torch.tensor([[-1.0, -0.5]]), 0.3)[0].numpy()[0]
    np.testing.assert_allclose(r["x0_net"], net, atol=1e-6)


def test_the_path_passes_through_the_tap_and_carries_log_p_from_the_gaussian(inside, state):
    inside.t = 0.5
    inside.tap(0.8, 0.9)
    r = inside.reading
    f = int(np.abs(r["times"] - 0.5).argmin())
    assert r["times"][0] == 1.0 and r["times"][-1] < 0.01
    assert np.linalg.norm(r["path"][f] - [0.8, 0.9]) < 0.02  # traced back to t = 1 and down again: through the tap
    x1 = r["path"][0]
    assert r["log_p"][0] == pytest.approx(-0.5 * (x1**2).sum() - np.log(2 * np.pi))
    again = density.log_density_along(state.model, x1[None], steps=ins.PATH_STEPS)
    np.testing.assert_allclose(r["log_p"], again.log_p[:, 0], atol=1e-5)
    # Effective number of points along the path: all of them at t = 1 (alpha = 0), a handful at the data.
    assert r["path_n_eff"][0] == pytest.approx(len(inside.oracle().points))
    assert r["path_n_eff"][-1] < 5


def test_hutchinson_spread_falls_with_the_probes_and_centres_on_the_exact_divergence(inside, state):
    inside.t = 0.5
    inside.tap(-1.0, -0.5)
    r = inside.reading
    assert r["divergence"] == pytest.approx(float(density.divergence(state.model, [[-1.0, -0.5]], 0.5)[0]), abs=1e-6)
    spread = {k: r["hutchinson"][k].std() for k in ins.PROBES}
    assert all(len(r["hutchinson"][k]) == ins.REPEATS for k in ins.PROBES)
    assert spread[1] > 0.05, spread  # an asymmetric Jacobian here: one probe is noisy
    assert spread[1] > 1.5 * spread[4] > 1.5 * 1.5 * spread[16], spread  # ~1/sqrt(k)
    assert abs(r["hutchinson"][16].mean() - r["divergence"]) < 4 * spread[16] / np.sqrt(ins.REPEATS)


def test_moving_t_rereads_and_small_t_commits_to_a_point(inside, state):
    inside.tap(float(state.data[0, 0]), float(state.data[0, 1]))
    inside.t = 0.9
    wide = inside.reading["n_eff"]
    inside.t = 0.01
    assert inside.reading["t"] == 0.01 and inside.reading["n_eff"] < 10 < wide


def test_curves_over_the_run_fall_from_all_the_points_to_a_few(inside):
    c = inside.curves
    assert (np.diff(c["times"]) < 0).all() and c["times"][0] == 1.0
    assert c["n_eff"][0] == pytest.approx(c["n_points"])  # alpha(1) = 0: every point weighs the same
    assert c["n_eff"][-1] < 0.05 * c["n_points"]
    assert np.all(np.diff(c["n_eff"]) < 0)
    assert c["n_samples"] == ins.MAX_SAMPLES and (c["gap"] >= 0).all() and c["gap"].max() < 0.5


def test_the_pairs_at_the_tap_are_the_heaviest_and_average_to_the_oracles_velocity(inside):
    inside.t = 0.4
    inside.tap(-1.2, -0.4)
    r, oracle = inside.reading, inside.oracle()
    w = oracle.posterior([[-1.2, -0.4]], 0.4)[0]
    assert len(r["pairs"]) == ins.TOP_PAIRS and set(r["pairs"]) == set(np.argsort(w)[-ins.TOP_PAIRS:])
    np.testing.assert_allclose(r["pair_weights"], w[r["pairs"]])
    assert np.all(np.diff(r["pair_weights"]) <= 0)  # heaviest first
    pts = oracle.points.double().numpy()
    np.testing.assert_allclose(r["pair_velocities"], ([-1.2, -0.4] - pts[r["pairs"]]) / 0.4, atol=1e-9)  # rectified
    marginal = oracle.velocity(torch.tensor([[-1.2, -0.4]], dtype=torch.float64), 0.4).numpy()[0]
    np.testing.assert_allclose(r["velocity"], marginal, atol=1e-6)
    # One Euler step of the mean to t = 0 lands on the oracle's x̂0 (x - t v = x̂0 on the straight path).
    np.testing.assert_allclose([-1.2, -0.4] - 0.4 * r["velocity"], r["x0_oracle"], atol=1e-6)


def test_flows_are_the_networks_paths_from_the_run_coloured_by_the_exact_divergence(inside, state):
    fl = inside.flows
    n, k = fl["n_paths"], fl["n_segments"]
    assert n == ins.MAX_FLOWS and k == ins.PATH_STEPS and all(len(fl[c]) == n * k for c in ("x0", "y1", "div", "t"))
    j = 5  # path 5: it starts at the run's start point 5 and its segments join end to start
    seg = slice(j * k, (j + 1) * k)
    np.testing.assert_allclose([fl["x0"][seg][0], fl["y0"][seg][0]], state.run.points[0, j], atol=1e-6)
    np.testing.assert_allclose(fl["x1"][seg][:-1], fl["x0"][seg][1:])
    a = np.stack([fl["x0"][seg], fl["y0"][seg]], 1)
    b = np.stack([fl["x1"][seg], fl["y1"][seg]], 1)
    t = np.linspace(1.0, 1e-3, k + 1)
    np.testing.assert_allclose(fl["t"][seg], t[:-1])
    for f in (0, k // 2, k - 1):  # each segment: the mean of the exact divergence at its two ends
        ends = [density.divergence(state.model, a[f: f + 1], t[f])[0], density.divergence(state.model, b[f: f + 1],
                                                                                            t[f + 1])[0]]
        assert fl["div"][seg][f] == pytest.approx(np.mean(ends), abs=1e-5)
    assert (fl["div"] > 0).any() and (fl["div"] < 0).any()  # the flow both gathers and spreads somewhere


def test_effective_number():
    assert effective_number(np.full(10, 0.1)) == pytest.approx(10)
    assert effective_number(np.eye(3)).tolist() == [1.0, 1.0, 1.0]


def test_bad_tap_says_so_and_keeps_the_reading(inside, state):
    before = inside.reading
    state.error = ""
    assert not inside.tap(float("nan"), 0.0)
    assert "finite point" in state.error and inside.reading is before


def test_a_hidden_tab_waits_and_no_model_says_so():
    st = ExplorerState()
    view = InsideState(state=st, active=False)
    assert view.curves is None and view.reading is None and view.flows is None  # nothing computed while hidden
    view.active = True
    assert view.curves is not None and view.reading is not None and view.flows is not None
    st.model = None
    assert view.reading is None and view.curves is None and view.flows is None and "no model yet" in view.message

"""The Densities and Schedule tabs without a browser: the numbers in their Bokeh sources are the maths they claim.

A session's ExplorerState (the pretrained smiley model and a 50-step Heun run) drives both views; the log-density job
runs on a tiny grid, once on the pretrained model and once on Gaussian data with its exact denoiser, where the NLL
must equal the Gaussian's entropy.
"""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import explorer as dx
from explorer.core import density
from explorer.core.denoisers import GaussianDenoiser
from explorer.core.schedules import get_schedule
from explorer.ui.session.state import ExplorerState
from explorer.ui.views import density_view as dv
from explorer.ui.views import schedule_view as sv
from explorer.ui.views.density_view import DensityView
from explorer.ui.views.schedule_view import ScheduleView

NLL_RE = re.compile(r"NLL on the training data: (-?\d+\.\d+) nats/point")


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def state():
    return ExplorerState()


@pytest.fixture
def view(state):
    state.frame = len(state.run.times) - 1
    return DensityView(state=state)


def _sigma(schedule, t: float) -> float:
    return float(get_schedule(schedule).sigma(torch.tensor(t, dtype=torch.float64)))


def _image(view, key: str) -> np.ndarray:
    return np.asarray(view._images[key].data["image"][0], dtype=np.float64)


def test_exact_figure_is_forward_marginal_at_the_frames_t(state, view):
    state.frame = 20
    t = float(state.run.times[20])
    assert view.t == t
    h = dv.smoothing(_sigma(state.model.schedule, t))
    want = density.forward_marginal(state.data, t, state.model.schedule, view.xs, view.ys,
                                    min_sigma=math.hypot(_sigma(state.model.schedule, t), h))
    np.testing.assert_allclose(view.exact, want, rtol=1e-12)
    # The figure shows both densities divided by the exact one's peak, on one colour scale.
    np.testing.assert_allclose(_image(view, "exact"), want / want.max(), rtol=1e-6, atol=1e-7)
    assert _image(view, "exact").shape == (dv.RES, dv.RES)
    np.testing.assert_allclose(_image(view, "samples"), view.sampled / want.max(), rtol=1e-6, atol=1e-7)
    assert f"t = {t:.3f}" in view._figs["exact"].title.text


def test_at_pure_noise_the_exact_density_is_the_gaussian_prior(state, view):
    """Rectified path at t = 1: alpha = 0, sigma = 1, so p_1 blurred by h is N(0, (1 + h²) I) whatever the data."""
    state.frame = 0
    assert state.run.times[0] == 1.0
    var = 1.0 + dv.smoothing(1.0) ** 2
    gx, gy = np.meshgrid(view.xs, view.ys)
    want = np.exp(-(gx**2 + gy**2) / (2 * var)) / (2 * np.pi * var)
    np.testing.assert_allclose(view.exact, want, rtol=1e-9, atol=1e-12)
    # The samples at t = 1 are the sampler's N(0, I) start: their KDE is close to the same Gaussian.
    cell = (view.xs[1] - view.xs[0]) ** 2
    assert 0.5 * np.abs(view.sampled - want).sum() * cell < 0.12  # total variation distance


def test_moving_the_frame_changes_both_figures_and_levels_stay_fixed(state, view):
    state.frame = 10
    before = {k: _image(view, k).copy() for k in ("exact", "samples")}
    state.frame = 45
    for key in ("exact", "samples"):
        assert not np.allclose(_image(view, key), before[key])
        lines = view._contours[key].line_renderer.data_source.data
        assert len(lines["xs"]) > 0 and set(np.round(lines["levels"], 6)) <= set(dv.LEVELS)
    assert view.t == float(state.run.times[45])
    assert view._slider.value == 45


def test_the_slider_moves_the_shared_frame(state, view):
    view._slider.value = 30
    assert state.frame == 30 and view.t == float(state.run.times[30])


def test_samples_at_the_last_frame_peak_on_the_data(state, view):
    state.frame = len(state.run.times) - 1
    assert view.t == 0.0
    j, k = np.unravel_index(np.argmax(view.sampled), view.sampled.shape)
    peak = np.array([view.xs[k], view.ys[j]])
    assert np.min(np.linalg.norm(state.data - peak, axis=1)) < 0.15
    # and the two densities overlap well (Bhattacharyya coefficient; 1 = identical)
    cell = (view.xs[1] - view.xs[0]) ** 2
    assert np.sum(np.sqrt(view.exact * view.sampled)) * cell > 0.85


def test_update_is_fast(state, view):
    times = []
    for frame in range(0, len(state.run.times), 10):
        state.frame = frame
        times.append(view.update_ms)
    assert np.median(times) < 100  # ~3-8 ms measured; generous for a busy machine


@pytest.fixture
def tiny_grid(monkeypatch):
    monkeypatch.setattr(dv, "LOGP_RES", 12)
    monkeypatch.setattr(dv, "LOGP_STEPS", 16)
    monkeypatch.setattr(dv, "NLL_POINTS", 100)


def test_log_density_job_on_the_pretrained_model(state, view, tiny_grid):
    view._on_compute()
    assert view._button.disabled and view._spinner.visible
    assert view.wait_log_density(timeout=120)
    result = view.logp_result
    assert result["logp"].shape == (12, 12) and result["n"] == 100
    assert math.isfinite(result["nll"])
    match = NLL_RE.search(view.nll_text.object)
    assert match and float(match.group(1)) == pytest.approx(result["nll"], abs=0.005)
    image = np.asarray(view._logp.data["image"][0])
    top = np.nanmax(result["logp"])
    assert image.shape == (12, 12) and image.max() == pytest.approx(top, abs=1e-4)
    assert image.min() >= top - dv.LOGP_RANGE - 1e-4
    assert (view._logp_mapper.low, view._logp_mapper.high) == pytest.approx((top - dv.LOGP_RANGE, top))
    assert not view._button.disabled and not view._spinner.visible


def test_log_density_of_gaussian_data_is_its_entropy(tiny_grid):
    """Exact denoiser of N(mu, Sigma): the NLL is the entropy 1/2 log det(2 pi e Sigma), log p the Gaussian's."""
    mu, cov = np.array([0.5, -0.3]), np.array([[0.6, 0.2], [0.2, 0.4]])
    st = ExplorerState()
    st.model = GaussianDenoiser(mu, cov, "rectified")
    st.data = np.random.default_rng(3).multivariate_normal(mu, cov, 2000)
    view = DensityView(state=st)
    view._on_compute()
    assert view.wait_log_density(timeout=120)
    entropy = 0.5 * math.log(np.linalg.det(2 * math.pi * math.e * cov))
    nll = float(NLL_RE.search(view.nll_text.object).group(1))
    assert nll == pytest.approx(entropy, abs=0.15)  # 100 points: the mean's standard error is ~0.1
    xs, ys = density.grid(dv.BOUNDS, 12)
    gx, gy = np.meshgrid(xs, ys)
    d = np.stack([gx - mu[0], gy - mu[1]], -1)
    want = -0.5 * np.einsum("...i,ij,...j", d, np.linalg.inv(cov), d) - 0.5 * math.log(np.linalg.det(2 * np.pi * cov))
    near = want > want.max() - 4
    np.testing.assert_allclose(view.logp_result["logp"][near], want[near], atol=0.05)
    # A new model makes the drawn log-density stale: it is cleared.
    st.model = GaussianDenoiser(mu, 2 * cov, "rectified")
    assert len(view._logp.data["image"]) == 0 and "changed" in view.nll_text.object


def test_a_result_for_a_replaced_model_is_not_drawn(tiny_grid):
    st = ExplorerState()
    view = DensityView(state=st)
    view._on_compute()
    st.model = GaussianDenoiser([0.0, 0.0], np.eye(2), "rectified")  # another model while the job runs
    assert view.wait_log_density(timeout=120)
    assert "changed while computing" in view.nll_text.object and len(view._logp.data["image"]) == 0


@pytest.mark.parametrize("name", ["linear", "cosine", "rectified"])
def test_schedule_lines_are_the_schedule(state, name):
    view = ScheduleView(state=state)
    state.schedule = name
    try:
        data = view._lines.data
        t = torch.tensor(np.asarray(data["t"], np.float64))
        assert len(t) == sv.N_T and t[0] == 0 and t[-1] == 1
        sched = get_schedule(name)
        np.testing.assert_allclose(data["alpha"], sched.alpha(t).numpy(), atol=1e-6)
        np.testing.assert_allclose(data["sigma"], sched.sigma(t).numpy(), atol=1e-6)
        inner = slice(1, -1)  # +-inf at the ends are clipped
        np.testing.assert_allclose(data["log_snr"][inner], sched.log_snr(t[inner]).clamp(-50, 50).numpy(),
                                   rtol=1e-5, atol=1e-4)
        assert dx.SCHEDULES[name].formula.split("**")[1] in view.caption.object
        assert ("trained on **rectified**" in view.caption.object) == (name != "rectified")
    finally:
        state.schedule = "rectified"


def test_schedule_marker_sits_at_the_current_t(state):
    view = ScheduleView(state=state)
    for frame in (0, 17, len(state.run.times) - 1):
        state.frame = frame
        t = float(state.run.times[frame])
        assert [s.location for s in view._spans] == [t, t] and all(s.visible for s in view._spans)
        tt = torch.tensor(t, dtype=torch.float64)
        sched = get_schedule(state.schedule)
        np.testing.assert_allclose(view._dots.data["v"], [float(sched.alpha(tt)), float(sched.sigma(tt))])
        assert f"t = {t:.3f}" in view._label.text
    view._slider.value = 5
    assert state.frame == 5 and view._spans[0].location == float(state.run.times[5])
    np.testing.assert_allclose(view._steps.data["t"], state.run.times.astype(np.float32))


def test_schedule_marks_the_sampler_grid_on_every_curve(state):
    view = ScheduleView(state=state)
    state.param.update(grid="karras", sample_steps=12)
    steps = view._steps.data
    np.testing.assert_allclose(steps["t"], state.run.times.astype(np.float32))
    sched = state.model.schedule
    t = torch.from_numpy(state.run.times)
    np.testing.assert_allclose(steps["alpha"], sched.alpha(t).numpy(), atol=1e-6)
    np.testing.assert_allclose(steps["sigma"], sched.sigma(t).numpy(), atol=1e-6)
    assert len(steps["t"]) == 13 and np.diff(steps["t"])[-1] > -0.05  # Karras: short steps near the data
    state.param.update(grid="uniform", sample_steps=50)

"""The "Flow map" tab without a browser (explorer/ui/session/jumps_state.py, views/jumps_view.py): a tap's jumps
against the ODE from the same point, and the map error measured in the background. One distilled model (200 steps,
a narrow net) serves the module."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from explorer.core.flow_maps import map_error, ode_map
from explorer.ui.session import jumps_state
from explorer.ui.session.jumps_state import RS, JumpsState, MapErrorState
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.jumps_view import JumpsView


@pytest.fixture(scope="module")
def distilled():
    s = ExplorerState(dataset="moons", n_samples=200, train_steps=200, width=32)
    teacher = s.model
    assert s.start_distil()
    assert s.jobs.wait(180)
    assert s.model.flow_map and s.teacher() is teacher
    return s


def _finish(job, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while job.running:
        assert time.monotonic() < deadline, "the job did not finish"
        job.poll()
        time.sleep(0.05)


def test_a_tap_gives_the_jumps_and_the_teachers_ode_at_the_same_times(distilled):
    s = distilled
    jumps = JumpsState(state=s, t=0.8)
    assert jumps.tap(0.4, -1.1)
    r = jumps.reading
    np.testing.assert_allclose(r["rs"], [0.8 * f for f in RS])
    assert r["reference"] == "teacher"
    x = torch.tensor([[0.4, -1.1]] * len(RS), dtype=torch.float32)
    with torch.no_grad():  # X(x, t -> r) = x - (t - r) u(x, r, t), from the model's average velocity
        u = s.model.average_velocity(x, torch.as_tensor(r["rs"], dtype=torch.float32).reshape(-1, 1),
                                     torch.full((len(RS), 1), 0.8))
    np.testing.assert_allclose(r["jumps"], (x - (0.8 - torch.as_tensor(r["rs"]).reshape(-1, 1)) * u).numpy(),
                               atol=1e-5)
    # the path is the teacher's ODE: at each r it agrees with the library's finely integrated map
    for rr, on_path in zip(r["rs"], r["ode"], strict=True):
        if rr < 0.8:
            exact = ode_map(s.teacher(), np.array([[0.4, -1.1]]), t=0.8, r=float(rr), steps=400)[0]
            assert np.linalg.norm(on_path - exact) < 2e-3
    np.testing.assert_allclose(r["errors"], np.linalg.norm(r["jumps"] - r["ode"], axis=1))
    assert r["path"][0] == pytest.approx([0.4, -1.1]) and r["times"][0] == pytest.approx(0.8) and r["times"][-1] == 0
    jumps.t = 0.3  # the same point at another t: read again
    assert jumps.reading["t"] == pytest.approx(0.3) and jumps.reading["rs"][-1] == pytest.approx(0.225)


def test_a_velocity_model_has_no_jumps_and_says_what_to_do(distilled):
    s = ExplorerState(dataset="moons", n_samples=200)
    jumps = JumpsState(state=s)
    assert jumps.reading is None and "press Distil" in jumps.message
    err = MapErrorState(state=s)
    assert not err.start() and "not a flow map" in s.error


def test_the_map_error_is_the_librarys_point_by_point_and_a_stop_keeps_the_last(distilled):
    s = distilled
    err = MapErrorState(state=s, reference="teacher")
    assert err.start() and err.running
    _finish(err)
    res = err.result
    noise = res["noise"]
    assert noise.shape == (jumps_state.N_POINTS, 2)
    np.testing.assert_allclose(res["errors"][:50], map_error(s.model, s.teacher(), x=noise[:50]), rtol=1e-6)
    with torch.no_grad():
        _, ends = s.model.jump(torch.as_tensor(noise[:5], dtype=torch.float32), 1.0, 0.0)
    np.testing.assert_allclose(res["ends"][:5], ends.numpy(), atol=1e-6)
    assert "median error **" in err.message and "teacher's ODE" in err.message
    first = err.result
    err.reference = "exact"
    assert err.start()
    err.stop()
    _finish(err)
    assert err.result is first and err.message.startswith("Stopped;")


def test_the_teacher_is_offered_only_for_a_model_distilled_here(distilled):
    s = distilled
    view = JumpsView(state=s)
    assert list(view._reference.options.values()) == ["teacher", "own", "exact"]
    assert view._reference.value == "teacher" and view.error.reference == "teacher"
    other = ExplorerState(dataset="moons", n_samples=200)
    other.model = s.model  # the same flow map, but not distilled in this session
    view = JumpsView(state=other)
    assert "teacher" not in view._reference.options.values() and view.error.reference == "own"
    view.error.reference = "teacher"
    assert not view.error.start() and "no teacher" in other.error
    assert view.readout.object.count("class='jumps-error'") == len(RS)  # the first reading, from a sample's start
    assert len(view.plot.arrows.data["x1"]) == len(RS) and len(view.plot.path.data["x"]) > 50

"""MainView on the server side, without a browser: what it sends when, and how slider ticks map to frames."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import panel as pn
import pytest

from explorer import GaussianDenoiser
from explorer.ui.plot import frames
from explorer.ui.plot.main_view import MAX_TRACES, SWEEP_MS, MainView
from explorer.ui.session.state import ExplorerState


@pytest.fixture
def view():
    state = ExplorerState()
    state.model = GaussianDenoiser([0.5, -0.5], 0.05 * np.eye(2), "rectified")  # exact and quick
    return MainView(state=state)


def test_first_run_is_packed_and_plays(view):
    run, store = view.state.run, view._store.data
    F = len(run.times)
    assert store["t"][0].shape == (F,) and store["x"][0].shape == (F * run.points.shape[1],)
    assert view._slider.end == store["S"][0] * (F - 1) and view._controls.tick == 0
    assert view.player.playing and view._controls.playing and view._controls.hold > 0  # it rests on the data
    assert view._controls.interval * view._slider.end == pytest.approx(SWEEP_MS, rel=0.05)
    assert store["density"][0].size == 0 and store["fu"][0].size == 0  # layers off: nothing sent


def test_ticks_map_to_frames_and_times(view):
    end = view._slider.end
    assert view._frame_and_t(0) == (0, 1.0)
    frame, t = view._frame_and_t(end)
    assert frame == len(view.state.run.times) - 1 and t == 0.0
    frame, t = view._frame_and_t(end // 2)
    assert abs(t - 0.5) < 0.03 and view.state.run.times[frame] == pytest.approx(t, abs=0.03)


def test_the_page_tells_state_frame_when_paused_and_follows_it(view):
    view._on_page({"event": "pause", "tick": view._slider.end})
    assert view.state.frame == len(view.state.run.times) - 1
    view.state.frame = 10  # another view's time, while paused: the page goes there
    assert view._frame_and_t(view._controls.tick)[0] == 10 and view.player.frame == 10


@pytest.mark.parametrize("where", [0.5, 1.0])
def test_a_new_run_keeps_t_and_speed(view, monkeypatch, where):
    """As on a server, where following an outside change of state.frame waits for the next tick: fewer steps
    first clamp `frame` (in the old run's numbering), then replace the run; the view keeps t, not the index."""
    later = []
    monkeypatch.setattr(pn.state, "execute", lambda cb, schedule="auto": later.append(cb))
    view._on_page({"event": "pause", "tick": round(view._slider.end * where)})
    sweep = view._controls.interval * view._slider.end
    view.state.sample_steps = 20
    for cb in later:
        cb()
    assert len(view._store.data["t"][0]) == 21
    assert abs(view._frame_and_t(view._controls.tick)[1] - (1 - where)) < 0.05
    assert view.state.run.times[view.state.frame] == pytest.approx(1 - where, abs=0.05)
    assert view._controls.interval * view._slider.end == pytest.approx(sweep, rel=0.1)


def test_a_layer_is_computed_when_first_shown_and_only_its_columns_change(view):
    before = view._store.data["x"][0]
    density, field = view.layers["density"], view.layers["field"]
    assert not density.built and not field.built  # nothing made before it is shown
    view.state.show_density = True
    assert density.renderers[0].visible and view._store.data["density"][0].size == len(view.state.run.times) * 64 * 64
    assert view._store.data["x"][0] is before
    dens = view._store.data["density"][0]
    view.state.show_field = True
    assert field.renderers[0].visible and view._store.data["fu"][0].size > 0
    assert view._store.data["density"][0] is dens  # not recomputed, not resent
    view.state.show_density = False
    assert density.built and not any(r.visible for r in density.renderers)  # the image and its contours
    view.state.sample_steps = 20  # a new run: the hidden layer's columns are emptied, the shown one's repacked
    assert view._store.data["density"][0].size == 0 and view._store.data["fu"][0].size == 21 * 17 * 17


def test_taps_trace_paths_up_to_a_limit(view):
    view._on_page({"event": "pause", "tick": view._slider.end // 2})
    for i in range(MAX_TRACES + 2):
        view._on_tap(SimpleNamespace(x=-2.0 + 0.5 * i, y=1.0))
    data = view.layers["traces"].sources["traces"].data
    assert len(data["xs"]) == MAX_TRACES and len(set(data["color"])) == MAX_TRACES
    assert view.layers["traces"].sources["taps"].data["x"][-1] == -2.0 + 0.5 * (MAX_TRACES + 1)
    path = np.stack([data["xs"][-1], data["ys"][-1]], 1)
    ts = data["ts"][-1]
    k = int(np.argmin(np.abs(ts - 0.5)))
    np.testing.assert_allclose(path[k], [-2.0 + 0.5 * (MAX_TRACES + 1), 1.0], atol=1e-4)  # through the tap at t
    assert np.hypot(*(path[-1] - [0.5, -0.5])) < 1.0  # and on to the data
    assert not view._clear.disabled
    view._clear_traces()
    assert len(view.layers["traces"].sources["traces"].data["xs"]) == 0 and view._clear.disabled


def test_store_columns_without_a_run_are_empty_but_complete():
    cols = frames.store_columns(None, 40, 150, 6)
    assert all(len(v) == 1 for v in cols.values())
    assert cols["x"][0].size == 0 and cols["S"][0] >= 1

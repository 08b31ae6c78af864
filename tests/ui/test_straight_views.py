"""The two straight-path views without a browser: the Pairings tab (one batch paired both ways, numbers that
answer the batch-size and new-batch controls and the source) and the Streamlines layer of the main plot (nothing
built until first switched on, lines at every level, hidden and shown again without recomputing)."""
from __future__ import annotations

import numpy as np
import pytest

from explorer import GaussianDenoiser
from explorer.ui.explorer import Explorer
from explorer.ui.plot import streamline_layer
from explorer.ui.plot.main_view import MainView
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.pairing_view import PairingView


@pytest.fixture(scope="module")
def state():
    return ExplorerState()


def test_the_pairings_tab_is_built_when_first_opened():
    ex = Explorer()
    assert "pairings" not in ex._views
    ex.show_tab("Pairings")
    view = ex.view(ex.TAB_NAMES.index("Pairings"))
    assert isinstance(view, PairingView) and ex.tabs.active == 6 and len(ex._slots["pairings"].objects) == 1
    assert ex.state.tab == "pairings" and ex.view("pairings") is view


def test_pairings_show_far_fewer_crossings_and_shorter_segments_with_ot(state):
    view = PairingView(state=state)
    ind, ot = view.numbers["independent"], view.numbers["ot"]
    # OT pairs the batch in chunks of 32, as training does: the crossings left are mostly between chunks
    assert ind["crossings"] > 1000 and ot["crossings"] < ind["crossings"] / 5, view.numbers
    assert ot["mean_length"] < 0.5 * ind["mean_length"]
    src = view._sources["ot"].data
    assert len(src["x0"]) == 128
    # the same data rows on both sides; only the noise is reordered
    np.testing.assert_allclose(src["x0"], view._sources["independent"].data["x0"])
    np.testing.assert_allclose(np.sort(src["x1"]), np.sort(view._sources["independent"].data["x1"]))
    # orange exactly for the segments that cross another
    orange = np.asarray(src["color"]) == "#e8590c"
    assert 0 < orange.sum() <= 2 * ot["crossings"]
    assert f"{ind['crossings']:,}</b> crossings" in view._heads["independent"].object
    assert "fewer crossings" in view._message.object and "independent" in view._message.object


def test_pairings_answer_the_batch_size_the_new_batch_button_and_the_source(state):
    view = PairingView(state=state)
    before = dict(view.numbers["independent"])
    view.batch = 64
    assert len(view._sources["independent"].data["x0"]) == 64
    assert view.numbers["independent"]["crossings"] < before["crossings"]  # ~n²: a quarter as many
    first = view._sources["ot"].data["x0"].copy()
    view._new.clicks += 1
    assert view.draw == 1 and not np.allclose(view._sources["ot"].data["x0"], first)
    view.state.source = "moons"
    assert "starting from moons" in view._message.object
    x1 = view._sources["independent"].data["x1"]
    assert np.abs(x1).max() < 3.0  # the moons' points, not Gaussian noise
    view.state.source = "gaussian"


def test_pairings_say_so_when_there_is_no_data():
    st = ExplorerState()
    view = PairingView(state=st)
    st.data = None
    assert "No training points" in view._message.object


@pytest.fixture
def main():
    st = ExplorerState()
    st.model = GaussianDenoiser([0.5, -0.5], 0.05 * np.eye(2), "rectified")
    return MainView(state=st)


def test_streamlines_cost_nothing_until_switched_on(main):
    assert not main.layers["streamlines"].built
    names = {getattr(r.data_source, "name", None) for r in main._fig.renderers}
    assert "streamlines" not in names and "stream_dots" not in names
    main.state.show_field = True  # another layer: still nothing
    assert not main.layers["streamlines"].built and "sx" not in main._store.data


def test_streamlines_switch_on_off_and_on_without_recomputing(main, monkeypatch):
    calls = []
    pack = streamline_layer.pack
    monkeypatch.setattr(streamline_layer, "pack", lambda model: calls.append(model) or pack(model))
    main.state.show_streamlines = True
    layer = main.layers["streamlines"]
    lines_r = layer.renderers[0]
    assert layer.built and lines_r.visible and len(calls) == 1
    data = main._store.data
    T, m, K = len(streamline_layer.STREAM_TIMES), data["m"][0], data["k"][0]
    assert (m, K) == (streamline_layer.SEEDS_N ** 2, streamline_layer.STEPS + 1)
    assert data["sx"][0].shape == (T * m * K,) and data["sx"][0].dtype == np.float32
    # under the samples: the streamline renderers come before the tails
    rs = main._fig.renderers
    assert rs.index(lines_r) < rs.index(main.layers["trajectories"].renderers[0])
    # at t ~ 0.9 the exact field of N((0.5, -0.5), 0.05 I) points every line towards the mean
    lines = data["sx"][0].reshape(T, m, K), data["sy"][0].reshape(T, m, K)
    j = 1
    start = np.stack([lines[0][j, :, 0], lines[1][j, :, 0]], 1)
    step = np.stack([lines[0][j, :, 1], lines[1][j, :, 1]], 1) - start
    to_mean = np.array([0.5, -0.5]) - start
    cos = (step * to_mean).sum(1) / np.linalg.norm(step, axis=1) / np.linalg.norm(to_mean, axis=1)
    assert cos.min() > 0.95
    main.state.show_streamlines = False
    assert not lines_r.visible
    main.state.show_streamlines = True
    assert lines_r.visible and len(calls) == 1  # same model: nothing recomputed or resent
    sx, x = main._store.data["sx"][0], main._store.data["x"][0]
    main.state.sample_steps = 20  # a new run of the same model: the lines stay in the page, not resent
    assert main._store.data["x"][0] is not x and main._store.data["sx"][0] is sx and len(calls) == 1
    main.state.model = GaussianDenoiser([-1.0, 0.0], 0.05 * np.eye(2), "rectified")
    assert len(calls) == 2 and calls[-1] is main.state.model


def test_the_streamlines_checkbox_sits_beside_the_vector_field(main):
    options = list(main._layers.options)
    assert options.index("Streamlines") == options.index("Vector field") + 1
    main._layers.value = [*main._layers.value, "show_streamlines"]
    assert main.state.show_streamlines and "Streamlines" in main._legend.object

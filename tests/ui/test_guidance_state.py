"""Guidance in the session state and the sidebar, without a browser: train with classes, ask for one, guide."""
from __future__ import annotations

import time

import numpy as np
import pytest

from explorer.data.labels import label_points
from explorer.ui.session.sampling import ALL, CFG, NO_CLASS
from explorer.ui.session.state import DRAWN, ExplorerState


def _train(state: ExplorerState, timeout: float = 60.0) -> None:
    assert state.start_training()
    deadline = time.monotonic() + timeout
    while state.training and time.monotonic() < deadline:
        state.poll()
        time.sleep(0.05)
    assert not state.training and not state.error, state.error


@pytest.fixture(scope="module")
def guided():
    state = ExplorerState(dataset="moons", conditional=True, train_steps=600, n_samples=400, sample_steps=20)
    _train(state)
    return state


def test_training_with_classes_makes_a_conditional_model(guided):
    s = guided
    assert s.model.classes == 2 and s.model.class_names == ["upper moon", "lower moon"]
    assert s.param.label.objects == [NO_CLASS, ALL, "upper moon", "lower moon"]
    assert s.param.guide.objects[0] == CFG and s.param.guide.objects[1:] == [
        f"snapshot at step {k}" for k in (100, 200, 300, 400, 500)]
    assert s.label == ALL and len(s.run_labels) == 400  # every class: each sample asks for one


def test_asking_for_a_class_and_guiding(guided):
    s = guided
    s.label = "lower moon"
    assert set(s.run_labels) == {1} and (label_points("moons", s.run.samples) == 1).mean() > 0.9
    spread = s.run.samples.std(0).sum()
    s.guidance = 4.0
    assert s.run.nfe == 2 * 39 and s.run.samples.std(0).sum() < spread  # guided: two calls a step, narrower
    s.guide = "snapshot at step 300"  # autoguidance: the same class, away from the weaker model
    assert (label_points("moons", s.run.samples) == 1).mean() > 0.9
    s.use_oracle = True  # the exact conditional of the training points: only the lower moon's points
    gaps = np.linalg.norm(s.run.samples[:, None] - s.data[None], axis=-1)
    assert set(s.labels[gaps.argmin(1)]) == {1}
    s.param.update(use_oracle=False, guide=CFG, guidance=1.0, label=ALL)


def test_the_main_view_colours_samples_by_their_class(guided):
    from explorer.ui.plot.main_view import MainView

    view = MainView(state=guided)
    np.testing.assert_array_equal(view._store.data["c"][0], guided.run_labels.astype(np.float32))
    guided.label = NO_CLASS
    assert np.isnan(view._store.data["c"][0]).all()
    guided.label = ALL


def test_the_sidebar_shows_guidance_only_for_a_conditional_model(guided):
    from explorer.ui.views.controls import Controls

    plain = ExplorerState(dataset="moons")
    controls = Controls(state=plain)
    assert not controls.label.visible and controls._guidance_hint.visible and controls._conditional_row.visible
    controls = Controls(state=guided)
    assert controls.label.visible and controls.guide.visible and not controls._guidance_hint.visible


def test_a_drawing_has_no_classes_to_train_with():
    s = ExplorerState()
    s.set_drawn(np.random.default_rng(0).normal(size=(50, 2)))
    assert s.dataset == DRAWN and s.labels is None
    s.conditional = True
    assert not s.start_training() and "no classes" in s.error


def test_a_tap_shows_the_three_predictions_and_the_guided_one_extends_the_class_step(guided):
    from types import SimpleNamespace

    from explorer.ui.plot.main_view import MainView

    view = MainView(state=guided)
    view.player.pause()  # a tap while playing waits for the page to say where it paused (player.py)
    guided.param.update(label="upper moon", guidance=3.0)
    view._on_tap(SimpleNamespace(x=0.0, y=-2.5))
    src = view._arrows.source.data
    assert src["text"] == ["no class", "upper moon", "guided, w = 3"] and src["x0"] == [0.0] * 3
    v = view._arrows.vectors
    np.testing.assert_allclose(v["guided"], v["reference"] + 3.0 * (v["conditional"] - v["reference"]), atol=1e-5)
    # drawn on one scale: the arrows' lengths keep the vectors' ratios
    drawn = np.hypot(np.subtract(src["x1"], src["x0"]), np.subtract(src["y1"], src["y0"]))
    norms = np.array([np.hypot(*v[k]) for k in ("reference", "conditional", "guided")])
    np.testing.assert_allclose(drawn / drawn.max(), norms / norms.max(), rtol=1e-5)
    assert "dark guided (w = 3 times" in guided.status
    # the trace follows the guided field: it lands on the upper moon
    path = view._traces[-1][0]
    assert label_points("moons", path[-1:])[0] == 0
    view._clear_traces()
    assert view._arrows.source.data["x0"] == []
    guided.label = ALL  # every class: no single class, so no arrows
    view._on_tap(SimpleNamespace(x=0.0, y=-2.5))
    assert view._arrows.source.data["x0"] == [] and len(view._traces) == 1
    guided.param.update(guidance=1.0)


def test_a_drawing_in_two_colours_trains_a_conditional_model():
    s = ExplorerState(train_steps=400, n_samples=300, sample_steps=20)
    left, right = np.random.default_rng(0).normal(size=(2, 150, 2)) * 0.2 + [[[-1.5, 0]], [[1.5, 0]]]
    assert s.set_drawn(np.concatenate([left, right]), np.repeat([0, 1], 150), ["green", "purple"])
    assert s.conditional and s.class_names == ["green", "purple"]
    _train(s)
    assert s.model.class_names == ["green", "purple"]
    s.label = "purple"
    assert (s.run.samples[:, 0] > 0).mean() > 0.95

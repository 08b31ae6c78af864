"""The training panel without a browser: a run that diverges keeps its loss curve up to the blow-up, with a marker
and a label saying where (tests/browser/test_browser_dashboard.py does it in a real page)."""
from __future__ import annotations

import math

import numpy as np
import pytest

import explorer as dx
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.training_view import TrainingView


@pytest.fixture
def view():
    state = ExplorerState(dataset="moons")
    yield TrainingView(state=state)
    state.shutdown()


def _train(state: ExplorerState, timeout: float = 60.0) -> None:
    assert state.start_training()
    state.jobs.wait(timeout)
    assert not state.training


def test_a_diverged_run_keeps_its_curve_up_to_the_blow_up(view):
    st = view.state
    shown = st.model
    st.param.update(lr=10.0, train_steps=300)
    _train(st)
    assert "diverged at step" in st.error and st.model is shown, "the previous model stays, the toast says why"
    k = st.diverged_at
    assert k is not None and k >= 2 and f"diverged at step {k}" in st.error
    steps, losses = (np.asarray(view.loss_source.data[c]) for c in ("step", "loss"))
    assert len(steps) >= 1 and steps[-1] == k - 1 and np.isfinite(losses).all() and (losses > 0).all()
    assert [s for s, _ in st.losses] == steps.tolist(), "the curve is the run's losses"
    blowup = view.blowup_source.data
    assert list(blowup["step"]) == [k] and math.isfinite(blowup["loss"][0])
    assert view.blowup_label.visible and view.blowup_label.text == f"diverged at step {k}"
    assert view._plots.visible and f"diverged at step <b>{k}</b>" in view.summary.object

    st.param.update(lr=3e-3, train_steps=20)  # the next run starts a clean curve
    _train(st)
    assert st.diverged_at is None and len(view.blowup_source.data["step"]) == 0 and not view.blowup_label.visible
    assert view.loss_source.data["step"].tolist() == [10, 20] and st.model is not shown


def test_the_timeline_scrubs_back_through_the_snapshots(view):
    st = view.state
    st.param.update(dataset="three_dots", train_steps=400)
    assert not view.timeline.visible  # the pretrained model has no snapshots
    _train(st)
    assert view.timeline.visible and list(view.timeline.options.values()) == [100, 200, 300, 400]
    assert view.timeline.value == 400 and list(view.timeline.options)[-1] == "400 (final)"
    view.timeline.value = 100
    early = np.column_stack([view.preview_source.data["x"], view.preview_source.data["y"]])
    assert view.preview_figure.title.text == "At step 100" and len(early) == 500
    expected = dx.sample(st.model.snapshot(100), n=500, sampler="heun", steps=20, seed=0).samples
    np.testing.assert_allclose(early, expected, atol=1e-5)  # what the model drew then, not now
    early_distance = view._distance
    view.timeline.value = 400
    assert view.preview_figure.title.text == "Final model" and view._distance < early_distance
    assert f"{view._distance:.4f}" in view.summary.object

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


def test_a_divergence_says_one_thing_everywhere_and_hides_the_shown_models_timeline(view):
    """Issue 24, item 6: the toast said "kept the weights from step 0", the status "the previous model is still
    shown", and the Timeline kept the old model's "400 (final)" beside the diverged curve."""
    st = view.state
    st.param.update(dataset="three_dots", train_steps=200)
    _train(st)
    shown = st.model
    assert view.timeline.visible and list(view.timeline.options)[-1] == "200 (final)"
    st.param.update(lr=10.0, train_steps=300)
    st.error = ""
    errors = []
    st.param.watch(lambda e: errors.append(e.new), "error")
    _train(st)
    k = st.diverged_at
    assert k is not None and st.model is shown
    said = "its weights were dropped and the previous model is still shown"
    assert errors and said in errors[-1] and f"diverged at step {k}" in errors[-1], errors
    assert "kept the weights" not in errors[-1]
    assert st.status == f"Training diverged at step {k}: {said}. Try a smaller learning rate (1e-3 to 1e-2)."
    assert f"diverged at step <b>{k}</b>: {said}" in view.summary.object
    assert not view.timeline.visible, "the shown model's timeline beside the diverged run's curve"


def test_a_stopped_runs_curve_and_count_end_where_it_stopped(view, monkeypatch):
    """Issue 24, item 10: "steps: 410" beside "stopped after 419": the curve reported every 10 steps."""
    from explorer.training import training

    st = view.state
    st.param.update(dataset="three_dots", train_steps=1000)
    real = training._lr_at

    def stop_at_415(config, step):
        if step == 415:
            st.jobs.get("training").stop()  # checked before step 416
        return real(config, step)

    monkeypatch.setattr(training, "_lr_at", stop_at_415)
    _train(st)
    assert st.model.log.steps_done == 415 and st.status == "stopped after 415 of 1000 steps"
    assert st.losses[-1][0] == 415 and "steps: <b>415</b>" in view.summary.object
    np.testing.assert_allclose(st.losses[-1][1], np.mean(st.model.log.losses[410:415]), rtol=1e-6)
    assert view.loss_source.data["step"][-1] == 415 and view.progress.value == round(41.5)


@pytest.mark.parametrize("steps", [50, 200])
def test_after_a_run_the_preview_shows_the_final_model_not_samples_now(view, steps):
    """Issue 24, item 10: "Samples now" stayed the title after a run (a run without snapshots, or a second run
    as long as the first: the timeline's value did not change)."""
    st = view.state
    st.param.update(dataset="three_dots", train_steps=steps)
    for _ in range(2):
        _train(st)
        assert view.preview_figure.title.text == "Final model"
        expected = dx.sample(st.model, n=500, sampler="heun", steps=20, seed=0).samples
        got = np.column_stack([view.preview_source.data["x"], view.preview_source.data["y"]])
        np.testing.assert_allclose(got, expected, atol=1e-5)

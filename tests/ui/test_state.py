"""The dashboard's logic without a browser: ExplorerState and its training job.

The state is driven the way the page drives it: set parameters, call start/stop, and call `poll()`
in a loop as the periodic callback does. Budgets are small (a few hundred steps, few samples).
"""
from __future__ import annotations

import re
import time

import numpy as np
import pytest

from explorer.data import datasets
from explorer.training.config import TrainConfig
from explorer.training.pretrained import available
from explorer.ui.jobs.runner import JobRunner
from explorer.ui.jobs.training_job import TrainingNews, TrainingWork
from explorer.ui.session.state import DRAWN, ExplorerState

FAST = {"n_samples": 200, "sample_steps": 10, "train_steps": 200}


def _poll_until_done(state: ExplorerState, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while state.training:
        assert time.monotonic() < deadline, f"training did not finish within {timeout} s"
        state.poll()
        time.sleep(0.02)


def _line(n: int = 200) -> np.ndarray:
    x = np.linspace(-2, 2, n)
    return np.stack([x, 0.5 * x], axis=1)


@pytest.fixture
def state():
    s = ExplorerState(**FAST)
    yield s
    s.shutdown()


def test_dataset_switch_loads_data_and_pretrained_model(state):
    state.dataset = "moons"
    np.testing.assert_array_equal(state.data, datasets.load("moons", n=2000, seed=0))
    if "moons" not in available():
        pytest.skip("no pretrained moons model shipped yet (python -m explorer.training.pretrained)")
    assert state.model is not None
    assert state.status == "Loaded the pretrained moons model. Press Train to learn it yourself."
    assert state.run is not None and state.run.samples.shape == (state.n_samples, 2)


def test_train_to_the_end(state):
    state.dataset = "three_dots"
    old_model, old_run = state.model, state.run
    assert state.start_training()
    assert state.training and state.losses == [] and state.progress == 0
    _poll_until_done(state)
    assert not state.training and state.error == ""
    assert state.progress == 100
    steps = [s for s, _ in state.losses]
    assert steps == sorted(steps) and steps[-1] == FAST["train_steps"]
    assert all(np.isfinite(loss) for _, loss in state.losses)
    assert state.model is not old_model and state.model.log.steps_done == FAST["train_steps"]
    assert state.run is not old_run and state.run.samples.shape == (FAST["n_samples"], 2)
    assert state.preview is not None and state.preview.shape[1] == 2
    assert re.fullmatch(rf"trained {FAST['train_steps']} steps in \d+\.\d s", state.status), state.status


def test_stop_is_quick_and_keeps_a_model(state):
    state.train_steps = 5000
    state.start_training()
    while not state.losses:  # wait until it is really running
        state.poll()
        time.sleep(0.01)
    started = time.monotonic()
    state.stop_training()
    _poll_until_done(state, timeout=2.0)
    elapsed = time.monotonic() - started
    assert elapsed < 0.5, f"stop took {elapsed:.2f} s"
    assert state.model is not None and state.model.log.stopped
    assert 0 < state.model.log.steps_done < 5000
    assert state.progress < 100 and "stopped" in state.status


def test_second_start_is_refused_while_training(state):
    state.train_steps = 2000
    assert state.start_training()
    job = state.jobs.get("training")
    assert not state.start_training()
    assert "Already training" in state.status
    assert state.jobs.jobs == (job,)  # the first run goes on, alone
    state.stop_training()
    _poll_until_done(state)


def test_one_drawn_point_is_refused(state):
    before = state.data.copy()
    assert not state.set_drawn([[0.0, 0.0]])
    assert "single point" in state.error
    np.testing.assert_array_equal(state.data, before)
    assert state.dataset != DRAWN


def test_drawing_becomes_the_training_set(state):
    assert state.set_drawn(_line())
    assert state.dataset == DRAWN and state.data.shape == (200, 2)
    np.testing.assert_allclose(state.drawn, _line(), atol=1e-6)
    assert "200 points" in state.status


def test_train_needs_a_drawing_when_drawn_is_selected(state):
    state.dataset = DRAWN
    assert not state.start_training()
    assert "draw a shape" in state.error and not state.training


def test_the_sidebar_never_holds_a_pair_that_cannot_train(state):
    """v-prediction on rectified flow cannot train: choosing v moves the schedule, choosing rectified under v
    moves the objective; the status says so, and says the shown model is another one until Train."""
    state.schedule = "rectified"
    state.objective = "v"
    assert (state.objective, state.schedule) == ("v", "linear")
    assert state.status.startswith("v-prediction needs another schedule than rectified: switched Schedule to "
                                   "VP linear (DDPM). The shown model was trained with flow matching on rectified; "
                                   "press Train to train v-prediction on VP linear.")
    state.schedule = "rectified"
    assert (state.objective, state.schedule) == ("eps", "rectified") and "switched Objective" in state.status
    assert state.train_config().objective == "eps" and not state.error


def test_a_line_about_the_pair_is_replaced_by_the_next_change_of_the_pair(state):
    """v-prediction -> Rectified -> velocity (issue 24, item 4): the last change makes the sidebar describe the
    shown flow-matching model again, so 'switched Objective to ε-prediction... press Train' must go."""
    state.dataset = "moons"
    if (state.model.objective, state.model.schedule.name) != ("velocity", "rectified"):
        pytest.skip("the pretrained moons model is not flow matching on rectified")
    state.objective = "v"
    state.schedule = "rectified"
    assert "switched Objective to ε-prediction" in state.status and "press Train" in state.status
    state.objective = "velocity"
    assert "switched" not in state.status and "press Train" not in state.status, state.status
    assert state.status == "Objective and Schedule now describe the shown model: flow matching on rectified."
    state.objective = "x0"  # a pair the shown model was not trained with: the line says so again
    assert state.status.startswith("The shown model was trained with flow matching on rectified; press Train")
    state.sampler = "ddim"  # another setting: the line about the pair is still true and stays
    assert "press Train to train x0" in state.status


def test_a_line_that_is_not_about_the_pair_stays(state):
    state.dataset = "moons"
    state.status = "trained 200 steps in 0.4 s"
    state.objective, state.objective = "x0", "velocity"
    assert state.status.startswith("Objective and Schedule now describe")  # x0 made a pair line; it was replaced
    state.status = "Your drawing: 200 points. Press Train."
    state.schedule = "rectified"  # no change: no event, and no line about it
    state.coupling = "ot"
    assert state.status == "Your drawing: 200 points. Press Train."


def test_divergence_reports_and_keeps_the_previous_model(state):
    state.dataset = "three_dots"
    state.train_steps = 100
    state.start_training()
    _poll_until_done(state)
    good_model, good_run = state.model, state.run
    state.lr = 10.0
    state.train_steps = 300
    state.start_training()
    _poll_until_done(state)
    assert "diverged" in state.error and "learning rate" in state.error
    assert state.model is good_model and state.run is good_run
    assert "previous model" in state.status


def test_sampler_change_resamples(state):
    state.dataset = "three_dots"
    state.start_training()
    _poll_until_done(state)
    run = state.run
    state.sampler = "ddim"
    state.eta = 0.5
    assert state.run is not run and state.run.sampler == "ddim" and state.run.knobs == {"eta": 0.5}
    assert state.stochastic


def test_sessions_do_not_share_state():
    a, b = ExplorerState(**FAST), ExplorerState(**FAST)
    a.set_drawn(_line())
    assert b.dataset != DRAWN and b.drawn is None
    assert a.losses is not b.losses


def test_training_job_drains_news_once():
    work = TrainingWork(datasets.load("three_dots", n=500), TrainConfig(steps=50), preview_every=25)
    job = JobRunner().start("training", work)
    job.join(timeout=30)
    assert not job.alive
    news = TrainingNews.of(job.drain(), work.ticket)
    assert news.done and news.error is None and news.model is not None
    assert [s for s, _ in news.losses] == [10, 20, 30, 40, 50]
    assert news.preview is not None and news.step == 50
    again = TrainingNews.of(job.drain(), work.ticket)
    assert again.losses == [] and again.preview is None and again.done


def test_training_job_reports_errors_instead_of_raising():
    bad = np.full((10, 2), np.nan)
    work = TrainingWork(bad, TrainConfig(steps=5))
    job = JobRunner().start("training", work)
    job.join(timeout=10)
    news = TrainingNews.of(job.drain(), work.ticket)
    assert news.done and news.model is None and "NaN" in news.error


# --- the Panel views' wiring, still without a browser ------------------------------------------------

def test_controls_follow_the_state_both_ways(state):
    from explorer.ui.views.controls import Controls

    controls = Controls(state=state)
    controls.objective.value = "eps"
    assert state.objective == "eps"
    state.sampler = "sde"
    assert controls.sampler.value == "sde"
    assert controls._knob_rows["noise"].visible and not controls._knob_rows["eta"].visible
    state.training = True
    assert controls.train.disabled and not controls.stop.disabled
    state.training = False
    controls.draw.clicks += 1
    assert state.dataset == DRAWN and controls.dataset.value == DRAWN


def test_closing_the_session_stops_training(state):
    from explorer.ui.explorer import Explorer

    view = Explorer(state=state)
    state.train_steps = 5000
    state.start_training()
    job = state.jobs.get("training")
    view._on_destroyed(None)
    assert not job.alive and not state.jobs.running()


def test_drawing_strokes_become_points(state):
    from explorer.ui.views.draw_view import DrawView

    view = DrawView(state=state)
    view.stroke_source.data = {"xs": [[0.5]], "ys": [[0.5]]}  # a click, not a stroke: ignored
    assert state.drawn is None
    view.stroke_source.data = {"xs": [[-2.0, 2.0]], "ys": [[1.0, 1.0]]}
    assert state.dataset == DRAWN and abs(float(np.median(state.data[:, 1])) - 1.0) < 0.05
    assert len(view.point_source.data["x"]) == len(state.data)
    view.upload.param.update(value=b"x,y\n0,0\n1,1\n2,2\n", filename="three.csv")
    assert len(state.data) == 3 and "three.csv" in state.status
    view.upload.param.update(value=b"x,y\n0,zero\n", filename="bad.csv")
    assert "bad.csv" in state.error and len(state.data) == 3


def test_recompute_keeps_the_shown_time():
    from explorer.ui.session.state import ExplorerState

    state = ExplorerState()
    state.sample_steps = 50
    state.frame = 25  # t = 0.5
    state.sample_steps = 10
    assert len(state.run.times) == 11
    assert state.run.times[state.frame] == 0.5


def test_oracle_memorises_and_the_network_generalises():
    """On smiley's 2000 dense points (neighbours ~0.01 apart) the oracle memorises once the last noise level is
    below that spacing: with 300 DDIM steps (last sigma ~0.003) most samples sit on a training point, the
    network's almost never (measured: 79 % vs 0.3 % within 1e-3)."""
    from explorer.ui.session.state import ExplorerState

    def nearest(samples, data):
        return np.sqrt(((samples[:, None] - data[None]) ** 2).sum(-1)).min(1)

    state = ExplorerState(sampler="ddim", sample_steps=300, n_samples=300)
    net_quality, net_dist = dict(state.quality), nearest(state.run.samples, state.data)
    state.use_oracle = True
    oracle_dist = nearest(state.run.samples, state.data)
    assert np.mean(oracle_dist < 1e-3) > 0.6 and np.mean(net_dist < 1e-3) < 0.05
    assert state.quality["to_training"] < net_quality["to_training"]
    assert {"to_training", "to_fresh", "floor", "straightness", "verdict"} <= set(net_quality)
    assert (state.quality["verdict"], net_quality["verdict"]) == ("memorises", "generalises")
    state.use_oracle = False
    np.testing.assert_array_equal(nearest(state.run.samples, state.data), net_dist)


def test_a_loaded_model_clears_the_old_training_traces(state):
    state.dataset = "three_dots"
    state.train_steps = 40
    state.start_training()
    _poll_until_done(state)
    assert state.losses and state.model_dataset is None
    state.dataset = "moons"  # its pretrained model: the curve of the three_dots run is not its curve
    assert state.losses == [] and state.preview is None and state.progress == 0.0
    assert state.model_dataset == "moons" and state.model.config.objective == "velocity"


def test_few_training_points_keep_the_model_and_rescore(state):
    model, quality = state.model, dict(state.quality)
    state.train_points = 50
    assert len(state.data) == 50 and state.model is model
    assert state.quality != quality and len(state.reference()) == 1000
    state.use_oracle = True  # 50 points: the exact denoiser lands on them
    assert state.quality["to_training"] < 0.5 * state.quality["to_fresh"]  # what the verdict calls memorising


def test_reflow_straightens_the_shown_model_and_any_source_starts_there():
    s = ExplorerState(dataset="three_dots", train_steps=300)
    before = s.quality["straightness"]
    assert s.start_reflow()
    _poll_until_done(s)
    assert s.model.log.steps_done == 300 and s.quality["straightness"] < 0.2 * before
    s.source = "smiley"
    assert s.start_training()
    _poll_until_done(s)
    smiley = {tuple(p) for p in datasets.load("smiley", n=len(s.data), seed=1)}
    assert all(tuple(p) in smiley for p in s.run.points[0][:50])  # the run starts on the source's points
    s.param.update(objective="eps", schedule="cosine")
    assert s.start_training()
    _poll_until_done(s)
    assert "defined by Gaussian noise" in s.error


def test_sessions_share_a_pretrained_models_run_and_stop_sharing_when_they_change():
    a, b = ExplorerState(), ExplorerState()
    assert b.run is a.run and b.quality == a.quality  # made once per process
    b.sampler = "euler"
    assert b.run is not a.run and a.run.sampler == "heun"  # a's run is untouched
    b.dataset = "moons"
    b.dataset = "smiley"
    b.sampler = "heun"
    assert b.run is a.run
    b.use_oracle = True
    assert b.run is not a.run


def test_a_teachers_training_cap_applies_to_every_session():
    import os
    import subprocess
    import sys

    code = ("from explorer.ui.session.compare_state import CompareState; "
            "from explorer.ui.session.state import ExplorerState; "
            "s = ExplorerState(); c = CompareState(state=s); print(s.train_steps, c.train_steps, "
            "s.param.train_steps.bounds[1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "EXPLORER_MAX_TRAIN_STEPS": "300"}).stdout.split()
    assert out == ["300", "300", "300"]


def test_draw_with_nothing_drawn_has_no_training_points_and_keeps_the_model_said_so(state):
    """Issue 24, item 5: an empty drawing still showed the last set's points (Explore, A/B) as training data."""
    state.dataset = "moons"
    model, run = state.model, state.run
    state.dataset = DRAWN
    assert state.data is None and state.labels is None and state.class_names == []
    assert state.model is model and state.run is not None and state.run.samples.shape == run.samples.shape
    assert state.status == ("Draw a shape on the canvas (or upload a CSV), then press Train. Until then the plot "
                            "shows the last model's samples, with no training points.")
    assert not state.start_training() and "no training data" in state.error
    state.set_drawn(_line(50))
    assert len(state.data) == 50 and state.model is model

"""CompareState without a browser: two arms trained in turns on the session's data, scored, re-sampled, stopped."""
from __future__ import annotations

import html
import math
import re
import time

import numpy as np
import pytest

from explorer.core.verdict import describe
from explorer.ui.session.compare_state import TIE, TIE_NOISE, CompareState
from explorer.ui.session.state import ExplorerState

BUDGET = 150  # training steps per arm: ~0.5 s each on one core


def _finish(cs: CompareState, timeout: float = 60.0, on_poll=None) -> None:
    deadline = time.monotonic() + timeout
    while cs.training:
        assert time.monotonic() < deadline, "training did not finish"
        cs.poll()
        if on_poll is not None:
            on_poll()
        time.sleep(0.02)


def _compare(**arms) -> CompareState:
    cs = CompareState(state=ExplorerState(dataset="three_dots"), train_steps=BUDGET)
    for label, settings in arms.items():
        getattr(cs, label).param.update(**settings)
    return cs


@pytest.fixture(scope="module")
def trained():
    """The default pair (A: flow matching / rectified / Heun 10, B: eps / cosine / DDPM 50), trained once."""
    cs = _compare()
    both_growing = []
    assert cs.train_both()
    assert cs.training and cs.state.error == ""
    _finish(cs, on_poll=lambda: both_growing.append((len(cs.a.losses), len(cs.b.losses))))
    cs.both_growing = both_growing
    return cs


def test_defaults_are_an_instructive_pair():
    cs = CompareState(state=ExplorerState(dataset="three_dots"))
    assert (cs.a.objective, cs.a.schedule, cs.a.sampler, cs.a.sample_steps) == ("velocity", "rectified", "heun", 10)
    assert (cs.b.objective, cs.b.schedule, cs.b.sampler, cs.b.sample_steps) == ("eps", "cosine", "ddpm", 50)
    assert cs.train_steps == min(800, cs.state.train_steps)
    assert cs.a.model is None and cs.b.model is None and "Train both" in cs.message


def test_train_both_finishes_with_runs_and_scores(trained):
    cs = trained
    assert not cs.training and cs.progress == 100.0
    for arm in cs.arms:
        assert [s for s, _ in arm.losses][-1] == BUDGET and arm.steps_done == BUDGET
        assert arm.model is not None and arm.model.log.steps_done == BUDGET
        assert arm.trained_as == (arm.objective, arm.schedule) and not arm.stale
        assert arm.run is not None and arm.run.points.shape == (arm.sample_steps + 1, 1000, 2)
        assert {"to_training", "to_fresh", "floor", "verdict", "ratio"} <= set(arm.quality)
        assert all(math.isfinite(v) and v >= 0 for v in arm.quality.values() if isinstance(v, float))
        assert arm.preview is None  # the live preview is gone once the real samples are there
    # both arms share the noise: frame 0 (t = 1) is the same start for A and B
    np.testing.assert_array_equal(cs.a.run.points[0], cs.b.run.points[0])
    assert cs.a.quality["noise"] == cs.b.quality["noise"]  # one reference, one sample size: one noise
    (ra, na), (rb, nb) = CompareState.score(cs.a), CompareState.score(cs.b)  # the numbers the verdict uses
    tie = abs(ra - rb) <= max(TIE_NOISE * max(na, nb), TIE * max(ra, rb))
    winner = "a tie at this sample size" if tie else f"{'A' if ra < rb else 'B'} is closer"
    # each arm in the dashboard's words (the library's describe), no ratio to a floor
    assert cs.message == cs.verdict() and f" · B: {describe(cs.b.quality).rstrip('.')} → " in cs.message
    assert cs.message.startswith(f"A: {describe(cs.a.quality).rstrip('.')} · B: ") and "floor" not in cs.message
    assert re.search(rf"→ {winner} \(both trained in \d+\.\d s\)$", cs.message), cs.message


def test_both_loss_curves_grow_together(trained):
    """Turns of 10 steps: while training, neither arm gets far ahead of the other."""
    seen = [(a, b) for a, b in trained.both_growing if 0 < a < BUDGET // 10 and 0 < b < BUDGET // 10]
    assert seen, trained.both_growing
    assert max(abs(a - b) for a, b in trained.both_growing) <= 3, trained.both_growing


def test_the_same_config_twice_gives_identical_results():
    same = dict(objective="x0", schedule="cosine", sampler="euler", sample_steps=8)
    cs = _compare(a=same, b=same)
    assert cs.train_both()
    _finish(cs)
    assert cs.a.losses == cs.b.losses
    np.testing.assert_array_equal(cs.a.run.points, cs.b.run.points)
    assert cs.a.quality == cs.b.quality
    assert "→ a tie at this sample size (both trained in " in cs.message, cs.message


def test_changing_a_sampler_resamples_without_retraining(trained):
    cs = trained
    model, losses, old = cs.a.model, list(cs.a.losses), cs.a.run
    started = time.perf_counter()
    cs.a.param.update(sampler="ddim", eta=0.5, sample_steps=20)
    took = time.perf_counter() - started
    assert cs.a.model is model and cs.a.losses == losses and not cs.training
    assert cs.a.run is not old and cs.a.run.sampler == "ddim" and cs.a.run.knobs == {"eta": 0.5}
    assert len(cs.a.run.times) == 21
    assert took < 5.0, took
    cs.a.param.update(sampler="heun", sample_steps=10)  # back to the fixture's settings


def test_stop_ends_training_within_half_a_second():
    cs = _compare()
    cs.train_steps = 5000
    assert cs.train_both()
    deadline = time.monotonic() + 30
    while not (cs.a.losses and cs.b.losses):
        assert time.monotonic() < deadline
        cs.poll()
        time.sleep(0.02)
    started = time.perf_counter()
    cs.stop()
    cs.wait(timeout=5.0)
    took = time.perf_counter() - started
    _finish(cs, timeout=5.0)
    assert took < 0.5, took
    for arm in cs.arms:
        assert 0 < arm.model.log.steps_done < 5000 and arm.model.log.stopped
        assert arm.run is not None  # what was trained so far is sampled and scored
    assert not cs.training and "stopped early: A at step" in cs.message and "of 5000" in cs.message


def test_an_arm_never_shows_a_pair_that_cannot_train():
    """v-prediction needs a variance-preserving schedule: choosing it on rectified moves the schedule (and
    choosing rectified under v moves the objective), and the message says so."""
    cs = _compare()
    cs.a.param.update(objective="v", schedule="rectified")
    assert (cs.a.objective, cs.a.schedule) == ("v", "linear")
    assert cs.message == ("A: v-prediction needs another schedule than rectified: switched Schedule to "
                          "VP linear (DDPM).")
    cs.a.schedule = "rectified"
    assert (cs.a.objective, cs.a.schedule) == ("eps", "rectified")
    assert cs.message.startswith("A: v-prediction cannot train on rectified: switched Objective to ε-prediction")
    assert cs.config(cs.a).objective == "eps" and not cs.state.error


def test_new_data_clears_the_arms(trained):
    cs = _compare()
    assert cs.train_both()
    _finish(cs)
    cs.state.dataset = "moons"
    assert all(arm.model is None and arm.run is None and arm.losses == [] for arm in cs.arms)
    assert not cs.training and "Train both" in cs.message


def test_shutdown_stops_a_running_pair():
    cs = _compare()
    cs.train_steps = 5000
    assert cs.train_both()
    time.sleep(0.2)
    cs.shutdown()
    assert not any(job.alive for job in cs._jobs.values())


def test_the_view_draws_the_state_without_a_server():
    """CompareView's watchers fill its Bokeh sources from the state (no browser, no periodic callback needed)."""
    import panel as pn

    from explorer.ui.views.compare_view import CompareView

    view = CompareView(state=ExplorerState(dataset="three_dots"))
    view.compare.train_steps = 30
    with pn.io.hold():
        assert view.compare.train_both()
    _finish(view.compare)
    parts = view._arm_parts
    assert len(parts["A"]["store"].data["t"][0]) == 11 and len(parts["B"]["store"].data["t"][0]) == 51
    assert [len(view._loss[lab].data["step"]) for lab in "AB"] == [3, 3]
    shown = html.unescape(re.sub(r"<[^>]+>", "", view._result.object))  # the verdict, bold letters and arrow
    assert shown == view.compare.message == view.compare.verdict() and parts["A"]["hint"].text == ""
    assert parts["A"]["fig"].title.text == "A: flow matching · rectified · Heun, 10 steps"
    view.compare.b.sampler = "sde"
    assert parts["B"]["knobs"]["noise"].visible and not parts["B"]["knobs"]["eta"].visible
    assert parts["B"]["store"].data["t"][0][0] == 1.0


def _quality(ratio: float, noise: float = 0.1) -> dict:
    verdict = "generalises" if ratio <= 3 else "not learned"
    return {"verdict": verdict, "ratio": ratio, "noise": noise, "copied": 0.02, "reference": "fresh",
            "to_training": 0.01}


@pytest.mark.parametrize("a,b,expected", [
    (1.5, 8.0, "→ A is closer"),
    (8.0, 1.5, "→ B is closer"),
    (8.0, 7.5, "→ a tie at this sample size"),  # within 10 %
    (8.0, 7.1, "→ B is closer"),  # 11 % apart, more than 2 noise
    (1.05, 1.2, "→ a tie at this sample size"),  # both within 2 noise of each other
    (1.05, 1.35, "→ A is closer"),
])
def test_the_verdict_follows_the_numbers(a, b, expected):
    cs = _compare()
    cs.a.quality, cs.b.quality = _quality(a), _quality(b)
    line = cs.verdict()
    assert line.startswith(f"A: {describe(cs.a.quality).rstrip('.')} · B: {describe(cs.b.quality).rstrip('.')} →")
    assert expected in line and line.count("→") == 1 and "floor" not in line


def test_an_untrained_arm_is_named():
    cs = _compare()
    cs.b.quality = _quality(1.0)
    assert cs.verdict() == "A: not trained · B: generalises: indistinguishable from the data (within noise; " \
                           "a fresh draw reads 1.0 ± 0.1)"

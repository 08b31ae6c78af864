"""The "Steps vs quality" tab without a browser: the sweep runs in the background, each run judged by the library
as the dashboard's quality line is, and its view draws one line per sampler and grid with the noise band."""
from __future__ import annotations

import time
import weakref

import numpy as np
import pytest

from explorer.core.metrics import energy_distance, quality
from explorer.core.samplers import SamplingSettings, sample
from explorer.core.timegrids import TIME_GRIDS
from explorer.core.verdict import LEARNED_EXCESS, NOISE_BAND, VERDICTS, describe
from explorer.studies.sweeps import runnable
from explorer.ui.session import sweep_state
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.sweep_state import SweepState


def _finish(sw: SweepState, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while sw.running and time.monotonic() < deadline:
        sw.poll()
        time.sleep(0.05)
    assert not sw.running, "the sweep did not finish"


def test_the_sweep_judges_every_run_as_the_dashboard_does():
    state = ExplorerState(dataset="three_dots")
    sw = SweepState(state=state, levels=(1, 4), include_oracle=True)
    assert sw.start() and sw.running
    _finish(sw)
    net, exact = sw.result["network"], sw.result["oracle"]
    assert {(p.sampler, p.grid) for p in net.points} == {(s, g) for s in runnable(state.model) for g in TIME_GRIDS}
    assert "jump" not in runnable(state.model)  # the jump sampler runs flow maps only
    assert exact is not None and len(exact.points) == len(net.points)
    # each run carries the library's verdict on its samples, the same numbers the dashboard's line would show
    fresh = state.reference()
    for p in net.points[::7]:
        ref = quality(p.samples, state.data, fresh)  # (on the kept samples: the same test, fewer points)
        assert p.quality["verdict"] in VERDICTS and p.score == p.quality["ratio"]
        assert p.distance == pytest.approx(energy_distance(sweep_samples(state, p), fresh), rel=1e-9)
        assert ref["noise"] == pytest.approx(sw.noise, rel=1e-9)  # the same at any sample size
    best = net.best(4)
    assert best.score == min(p.quality["ratio"] for p in net.points)
    # the message says the best runs' verdicts in the dashboard's words, with no ratio to a floor
    assert sw.message.startswith("Best:\n\n- ≤ 2 evaluations: **") and "floor" not in sw.message
    assert f"({best.nfe} NFE): {describe(best.quality)}" in sw.message
    one_step = [p.score for p in net.points if p.nfe == 1]
    assert min(one_step) > best.score  # 4 evaluations beat 1
    assert any(p.quality["verdict"] == "memorises" for p in exact.points)  # the exact denoiser copies points
    assert not sw.is_stale()
    state.dataset = "moons"
    assert sw.is_stale()


def sweep_samples(state, point):
    """The run's full samples again (the sweep keeps only the first 300): the same noise, settings and model."""
    return sample(state.model, n=sweep_state.N_SAMPLES, seed=0,
                  settings=SamplingSettings.make(point.sampler, point.steps, point.grid)).samples


def test_the_view_draws_a_line_per_sampler_and_grid():
    from explorer.ui.views.sweep_view import FLOOR_Y, SweepView

    view = SweepView(state=ExplorerState(dataset="three_dots"))
    view.sweep.levels = (1, 2)
    assert view.sweep.start()
    _finish(view.sweep)
    lines, pts = view._lines.data, view._points.data
    assert len(lines["xs"]) == len(runnable(view.state.model)) * len(TIME_GRIDS)
    assert len(pts["x"]) == len(view.sweep.result["network"].points)
    m = view._store.data["m"][0]
    assert m == 300 and len(view._store.data["x"][0]) == m * len(pts["x"])
    runs = view.sweep.result["network"].points
    assert pts["y"] == [max(p.score, FLOOR_Y) for p in runs]  # the library's ratio, as in the message
    noise = view.sweep.noise
    assert (view._band.bottom, view._band.top) == pytest.approx((max(1 - 2 * noise, FLOOR_Y), 1 + 2 * noise))
    assert view._learned.location == pytest.approx(1 + max(LEARNED_EXCESS, NOISE_BAND * noise))
    assert view._fig.yaxis[0].axis_label == "distance to the data (1 = another draw)"
    k = pts["k"][3]  # the hover store holds each run's samples at its index
    np.testing.assert_array_equal(view._store.data["x"][0][k * m:(k + 1) * m],
                                  view.sweep.result["network"].points[3].samples[:, 0])


def test_a_model_is_needed_and_a_failure_reaches_the_page(monkeypatch):
    state = ExplorerState(dataset="three_dots")
    state.model = None
    sw = SweepState(state=state)
    assert not sw.start() and "no model" in state.error

    def broken(*args, **kwargs):
        return 1 / 0

    state = ExplorerState(dataset="three_dots")
    sw = SweepState(state=state, levels=(1,))
    assert sw.start()
    _finish(sw)
    kept = sw.result
    assert kept["network"].points and not state.error
    monkeypatch.setattr(sweep_state, "sweep", broken)
    assert sw.start()
    _finish(sw)
    assert state.error == "The sweep failed: ZeroDivisionError: division by zero"
    assert sw.message == "The sweep failed." and sw.result is kept  # the last good sweep is still shown


def test_the_estimate_counts_the_exact_denoiser_and_grids_keep_the_legends_spelling(monkeypatch):
    """Issue 24, item 10: "about 10 s" whether or not the exact denoiser is swept, and "log-snr" in the verdict
    where the legend says "log-SNR". The timing is made exact, so the message's sum is
    checked, not the machine's load (timed under CI, both came out "about 20 s" once rounded to 5 s); half a
    second per level swept keeps both sums under 10 s, which the message gives to the second."""
    import re

    from explorer.studies.sweeps import SweepPoint, SweepResult

    monkeypatch.setattr(sweep_state, "estimate_seconds", lambda denoiser, target, nfe, n: 0.5 * len(nfe))
    monkeypatch.setattr(sweep_state, "_TIMED", weakref.WeakKeyDictionary())  # no timing kept from another test
    state = ExplorerState(dataset="moons")
    sw = SweepState(state=state)
    alone = re.search(r"\(about (\d+) s\)\.$", sw.message)
    sw.include_oracle = True
    both = re.search(r"and the exact denoiser at 1 to 32 \(about (\d+) s\)\.$", sw.message)
    assert alone and both, sw.message
    levels = list(sw.levels)
    oracle_levels = [b for b in levels if b <= sweep_state.ORACLE_MAX_NFE]
    assert int(alone[1]) == 0.5 * len(levels) and int(both[1]) == 0.5 * (len(levels) + len(oracle_levels))
    point = SweepPoint("dpmpp2m", "logsnr", 2, 2, 0.01, np.zeros((1, 2), np.float32))
    sw.result = {"network": SweepResult([point]), "oracle": None}
    assert "**DPM++ 2M**" in sw.describe() and "Uniform in log-SNR (2 NFE)" in sw.describe()
    assert "log-snr" not in sw.describe()
    sw.include_oracle = False  # after a sweep: its verdict stays, and what another one would take
    assert sw.message.startswith("Best") and re.search(r"Another sweep takes about \d+ s\.$", sw.message)


def test_the_sessions_flow_map_and_reflowed_model_are_swept_beside_it_on_the_same_noise():
    from explorer.ui.views.sweep_view import SweepView

    state = ExplorerState(dataset="three_dots", train_steps=150, width=32, n_samples=200)
    teacher = state.model
    assert state.start_reflow()
    state.jobs.wait(120)
    reflowed = state.model
    state.model = teacher  # back to the teacher (as an upload would): both of the session's others are swept
    assert state.start_distil()
    state.jobs.wait(120)
    flow = state.model
    assert flow.flow_map and state.lineage.companions(flow, state.data) == {"teacher": teacher, "reflowed": reflowed}
    state.model = teacher
    assert state.lineage.companions(teacher, state.data) == {"flow map": flow, "reflowed": reflowed}
    view = SweepView(state=state)
    sw = view.sweep
    sw.levels = (1, 2)
    assert sw.start()
    _finish(sw, timeout=120)
    jumps, euler = sw.result["flow map"], sw.result["reflowed"]
    runs = sorted(jumps.points, key=lambda p: p.nfe)
    assert [(p.sampler, p.nfe) for p in runs] == [("jump", k) for k in (1, 2, 4, 8)]
    assert {p.sampler for p in euler.points} == {"euler"} and {p.nfe for p in euler.points} == {1, 2, 4, 8}
    # the same noise as the shown model's runs: one jump of the flow map from the sweep's seed-0 noise
    one = next(p for p in jumps.points if p.nfe == 1)
    again = sample(flow, n=sweep_state.N_SAMPLES, seed=0, settings=SamplingSettings.make("jump", 1, "uniform"))
    np.testing.assert_array_equal(one.samples, again.samples[:len(one.samples)])
    teacher_run = sample(teacher, n=sweep_state.N_SAMPLES, seed=0, settings=SamplingSettings.make("euler", 1, None))
    np.testing.assert_array_equal(again.points[0], teacher_run.points[0])
    assert "**flow map** model (Jump, same noise)" in sw.message and "**reflowed** model" in sw.message
    # drawn bold in their own colours, with their own legend entries
    widths = view._lines.data["width"]
    assert sorted(widths)[-2:] == [4.0, 4.0] and widths.count(4.0) == 2
    assert [i.label.value for i in view._legend.items][-2:] == ["flow map, jumps", "reflowed, Euler"]

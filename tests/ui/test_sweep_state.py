"""The "Steps vs quality" tab without a browser: the sweep runs in the background, is scored against the
floor, and its view draws one line per sampler and grid."""
from __future__ import annotations

import time

import numpy as np
import pytest

from explorer.core.solvers import SAMPLERS
from explorer.core.timegrids import TIME_GRIDS
from explorer.ui.session import sweep_state
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.sweep_state import SweepState


def _finish(sw: SweepState, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while sw.running and time.monotonic() < deadline:
        sw.poll()
        time.sleep(0.05)
    assert not sw.running, "the sweep did not finish"


def test_the_sweep_scores_every_sampler_and_grid_against_the_floor():
    state = ExplorerState(dataset="three_dots")
    sw = SweepState(state=state, levels=(1, 4), include_oracle=True)
    assert sw.start() and sw.running
    _finish(sw)
    net, exact = sw.result["network"], sw.result["oracle"]
    assert {(p.sampler, p.grid) for p in net.points} == {(s, g) for s in SAMPLERS for g in TIME_GRIDS}
    assert exact is not None and len(exact.points) == len(net.points)
    assert sw.floor == pytest.approx(state.score(state.data[:1000])["floor"])
    best = net.best(4)
    assert f"at {sw.ratio(best.distance):.2g}× the floor" in sw.message and sw.message.startswith("Best at ≤ 2")
    one_step = [p.distance for p in net.points if p.nfe == 1]
    assert min(one_step) > best.distance  # 4 evaluations beat 1 for the pretrained model
    assert not sw.is_stale()
    state.dataset = "moons"
    assert sw.is_stale()


def test_the_view_draws_a_line_per_sampler_and_grid():
    from explorer.ui.views.sweep_view import SweepView

    view = SweepView(state=ExplorerState(dataset="three_dots"))
    view.sweep.levels = (1, 2)
    assert view.sweep.start()
    _finish(view.sweep)
    lines, pts = view._lines.data, view._points.data
    assert len(lines["xs"]) == len(SAMPLERS) * len(TIME_GRIDS)
    assert len(pts["x"]) == len(view.sweep.result["network"].points)
    m = view._store.data["m"][0]
    assert m == 300 and len(view._store.data["x"][0]) == m * len(pts["x"])
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


def test_the_estimate_counts_the_exact_denoiser_and_grids_keep_the_legends_spelling():
    """Issue 24, item 10: "about 10 s" whether or not the exact denoiser is swept, and "log-snr" in the verdict
    where the legend says "log-SNR"."""
    import re

    from explorer.studies.sweeps import SweepPoint, SweepResult

    state = ExplorerState(dataset="moons")
    sw = SweepState(state=state)
    alone = re.search(r"\(about (\d+) s\)\.$", sw.message)
    sw.include_oracle = True
    both = re.search(r"and the exact denoiser at 1 to 32 \(about (\d+) s\)\.$", sw.message)
    assert alone and both, sw.message
    assert int(both[1]) > int(alone[1])  # the exact denoiser's runs take time too
    point = SweepPoint("dpmpp2m", "logsnr", 2, 2, 0.01, np.zeros((1, 2), np.float32))
    sw.result = {"network": SweepResult([point]), "oracle": None}
    assert "**DPM++ 2M**" in sw.describe() and "Uniform in log-SNR (2 NFE)" in sw.describe()
    assert "log-snr" not in sw.describe()
    sw.include_oracle = False  # after a sweep: its verdict stays, and what another one would take
    assert sw.message.startswith("Best at") and re.search(r"Another sweep takes about \d+ s\.$", sw.message)

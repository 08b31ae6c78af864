"""The Guidance tab without a browser: measure precision and recall against w, stop, and say what to do first."""
from __future__ import annotations

import time

import numpy as np
import pytest

from explorer.ui.session.state import ExplorerState
from explorer.ui.views.guidance_view import GuidanceView


def _wait(view: GuidanceView, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while view.sweep.running and time.monotonic() < deadline:
        view.sweep.poll()
        time.sleep(0.05)
    assert not view.sweep.running


@pytest.fixture(scope="module")
def conditional():
    state = ExplorerState(dataset="three_dots", conditional=True, train_steps=500, n_samples=300, sample_steps=20)
    assert state.start_training()
    while state.training:
        state.poll()
        time.sleep(0.05)
    return state


def test_an_unconditional_model_gets_advice_not_a_button():
    view = GuidanceView(state=ExplorerState(dataset="moons"))
    assert view._run.disabled and "Train with classes" in view._message.object
    assert not view.sweep.start() and "needs a model trained with classes" in view.state.error


def test_measure_draws_precision_and_recall_per_class_against_w(conditional):
    view = GuidanceView(state=conditional)
    assert not view._run.disabled and "Press **Measure**" in view._message.object
    view.sweep.include_oracle = True
    view._start()
    _wait(view)
    net, exact = view.sweep.result["network"], view.sweep.result["oracle"]
    assert net.class_names == exact.class_names == ["top", "lower left", "lower right"]
    assert (net.precision[:, list(net.ws).index(1.0)] > 0.9).all()  # the classes are apart: w = 1 is on target
    assert (net.recall[:, -1] < net.recall[:, list(net.ws).index(1.0)]).all()  # w = 8 covers less of a class
    # two lines per class (precision, recall) for the network and for the exact denoiser
    lines = view._lines.data
    assert len(lines["xs"]) == 12 and lines["dash"][:2] == ["solid", "dashed"] and set(lines["dash"][6:]) == {"dotted"}
    np.testing.assert_allclose(lines["ys"][0], net.precision[0])
    assert [i.label["value"] for i in view._legend.items][-3:] == ["precision", "recall", "exact denoiser"]
    assert view._message.object.startswith("**Network:** top: precision")
    conditional.guidance = 3.0
    assert view._w_span.location == 3.0
    conditional.guidance = 1.0
    conditional.guide = "snapshot at step 200"  # autoguidance: the next sweep guides away from that snapshot
    assert "guided away from snapshot at step 200" in view._message.object
    conditional.guide = conditional.param.guide.objects[0]

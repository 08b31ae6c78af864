"""The quality line of a conditional model: samples asked for one class are scored against that class's points
(and that class's share of a fresh draw), and the line says which class; otherwise against every point."""
from __future__ import annotations

import numpy as np
import pytest

from explorer.core.metrics import quality
from explorer.core.verdict import describe
from explorer.data import datasets
from explorer.data.labels import label_points
from explorer.training.config import TrainConfig
from explorer.training.training import train
from explorer.ui.session.sampling import ALL, NO_CLASS
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.quality_view import QualityView


@pytest.fixture(scope="module")
def moons_model():
    data, labels = datasets.load_labelled("moons", n=2000, seed=0)
    return train(data, TrainConfig(steps=600), labels=labels, class_names=datasets.class_names("moons"))


@pytest.fixture
def state(moons_model):
    s = ExplorerState(dataset="moons", n_samples=600, sample_steps=30)
    s.use_model(moons_model)
    return s


def test_samples_of_one_class_are_scored_against_that_class(state):
    view = QualityView(state=state)
    state.label = "lower moon"
    q, samples = state.quality, state.run.samples
    assert q["class"] == "lower moon" and q["verdict"] == "generalises", q
    assert "<b>Network</b>: lower moon: generalises" in view._pane.object
    # What the line said before: the same samples against every point read "not learned" (half the shape missing).
    everything = quality(samples, state.data, state.reference())
    assert everything["verdict"] == "not learned" and everything["ratio"] > 3 * q["ratio"]
    # ... and against the class's own points (training and fresh) it is the same number the state shows.
    lower = state.data[state.labels == 1]
    fresh = state.reference()
    own = quality(samples, lower, fresh[label_points("moons", fresh) == 1])
    assert own["ratio"] == pytest.approx(q["ratio"]) and own["to_training"] == pytest.approx(q["to_training"])


def test_no_class_or_every_class_is_scored_against_every_point(state):
    for label in (ALL, NO_CLASS):
        state.label = label
        q = state.quality
        assert q["class"] is None
        assert q["to_training"] == pytest.approx(quality(state.run.samples, state.data)["to_training"])
    state.label = ALL  # each sample asks for a class, in the data's proportions: the whole shape
    assert state.quality["verdict"] == "generalises"
    assert describe(state.quality).startswith("generalises: ")


def test_a_class_the_data_does_not_have_is_scored_against_every_point(state, moons_model):
    state.label = "upper moon"
    assert state.quality["class"] == "upper moon"
    state.labels = None  # data with no classes (an upload, say): nothing to restrict to
    state.recompute()
    assert state.quality["class"] is None
    assert np.isfinite(state.quality["ratio"])

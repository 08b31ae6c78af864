"""An uploaded conditional model brings its own classes: "Ask for" lists them (not the selected dataset's), and
picking one conditions the sampling. A model saved without class names offers "class 1" .. "class k"."""
from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.training import checkpoints
from explorer.training.config import TrainConfig
from explorer.training.training import train
from explorer.ui.session.sampling import ALL, NO_CLASS
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.controls import Controls
from explorer.ui.views.export_view import ExportView


@pytest.fixture(scope="module")
def two_colours():
    """The files of a model of two colours: red points on the left, blue on the right."""
    rng = np.random.default_rng(0)
    left = rng.normal((-1.5, 0.0), 0.3, (400, 2))
    right = rng.normal((1.5, 0.0), 0.3, (400, 2))
    model = train(np.concatenate([left, right]).astype(np.float32), TrainConfig(steps=300, width=64),
                  labels=np.repeat([0, 1], 400), class_names=["red", "blue"])
    weights, config = checkpoints.to_bytes(model)
    return {"model.safetensors": weights, "config.json": config}


def _upload(files) -> ExportView:
    view = ExportView(state=ExplorerState(dataset="smiley", n_samples=400, sample_steps=20))
    assert view.state.param.label.objects == [NO_CLASS, ALL, "face", "eyes", "mouth"]
    assert view.load_model(files), view.state.error
    return view


def test_ask_for_lists_the_uploaded_models_classes_and_conditions_sampling(two_colours):
    view = _upload(two_colours)
    s = view.state
    assert s.param.label.objects == [NO_CLASS, ALL, "red", "blue"]
    assert list(Controls(state=s).label.options) == [NO_CLASS, ALL, "red", "blue"]  # the sidebar's menu
    s.label = "red"
    assert set(s.run_labels) == {0} and s.run.samples[:, 0].mean() < -1.0
    s.label = "blue"
    assert set(s.run_labels) == {1} and s.run.samples[:, 0].mean() > 1.0
    s.label = ALL  # smiley's labels are not this model's classes: equal shares of red and blue
    assert 0.4 < (s.run_labels == 1).mean() < 0.6
    assert "eyes" not in s.param.label.objects and s.error == ""


def test_a_model_without_class_names_offers_class_1_to_k(two_colours):
    meta = json.loads(two_colours["config.json"])
    del meta["class_names"]
    s = _upload({**two_colours, "config.json": json.dumps(meta).encode()}).state
    assert s.param.label.objects == [NO_CLASS, ALL, "class 1", "class 2"]
    s.label = "class 2"
    assert set(s.run_labels) == {1} and s.run.samples[:, 0].mean() > 1.0


def test_back_to_a_built_in_set_the_menu_follows_its_model(two_colours):
    s = _upload(two_colours).state
    s.label = "blue"
    s.dataset = "moons"  # loads moons' pretrained (unconditional) model: the data's classes again
    assert s.param.label.objects == [NO_CLASS, ALL, "upper moon", "lower moon"] and s.label == ALL

"""The sidebar with flow maps (views/controls.py), without a browser: the Sampler menu offers Jump only while the shown
model is a flow map (the registry's SamplerSpec.supports), the note under a flow-map objective says what it implies,
and the Distil button refuses what cannot be distilled with the reason, keeping the model."""
from __future__ import annotations

from explorer.training.model import DiffusionModel
from explorer.ui.session.state import ExplorerState
from explorer.ui.views.controls import Controls


def test_jump_is_offered_only_for_a_flow_map_and_the_menu_says_why():
    s = ExplorerState(n_samples=100)
    c = Controls(state=s)
    velocity = s.model
    assert "jump" not in c.sampler.options.values() and "heun" in c.sampler.options.values()
    assert "Jump is not offered" in c.sampler.description and "press Distil" in c.sampler.description
    s.model = DiffusionModel(s.setup.train_config(objective="meanflow"))  # an (untrained) flow map
    assert s.sampler == "jump" and c.sampler.value == "jump" and "jump" in c.sampler.options.values()
    assert "not offered" not in c.sampler.description
    s.model = velocity
    assert s.sampler == "heun" and c.sampler.value == "heun" and "jump" not in c.sampler.options.values()
    assert not s.error


def test_the_note_follows_a_flow_map_objective():
    s = ExplorerState(n_samples=100)
    c = Controls(state=s)
    assert not c._flow_note.visible
    s.objective = "consistency"
    assert c._flow_note.visible and "rectified flow" in c._flow_note.object and "without classes" in \
        c._flow_note.object and "to the data in one jump" in c._flow_note.object
    s.objective = "velocity"
    assert not c._flow_note.visible


def test_the_distil_button_refuses_a_flow_map_and_keeps_it():
    s = ExplorerState(n_samples=100)
    c = Controls(state=s)
    s.model = DiffusionModel(s.setup.train_config(objective="shortcut"))
    model, run = s.model, s.run
    c.distil.clicks += 1
    assert "already a flow map" in s.error and not s.training and s.model is model and s.run is run

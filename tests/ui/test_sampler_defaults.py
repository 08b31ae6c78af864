"""Switching the sampler in the dashboard takes that sampler's own default steps and time grid (the registry's
SamplerSpec.default_steps / default_grid), in one re-sample; a link that names the steps or the grid keeps them."""
from __future__ import annotations

import pytest

from explorer.core.solvers import SAMPLERS
from explorer.ui.session.state import ExplorerState
from explorer.ui.session.url_state import apply_setup


@pytest.fixture
def state():
    return ExplorerState(dataset="moons", n_samples=100)


def test_each_sampler_brings_its_own_steps_and_grid_in_one_run(state):
    runs = []
    state.param.watch(lambda e: runs.append(e.new), "run")
    for name in ["ddpm", "dpmpp2m", "sde", "euler", "pc", "heun"]:
        spec = SAMPLERS[name]
        before = len(runs)
        state.sampler = name
        assert (state.sample_steps, state.grid) == (spec.default_steps, spec.default_grid), name
        run = state.run
        assert run.sampler == name and len(run.times) == spec.default_steps + 1, name
        assert len(runs) - before == 1, name  # the sampler, steps and grid together: one run, not three
    assert (SAMPLERS["ddpm"].default_steps, SAMPLERS["dpmpp2m"].default_grid) == (100, "logsnr")


def test_steps_set_by_hand_stay_until_the_next_switch(state):
    state.sampler = "ddpm"
    state.sample_steps = 30
    state.eta = 0.3  # another sampler's knob: nothing changes
    assert state.sample_steps == 30 and len(state.run.times) == 31
    state.sampler = "ddim"
    assert state.sample_steps == SAMPLERS["ddim"].default_steps


def test_a_link_that_names_the_steps_or_grid_keeps_them(state):
    assert apply_setup(state, "?sampler=ddpm&sample_steps=50") == []
    assert (state.sampler, state.sample_steps, state.grid) == ("ddpm", 50, "uniform")
    assert apply_setup(state, "?sampler=dpmpp2m&grid=karras") == []
    assert (state.sample_steps, state.grid) == (SAMPLERS["dpmpp2m"].default_steps, "karras")
    assert apply_setup(state, "?sampler=sde") == []  # a link with the sampler only: its defaults
    assert (state.sample_steps, state.grid) == (SAMPLERS["sde"].default_steps, SAMPLERS["sde"].default_grid)


def test_the_jump_sampler_on_a_model_without_a_map_says_so_and_keeps_the_run(state):
    """The Sampler select offers every registered sampler; "jump" needs a flow map (docs/flow_maps.md): an ordinary
    model gets a clear message (a notification) and keeps its last good run; another sampler runs again."""
    good = state.run
    state.sampler = "jump"
    assert "jump sampler needs a flow map" in state.error and "choose another sampler" in state.error
    assert state.run is good and state.run.sampler == "heun"
    state.sampler = "euler"
    assert state.run is not good and state.run.sampler == "euler"

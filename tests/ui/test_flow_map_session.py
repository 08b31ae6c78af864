"""A session with flow maps (explorer/ui/session/flow_maps.py, state.start_distil): the sidebar trains MeanFlow,
shortcut and consistency models on rectified flow only and without classes, a flow map is shown with the jump
sampler, a velocity model never keeps it, and Distil turns the shown model into a flow map in the background.
Budgets are small (200 steps, narrow nets)."""
from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from explorer.core.solvers import SAMPLERS
from explorer.training.model import DiffusionModel
from explorer.ui.session.flow_maps import distil_problem, sampler_switch
from explorer.ui.session.state import ExplorerState

FAST = {"n_samples": 200, "train_steps": 200, "width": 32}


def _finish(state: ExplorerState, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while state.training:
        assert time.monotonic() < deadline, f"training did not finish within {timeout} s"
        state.poll()
        time.sleep(0.02)


def test_a_flow_map_objective_moves_the_schedule_to_rectified_and_says_so():
    s = ExplorerState(**FAST)
    s.schedule = "cosine"
    assert s.objective == "velocity"  # velocity trains on cosine too: nothing moved
    s.objective = "shortcut"
    assert s.schedule == "rectified"
    assert "switched Schedule to Rectified flow" in s.status
    s.schedule = "linear"  # a flow map cannot train on it: the objective moves instead
    assert s.objective != "shortcut" and not s.setup.train_config().objective == "shortcut"


@pytest.mark.parametrize("objective", ["meanflow", "consistency"])
def test_training_a_flow_map_shows_it_with_jumps_and_a_velocity_model_goes_back_to_heun(objective):
    s = ExplorerState(**FAST)
    pretrained, run = s.model, s.run
    s.objective = objective
    assert s.start_training()
    assert s.model is pretrained and s.run is run  # the last model stays while the new one trains
    _finish(s)
    assert s.model.flow_map and s.model.objective == objective
    assert s.sampler == "jump" and s.sample_steps == SAMPLERS["jump"].default_steps
    assert s.run.settings.sampler == "jump" and s.run.nfe == SAMPLERS["jump"].default_steps
    assert "sampled with Jump" in s.status and not s.error
    assert s.training_progress.losses[-1][0] == 200  # the loss curve streamed to the end
    s.sample_steps = 1  # one jump: one network call, the samples are the jump from the noise
    assert s.run.nfe == 1 and len(s.run.times) == 2
    with torch.no_grad():
        _, x0 = s.model.jump(torch.as_tensor(s.run.points[0]), 1.0, 0.0)
    np.testing.assert_allclose(s.run.samples, x0.numpy(), atol=1e-5)
    s.sampler = "heun"  # a flow map still runs the ODE through u(x, t, t)
    assert s.run.settings.sampler == "heun" and not s.error
    s.sampler = "jump"
    s.objective = "velocity"
    assert s.start_training()
    _finish(s)
    assert not s.model.flow_map and s.sampler == "heun" and s.run.settings.sampler == "heun"
    assert "cannot jump" in s.status and not s.error


def test_a_flow_map_refuses_classes_and_another_source_and_keeps_the_model():
    s = ExplorerState(**FAST)
    model, run = s.model, s.run
    s.param.update(objective="meanflow", conditional=True)
    assert not s.start_training()
    assert "takes no classes" in s.error and "Train with classes" in s.error
    s.error = ""
    s.param.update(conditional=False, source="moons")
    assert not s.start_training()
    assert "Gaussian noise" in s.error
    assert s.model is model and s.run is run and not s.training


def test_the_exact_denoiser_cannot_jump_so_it_runs_heun_and_says_so():
    s = ExplorerState(**FAST, objective="meanflow")
    assert s.start_training()
    _finish(s)
    s.use_oracle = True
    assert s.run.settings.sampler == "heun" and "exact denoiser has no jumps" in s.status and not s.error
    s.use_oracle = False
    assert s.run.settings.sampler == "jump"


def test_distil_trains_a_flow_map_of_the_shown_model_in_the_background():
    s = ExplorerState(**FAST, dataset="moons")
    teacher, run = s.model, s.run
    assert s.start_distil()
    assert s.training and s.model is teacher and s.run is run  # the teacher stays until the student is done
    _finish(s)
    student = s.model
    assert student is not teacher and student.flow_map and student.objective == "meanflow"
    assert student.log.steps_done == 200 and "distilled with meanflow" in student.log.message
    assert s.teacher() is teacher and s.teacher(teacher) is None
    assert s.sampler == "jump" and s.run.nfe == SAMPLERS["jump"].default_steps
    # the student learned the teacher's map, not only its samples: one jump lands nearer the teacher's own ODE
    # end point of the same noise than the end point of another noise is (a loose bound for 200 steps)
    noise = s.run.points[0][:200]
    from explorer.core.flow_maps import ode_map

    target = ode_map(teacher, noise, steps=50)
    with torch.no_grad():
        _, jumped = student.jump(torch.as_tensor(noise), 1.0, 0.0)
    err = np.linalg.norm(jumped.numpy() - target, axis=1).mean()
    other = np.linalg.norm(np.roll(target, 1, axis=0) - target, axis=1).mean()
    assert err < 0.5 * other, (err, other)


def test_distil_is_refused_with_the_reason_and_loses_nothing():
    s = ExplorerState(**FAST)
    model, run = s.model, s.run
    s.param.update(objective="eps", schedule="cosine", train_steps=20)
    assert s.start_training()
    _finish(s)
    eps_model, eps_run = s.model, s.run
    assert not s.start_distil()
    assert "rectified flow" in s.error and s.model is eps_model and s.run is eps_run
    assert distil_problem(None).startswith("There is no model")
    s.error = ""
    assert s.start_training()
    assert not s.start_distil() and "Stop first" in s.error
    _finish(s)
    assert model is not s.model and run is not s.run


def test_distil_refuses_a_conditional_model_and_a_flow_map():
    s = ExplorerState(**{**FAST, "train_steps": 20}, conditional=True)
    assert s.start_training()
    _finish(s)
    assert s.model.classes and not s.start_distil() and "without classes" in s.error
    assert "already a flow map" in distil_problem(DiffusionModel(_flow_config(s)))


def _flow_config(s):
    return s.setup.train_config(objective="meanflow", schedule="rectified")


def test_a_stopped_distillation_keeps_the_teacher():
    s = ExplorerState(**{**FAST, "train_steps": 5000})
    teacher, run = s.model, s.run
    assert s.start_distil()
    s.stop_training()
    _finish(s)
    assert s.model is teacher and s.run is run and s.sampler == "heun"


def test_the_sampler_follows_only_a_change_of_the_models_kind():
    s = ExplorerState(**FAST)
    velocity = s.model
    flow = DiffusionModel(_flow_config(s))
    assert sampler_switch("heun", velocity, flow)["sampler"] == "jump"
    assert sampler_switch("euler", flow, flow) == {}  # a flow map sampled with Euler on purpose stays so
    assert sampler_switch("jump", flow, velocity)["sampler"] == "heun"
    assert sampler_switch("ddim", flow, velocity) == {}


def test_training_steps_follow_a_flow_maps_recipe_unless_the_user_set_them():
    from explorer.training.flow_recipes import FLOW_MAP_RECIPES
    from explorer.ui.session.setup import MAX_TRAIN_STEPS, Setup

    s = ExplorerState(n_samples=100)
    default = Setup.param.train_steps.default
    assert s.train_steps == default
    s.objective = "meanflow"
    assert s.train_steps == min(FLOW_MAP_RECIPES["meanflow"]["steps"], MAX_TRAIN_STEPS) != default
    assert f"Training steps: {s.train_steps}, the measured recipe for MeanFlow" in s.status
    s.objective = "velocity"
    assert s.train_steps == default and "back to" in s.status and "switched" not in s.status
    s.train_steps = 700  # the user's own number stays
    s.objective = "consistency"
    assert s.train_steps == 700 and "Training steps" not in s.status
